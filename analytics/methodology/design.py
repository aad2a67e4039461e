"""Design-weighted rates of a household round (METHODOLOGY.md, "Household rounds: selection and weights").

Pure functions, no Django: villages are the primary sampling units (PSUs) within strata (communes, or the
districts of the legacy structure). A responding household of village v weighs w = 1 / (π_v · r_v), with
π_v the village's inclusion probability (1 when the plan gives it) and r_v = responding households / N_v,
so w = N_v / (π_v · m_v) for m_v respondents. The weighted rate is the ratio R = Σ w·y / Σ w over the valid
answers (y = 1 when satisfied); its variance is the Taylor linearization of that ratio with PSUs with
replacement within strata:

    z_i = w_i (y_i − R) / Σ w,    z_hj = Σ_{i in PSU j of stratum h} z_i,
    v(R) = Σ_h n_h / (n_h − 1) · Σ_j (z_hj − z̄_h)²,

and the interval R ± t_{0.975, df} · √v(R) with df = PSUs − strata (a stratum with one PSU adds nothing
and is reported). Exact fractions where the arithmetic allows, floats for the root and the quantile.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

METHOD_CODE = "weighted_clustered_taylor"


@dataclass(frozen=True)
class Cluster:
    """One village: its stratum, its households N_v, its inclusion probability π_v, and the answers of
    its responding households to the question (1 satisfied, 0 not; None = no answer, left out)."""

    stratum: str
    psu: str
    households: int
    inclusion: Fraction
    answers: tuple[int | None, ...]

    @property
    def respondents(self) -> int:
        return len(self.answers)

    @property
    def weight(self) -> Fraction:
        """w = 1 / (π_v · r_v), r_v = respondents / N_v: the households each respondent stands for."""
        return Fraction(self.households) / (self.inclusion * self.respondents)


@dataclass(frozen=True)
class WeightedRate:
    rate: Fraction | None  # None when no valid answer
    low: float | None
    high: float | None
    standard_error: float | None
    n: int  # valid answers
    psus: int
    strata: int
    degrees_of_freedom: int
    unweighted: Fraction | None
    lonely_strata: tuple[str, ...]  # strata with a single responding village: no variance from them
    method: str = METHOD_CODE


def weighted_rate(clusters: Iterable[Cluster], *, confidence: float = 0.95) -> WeightedRate:
    clusters = [c for c in clusters if c.respondents]
    total_w = Fraction(0)
    total_wy = Fraction(0)
    n = satisfied = 0
    for c in clusters:
        for y in c.answers:
            if y is None:
                continue
            total_w += c.weight
            total_wy += c.weight * y
            n += 1
            satisfied += y
    strata: dict[str, list[Cluster]] = defaultdict(list)
    for c in clusters:
        if any(y is not None for y in c.answers):
            strata[c.stratum].append(c)
    psus = sum(len(v) for v in strata.values())
    df = psus - len(strata)
    lonely = tuple(sorted(h for h, members in strata.items() if len(members) < 2))
    if n == 0:
        return WeightedRate(None, None, None, None, 0, psus, len(strata), df, None, lonely)
    rate = total_wy / total_w
    variance = Fraction(0)
    for members in strata.values():
        if len(members) < 2:
            continue
        totals = [
            sum((c.weight * (y - rate) / total_w for y in c.answers if y is not None), Fraction(0))
            for c in members
        ]
        mean = sum(totals, Fraction(0)) / len(totals)
        variance += Fraction(len(totals), len(totals) - 1) * sum(
            ((z - mean) ** 2 for z in totals), Fraction(0)
        )
    se = math.sqrt(variance)
    low = high = None
    if df >= 1:
        half = t_quantile(1 - (1 - confidence) / 2, df) * se
        low, high = max(0.0, float(rate) - half), min(1.0, float(rate) + half)
    return WeightedRate(rate, low, high, se, n, psus, len(strata), df, Fraction(satisfied, n), lonely)


# --------------------------------------------------------------------------- Student's t


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with df degrees of freedom (bisection on the CDF, 1e-12)."""
    if not 0.0 < p < 1.0 or df < 1:
        raise ValueError("p must be in (0, 1) and df ≥ 1")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2.0
