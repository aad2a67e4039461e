"""Hand-computed tables for analytics.formulas; every expected value is worked out in the comment or
the case id, never produced by the code under test."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction as F

import pytest

from analytics.methodology.formulas import (
    FIVE_LEVEL,
    INDEX_AGGREGATIONS,
    NAM_DONG_2024,
    NO_ANSWER,
    SLOVIN_5_PERCENT,
    SON_TAY_2017,
    THREE_LEVEL,
    AlertReason,
    BandQuotaRule,
    Bucket,
    DataError,
    Element,
    Figure,
    Method,
    QuotaBand,
    RuleError,
    SlovinQuotaRule,
    Tally,
    bucket_of,
    display,
    display_percent,
    dissatisfaction_profile,
    dissatisfaction_profile_from_counts,
    element_figure,
    from_one_stop_code,
    margin_of_error,
    mean_score_figure,
    pool,
    quota_attainment,
    rate_figure,
    register_index_aggregation,
    sipas_index,
    slovin_sample_size,
    staff_alert,
    to_one_stop_code,
    wilson_interval,
)
from analytics.methodology.points import (
    DECISION_766_5_4,
    BandPointsRule,
    LinearPointsRule,
    NotApplicable,
    Points,
    decision_766_dossier_score,
    figure_points,
)

# --------------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "value", "bucket"),
    [
        (FIVE_LEVEL, 5, Bucket.SATISFIED),
        (FIVE_LEVEL, 4, Bucket.SATISFIED),
        (FIVE_LEVEL, 3, Bucket.NEUTRAL),
        (FIVE_LEVEL, 2, Bucket.UNSATISFIED),
        (FIVE_LEVEL, 1, Bucket.UNSATISFIED),
        (FIVE_LEVEL, NO_ANSWER, Bucket.NO_ANSWER),
        (THREE_LEVEL, 3, Bucket.SATISFIED),
        (THREE_LEVEL, 2, Bucket.SATISFIED),
        (THREE_LEVEL, 1, Bucket.UNSATISFIED),
        (THREE_LEVEL, NO_ANSWER, Bucket.NO_ANSWER),
    ],
)
def test_each_level_falls_in_its_methodology_bucket(scale, value, bucket):
    assert bucket_of(scale, value) is bucket


@pytest.mark.parametrize(
    ("scale", "value"),
    [
        (FIVE_LEVEL, 0),
        (FIVE_LEVEL, 6),
        (THREE_LEVEL, 0),
        (THREE_LEVEL, 4),
        (FIVE_LEVEL, True),
        (FIVE_LEVEL, "5"),
    ],
)
def test_value_off_the_scale_is_rejected(scale, value):
    with pytest.raises(DataError, match="not a value of the"):
        bucket_of(scale, value)


def test_scale_levels_carry_both_labels():
    assert FIVE_LEVEL.level(3).label_vi == "Bình thường"
    assert FIVE_LEVEL.level(1).label_en == "Very dissatisfied"
    assert THREE_LEVEL.level(1).label_vi == "Không hài lòng"
    assert [level.value for level in FIVE_LEVEL.levels] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("code", "value", "bucket"),
    [(2, 3, Bucket.SATISFIED), (1, 2, Bucket.SATISFIED), (0, 1, Bucket.UNSATISFIED)],
)
def test_one_stop_codes_map_to_the_three_level_scale_and_back(code, value, bucket):
    assert from_one_stop_code(code) == value
    assert to_one_stop_code(value) == code
    assert bucket_of(THREE_LEVEL, from_one_stop_code(code)) is bucket


@pytest.mark.parametrize("code", [3, -1, None, True, False, "0"])
def test_unknown_one_stop_code_is_rejected(code):
    with pytest.raises(DataError, match="one-stop"):
        from_one_stop_code(code)


def test_one_stop_zero_is_a_complaint_not_a_missing_answer():
    # the trap NO_ANSWER = None avoids: a one-stop 0 must stay in the denominator as unsatisfied
    tally = Tally.from_answers(THREE_LEVEL, [from_one_stop_code(code) for code in (2, 0, 0)])
    assert (tally.unsatisfied, tally.no_answer, tally.rate) == (2, 0, F(1, 3))


# --------------------------------------------------------------------------------------------------
# Tallies
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "answers", "expected", "rate", "mean"),
    [
        pytest.param(
            FIVE_LEVEL, [5, 4, 3, 2, 1, None], Tally(2, 1, 2, 1, 15, 5), F(2, 5), F(3), id="five-level-mix"
        ),
        pytest.param(
            FIVE_LEVEL,
            [5, 5, 4, None, None],
            Tally(3, 0, 0, 2, 14, 3),
            F(1),
            F(14, 3),
            id="no-answer-excluded",
        ),
        pytest.param(
            THREE_LEVEL, [3, 2, 1, None, None], Tally(2, 0, 1, 2, 0, 0), F(2, 3), None, id="three-level-mix"
        ),
        pytest.param(FIVE_LEVEL, [2], Tally(0, 0, 1, 0, 2, 1), F(0), F(2), id="one-answer"),
        pytest.param(FIVE_LEVEL, [None, None], Tally(no_answer=2), None, None, id="only-no-answer"),
        pytest.param(FIVE_LEVEL, [], Tally(), None, None, id="empty"),
    ],
)
def test_tally_from_answers(scale, answers, expected, rate, mean):
    tally = Tally.from_answers(scale, answers)
    assert tally == expected
    assert tally.rate == rate
    assert tally.mean_score == mean
    assert tally.total == len(answers)


def test_pooling_three_and_five_level_adds_counts_and_keeps_the_mean_on_five_level_only():
    five = Tally.from_answers(FIVE_LEVEL, [5, 4, 3, 2, 1, None])  # 2 sat of 5 valid
    three = Tally.from_answers(THREE_LEVEL, [3, 2, 1, None, None])  # 2 sat of 3 valid
    pooled = five + three
    assert pooled == Tally(satisfied=4, neutral=1, unsatisfied=3, no_answer=3, score_sum=15, scored=5)
    assert pooled.rate == F(4, 8)  # not (2/5 + 2/3) / 2 = 8/15
    assert pooled.mean_score == F(3)
    assert pool([five, three]) == pooled
    assert pool([]) == Tally()


def test_adding_a_non_tally_is_a_type_error():
    with pytest.raises(TypeError):
        Tally() + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"satisfied": -1}, "Tally.satisfied"),
        ({"no_answer": True}, "Tally.no_answer"),
        ({"neutral": 1.0}, "Tally.neutral"),
        ({"satisfied": 1, "scored": 2, "score_sum": 8}, "exceeds the valid answers"),
        ({"satisfied": 2, "scored": 2, "score_sum": 11}, "impossible"),
        ({"unsatisfied": 2, "scored": 2, "score_sum": 1}, "impossible"),
    ],
)
def test_impossible_tally_is_rejected(kwargs, message):
    with pytest.raises(DataError, match=message):
        Tally(**kwargs)


# --------------------------------------------------------------------------------------------------
# Wilson interval
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (0, 1, 0.0, 0.7935),
        (30, 40, 0.5981, 0.8581),
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert interval is not None
    assert round(interval[0], 4) == low
    assert round(interval[1], 4) == high


def test_wilson_interval_is_exactly_bounded_at_the_edges():
    none_of_seven = wilson_interval(0, 7)
    all_of_seven = wilson_interval(7, 7)
    assert none_of_seven is not None
    assert all_of_seven is not None
    assert none_of_seven[0] == 0.0
    assert all_of_seven[1] == 1.0


def test_wilson_interval_of_nothing_is_none():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("successes", "n", "z", "error"),
    [
        (11, 10, 1.96, DataError),
        (-1, 10, 1.96, DataError),
        (1, -1, 1.96, DataError),
        (1, 10, 0.0, RuleError),
        (1, 10, float("nan"), RuleError),
    ],
)
def test_wilson_interval_rejects_impossible_input(successes, n, z, error):
    with pytest.raises(error):
        wilson_interval(successes, n, z)


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tally", "minimum_n", "value", "too_few"),
    [
        pytest.param(Tally(24, 3, 3), 30, F(4, 5), False, id="30-answers-is-enough"),
        pytest.param(Tally(23, 3, 3), 30, F(23, 29), True, id="29-answers-is-too-few"),
        pytest.param(
            Tally(23, 3, 3, no_answer=10), 30, F(23, 29), True, id="no-answers-do-not-reach-minimum"
        ),
        pytest.param(Tally(4, 0, 1), 5, F(4, 5), False, id="custom-minimum"),
        pytest.param(Tally(no_answer=3), 30, None, True, id="empty"),
    ],
)
def test_rate_figure_carries_value_n_interval_and_too_few(tally, minimum_n, value, too_few):
    figure = rate_figure(tally, minimum_n=minimum_n)
    assert figure.value == value
    assert figure.n == tally.valid
    assert figure.too_few is too_few
    assert figure.minimum_n == minimum_n
    assert figure.interval == wilson_interval(tally.satisfied, tally.valid)
    assert figure.method.code == "satisfaction_rate"


def test_element_rate_pools_questions_instead_of_averaging_them():
    questions = [Tally(satisfied=9, unsatisfied=1), Tally(satisfied=1, unsatisfied=1)]  # 90 % and 50 %
    figure = element_figure(questions)
    assert figure.value == F(10, 12)  # not the 70 % mean of percentages
    assert figure.n == 12
    assert figure.method.code == "element_rate_pooled"


def test_mean_score_is_a_secondary_figure_without_interval():
    figure = mean_score_figure(Tally.from_answers(FIVE_LEVEL, [5, 4, 3, 2, 1, None]))
    assert (figure.value, figure.n, figure.interval, figure.too_few) == (F(3), 5, None, True)
    assert figure.method.code == "mean_score"


@pytest.mark.parametrize("minimum_n", [-1, True, 2.5])
def test_bad_minimum_n_is_a_rule_error(minimum_n):
    with pytest.raises(RuleError, match="minimum_n"):
        rate_figure(Tally(), minimum_n=minimum_n)


# --------------------------------------------------------------------------------------------------
# SIPAS index
# --------------------------------------------------------------------------------------------------

# ACCESS 9/10, PROCEDURE 1/2, OFFICIAL 3/4, RESULT only "no answer", FEEDBACK absent.
SPARSE_ELEMENTS = {
    "ACCESS": Tally(satisfied=9, unsatisfied=1),
    "PROCEDURE": Tally(satisfied=1, neutral=1),
    "OFFICIAL": Tally(satisfied=3, unsatisfied=1),
    "RESULT": Tally(no_answer=5),
}


def test_index_is_the_unweighted_mean_of_elements_with_answers():
    figure = sipas_index(SPARSE_ELEMENTS)
    # (9/10 + 1/2 + 3/4) / 3 = (18 + 10 + 15) / 60 / 3 ... = 43/60
    assert figure.value == F(43, 60)
    assert figure.n == 16
    assert figure.interval is None
    assert figure.too_few is True
    assert figure.method.code == "mean_of_elements"
    notes = {note.code: note.text for note in figure.notes}
    assert notes["elements_without_answers"].endswith("RESULT, FEEDBACK")
    assert notes["elements_too_few"].endswith("ACCESS, PROCEDURE, OFFICIAL")


def test_index_is_too_few_while_any_element_is_under_the_minimum():
    assert sipas_index(SPARSE_ELEMENTS, minimum_n=2).too_few is False
    assert sipas_index(SPARSE_ELEMENTS, minimum_n=3).too_few is True


def test_index_with_enough_answers_in_every_element():
    elements = {code: Tally(satisfied=27, unsatisfied=3) for code in Element if code is not Element.OVERALL}
    figure = sipas_index(elements)
    assert (figure.value, figure.n, figure.too_few, figure.notes) == (F(9, 10), 150, False, ())


def test_pooled_all_answers_is_available_and_named():
    figure = sipas_index(SPARSE_ELEMENTS, method="pooled_all_answers")
    assert figure.value == F(13, 16)  # (9 + 1 + 3) / (10 + 2 + 4)
    assert figure.n == 16
    assert figure.interval == wilson_interval(13, 16)
    assert figure.method.code == "pooled_all_answers"


@pytest.mark.parametrize("method", ["mean_of_elements", "pooled_all_answers"])
def test_index_without_any_answer_has_no_value(method):
    figure = sipas_index({"ACCESS": Tally(no_answer=4)}, method=method)
    assert (figure.value, figure.n, figure.too_few) == (None, 0, True)


def test_index_accepts_element_enum_keys():
    assert sipas_index({Element.ACCESS: Tally(satisfied=1, unsatisfied=1)}).value == F(1, 2)


@pytest.mark.parametrize("code", ["OVERALL", "OTHER", "access"])
def test_index_refuses_codes_outside_the_five_elements(code):
    with pytest.raises(DataError, match="not a SIPAS index element"):
        sipas_index({code: Tally(satisfied=1)})


def test_unknown_aggregation_is_a_rule_error():
    with pytest.raises(RuleError, match="unknown index aggregation 'median'"):
        sipas_index(SPARSE_ELEMENTS, method="median")


def test_custom_aggregation_can_be_registered_once(monkeypatch):
    monkeypatch.setattr("analytics.methodology.formulas.INDEX_AGGREGATIONS", dict(INDEX_AGGREGATIONS))

    def lowest(elements, minimum_n):
        rates = [tally.rate for tally in elements.values() if tally.rate is not None]
        return Figure(min(rates), 0, None, True, Method("lowest_element", "Lowest element rate."), minimum_n)

    register_index_aggregation("lowest_element", lowest)
    figure = sipas_index(SPARSE_ELEMENTS, method="lowest_element")
    assert (figure.value, figure.method.code) == (F(1, 2), "lowest_element")
    with pytest.raises(RuleError, match="already registered"):
        register_index_aggregation("lowest_element", lowest)
    with pytest.raises(RuleError, match="empty"):
        register_index_aggregation("", lowest)


# --------------------------------------------------------------------------------------------------
# Dissatisfaction profile
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "n", "shares", "total", "past_100"),
    [
        pytest.param(
            [["ACCESS", "OFFICIAL"], ["OFFICIAL"], ["OFFICIAL", "OFFICIAL"], []],
            4,
            [("OFFICIAL", 3, F(3, 4)), ("ACCESS", 1, F(1, 4))],
            F(1),
            False,
            id="repeat-tick-counts-once-and-blank-response-counts-in-n",
        ),
        pytest.param(
            [["RESULT", "FEEDBACK"], ["RESULT", "FEEDBACK"]],
            2,
            [("FEEDBACK", 2, F(1)), ("RESULT", 2, F(1))],
            F(2),
            True,
            id="multi-select-sums-past-100",
        ),
        pytest.param([["OTHER"]], 1, [("OTHER", 1, F(1))], F(1), False, id="one-response"),
        pytest.param([], 0, [], None, False, id="empty"),
    ],
)
def test_dissatisfaction_profile(responses, n, shares, total, past_100):
    profile = dissatisfaction_profile(responses)
    assert profile.n == n
    assert [(share.reason, share.count, share.figure.value) for share in profile.shares] == shares
    assert profile.total_share == total
    assert profile.sums_past_100 is past_100
    assert profile.too_few is True
    assert profile.method.code == "dissatisfaction_profile"


def test_profile_from_stored_counts_gives_each_reason_an_interval():
    profile = dissatisfaction_profile_from_counts({"ACCESS": 8, "RESULT": 8, "OFFICIAL": 20}, responses=30)
    assert [share.reason for share in profile.shares] == ["OFFICIAL", "ACCESS", "RESULT"]
    assert profile.shares[0].figure.interval == wilson_interval(20, 30)
    assert profile.total_share == F(36, 30)
    assert (profile.sums_past_100, profile.too_few) == (True, False)


@pytest.mark.parametrize(
    ("counts", "responses", "message"),
    [
        ({"ACCESS": 3}, 2, "ticked 3 times by only 2"),
        ({"ACCESS": -1}, 2, "count of reason 'ACCESS'"),
        ({}, -1, "responses"),
    ],
)
def test_impossible_reason_counts_are_rejected(counts, responses, message):
    with pytest.raises(DataError, match=message):
        dissatisfaction_profile_from_counts(counts, responses=responses)


def test_a_bare_string_is_not_a_multi_select_response():
    with pytest.raises(DataError, match="collection of reasons"):
        dissatisfaction_profile(["ACCESS"])


# --------------------------------------------------------------------------------------------------
# Sample quotas
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "transactions", "required"),
    [
        (SON_TAY_2017, 0, 0),
        (SON_TAY_2017, 1, 1),  # ceil(0.3)
        (SON_TAY_2017, 10, 3),
        (SON_TAY_2017, 99, 30),  # ceil(29.7)
        (SON_TAY_2017, 100, 20),
        (SON_TAY_2017, 101, 21),  # ceil(20.2)
        (NAM_DONG_2024, 1, 1),  # ceil(0.5)
        (NAM_DONG_2024, 99, 50),  # ceil(49.5)
        (NAM_DONG_2024, 100, 30),
        (NAM_DONG_2024, 499, 150),  # ceil(149.7)
        (NAM_DONG_2024, 500, 100),
        (NAM_DONG_2024, 999, 200),  # ceil(199.8)
        (NAM_DONG_2024, 1000, 100),
        (NAM_DONG_2024, 1001, 101),  # ceil(100.1)
        (SLOVIN_5_PERCENT, 1000, 286),  # 1000 / 3.5 = 285.71
    ],
)
def test_required_responses_at_band_edges(rule, transactions, required):
    assert rule.required(transactions) == required


@pytest.mark.parametrize(
    ("transactions", "fraction"),
    [
        (0, F(1, 2)),
        (99, F(1, 2)),
        (100, F(3, 10)),
        (499, F(3, 10)),
        (500, F(1, 5)),
        (999, F(1, 5)),
        (1000, F(1, 10)),
    ],
)
def test_nam_dong_band_lookup(transactions, fraction):
    assert NAM_DONG_2024.band_for(transactions).fraction == fraction


@pytest.mark.parametrize(
    ("transactions", "error", "required"),
    [
        (1000, "0.05", 286),  # 1000 / (1 + 2.5) = 285.71
        (100, "0.05", 80),  # 100 / 1.25 = 80 exactly, no rounding up
        (400, "0.05", 200),  # 400 / 2
        (10000, "0.05", 385),  # 10000 / 26 = 384.6
        (1, "0.05", 1),  # 1 / 1.0025
        (0, "0.05", 0),
        (1000, Decimal("0.1"), 91),  # 1000 / 11 = 90.9
        (1000, F(1, 20), 286),
    ],
)
def test_slovin_sample_size(transactions, error, required):
    assert slovin_sample_size(transactions, error) == required


@pytest.mark.parametrize(("error", "message"), [("0", "above 0"), ("1", "below 1"), (0.05, "exact number")])
def test_slovin_rejects_bad_error(error, message):
    with pytest.raises(RuleError, match=message):
        slovin_sample_size(1000, error)


def test_slovin_rule_rejects_bad_error():
    with pytest.raises(RuleError, match="quota rule x: error e"):
        SlovinQuotaRule("x", F(0))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param([], "needs at least one band", id="empty"),
        pytest.param([(10, "0.3")], "band 1 .*must start at N = 0", id="does-not-start-at-0"),
        pytest.param([(0, "0.3"), (200, "0.2"), (100, "0.1")], "band 3 .*ascending order", id="unordered"),
        pytest.param([(0, "0.3"), (100, "0.2"), (100, "0.1")], "band 3 .*without overlap", id="overlapping"),
        pytest.param(
            [(0, "0.3"), (100, "0")],
            r"band 2 \(N >= 100, 0 %\): fraction must be above 0",
            id="zero-fraction",
        ),
        pytest.param([(0, "1.5")], "band 1 .*at most 1", id="fraction-over-1"),
        pytest.param([(0, "-0.2")], "band 1 .*above 0", id="negative-fraction"),
        pytest.param([(0, "0.3"), (-5, "0.2")], "band 2 .*non-negative", id="negative-lower-bound"),
        pytest.param([(0, 0.3)], "band 1 fraction must be an exact number", id="float-fraction"),
        pytest.param([(0, "thirty")], "band 1 fraction is not a finite number", id="not-a-number"),
        pytest.param([(0, Decimal("NaN"))], "band 1 fraction is not a finite number", id="nan"),
    ],
)
def test_quota_table_validation(table, message):
    with pytest.raises(RuleError, match=f"quota rule t: {message}"):
        BandQuotaRule.from_table("t", table)


def test_quota_band_built_directly_must_hold_a_fraction():
    with pytest.raises(RuleError, match="band 1 .*must be a Fraction"):
        BandQuotaRule("t", (QuotaBand(0, 0.3),))  # type: ignore[arg-type]


def test_quota_of_negative_transactions_is_a_data_error():
    with pytest.raises(DataError, match="transactions"):
        SON_TAY_2017.required(-1)


@pytest.mark.parametrize(
    ("n", "population", "expected"),
    [
        (286, 1000, 0.048989),
        (15, 50, 0.213850),  # a small commune at Sơn Tây's 30 %: about ±21 %
        (20, 100, 0.196984),
        (30, 100, 0.150449),
        (9, 10, 0.108887),
        (100, 1_000_000, 0.097993),  # almost the infinite-population 0.098
        (0, 10, None),
        (10, 10, 0.0),
        (1, 1, 0.0),
    ],
)
def test_margin_of_error_with_finite_population_correction(n, population, expected):
    result = margin_of_error(n, population)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=5e-7)


def test_margin_of_error_with_a_known_proportion():
    assert margin_of_error(15, 50, p=F(9, 10)) == pytest.approx(0.128310, abs=5e-7)


@pytest.mark.parametrize(
    ("n", "population", "kwargs", "error"),
    [
        (11, 10, {}, DataError),
        (-1, 10, {}, DataError),
        (1, 10, {"p": 1.5}, RuleError),
        (1, 10, {"z": -1.0}, RuleError),
    ],
)
def test_margin_of_error_rejects_impossible_input(n, population, kwargs, error):
    with pytest.raises(error):
        margin_of_error(n, population, **kwargs)


@pytest.mark.parametrize(
    ("rule", "transactions", "collected", "required", "ratio", "met", "moe"),
    [
        (SON_TAY_2017, 50, 15, 15, F(1), True, 0.213850),
        (SON_TAY_2017, 50, 14, 15, F(14, 15), False, None),
        (NAM_DONG_2024, 100, 45, 30, F(3, 2), True, None),
        (SLOVIN_5_PERCENT, 1000, 286, 286, F(1), True, 0.048989),
        (SON_TAY_2017, 0, 0, 0, None, True, None),
    ],
)
def test_quota_attainment(rule, transactions, collected, required, ratio, met, moe):
    result = quota_attainment(rule, transactions=transactions, collected=collected)
    assert (result.required, result.ratio, result.met, result.rule_code) == (required, ratio, met, rule.code)
    assert result.collected_exceeds_transactions is False
    if moe is not None:
        assert result.margin_of_error == pytest.approx(moe, abs=5e-7)
    assert result.margin_of_error == margin_of_error(collected, transactions)


def test_attainment_withholds_the_margin_when_responses_outnumber_transactions():
    result = quota_attainment(SON_TAY_2017, transactions=10, collected=12)
    assert (result.required, result.met, result.margin_of_error) == (3, True, None)
    assert result.collected_exceeds_transactions is True


# --------------------------------------------------------------------------------------------------
# Staff alert
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tally", "alert", "share", "n", "reason"),
    [
        pytest.param(
            Tally(75, 0, 25), False, F(1, 4), 100, AlertReason.NOT_ABOVE_THRESHOLD, id="exactly-25-pct"
        ),
        pytest.param(Tally(74, 0, 26), True, F(26, 100), 100, None, id="26-pct"),
        pytest.param(Tally(0, 0, 9), False, F(1), 9, AlertReason.TOO_FEW_ANSWERS, id="9-answers"),
        pytest.param(Tally(7, 0, 3), True, F(3, 10), 10, None, id="10-answers-30-pct"),
        pytest.param(
            Tally(8, 0, 2), False, F(1, 5), 10, AlertReason.NOT_ABOVE_THRESHOLD, id="10-answers-20-pct"
        ),
        pytest.param(Tally(5, 2, 3), True, F(3, 10), 10, None, id="neutral-in-denominator"),
        pytest.param(
            Tally(7, 0, 3, no_answer=90), True, F(3, 10), 10, None, id="no-answer-not-in-denominator"
        ),
        pytest.param(Tally(no_answer=12), False, None, 0, AlertReason.TOO_FEW_ANSWERS, id="nothing"),
    ],
)
def test_staff_alert_default_rule(tally, alert, share, n, reason):
    result = staff_alert(tally)
    assert (result.alert, result.share, result.n, result.reason) == (alert, share, n, reason)
    assert (result.threshold, result.minimum) == (F(1, 4), 10)


def test_staff_alert_counts_both_dissatisfied_levels():
    tally = Tally.from_answers(FIVE_LEVEL, [5, 5, 5, 5, 5, 4, 4, 3, 2, 1])  # 2 of 10
    assert staff_alert(tally).share == F(1, 5)
    assert staff_alert(tally, threshold="0.19").alert is True


@pytest.mark.parametrize(
    ("threshold", "minimum", "alert", "reason"),
    [
        ("0.3", 10, False, AlertReason.NOT_ABOVE_THRESHOLD),  # 30 % is not above 30 %
        (Decimal("0.29"), 10, True, None),
        (F(1, 4), 11, False, AlertReason.TOO_FEW_ANSWERS),
        (0, 1, True, None),
    ],
)
def test_staff_alert_is_configurable(threshold, minimum, alert, reason):
    result = staff_alert(Tally(7, 0, 3), threshold=threshold, minimum=minimum)
    assert (result.alert, result.reason) == (alert, reason)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": "1"}, "below 1"),
        ({"threshold": "-0.1"}, "at least 0"),
        ({"threshold": 0.25}, "exact number"),
        ({"minimum": 0}, "at least 1 answer"),
        ({"minimum": -3}, "non-negative"),
    ],
)
def test_staff_alert_rejects_bad_settings(kwargs, message):
    with pytest.raises(RuleError, match=message):
        staff_alert(Tally(7, 0, 3), **kwargs)


# --------------------------------------------------------------------------------------------------
# PAR points
# --------------------------------------------------------------------------------------------------

PILOT_BANDS = BandPointsRule.from_table("pilot", 10, [("0", 0), ("0.7", 5), ("0.8", 8), ("0.9", 10)])


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        (F(0), F(0)),
        (F(6999, 10000), F(0)),
        (F(7, 10), F(5)),
        (F(7999, 10000), F(5)),
        (F(4, 5), F(8)),
        (F(8999, 10000), F(8)),
        (F(9, 10), F(10)),
        (F(1), F(10)),
    ],
)
def test_band_points_at_edges(rate, points):
    result = PILOT_BANDS.points(rate)
    assert isinstance(result, Points)
    assert (result.value, result.maximum, result.rate) == (points, F(10), rate)
    assert result.method.code == "band:pilot"


def test_rate_under_the_lowest_band_earns_zero_points_not_not_applicable():
    rule = BandPointsRule.from_table("top_only", "6", [("0.9", "6")])
    assert rule.points(F(1, 2)) == Points(F(0), F(6), F(1, 2), rule.method)


@pytest.mark.parametrize("rule", [PILOT_BANDS, DECISION_766_5_4])
def test_no_rate_is_not_applicable_never_zero_points(rule):
    result = rule.points(None)
    assert isinstance(result, NotApplicable)
    assert result.reason == "no valid answers"


@pytest.mark.parametrize("rate", [F(11, 10), F(-1, 10), 0.5])
def test_points_reject_a_rate_outside_0_to_1(rate):
    with pytest.raises(DataError, match="rate must be a Fraction between 0 and 1"):
        PILOT_BANDS.points(rate)


@pytest.mark.parametrize(
    ("maximum", "table", "message"),
    [
        pytest.param(10, [], "needs at least one band", id="empty"),
        pytest.param(10, [("0.9", 10), ("0.8", 8)], "band 2 .*ascending order", id="descending"),
        pytest.param(10, [("0.8", 8), ("0.8", 9)], "band 2 .*duplicate minimum", id="duplicate-minimum"),
        pytest.param(
            10, [("0.9", 12)], r"band 1 \(rate >= 90 %, 12 points\): points exceed the maximum", id="over-max"
        ),
        pytest.param(10, [("0", "-1")], "band 1 .*must not be negative", id="negative-points"),
        pytest.param(10, [("1.1", 5)], "band 1 .*between 0 % and 100 %", id="minimum-over-100"),
        pytest.param(10, [("-0.1", 0)], "band 1 .*between 0 % and 100 %", id="negative-minimum"),
        pytest.param(10, [("0.8", 8), ("0.9", 5)], "band 2 .*must not fall", id="points-fall"),
        pytest.param(0, [("0.9", 0)], "maximum must be a positive", id="zero-maximum"),
        pytest.param(10, [(0.9, 10)], "band 1 minimum rate must be an exact number", id="float-minimum"),
        pytest.param(10, [("0.9", 9.5)], "band 1 points must be an exact number", id="float-points"),
    ],
)
def test_band_points_validation(maximum, table, message):
    with pytest.raises(RuleError, match=f"points rule p: {message}"):
        BandPointsRule.from_table("p", maximum, table)


@pytest.mark.parametrize(
    ("maximum", "threshold", "rate", "points"),
    [
        ("6", "0.9", F(9, 10), F(6)),
        ("6", "0.9", F(1), F(6)),
        ("6", "0.9", F(9, 20), F(3)),
        ("6", "0.9", F(3, 5), F(4)),
        ("6", "0.9", F(0), F(0)),
        ("10", "0.8", F(1, 2), F(25, 4)),
        ("10", "1", F(1, 3), F(10, 3)),
    ],
)
def test_linear_points_to_threshold(maximum, threshold, rate, points):
    rule = LinearPointsRule.from_values("lin", maximum, threshold)
    result = rule.points(rate)
    assert isinstance(result, Points)
    assert result.value == points
    assert result.method.code == "linear:lin"


@pytest.mark.parametrize(
    ("maximum", "threshold", "message"),
    [
        ("6", "0", "threshold must be a Fraction above 0 %"),
        ("6", "1.01", "threshold .*at most 100 %"),
        ("6", "-0.5", "threshold must be a Fraction above 0 %"),
        ("0", "0.9", "maximum must be a positive"),
        ("6", 0.9, "threshold must be an exact number"),
    ],
)
def test_linear_points_validation(maximum, threshold, message):
    with pytest.raises(RuleError, match=f"points rule lin: {message}"):
        LinearPointsRule.from_values("lin", maximum, threshold)


def test_too_few_figure_earns_no_points_rather_than_its_rate():
    thin = rate_figure(Tally(satisfied=29))
    result = figure_points(PILOT_BANDS, thin)
    assert isinstance(result, NotApplicable)
    assert result.reason == "too few answers (29 < 30)"
    assert figure_points(PILOT_BANDS, rate_figure(Tally(satisfied=27, unsatisfied=3))) == PILOT_BANDS.points(
        F(9, 10)
    )


@pytest.mark.parametrize(
    ("dossiers", "late", "complained", "base", "r", "score"),
    [
        pytest.param(100, 5, 5, None, F(9, 10), F(6), id="R-exactly-90"),
        pytest.param(100, 6, 5, None, F(89, 100), F(89, 15), id="R-89-scores-5.93"),
        pytest.param(100, 0, 0, None, F(1), F(6), id="perfect"),
        pytest.param(10, 1, 0, None, F(9, 10), F(6), id="small-unit-at-90"),
        pytest.param(3, 1, 0, None, F(2, 3), F(40, 9), id="two-thirds"),
        pytest.param(100, 60, 50, None, F(0), F(0), id="R-clamped-at-0"),
        pytest.param(100, 50, 50, None, F(0), F(0), id="R-exactly-0"),
        pytest.param(100, 5, 2, 40, F(9, 10), F(6), id="separate-complaint-base"),
    ],
)
def test_decision_766_dossier_score(dossiers, late, complained, base, r, score):
    result = decision_766_dossier_score(
        dossiers=dossiers, late=late, complained_or_disliked=complained, complaint_base=base
    )
    assert isinstance(result, Points)
    assert (result.rate, result.value, result.maximum) == (r, score, F(6))
    assert result.method.code == "linear:decision_766_5_4"


@pytest.mark.parametrize(
    ("dossiers", "base", "reason"),
    [
        (0, None, "no dossiers handled"),
        (0, 0, "no dossiers handled"),
        (10, 0, "no dossiers to measure complaints"),
    ],
)
def test_decision_766_with_zero_denominator_is_not_applicable(dossiers, base, reason):
    result = decision_766_dossier_score(
        dossiers=dossiers, late=0, complained_or_disliked=0, complaint_base=base
    )
    assert isinstance(result, NotApplicable)
    assert result.reason.startswith(reason)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dossiers": 10, "late": 11, "complained_or_disliked": 0}, "late dossiers"),
        ({"dossiers": 10, "late": 0, "complained_or_disliked": 11}, "exceed their base"),
        ({"dossiers": 10, "late": 0, "complained_or_disliked": 5, "complaint_base": 4}, "exceed their base"),
        ({"dossiers": -1, "late": 0, "complained_or_disliked": 0}, "dossiers"),
        ({"dossiers": 10, "late": -1, "complained_or_disliked": 0}, "late dossiers"),
    ],
)
def test_decision_766_rejects_impossible_counts(kwargs, message):
    with pytest.raises(DataError, match=message):
        decision_766_dossier_score(**kwargs)


# --------------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (F(89, 15), 2, "5.93"),
        (F(2, 3), 2, "0.67"),
        (F(1, 200), 2, "0.01"),  # exactly half rounds up
        (F(-1, 200), 2, "-0.01"),  # and away from zero below it
        (6, 2, "6.00"),
        (0, 2, "0.00"),
        (Decimal("2.675"), 2, "2.68"),  # a float 2.675 would show 2.67
        (F(5, 2), 0, "3"),
    ],
)
def test_display_rounds_half_up_only_at_the_end(value, places, shown):
    assert str(display(value, places)) == shown


@pytest.mark.parametrize(
    ("rate", "shown"), [(F(2, 3), "66.67"), (F(43, 60), "71.67"), (F(1), "100.00"), (F(0), "0.00")]
)
def test_display_percent(rate, shown):
    assert str(display_percent(rate)) == shown


@pytest.mark.parametrize("places", [-1, True])
def test_display_rejects_bad_places(places):
    with pytest.raises(ValueError, match="places"):
        display(F(1, 3), places)


def test_rule_error_is_a_value_error():
    assert issubclass(RuleError, ValueError)
    assert issubclass(DataError, ValueError)
