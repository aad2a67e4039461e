"""Pure formulas behind every published figure (specified in the shared METHODOLOGY.md).

These functions decide officials' rankings, so they are kept free of Django and the ORM: the services
feed them counts and store what they return, and the tests check them against hand-computed tables.

Exactness: counts are ints, rates are `fractions.Fraction`, points are `Fraction`; nothing is rounded
until `display`/`display_percent`. Only the Wilson interval and the margin of error, which involve a
square root, are floats. Rule parameters (thresholds, band fractions, points) refuse floats, because a
float such as 0.1 is not the decimal the province wrote down.

Percentages are never averaged silently: pooling adds `Tally` counts, and the one figure that averages
rates (the SIPAS index, "mean_of_elements") names that method on its result.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

# The answer vocabulary is defined with the questionnaires; re-exported here because every formula
# speaks it, so callers of the methodology need one import.
from surveys.scales import (
    FIVE_LEVEL,
    INDEX_ELEMENTS,
    NO_ANSWER,
    THREE_LEVEL,
    Bucket,
    DataError,
    Element,
    Level,
    Scale,
    bucket_of,
    from_one_stop_code,
    to_one_stop_code,
)

__all__ = [
    "DEFAULT_MINIMUM_N",
    "FIVE_LEVEL",
    "INDEX_AGGREGATIONS",
    "INDEX_ELEMENTS",
    "NAM_DONG_2024",
    "NO_ANSWER",
    "SLOVIN_5_PERCENT",
    "SON_TAY_2017",
    "THREE_LEVEL",
    "Z_95",
    "AlertReason",
    "BandQuotaRule",
    "Bucket",
    "DataError",
    "Exact",
    "DissatisfactionProfile",
    "Element",
    "Figure",
    "IndexAggregation",
    "Level",
    "Method",
    "Note",
    "QuotaAttainment",
    "QuotaBand",
    "QuotaRule",
    "ReasonShare",
    "RuleError",
    "Scale",
    "SlovinQuotaRule",
    "StaffAlert",
    "Tally",
    "bucket_of",
    "display",
    "display_percent",
    "dissatisfaction_profile",
    "dissatisfaction_profile_from_counts",
    "element_figure",
    "from_one_stop_code",
    "margin_of_error",
    "mean_score_figure",
    "pool",
    "quota_attainment",
    "rate_figure",
    "register_index_aggregation",
    "sipas_index",
    "slovin_sample_size",
    "staff_alert",
    "to_one_stop_code",
    "wilson_interval",
]

#: Two-sided 95 % normal quantile, to the precision statistical tables use.
Z_95: Final = 1.959963984540054
#: Below this many valid answers a figure is flagged "too few answers" and kept out of rankings.
DEFAULT_MINIMUM_N: Final = 30

type Exact = Fraction | Decimal | int | str
"""What rule parameters accept: anything that converts to a Fraction without guessing."""


class RuleError(ValueError):
    """A rule (band table, threshold, aggregation) is malformed; raised when the rule is built."""


def exact_value(value: object, what: str) -> Fraction:
    # Floats are refused rather than converted: Fraction(0.1) is not 1/10, and a silent repr() round
    # trip would hide that the rule was typed as a float somewhere upstream.
    if isinstance(value, bool | float):
        raise RuleError(f"{what} must be an exact number (Fraction, Decimal, int or str), not {value!r}")
    if isinstance(value, Fraction | Decimal | int | str):
        try:
            return Fraction(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):  # "thirty", Decimal("NaN"), Decimal("Infinity")
            raise RuleError(f"{what} is not a finite number: {value!r}") from None
    raise RuleError(f"{what} must be an exact number (Fraction, Decimal, int or str), not {value!r}")


def count_value(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataError(f"{what} must be a non-negative whole number, got {value!r}")
    return value


def minimum_value(value: object, what: str = "minimum_n") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(f"{what} must be a non-negative whole number, got {value!r}")
    return value


def percent_text(value: Fraction) -> str:
    """Human-readable percentage for error messages (never used for published figures)."""
    return f"{display_percent(value).normalize():f} %"


# --------------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------------


def display(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """Round half away from zero to `places` decimals, exactly; the only place figures are rounded.

    Done on the Fraction rather than through Decimal division, whose context precision would round
    once before quantize rounds again.
    """
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise ValueError(f"places must be a non-negative whole number, got {places!r}")
    exact = Fraction(value) * 10**places
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    rounded = magnitude if exact >= 0 else -magnitude
    return Decimal(rounded).scaleb(-places)


def display_percent(rate: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """A rate (fraction of 1) as a percentage rounded for display: 2/3 → 66.67."""
    return display(Fraction(rate) * 100, places)


# --------------------------------------------------------------------------------------------------
# Tallies
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """Answer counts for one question, element or unit; tallies pool by addition, never by averaging.

    `score_sum`/`scored` feed the mean score and cover 5-level answers only, so pooling a 3-level
    question into an element changes its rate but not its mean score.
    """

    satisfied: int = 0
    neutral: int = 0
    unsatisfied: int = 0
    no_answer: int = 0
    score_sum: int = 0
    scored: int = 0

    def __post_init__(self) -> None:
        for name in ("satisfied", "neutral", "unsatisfied", "no_answer", "score_sum", "scored"):
            count_value(getattr(self, name), f"Tally.{name}")
        if self.scored > self.valid:
            raise DataError(f"Tally.scored ({self.scored}) exceeds the valid answers ({self.valid})")
        if not self.scored <= self.score_sum <= 5 * self.scored:
            raise DataError(
                f"Tally.score_sum ({self.score_sum}) is impossible for {self.scored} scores of 1–5"
            )

    @classmethod
    def from_answers(cls, scale: Scale, values: Iterable[int | None]) -> Tally:
        """Count raw answers of one scale (None = no answer)."""
        counts: Counter[Bucket] = Counter()
        score_sum = scored = 0
        for value in values:
            bucket = bucket_of(scale, value)
            counts[bucket] += 1
            if scale.scored and value is not None:
                score_sum += value
                scored += 1
        return cls(
            satisfied=counts[Bucket.SATISFIED],
            neutral=counts[Bucket.NEUTRAL],
            unsatisfied=counts[Bucket.UNSATISFIED],
            no_answer=counts[Bucket.NO_ANSWER],
            score_sum=score_sum,
            scored=scored,
        )

    @property
    def valid(self) -> int:
        """Answers on a level; the denominator of every rate."""
        return self.satisfied + self.neutral + self.unsatisfied

    @property
    def total(self) -> int:
        return self.valid + self.no_answer

    @property
    def rate(self) -> Fraction | None:
        """Satisfied / valid, or None when nobody answered (a rate of 0 would be a false verdict)."""
        return Fraction(self.satisfied, self.valid) if self.valid else None

    @property
    def mean_score(self) -> Fraction | None:
        return Fraction(self.score_sum, self.scored) if self.scored else None

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(
            satisfied=self.satisfied + other.satisfied,
            neutral=self.neutral + other.neutral,
            unsatisfied=self.unsatisfied + other.unsatisfied,
            no_answer=self.no_answer + other.no_answer,
            score_sum=self.score_sum + other.score_sum,
            scored=self.scored + other.scored,
        )


def pool(tallies: Iterable[Tally]) -> Tally:
    """Sum of counts: how questions make an element and children make a parent unit."""
    total = Tally()
    for tally in tallies:
        total = total + tally
    return total


# --------------------------------------------------------------------------------------------------
# Wilson interval and figures
# --------------------------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None when n = 0.

    Wilson rather than the normal approximation because communes often have a few dozen answers and
    rates near 100 %, where p ± z·se runs past 1 and collapses to zero width at p = 1.
    """
    count_value(n, "n")
    count_value(successes, "successes")
    if successes > n:
        raise DataError(f"successes ({successes}) exceed n ({n})")
    if not (math.isfinite(z) and z > 0):
        raise RuleError(f"z must be a positive finite number, got {z!r}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At the edges the formula is exactly 0 or 1 in theory; pin them so float noise never shows.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True, slots=True)
class Method:
    """How a figure was computed: a stable code for translation and an English description."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class Note:
    """A caveat that must travel with a figure (e.g. shares summing past 100 %)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Figure:
    """A published number with what readers need to judge it: n, interval, minimum and method."""

    value: Fraction | None
    n: int
    interval: tuple[float, float] | None
    too_few: bool
    method: Method
    minimum_n: int = DEFAULT_MINIMUM_N
    notes: tuple[Note, ...] = ()


RATE_METHOD: Final = Method(
    "satisfaction_rate",
    "Satisfied answers (very satisfied + satisfied) divided by valid answers; 'no answer' excluded; "
    "95 % Wilson interval.",
)
ELEMENT_METHOD: Final = Method(
    "element_rate_pooled",
    "Answers to every question of the element pooled, then satisfied / valid; 95 % Wilson interval.",
)
MEAN_SCORE_METHOD: Final = Method(
    "mean_score",
    "Mean of 5-level answers scored 1-5; 3-level and 'no answer' answers excluded; no interval.",
)


def rate_figure(tally: Tally, *, minimum_n: int = DEFAULT_MINIMUM_N, method: Method = RATE_METHOD) -> Figure:
    """Satisfaction rate of a question or unit with its Wilson interval and too-few flag."""
    minimum_n = minimum_value(minimum_n)
    return Figure(
        value=tally.rate,
        n=tally.valid,
        interval=wilson_interval(tally.satisfied, tally.valid),
        too_few=tally.valid < minimum_n,
        method=method,
        minimum_n=minimum_n,
    )


def element_figure(question_tallies: Iterable[Tally], *, minimum_n: int = DEFAULT_MINIMUM_N) -> Figure:
    """Element rate pooled over its questions (each answer weighs the same, whatever its question).

    n counts answers, not respondents: five questions answered by six people give n = 30.
    """
    return rate_figure(pool(question_tallies), minimum_n=minimum_n, method=ELEMENT_METHOD)


def mean_score_figure(tally: Tally, *, minimum_n: int = DEFAULT_MINIMUM_N) -> Figure:
    """Secondary figure: mean 1–5 score. No interval, since the scores are ordinal, not measurements."""
    minimum_n = minimum_value(minimum_n)
    return Figure(
        value=tally.mean_score,
        n=tally.scored,
        interval=None,
        too_few=tally.scored < minimum_n,
        method=MEAN_SCORE_METHOD,
        minimum_n=minimum_n,
    )


# --------------------------------------------------------------------------------------------------
# SIPAS index: pluggable aggregation of element tallies
# --------------------------------------------------------------------------------------------------


type IndexAggregation = Callable[[Mapping[Element, Tally], int], Figure]
"""Receives tallies of index elements (validated, in INDEX_ELEMENTS order) and the minimum n."""

INDEX_AGGREGATIONS: Final[dict[str, IndexAggregation]] = {}


def register_index_aggregation(code: str, aggregation: IndexAggregation) -> None:
    """Add an aggregation method; codes are permanent, since publications cite them."""
    if not code or code in INDEX_AGGREGATIONS:
        raise RuleError(f"index aggregation {code!r} is empty or already registered")
    INDEX_AGGREGATIONS[code] = aggregation


def _mean_of_elements(elements: Mapping[Element, Tally], minimum_n: int) -> Figure:
    answered = {code: tally for code, tally in elements.items() if tally.valid}
    missing = [code.value for code in INDEX_ELEMENTS if code not in answered]
    notes: list[Note] = []
    if missing:
        notes.append(
            Note("elements_without_answers", "Elements without answers, left out: " + ", ".join(missing))
        )
    thin = [code.value for code, tally in answered.items() if tally.valid < minimum_n]
    if thin:
        notes.append(Note("elements_too_few", "Elements under the minimum n: " + ", ".join(thin)))
    rates = [tally.rate for tally in answered.values() if tally.rate is not None]
    return Figure(
        value=sum(rates, Fraction(0)) / len(rates) if rates else None,
        n=sum(tally.valid for tally in answered.values()),
        # No honest closed form: the elements are answered by the same people, so their errors are
        # correlated. Readers get each element's own interval instead.
        interval=None,
        # Every element weighs 1/k whatever its n, so one thin element is enough to make the index thin.
        too_few=not answered or bool(thin),
        method=Method(
            "mean_of_elements",
            "Unweighted mean of the element rates that have answers (each element pooled over its "
            "questions); n is the sum of their valid answers; no interval because elements share "
            "respondents; too few if any element is under the minimum.",
        ),
        minimum_n=minimum_n,
        notes=tuple(notes),
    )


def _pooled_all_answers(elements: Mapping[Element, Tally], minimum_n: int) -> Figure:
    figure = rate_figure(
        pool(elements.values()),
        minimum_n=minimum_n,
        method=Method(
            "pooled_all_answers",
            "Answers to every question of the five elements pooled, then satisfied / valid; elements "
            "with more questions weigh more; 95 % Wilson interval.",
        ),
    )
    return figure


register_index_aggregation("mean_of_elements", _mean_of_elements)
register_index_aggregation("pooled_all_answers", _pooled_all_answers)


def sipas_index[K: str](
    element_tallies: Mapping[K, Tally],
    *,
    method: str = "mean_of_elements",
    minimum_n: int = DEFAULT_MINIMUM_N,
) -> Figure:
    """SIPAS index of a unit from its pooled element tallies, by a named aggregation method.

    Only the five index elements are accepted; OVERALL is a separate question and mixing it in would
    change the index silently.
    """
    minimum_n = minimum_value(minimum_n)
    aggregation = INDEX_AGGREGATIONS.get(method)
    if aggregation is None:
        known = ", ".join(sorted(INDEX_AGGREGATIONS))
        raise RuleError(f"unknown index aggregation {method!r} (known: {known})")
    elements: dict[Element, Tally] = {}
    for code, tally in element_tallies.items():
        if code not in INDEX_ELEMENTS:
            raise DataError(f"{code!r} is not a SIPAS index element ({', '.join(INDEX_ELEMENTS)})")
        elements[Element(code)] = tally
    ordered: dict[Element, Tally] = {code: elements[code] for code in INDEX_ELEMENTS if code in elements}
    return aggregation(ordered, minimum_n)


# --------------------------------------------------------------------------------------------------
# Dissatisfaction profile
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReasonShare:
    reason: str
    count: int
    figure: Figure


@dataclass(frozen=True, slots=True)
class DissatisfactionProfile:
    """Share of unsatisfied responses that ticked each reason, largest first.

    `sums_past_100` is True when a multi-select made the shares add up to more than 100 %, which the
    chart must say out loud.
    """

    n: int
    shares: tuple[ReasonShare, ...]
    total_share: Fraction | None
    sums_past_100: bool
    too_few: bool
    method: Method


PROFILE_METHOD: Final = Method(
    "dissatisfaction_profile",
    "Share of unsatisfied responses that ticked each reason; a response counts each ticked reason "
    "once, so shares may add up to more than 100 %; 95 % Wilson interval per reason.",
)


def dissatisfaction_profile_from_counts(
    reason_counts: Mapping[str, int],
    *,
    responses: int,
    minimum_n: int = DEFAULT_MINIMUM_N,
) -> DissatisfactionProfile:
    """Profile from stored counts: `responses` unsatisfied responses, `reason_counts` ticks per reason."""
    minimum_n = minimum_value(minimum_n)
    count_value(responses, "responses")
    for reason, count in reason_counts.items():
        count_value(count, f"count of reason {reason!r}")
        if count > responses:
            raise DataError(f"reason {reason!r} ticked {count} times by only {responses} responses")
    ordered = sorted(reason_counts.items(), key=lambda item: (-item[1], item[0]))
    shares = tuple(
        ReasonShare(
            reason=reason,
            count=count,
            figure=Figure(
                value=Fraction(count, responses) if responses else None,
                n=responses,
                interval=wilson_interval(count, responses),
                too_few=responses < minimum_n,
                method=PROFILE_METHOD,
                minimum_n=minimum_n,
            ),
        )
        for reason, count in ordered
    )
    total = Fraction(sum(reason_counts.values()), responses) if responses else None
    return DissatisfactionProfile(
        n=responses,
        shares=shares,
        total_share=total,
        sums_past_100=total is not None and total > 1,
        too_few=responses < minimum_n,
        method=PROFILE_METHOD,
    )


def dissatisfaction_profile(
    unsatisfied_responses: Iterable[Iterable[str]], *, minimum_n: int = DEFAULT_MINIMUM_N
) -> DissatisfactionProfile:
    """Profile from raw responses, each the reasons one unsatisfied respondent ticked.

    A response that ticks nothing still counts in the denominator: it is an unsatisfied response.
    """
    counts: Counter[str] = Counter()
    responses = 0
    for reasons in unsatisfied_responses:
        if isinstance(reasons, str):
            raise DataError(f"a response must be a collection of reasons, not the string {reasons!r}")
        responses += 1
        counts.update(set(reasons))
    return dissatisfaction_profile_from_counts(counts, responses=responses, minimum_n=minimum_n)


# --------------------------------------------------------------------------------------------------
# Sample quotas
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuotaBand:
    """From `lower` transactions up to the next band's lower bound, collect `fraction` of them."""

    lower: int
    fraction: Fraction


def _describe_quota_band(index: int, band: QuotaBand) -> str:
    fraction = percent_text(band.fraction) if isinstance(band.fraction, Fraction) else repr(band.fraction)
    return f"band {index} (N >= {band.lower!r}, {fraction})"


@dataclass(frozen=True, slots=True)
class BandQuotaRule:
    """A province's quota as a band table over N; validated on construction so bad data never computes."""

    code: str
    bands: tuple[QuotaBand, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.bands:
            raise RuleError(f"quota rule {self.code}: needs at least one band")
        previous: QuotaBand | None = None
        for index, band in enumerate(self.bands, start=1):
            where = f"quota rule {self.code}: {_describe_quota_band(index, band)}"
            if isinstance(band.lower, bool) or not isinstance(band.lower, int) or band.lower < 0:
                raise RuleError(f"{where}: lower bound must be a non-negative whole number")
            if not isinstance(band.fraction, Fraction):
                raise RuleError(f"{where}: fraction must be a Fraction (use BandQuotaRule.from_table)")
            if not 0 < band.fraction <= 1:
                raise RuleError(f"{where}: fraction must be above 0 and at most 1")
            if previous is None and band.lower != 0:
                raise RuleError(f"{where}: the first band must start at N = 0")
            if previous is not None and band.lower <= previous.lower:
                raise RuleError(
                    f"{where}: lower bound must be above the previous band's ({previous.lower}); "
                    "bands must be in ascending order without overlap"
                )
            previous = band

    @classmethod
    def from_table(
        cls, code: str, table: Sequence[tuple[int, Exact]], description: str = ""
    ) -> BandQuotaRule:
        """Build from [(lower bound of N, required fraction)], fractions as Fraction, Decimal or str."""
        bands = tuple(
            QuotaBand(lower, exact_value(fraction, f"quota rule {code}: band {index} fraction"))
            for index, (lower, fraction) in enumerate(table, start=1)
        )
        return cls(code=code, bands=bands, description=description)

    def band_for(self, transactions: int) -> QuotaBand:
        count_value(transactions, "transactions")
        chosen = self.bands[0]
        for band in self.bands:
            if band.lower <= transactions:
                chosen = band
        return chosen

    def required(self, transactions: int) -> int:
        """ceil(N × fraction): a quota of 29.7 responses is met only by 30."""
        return math.ceil(transactions * self.band_for(transactions).fraction)


@dataclass(frozen=True, slots=True)
class SlovinQuotaRule:
    """The ministry's Slovin sample size n = N / (1 + N·e²), rounded up to a whole response."""

    code: str
    error: Fraction
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.error, Fraction) or not 0 < self.error < 1:
            raise RuleError(f"quota rule {self.code}: error e must be a Fraction above 0 and below 1")

    def required(self, transactions: int) -> int:
        return slovin_sample_size(transactions, self.error)


type QuotaRule = BandQuotaRule | SlovinQuotaRule


def slovin_sample_size(transactions: int, error: Exact = Fraction(1, 20)) -> int:
    """ceil(N / (1 + N·e²)), exactly; N = 1000, e = 5 % gives 285.7…, so 286."""
    count_value(transactions, "transactions")
    e = exact_value(error, "Slovin error e")
    if not 0 < e < 1:
        raise RuleError(f"Slovin error e must be above 0 and below 1, got {e}")
    return math.ceil(Fraction(transactions) / (1 + transactions * e * e))


SON_TAY_2017: Final = BandQuotaRule.from_table(
    "son_tay_2017", [(0, "0.30"), (100, "0.20")], "Sơn Tây 2017: N < 100 → 30 %; N ≥ 100 → 20 %."
)
NAM_DONG_2024: Final = BandQuotaRule.from_table(
    "nam_dong_2024",
    [(0, "0.50"), (100, "0.30"), (500, "0.20"), (1000, "0.10")],
    "Nam Dong 2024: N < 100 → 50 %; 100 ≤ N < 500 → 30 %; 500 ≤ N < 1000 → 20 %; N ≥ 1000 → 10 %.",
)
SLOVIN_5_PERCENT: Final = SlovinQuotaRule("slovin_5_percent", Fraction(1, 20), "Slovin, e = 5 % (ministry).")

#: The quota rules a unit or campaign may name, by code.
QUOTA_RULES: Final[dict[str, QuotaRule]] = {
    r.code: r for r in (NAM_DONG_2024, SON_TAY_2017, SLOVIN_5_PERCENT)
}


def margin_of_error(
    n: int, population: int, *, p: Fraction | float = Fraction(1, 2), z: float = Z_95
) -> float | None:
    """Half-width at 95 % with finite-population correction: z·√(p(1−p)/n)·√((N−n)/(N−1)).

    p = 0.5 is the worst case, which is what a quota table should promise. None when n = 0 (nothing
    measured) and 0 when the whole population answered (nothing left to estimate).
    """
    count_value(n, "n")
    count_value(population, "population")
    if n > population:
        raise DataError(f"sample ({n}) is larger than the population ({population})")
    if not 0 <= p <= 1:
        raise RuleError(f"p must be between 0 and 1, got {p}")
    if not (math.isfinite(z) and z > 0):
        raise RuleError(f"z must be a positive finite number, got {z!r}")
    if n == 0:
        return None
    if n == population:
        return 0.0
    pf = float(p)
    return z * math.sqrt(pf * (1 - pf) / n) * math.sqrt((population - n) / (population - 1))


@dataclass(frozen=True, slots=True)
class QuotaAttainment:
    """How far a unit is from its quota, with the precision its sample actually buys."""

    transactions: int
    collected: int
    required: int
    ratio: Fraction | None
    met: bool
    margin_of_error: float | None
    rule_code: str
    # More responses than transactions (walk-in kiosks) make the finite-population correction
    # meaningless, so the margin is withheld rather than invented.
    collected_exceeds_transactions: bool


def quota_attainment(rule: QuotaRule, *, transactions: int, collected: int) -> QuotaAttainment:
    """Collected / required (None when nothing is required) and whether the quota is met."""
    count_value(transactions, "transactions")
    count_value(collected, "collected")
    required = rule.required(transactions)
    exceeds = collected > transactions
    return QuotaAttainment(
        transactions=transactions,
        collected=collected,
        required=required,
        ratio=Fraction(collected, required) if required else None,
        met=collected >= required,
        margin_of_error=None if exceeds else margin_of_error(collected, transactions),
        rule_code=rule.code,
        collected_exceeds_transactions=exceeds,
    )


# --------------------------------------------------------------------------------------------------
# Staff alert (Nam Dong rule)
# --------------------------------------------------------------------------------------------------


class AlertReason(StrEnum):
    """Why no alert was raised; shown to the chairman so silence is never mistaken for good news."""

    TOO_FEW_ANSWERS = "too_few_answers"
    NOT_ABOVE_THRESHOLD = "not_above_threshold"


@dataclass(frozen=True, slots=True)
class StaffAlert:
    alert: bool
    share: Fraction | None
    n: int
    threshold: Fraction
    minimum: int
    reason: AlertReason | None


def staff_alert(tally: Tally, *, threshold: Exact = Fraction(1, 4), minimum: int = 10) -> StaffAlert:
    """Alert when (dissatisfied + very dissatisfied) / valid > threshold, with at least `minimum` answers.

    Strictly greater: the rule says "exceeds 25 %", so exactly 25 % does not alert.
    """
    limit = exact_value(threshold, "alert threshold")
    if not 0 <= limit < 1:
        raise RuleError(f"alert threshold must be at least 0 and below 1, got {limit}")
    minimum = minimum_value(minimum, "alert minimum")
    if minimum < 1:
        raise RuleError("alert minimum must be at least 1 answer")
    n = tally.valid
    share = Fraction(tally.unsatisfied, n) if n else None
    if n < minimum:
        reason: AlertReason | None = AlertReason.TOO_FEW_ANSWERS
    elif share is not None and share > limit:
        reason = None
    else:
        reason = AlertReason.NOT_ABOVE_THRESHOLD
    return StaffAlert(alert=reason is None, share=share, n=n, threshold=limit, minimum=minimum, reason=reason)
