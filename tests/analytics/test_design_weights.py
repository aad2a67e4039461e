"""Design-weighted rate and its clustered interval, against an example computed by hand."""

import math
from fractions import Fraction

import pytest

from analytics.methodology.design import Cluster, t_quantile, weighted_rate

# Two strata (districts) of two villages each; b2 was drawn by PPS with π = 1/2.
#   a1: N 100, answers 1 1 0 → w = 100/3     a2: N 50, answers 1 0 → w = 25
#   b1: N 60,  answers 1 1   → w = 30        b2: N 90, π ½, answers 0 1 1 → w = 90 / (½ · 3) = 60
EXAMPLE = [
    Cluster("A", "a1", 100, Fraction(1), (1, 1, 0)),
    Cluster("A", "a2", 50, Fraction(1), (1, 0)),
    Cluster("B", "b1", 60, Fraction(1), (1, 1)),
    Cluster("B", "b2", 90, Fraction(1, 2), (0, 1, 1)),
]


def test_weights_are_households_over_respondents_and_inclusion():
    assert [c.weight for c in EXAMPLE] == [Fraction(100, 3), 25, 30, 60]


def test_weighted_rate_and_its_taylor_interval_match_the_hand_computation():
    result = weighted_rate(EXAMPLE)
    # Σw = 100 + 50 + 60 + 180 = 390; Σwy = 200/3 + 25 + 60 + 120 = 815/3; R = 163/234
    assert result.rate == Fraction(163, 234)
    assert result.unweighted == Fraction(7, 10)
    # PSU totals of w(y − R), in 1/234: a1 −700, a2 −2300, b1 4260, b2 −1260; stratum means ∓1500,
    # deviations ±800 and ±2760; v = 2·(2·800² + 2·2760²) / (234² · 390²)
    variance = Fraction(4 * (800**2 + 2760**2), 234**2 * 390**2)
    assert result.standard_error == pytest.approx(math.sqrt(variance), rel=1e-12)
    assert (result.psus, result.strata, result.degrees_of_freedom, result.n) == (4, 2, 2, 10)
    half = 4.302652729911275 * math.sqrt(variance)  # t(0.975, 2)
    assert result.low == pytest.approx(163 / 234 - half, rel=1e-9)
    assert result.high == pytest.approx(163 / 234 + half, rel=1e-9)
    assert result.method == "weighted_clustered_taylor"


def test_no_answer_is_left_out_and_a_lonely_stratum_is_reported():
    result = weighted_rate(
        [
            Cluster("A", "a1", 10, Fraction(1), (1, None)),
            Cluster("A", "a2", 10, Fraction(1), (0, 1)),
            Cluster("B", "b1", 10, Fraction(1), (1,)),
        ]
    )
    assert result.n == 4
    assert result.lonely_strata == ("B",)
    assert result.degrees_of_freedom == 1
    assert weighted_rate([]).rate is None


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706204736174705), (2, 4.302652729911275), (9, 2.262157162798205), (30, 2.042272456301238)],
)
def test_student_t_quantiles(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, rel=1e-9)
