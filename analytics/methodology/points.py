"""PAR Index points from published figures (METHODOLOGY.md): band tables, linear-to-threshold rules
and Decision 766's criterion 5.4. Pure functions, exact arithmetic, like the rest of the methodology.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from analytics.methodology.formulas import (
    Exact,
    Figure,
    Method,
    RuleError,
    count_value,
    exact_value,
    percent_text,
)
from surveys.scales import DataError

# --------------------------------------------------------------------------------------------------
# PAR Index points
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Points:
    """Points earned, exact; `rate` is what they were computed from."""

    value: Fraction
    maximum: Fraction
    rate: Fraction
    method: Method


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """No points can be computed (no denominator, too few answers); distinct from earning 0 points."""

    reason: str
    method: Method


def _check_rate(rate: Fraction) -> Fraction:
    if not isinstance(rate, Fraction) or not 0 <= rate <= 1:
        raise DataError(f"rate must be a Fraction between 0 and 1, got {rate!r}")
    return rate


@dataclass(frozen=True, slots=True)
class PointsBand:
    minimum_rate: Fraction
    points: Fraction


@dataclass(frozen=True, slots=True)
class BandPointsRule:
    """Points by rate band, e.g. ≥ 90 % → full points; a rate under the lowest band earns 0 points.

    Bands are in ascending order of minimum rate, and points may not fall as the rate rises: a table
    that paid less for a better rate would be a typo, and it would be paid out in someone's ranking.
    """

    code: str
    maximum: Fraction
    bands: tuple[PointsBand, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.maximum, Fraction) or self.maximum <= 0:
            raise RuleError(f"points rule {self.code}: maximum must be a positive Fraction")
        if not self.bands:
            raise RuleError(f"points rule {self.code}: needs at least one band")
        previous: PointsBand | None = None
        for index, band in enumerate(self.bands, start=1):
            if not isinstance(band.minimum_rate, Fraction) or not isinstance(band.points, Fraction):
                raise RuleError(
                    f"points rule {self.code}: band {index} must hold Fractions "
                    "(use BandPointsRule.from_table)"
                )
            where = (
                f"points rule {self.code}: band {index} "
                f"(rate >= {percent_text(band.minimum_rate)}, {band.points} points)"
            )
            if not 0 <= band.minimum_rate <= 1:
                raise RuleError(f"{where}: minimum rate must be between 0 % and 100 %")
            if band.points < 0:
                raise RuleError(f"{where}: points must not be negative")
            if band.points > self.maximum:
                raise RuleError(f"{where}: points exceed the maximum of {self.maximum}")
            if previous is not None:
                if band.minimum_rate == previous.minimum_rate:
                    raise RuleError(f"{where}: duplicate minimum rate")
                if band.minimum_rate < previous.minimum_rate:
                    raise RuleError(f"{where}: bands must be in ascending order of minimum rate")
                if band.points < previous.points:
                    raise RuleError(
                        f"{where}: points must not fall below the previous band's {previous.points}"
                    )
            previous = band

    @classmethod
    def from_table(
        cls, code: str, maximum: Exact, table: Sequence[tuple[Exact, Exact]], description: str = ""
    ) -> BandPointsRule:
        """Build from [(minimum rate as a fraction of 1, points)]."""
        bands = tuple(
            PointsBand(
                exact_value(minimum, f"points rule {code}: band {index} minimum rate"),
                exact_value(points, f"points rule {code}: band {index} points"),
            )
            for index, (minimum, points) in enumerate(table, start=1)
        )
        return cls(
            code=code,
            maximum=exact_value(maximum, f"points rule {code}: maximum"),
            bands=bands,
            description=description,
        )

    @property
    def method(self) -> Method:
        return Method(f"band:{self.code}", self.description or f"Points by rate band (rule {self.code}).")

    def points(self, rate: Fraction | None) -> Points | NotApplicable:
        if rate is None:
            return NotApplicable("no valid answers", self.method)
        rate = _check_rate(rate)
        earned = Fraction(0)
        for band in self.bands:
            if rate >= band.minimum_rate:
                earned = band.points
        return Points(value=earned, maximum=self.maximum, rate=rate, method=self.method)


@dataclass(frozen=True, slots=True)
class LinearPointsRule:
    """points = maximum × min(1, rate / threshold), the Decision 766 style."""

    code: str
    maximum: Fraction
    threshold: Fraction
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.maximum, Fraction) or self.maximum <= 0:
            raise RuleError(f"points rule {self.code}: maximum must be a positive Fraction")
        if not isinstance(self.threshold, Fraction) or not 0 < self.threshold <= 1:
            raise RuleError(
                f"points rule {self.code}: threshold must be a Fraction above 0 % and at most 100 %"
            )

    @classmethod
    def from_values(
        cls, code: str, maximum: Exact, threshold: Exact, description: str = ""
    ) -> LinearPointsRule:
        return cls(
            code=code,
            maximum=exact_value(maximum, f"points rule {code}: maximum"),
            threshold=exact_value(threshold, f"points rule {code}: threshold"),
            description=description,
        )

    @property
    def method(self) -> Method:
        return Method(
            f"linear:{self.code}",
            self.description
            or f"{self.maximum} × min(1, rate / {percent_text(self.threshold)}) points (rule {self.code}).",
        )

    def points(self, rate: Fraction | None) -> Points | NotApplicable:
        if rate is None:
            return NotApplicable("no valid answers", self.method)
        rate = _check_rate(rate)
        earned = self.maximum * min(Fraction(1), rate / self.threshold)
        return Points(value=earned, maximum=self.maximum, rate=rate, method=self.method)


def figure_points(rule: BandPointsRule | LinearPointsRule, figure: Figure) -> Points | NotApplicable:
    """Points for a published figure; a too-few figure is kept out, as it is kept out of rankings."""
    if figure.too_few:
        return NotApplicable(f"too few answers ({figure.n} < {figure.minimum_n})", rule.method)
    return rule.points(figure.value)


DECISION_766_5_4: Final = LinearPointsRule.from_values(
    "decision_766_5_4",
    maximum=6,
    threshold="0.9",
    description=(
        "Decision 766/QĐ-TTg criterion 5.4: R = 100 % − (% late dossiers + % dossiers with a complaint "
        "or dislike), floored at 0; 6 points if R ≥ 90 %, else R × 6 / 90."
    ),
)


def decision_766_dossier_score(
    *, dossiers: int, late: int, complained_or_disliked: int, complaint_base: int | None = None
) -> Points | NotApplicable:
    """Criterion 5.4 of Decision 766: satisfaction with dossier handling.

    Both percentages are of `dossiers` unless the portal reports complaints against another base
    (`complaint_base`). A dossier both late and complained about counts in both, as the decision's
    formula does. With a zero denominator the criterion is not applicable, never worth 0 points.
    """
    count_value(dossiers, "dossiers")
    count_value(late, "late dossiers")
    count_value(complained_or_disliked, "dossiers with a complaint or dislike")
    base = dossiers if complaint_base is None else count_value(complaint_base, "complaint base")
    method = DECISION_766_5_4.method
    if dossiers == 0:
        return NotApplicable("no dossiers handled in the period", method)
    if base == 0:
        return NotApplicable("no dossiers to measure complaints against", method)
    if late > dossiers:
        raise DataError(f"late dossiers ({late}) exceed dossiers ({dossiers})")
    if complained_or_disliked > base:
        raise DataError(
            f"dossiers with a complaint or dislike ({complained_or_disliked}) exceed their base ({base})"
        )
    r = max(Fraction(0), 1 - Fraction(late, dossiers) - Fraction(complained_or_disliked, base))
    return DECISION_766_5_4.points(r)


DECISION_766_5_2: Final = LinearPointsRule.from_values(
    "decision_766_5_2",
    maximum=6,
    threshold="0.9",
    description=(
        "Decision 766/QĐ-TTg criterion 5.2: feedback and complaints handled on time; 6 points if the "
        "on-time rate is 90 % or more, else rate × 6 / 90."
    ),
)
DECISION_766_5_3: Final = LinearPointsRule.from_values(
    "decision_766_5_3",
    maximum=6,
    threshold="0.9",
    description=(
        "Decision 766/QĐ-TTg criterion 5.3: citizens' satisfaction with how their feedback was handled; "
        "6 points if 90 % or more are satisfied, else rate × 6 / 90."
    ),
)


def decision_766_on_time_score(*, due: int, on_time: int) -> Points | NotApplicable:
    """Criterion 5.2: records handled by their due date among those due; none due → not applicable."""
    count_value(due, "feedback due")
    count_value(on_time, "feedback replied on time")
    if on_time > due:
        raise DataError(f"feedback replied on time ({on_time}) exceeds feedback due ({due})")
    if due == 0:
        return NotApplicable("no feedback due in the period", DECISION_766_5_2.method)
    return DECISION_766_5_2.points(Fraction(on_time, due))


def decision_766_handling_score(figure: Figure) -> Points | NotApplicable:
    """Criterion 5.3 from the satisfaction-with-handling figure; no ratings or too few → not applicable."""
    if figure.n == 0:
        return NotApplicable("no ratings of the handling in the period", DECISION_766_5_3.method)
    return figure_points(DECISION_766_5_3, figure)
