"""PAR Index contributions: rule sets as versioned data, points through the services, the Decision 766
criterion from real dossiers, freezing, late responses, the Celery tasks and the province's pages."""

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from openpyxl import load_workbook

from analytics.facts.services import facts_mark_dirty, facts_refresh, rollups_refresh
from analytics.methodology.policy import policy_update
from analytics.models import (
    DailyFact,
    ParContribution,
    ParRuleSet,
    ParYearFreeze,
    RollupPending,
    TransactionCount,
)
from analytics.par.rules import (
    PLATFORM_DEFAULT_NAME,
    par_params_parse,
    par_rule_set_create,
    par_rule_set_for,
    par_rule_set_revise,
    par_rule_sets,
    par_units,
    year_period,
)
from analytics.par.services import (
    dossier_counts,
    fraction_from,
    par_contribution_compute,
    par_province_recompute,
    par_provinces_active,
    par_stale,
    par_year_freeze,
)
from analytics.par.table import par_table
from analytics.par.tasks import par_contribution_task, par_recompute_dispatch
from surveys.dossiers import DossierEvent, DossierResult, dossier_events_ingest
from surveys.models import Campaign, Procedure, Response
from surveys.services import dossier_token_issue, response_submit
from tenants.models import AuditEvent, Role, Unit, User
from tenants.routing import unit_reverse
from tenants.services import unit_onboard
from tests.conftest import CONFIRM, TODAY, post, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

THIS_YEAR = TODAY.year
# The three-tier units of the test world were in force until 30/06/2025, so their past year is 2025
# (or last year, were the clock ever set earlier).
PAST_YEAR = min(THIS_YEAR - 1, 2025)
A_DAY = dt.date(PAST_YEAR, 6, 15)
A_LATE_DAY = dt.date(PAST_YEAR, 11, 20)  # a refresh rewrites a whole day: late answers land on another
BANDS = [["0.5", "2"], ["0.8", "4"], ["0.9", "6"]]


# --------------------------------------------------------------------------- helpers


def overall(unit, day, *, satisfied, unsatisfied=0):
    """Daily facts as a refresh would write them: `satisfied` + `unsatisfied` answers to the overall
    question of the Hồng Thái quick form (3-level), one response each."""
    rows = []
    for bucket, value, count in (("satisfied", 3, satisfied), ("unsatisfied", 1, unsatisfied)):
        if not count:
            continue
        common = {"unit": unit, "day": day, "questionnaire": "hong_thai_quick", "bucket": bucket}
        rows.append(
            DailyFact(
                kind="rating",
                question="satisfaction",
                element="OVERALL",
                scale="3",
                value=value,
                count=count,
                **common,
            )
        )
        rows.append(DailyFact(kind="response", count=count, **common))
    DailyFact.objects.bulk_create(rows)
    RollupPending.objects.get_or_create(unit=unit, day=day)
    rollups_refresh()


def band_rule(province, *, bands=BANDS, year_from=THIS_YEAR, name="Bảng điểm", **extra):
    return par_rule_set_create(
        owner=province,
        name=name,
        kind="band",
        params={"maximum": "6", "bands": bands},
        year_from=year_from,
        **extra,
    )


def linear_rule(province, *, threshold="0.9", year_from=THIS_YEAR, name="Tuyến tính", **extra):
    return par_rule_set_create(
        owner=province,
        name=name,
        kind="linear",
        params={"maximum": "6", "threshold": threshold},
        year_from=year_from,
        **extra,
    )


def points_of(row: ParContribution) -> Fraction | None:
    return fraction_from(row.inputs["points"])


def hong_thai_campaign() -> Campaign:
    return Campaign.objects.get(version__questionnaire__key="hong_thai_quick")


def quick_answer(satisfaction: int, **extra):
    """Submit one quick-form answer in the current schema (3 = very satisfied … 1 = dissatisfied)."""
    campaign = hong_thai_campaign()
    procedure = Procedure.objects.first()
    fields = {
        "q_procedure": procedure.pk,
        "q_field": "other",
        "q_field_other": "x",
        "q_satisfaction": satisfaction,
    }
    if satisfaction == 1:
        fields["q_reasons"] = ["other"]
        fields["q_reasons_other"] = "chờ lâu"
    response, _ = response_submit(
        campaign=campaign,
        version_id=campaign.version_id,
        data=post(**fields),
        submission_key=uuid.uuid4(),
        channel=extra.pop("channel", "qr"),
        **extra,
    )
    return response


# --------------------------------------------------------------------------- rule arithmetic


@pytest.mark.parametrize(
    ("satisfied", "unsatisfied", "expected"),
    [
        (27, 3, "6"),  # exactly 90 %: the top band
        (899, 101, "4"),  # 89.9 %: just under it
        (24, 6, "4"),  # exactly 80 %
        (15, 15, "2"),  # exactly 50 %: the lowest band
        (49, 51, "0"),  # 49 %: under every band earns 0 points, and that is applicable
        (30, 0, "6"),  # 100 %
        (0, 30, "0"),  # 0 %
    ],
)
def test_band_points_at_the_band_edges(world, satisfied, unsatisfied, expected):
    # given
    rule = band_rule(world.province)
    overall(world.commune, TODAY, satisfied=satisfied, unsatisfied=unsatisfied)
    # when
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    # then
    assert points_of(row) == Fraction(expected)
    assert row.points == Decimal(expected)
    assert row.not_applicable == ""
    assert row.rule_set == rule
    assert row.inputs["n"] == satisfied + unsatisfied
    assert fraction_from(row.inputs["rate"]) == Fraction(satisfied, satisfied + unsatisfied)


@pytest.mark.parametrize(
    ("satisfied", "unsatisfied", "threshold", "expected"),
    [
        (27, 3, "0.9", Fraction(6)),  # at the threshold: full points
        (30, 0, "0.9", Fraction(6)),  # above: capped at the maximum
        (85, 15, "0.9", Fraction(17, 3)),  # 6 × 85 / 90, kept exact
        (18, 22, "0.9", Fraction(3)),  # 45 % is half of 90 %
        (0, 30, "0.9", Fraction(0)),
        (40, 60, "0.8", Fraction(3)),  # another province's threshold
        (30, 0, "1", Fraction(6)),  # a threshold of 100 %
    ],
)
def test_linear_points_to_the_threshold(world, satisfied, unsatisfied, threshold, expected):
    linear_rule(world.province, threshold=threshold)
    overall(world.commune, TODAY, satisfied=satisfied, unsatisfied=unsatisfied)
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert points_of(row) == expected
    # the column holds 6 decimals; only pages round to 2
    assert abs(Fraction(row.points) - expected) < Fraction(1, 10**6)


def test_points_are_stored_exactly_and_rounded_only_for_display(world):
    linear_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, A_DAY, satisfied=85, unsatisfied=15)
    par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    row = par_table(province=world.province, year=PAST_YEAR).rows
    live = next(r for r in row if r.unit == world.commune).live
    assert live.exact == Fraction(17, 3)
    assert live.shown == Decimal("5.67")
    assert ParContribution.objects.get(unit=world.commune, frozen=False).points == Decimal("5.666667")


@pytest.mark.parametrize("kind", ["band", "linear"])
@pytest.mark.parametrize(
    ("satisfied", "unsatisfied", "reason"),
    [(0, 0, "no_answers"), (20, 9, "too_few"), (29, 0, "too_few")],
)
def test_without_enough_answers_a_unit_is_not_applicable_never_zero(
    world, kind, satisfied, unsatisfied, reason
):
    (band_rule if kind == "band" else linear_rule)(world.province)
    overall(world.commune, TODAY, satisfied=satisfied, unsatisfied=unsatisfied)
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert row.points is None
    assert row.inputs["points"] is None
    assert row.inputs["not_applicable"]["code"] == reason
    assert row.not_applicable
    assert row.maximum == Decimal(6)


def test_the_minimum_n_follows_the_units_policy(world):
    band_rule(world.province)
    policy_update(unit=world.province, minimum_n=10)
    overall(world.commune, TODAY, satisfied=10, unsatisfied=0)
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert points_of(row) == 6
    assert row.inputs["minimum_n"] == 10


def test_a_district_pools_its_communes_counts(world):
    linear_rule(world.province)
    overall(world.commune, TODAY, satisfied=27, unsatisfied=3)  # 90 %
    overall(world.sibling, TODAY, satisfied=3, unsatisfied=27)  # 10 %
    row = par_contribution_compute(unit=world.district, year=THIS_YEAR, scope="ytd")
    assert row.inputs["n"] == 60
    assert fraction_from(row.inputs["rate"]) == Fraction(1, 2)  # pooled, not the mean of 90 and 10
    assert points_of(row) == Fraction(6) * Fraction(1, 2) / Fraction(9, 10)


def test_the_index_can_be_scored_instead_of_overall_satisfaction(world):
    par_rule_set_create(
        owner=world.province,
        name="Chỉ số",
        kind="linear",
        params={"maximum": "6", "threshold": "0.9", "figure": "index"},
        year_from=THIS_YEAR,
    )
    overall(world.commune, TODAY, satisfied=30)  # answers to the overall question only: no index
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert row.inputs["figure"] == "index"
    assert row.points is None
    assert row.inputs["not_applicable"]["code"] == "no_answers"


@pytest.mark.parametrize(
    ("condition", "collected", "expected"),
    [
        ("none", 20, Fraction(6)),
        ("zero", 20, Fraction(0)),  # 20 of the 30 required (N = 100, Nam Dong 30 %)
        ("zero", 30, Fraction(6)),
        ("scaled", 20, Fraction(6) * Fraction(20, 30)),
        ("scaled", 45, Fraction(6)),  # attainment above 100 % does not add points
    ],
)
def test_the_quota_condition(world, condition, collected, expected):
    linear_rule(world.province, year_from=PAST_YEAR, quota_condition=condition)
    overall(world.commune, A_DAY, satisfied=collected)
    TransactionCount.objects.create(
        unit=world.commune,
        period_start=dt.date(PAST_YEAR, 1, 1),
        period_end=dt.date(PAST_YEAR, 12, 31),
        count=100,
    )
    policy_update(unit=world.commune, minimum_n=10)
    row = par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    assert points_of(row) == expected
    quota = row.inputs["quota"]
    assert (quota["transactions"], quota["required"], quota["collected"]) == (100, 30, collected)
    assert quota["condition"] == condition


def test_a_quota_condition_without_counts_is_not_applicable(world):
    linear_rule(world.province, year_from=PAST_YEAR, quota_condition="zero")
    overall(world.commune, A_DAY, satisfied=40)
    row = par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    assert row.points is None
    assert row.inputs["not_applicable"]["code"] == "no_counts"
    assert row.inputs["base_points"] == "6/1"


def test_the_inputs_say_how_the_points_were_made(world):
    rule = band_rule(world.province)
    overall(world.commune, TODAY, satisfied=27, unsatisfied=3)
    inputs = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd").inputs
    assert inputs["period"] == {"start": f"{THIS_YEAR}-01-01", "end": TODAY.isoformat()}
    assert inputs["scope"] == "ytd"
    assert inputs["n"] == 30
    assert inputs["rate"] == "9/10"
    assert inputs["method"]["code"] == "satisfaction_rate"
    assert len(inputs["interval"]) == 2
    assert inputs["interval"][0] < 0.9 < inputs["interval"][1]
    assert inputs["rule"] == {
        "id": rule.pk,
        "name": "Bảng điểm",
        "version": 1,
        "kind": "band",
        "params": rule.params,
        "quota_condition": "none",
        "platform_default": False,
    }
    assert inputs["formula"]["bands"] == BANDS
    assert inputs["quota"]["available"] is False
    assert inputs["sources"]["facts"][0] > 0


# --------------------------------------------------------------------------- rule sets


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([["0.8", "4"], ["0.8", "5"]], "Band 2 (from 80 %) overlaps Band 1 (from 80 %)"),
        ([["0.9", "6"], ["0.8", "4"]], "Band 2 (from 80 %) starts below Band 1 (from 90 %)"),
        ([["0.9", "7"]], "Band 1 (from 90 %): 7 points exceed the maximum of 6."),
        ([["0.8", "5"], ["0.9", "4"]], "Band 2 (from 90 %) earns fewer points than Band 1 (from 80 %)"),
        ([["0.9", "-1"]], "Band 1 (from 90 %): the points must not be negative."),
        ([["1.2", "6"]], "Band 1 (from 120 %): the minimum rate must be between 0 % and 100 %."),
        ([["-0.1", "6"]], "Band 1 (from -10 %): the minimum rate must be between 0 % and 100 %."),
        ([["ninety", "6"]], "Band 1: the minimum rate is not a number."),
        ([[0.9, "6"]], "Band 1: the minimum rate is not a number."),  # a float is not the decimal typed
        ([["0.9", "NaN"]], "Band 1 (from 90 %): the points are not a number."),
        ([["0.9"]], "Band 1 must be a minimum rate and points."),
        ([], "Add at least one band"),
        ([["0.5", "1"]] * 21, "A table has at most 20 bands."),
    ],
)
def test_a_bad_band_table_is_refused_naming_the_band(world, bands, message):
    before = ParRuleSet.objects.count()
    with pytest.raises(ValidationError) as refused:
        band_rule(world.province, bands=bands)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert ParRuleSet.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"params": {"maximum": "6", "threshold": "0"}}, "threshold", "above 0 % and at most 100 %"),
        ({"params": {"maximum": "6", "threshold": "1.5"}}, "threshold", "above 0 % and at most 100 %"),
        ({"params": {"maximum": "6"}}, "threshold", "Enter the threshold"),
        ({"params": {"maximum": "0", "threshold": "0.9"}}, "maximum", "above 0 and at most 100"),
        ({"params": {"maximum": "101", "threshold": "0.9"}}, "maximum", "above 0 and at most 100"),
        ({"params": {"maximum": "six", "threshold": "0.9"}}, "maximum", "Enter the maximum"),
        ({"params": {"maximum": "6", "threshold": "0.9", "figure": "mood"}}, "figure", "Choose the figure"),
        ({"params": None}, "params", "parameters are missing"),
        ({"kind": "quadratic"}, "kind", "Choose a kind of rule"),
        ({"quota_condition": "sometimes"}, "quota_condition", "Choose how the sample quota counts"),
        ({"name": "  "}, "name", "Give the rule set a name"),
        ({"name": "x" * 201}, "name", "too long"),
        ({"year_from": 2014}, "year_from", "from 2015 to"),
        ({"year_from": THIS_YEAR + 2}, "year_from", "from 2015 to"),
        ({"year_from": "2026"}, "year_from", "whole number"),
        ({"year_to": THIS_YEAR - 1}, "year_to", "before the first year"),
    ],
)
def test_every_bad_rule_input_gets_a_clear_message(world, changes, field, message):
    values = {
        "owner": world.province,
        "name": "Quy tắc",
        "kind": "linear",
        "params": {"maximum": "6", "threshold": "0.9"},
        "year_from": THIS_YEAR,
    }
    values.update(changes)
    with pytest.raises(ValidationError) as refused:
        par_rule_set_create(**values)
    assert field in refused.value.message_dict
    assert any(message in m for m in refused.value.message_dict[field]), refused.value.message_dict
    assert not ParRuleSet.objects.exists()


def test_only_a_province_owns_rule_sets_and_names_are_unique(world):
    with pytest.raises(ValidationError, match="Only a province"):
        linear_rule(world.commune)
    linear_rule(world.province)
    with pytest.raises(ValidationError, match="exists already: revise it instead"):
        linear_rule(world.province)


def test_the_766_rule_takes_no_parameters_and_decimal_text_is_canonical(world):
    rule = par_rule_set_create(
        owner=world.province, name="766", kind="decision_766", params={"anything": 1}, year_from=THIS_YEAR
    )
    assert rule.params == {}
    band = band_rule(world.province, bands=[["0.50", "2.0"], ["0,90", "6"]])
    assert band.params == {"figure": "overall", "maximum": "6", "bands": [["0.5", "2"], ["0.9", "6"]]}


def test_a_revision_is_a_new_version_and_the_old_one_stays(world, province_admin):
    v1 = band_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, TODAY, satisfied=27, unsatisfied=3)
    first = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert points_of(first) == 6
    # when
    v2 = par_rule_set_revise(
        rule_set=v1, params={"maximum": "10", "bands": [["0.95", "10"]]}, created_by=province_admin
    )
    # then
    v1.refresh_from_db()
    assert (v1.version, v1.params["maximum"]) == (1, "6")
    assert (v2.version, v2.name, v2.year_from, v2.owner) == (2, v1.name, PAST_YEAR, world.province)
    assert par_rule_set_for(unit=world.commune, year=THIS_YEAR) == v2
    first.refresh_from_db()
    assert first.rule_set == v1  # a stored contribution keeps the version it was computed with
    again = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    assert points_of(again) == 0
    assert again.rule_set == v2
    # revising an older version still numbers after the newest
    assert par_rule_set_revise(rule_set=v1, params={"maximum": "6", "bands": BANDS}).version == 3


def test_a_bad_revision_stores_nothing(world):
    v1 = band_rule(world.province)
    with pytest.raises(ValidationError, match="Band 1"):
        par_rule_set_revise(rule_set=v1, params={"maximum": "6", "bands": [["0.9", "9"]]})
    assert ParRuleSet.objects.count() == 1


def test_the_rule_in_force_is_the_newest_covering_the_year(world):
    # no rule: the in-memory platform default, clearly labelled and not stored
    default = par_rule_set_for(unit=world.commune, year=THIS_YEAR)
    assert default.pk is None
    assert (default.kind, default.params["maximum"], default.params["threshold"]) == ("linear", "6", "0.9")
    assert not ParRuleSet.objects.exists()
    old = linear_rule(world.province, year_from=2020, name="2020–")
    new = band_rule(world.province, year_from=THIS_YEAR, name="mới")
    assert par_rule_set_for(unit=world.commune, year=PAST_YEAR) == old
    assert par_rule_set_for(unit=world.commune, year=THIS_YEAR) == new
    assert par_rule_set_for(unit=world.district, year=THIS_YEAR) == new
    # another province's rule does not apply here
    assert par_rule_set_for(unit=world.other, year=THIS_YEAR).pk is None
    rows = {r.rule_set.pk: r for r in par_rule_sets(province=world.province)}
    assert THIS_YEAR in rows[new.pk].in_force
    assert PAST_YEAR in rows[old.pk].in_force and THIS_YEAR not in rows[old.pk].in_force


def test_a_contribution_under_the_default_stores_it_once(world):
    overall(world.commune, TODAY, satisfied=27, unsatisfied=3)
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    par_contribution_compute(unit=world.sibling, year=THIS_YEAR, scope="ytd")
    assert row.rule_set.owner is None
    assert row.rule_set.name == PLATFORM_DEFAULT_NAME
    assert row.inputs["rule"]["platform_default"] is True
    assert points_of(row) == 6
    assert ParRuleSet.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"band_0_rate": "chín mươi", "band_0_points": "6"}, "Band 1: “chín mươi” is not a number."),
        (
            {"band_0_rate": "50", "band_0_points": "2", "band_2_rate": "90", "band_2_points": "x"},
            "Band 2 (from 90 %)",
        ),
        ({"band_0_rate": "90", "band_0_points": ""}, "Band 1 (from 90 %): “—” is not a number."),
    ],
)
def test_typed_band_rows_that_are_not_numbers_are_named(data, message):
    with pytest.raises(ValidationError) as refused:
        par_params_parse(kind="band", data={"maximum": "6", **data}, rows=6)
    assert any(message in m for m in refused.value.messages)


def test_typed_band_rows_in_percent_become_shares():
    params = par_params_parse(
        kind="band",
        data={
            "maximum": "6",
            "band_0_rate": "50",
            "band_0_points": "2",
            "band_3_rate": "90,5",
            "band_3_points": "6",
        },
        rows=6,
    )
    assert params["bands"] == [["0.5", "2"], ["0.905", "6"]]
    assert (
        par_params_parse(kind="linear", data={"maximum": "6", "threshold": "90"}, rows=0)["threshold"]
        == "0.9"
    )


# --------------------------------------------------------------------------- Decision 766 from dossiers


def _ingest(unit, code, *, procedure, finished, late=False, status=10):
    now = timezone.now()
    received = (finished or now) - dt.timedelta(hours=3)
    due = (finished - dt.timedelta(hours=1)) if late and finished else (received + dt.timedelta(days=3))
    [result] = dossier_events_ingest(
        unit=unit,
        events=[
            DossierEvent(
                code=code,
                procedure_code=procedure.key,
                received_at=received,
                due_at=due,
                finished_at=finished,
                status=status if finished else 2,
                channel=1,
            )
        ],
    )
    assert isinstance(result, DossierResult), result
    return result


def test_the_766_criterion_from_real_dossiers(world):
    # given: 10 dossiers handled this year in Hồng Thái: 1 late; 2 whose survey says unsatisfied
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=PAST_YEAR)
    finished = timezone.now() - dt.timedelta(minutes=5)
    with tenant_context(world.commune):
        procedure = Procedure.objects.first()
        campaign = hong_thai_campaign()
        tokens = {}
        for i in range(10):
            code = f"HS-766-{i}"
            tokens[code], signed = dossier_token_issue(
                unit=world.commune, campaign=campaign, dossier_code=code
            )
            _ingest(world.commune, code, procedure=procedure, finished=finished, late=(i == 0))
        for code, satisfaction in (("HS-766-1", 1), ("HS-766-2", 1), ("HS-766-3", 3)):
            token = tokens[code]
            quick_answer(satisfaction, channel="dossier", dossier=(token, token.nonce))
        # not counted: a dossier still in progress, and one handled last year
        _ingest(world.commune, "HS-766-open", procedure=procedure, finished=None)
        _ingest(
            world.commune,
            "HS-766-old",
            procedure=procedure,
            finished=dt.datetime(PAST_YEAR, 12, 31, 12, tzinfo=timezone.get_default_timezone()),
            late=True,
        )
    # when
    row = par_contribution_compute(unit=world.commune, year=THIS_YEAR, scope="ytd")
    # then: R = 100 % − (10 % + 20 %) = 70 %; 70 × 6 / 90 = 14/3 points
    formula = row.inputs["formula"]
    assert (formula["dossiers"], formula["late"], formula["disliked"]) == (10, 1, 2)
    assert (formula["complained"], formula["complained_or_disliked"]) == (0, 2)
    # no feedback due or rated: 5.2 and 5.3 are not applicable, and the maximum is 5.4's alone
    assert row.inputs["criteria"]["5.2"]["not_applicable"] == "no feedback due in the period"
    assert row.inputs["criteria"]["5.3"]["not_applicable"] == "no ratings of the handling in the period"
    assert row.maximum == 6
    assert row.inputs["rate"] == "7/10"
    assert row.inputs["n"] == 10
    assert points_of(row) == Fraction(14, 3)
    assert row.inputs["method"]["code"] == "linear:decision_766_5_4"
    # the district above pools the same dossiers
    assert points_of(par_contribution_compute(unit=world.district, year=THIS_YEAR, scope="ytd")) == Fraction(
        14, 3
    )
    # last year's one late dossier: R = 0 % → 0 points, applicable
    old = par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    assert (old.inputs["formula"]["dossiers"], old.inputs["formula"]["late"]) == (1, 1)
    assert points_of(old) == 0


def test_the_766_criterion_without_dossiers_is_not_applicable(world):
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=THIS_YEAR)
    row = par_contribution_compute(unit=world.sibling, year=THIS_YEAR, scope="ytd")
    assert row.points is None
    assert row.inputs["not_applicable"] == {"code": "no_dossiers"}
    assert row.inputs["formula"]["dossiers"] == 0
    # a unit without a schema has no dossiers either, and no error
    unit = par_units(province=world.province, year=PAST_YEAR)[-1]
    assert not unit.is_onboarded
    assert dossier_counts(unit=unit, period=year_period(year=THIS_YEAR, scope="ytd"))["dossiers"] == 0


# --------------------------------------------------------------------------- compute errors


@pytest.mark.parametrize(
    ("year", "scope", "message"),
    [
        (THIS_YEAR, "year", "has not ended"),
        (THIS_YEAR + 1, "ytd", "from 2015 to"),
        (2014, "year", "from 2015 to"),
        (PAST_YEAR, "decade", "Unknown scope"),
    ],
)
def test_a_bad_year_or_scope_is_refused(world, year, scope, message):
    with pytest.raises(ValidationError, match=message):
        par_contribution_compute(unit=world.commune, year=year, scope=scope)
    assert not ParContribution.objects.exists()


def test_a_province_does_not_score_itself(world):
    with pytest.raises(ValidationError, match="not itself"):
        par_contribution_compute(unit=world.province, year=THIS_YEAR, scope="ytd")


# --------------------------------------------------------------------------- freezing


def test_freezing_copies_live_rows_and_the_frozen_rows_never_change(world, province_admin):
    # given
    linear_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, A_DAY, satisfied=27, unsatisfied=3)
    par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    # when
    freeze = par_year_freeze(province=world.province, year=PAST_YEAR, user=province_admin)
    # then: every unit of the province has a frozen row (the ones without a live row were computed)
    units = par_units(province=world.province, year=PAST_YEAR)
    frozen = ParContribution.objects.filter(frozen=True, year=PAST_YEAR)
    assert (
        frozen.count() == len(units) == ParContribution.objects.filter(frozen=False, year=PAST_YEAR).count()
    )
    mine = frozen.get(unit=world.commune)
    assert points_of(mine) == 6
    assert freeze.frozen_by == province_admin
    # the database refuses to change or delete a frozen row, whatever the code path
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ParContribution.objects.filter(pk=mine.pk).update(points=0)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ParContribution.objects.filter(pk=mine.pk).delete()
    mine.refresh_from_db()
    assert mine.points == 6
    # the services refuse a second freeze and any rule that would apply to the frozen year
    with pytest.raises(ValidationError, match="cannot be frozen again"):
        par_year_freeze(province=world.province, year=PAST_YEAR, user=province_admin)
    with pytest.raises(ValidationError, match=f"{PAST_YEAR} is frozen"):
        band_rule(world.province, year_from=PAST_YEAR, name="sửa lại")
    rule = ParRuleSet.objects.get(owner=world.province)
    with pytest.raises(ValidationError, match=f"Let this rule set start in {PAST_YEAR + 1} or later"):
        par_rule_set_revise(rule_set=rule, params={"maximum": "6", "threshold": "0.5"})
    # starting after the frozen year is fine, and leaves the frozen year its rule
    par_rule_set_revise(rule_set=rule, params={"maximum": "6", "threshold": "0.5"}, year_from=PAST_YEAR + 1)
    assert par_rule_set_for(unit=world.commune, year=PAST_YEAR) == rule
    assert ParYearFreeze.objects.filter(province=world.province).count() == 1


def test_a_year_that_has_not_ended_cannot_be_frozen(world, province_admin):
    with pytest.raises(ValidationError, match="has not ended"):
        par_year_freeze(province=world.province, year=THIS_YEAR, user=province_admin)
    with pytest.raises(ValidationError, match="Only a province"):
        par_year_freeze(province=world.district, year=PAST_YEAR, user=province_admin)
    # the two-tier Lạng Sơn had no units before July 2025: nothing to freeze in 2024
    with pytest.raises(ValidationError, match="No unit of this province was in force in 2024"):
        par_year_freeze(province=world.current_province, year=2024, user=province_admin)
    assert not ParYearFreeze.objects.exists()
    assert not ParContribution.objects.exists()


def test_a_late_response_is_recomputed_and_shown_beside_the_frozen_value(world, province_admin):
    # given: last year computed and frozen at 90 % (6 points)
    linear_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, A_DAY, satisfied=27, unsatisfied=3)
    for unit in (world.commune, world.sibling, world.district):
        par_contribution_compute(unit=unit, year=PAST_YEAR, scope="year")
    par_year_freeze(province=world.province, year=PAST_YEAR, user=province_admin)
    stale = par_stale(province=world.province)
    assert (world.commune.pk, PAST_YEAR, "year") not in stale  # nothing changed yet
    if THIS_YEAR > 2025:  # the merged three-tier units are not scored after 2025
        assert not [w for w in stale if w[1] == THIS_YEAR]
    # when: a paper ballot of last year is entered today and folded into that day's facts
    with tenant_context(world.commune):
        response = quick_answer(1)
        Response.objects.filter(pk=response.pk).update(answered_on=A_LATE_DAY)
        facts_mark_dirty(unit=world.commune, day=A_LATE_DAY)
    facts_refresh()
    # then: last year's contributions of the commune and the district above it are stale, no other
    stale = par_stale(province=world.province)
    assert (world.commune.pk, PAST_YEAR, "year") in stale
    assert (world.district.pk, PAST_YEAR, "year") in stale
    assert (world.sibling.pk, PAST_YEAR, "year") not in stale
    for unit_id, year, scope in stale:
        if year == PAST_YEAR:
            par_contribution_task.apply(args=(unit_id, year, scope)).get()
    row = next(r for r in par_table(province=world.province, year=PAST_YEAR).rows if r.unit == world.commune)
    assert row.frozen.exact == 6
    assert row.live.exact == Fraction(6) * Fraction(27, 31) / Fraction(9, 10)
    assert row.difference == row.live.exact - 6
    assert row.difference_shown == Decimal("-0.19")
    assert row.changed
    # and once recomputed, nothing is stale any more
    assert not [w for w in par_stale(province=world.province) if w[1] == PAST_YEAR]


def test_a_revised_rule_or_changed_counts_make_a_past_year_stale(world):
    rule = linear_rule(world.province, year_from=PAST_YEAR)
    par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    assert (world.commune.pk, PAST_YEAR, "year") not in par_stale(province=world.province)
    TransactionCount.objects.create(
        unit=world.commune,
        period_start=dt.date(PAST_YEAR, 3, 1),
        period_end=dt.date(PAST_YEAR, 3, 31),
        count=12,
    )
    assert (world.commune.pk, PAST_YEAR, "year") in par_stale(province=world.province)
    par_contribution_compute(unit=world.commune, year=PAST_YEAR, scope="year")
    par_rule_set_revise(rule_set=rule, params={"maximum": "6", "threshold": "0.8"})
    assert (world.commune.pk, PAST_YEAR, "year") in par_stale(province=world.province)


# --------------------------------------------------------------------------- Celery


def test_the_contribution_task_really_runs(world):
    band_rule(world.province)
    overall(world.commune, TODAY, satisfied=27, unsatisfied=3)
    result = par_contribution_task.apply(args=(world.commune.pk, THIS_YEAR, "ytd"))
    assert result.successful()
    assert result.get() == "6/1"
    assert (
        ParContribution.objects.get(unit=world.commune, year=THIS_YEAR, scope="ytd", frozen=False).points == 6
    )
    # idempotent: a retry writes the same single row
    par_contribution_task.apply(args=(world.commune.pk, THIS_YEAR, "ytd")).get()
    assert ParContribution.objects.filter(unit=world.commune, year=THIS_YEAR).count() == 1
    assert par_contribution_task.apply(args=(0, THIS_YEAR, "ytd")).get() is None


def test_the_daily_dispatch_fans_out_per_province_and_computes_every_unit(world):
    from config.celery import app

    # given: only Lạng Sơn has onboarded units (Nam Dong, in another province, is put aside)
    Unit.objects.filter(pk__in=[world.other.pk, world.current_other.pk]).update(onboarded_at=None)
    current = world.current_province  # Lạng Sơn since 07/2025
    provinces = par_provinces_active()
    assert provinces == sorted([world.province, current], key=lambda p: p.path)
    band_rule(current)
    overall(world.current_commune, TODAY, satisfied=27, unsatisfied=3)
    # when
    app.conf.task_always_eager = True
    try:
        assert par_recompute_dispatch.apply().get() == 2
    finally:
        app.conf.task_always_eager = False
    # then: this year to date for each unit in force this year, last year for each unit in force then
    for province in provinces:
        for year, scope in ((THIS_YEAR, "ytd"), (THIS_YEAR - 1, "year")):
            computed = ParContribution.objects.filter(
                unit__path__startswith=province.path, year=year, scope=scope, frozen=False
            ).values_list("unit_id", flat=True)
            assert set(computed) == {u.pk for u in par_units(province=province, year=year)}
    ytd = ParContribution.objects.get(unit=world.current_commune, year=THIS_YEAR, scope="ytd")
    assert points_of(ytd) == 6
    # the next day only the year to date is due again: last year's inputs have not changed
    assert par_stale(province=current) == [
        (u.pk, THIS_YEAR, "ytd") for u in par_units(province=current, year=THIS_YEAR)
    ]


def test_the_schedule_runs_the_dispatcher_daily():
    entry = next(s for s in settings.BEAT_SCHEDULES if s[1] == "analytics.par_tasks.par_recompute_dispatch")
    assert entry[2] == {"minute": "40", "hour": "3"}


# --------------------------------------------------------------------------- pages


@pytest.fixture(scope="module")
def _province_console(django_db_setup, django_db_blocker):
    """Lạng Sơn onboarded for this module's page tests (its own console at /u/lp20/...), then put back:
    the rest of the suite expects it without a schema. Cloning a schema once, outside the per-test
    transactions, also keeps each test from holding a lock on every object of the clone."""
    from django.db import connection

    from tenants.services import unit_offboard

    with django_db_blocker.unblock():
        province = Unit.objects.get(structure="legacy", code="20")
        created = not province.is_onboarded
        if created:
            unit_onboard(unit=province)
    yield
    if created:
        with django_db_blocker.unblock():
            province.refresh_from_db()
            unit_offboard(unit=province)
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{province.schema_name}" CASCADE')


@pytest.fixture
def console(settings, world, _province_console):
    """The province's console."""
    assert world.province.is_onboarded
    return world


def url(unit, name, *args):
    return unit_reverse(unit, f"unit:{name}", *args)


def test_only_the_province_admin_sees_the_pages(
    console, province_admin, district_viewer, commune_admin, outsider
):
    world = console
    district_admin = User.objects.create_user(username="da@x.test", email="da@x.test", password="x")
    district_admin.memberships.create(unit=world.district, role=Role.ADMIN)
    viewer = User.objects.create_user(username="pv@x.test", email="pv@x.test", password="x")
    viewer.memberships.create(unit=world.province, role=Role.VIEWER)
    pages = [
        url(world.province, "par"),
        url(world.province, "par_rules"),
        url(world.province, "par_rule_new"),
        url(world.province, "par_freeze", PAST_YEAR),
        url(world.province, "par_csv", PAST_YEAR),
        url(world.province, "par_xlsx", PAST_YEAR),
        url(world.province, "par_detail", PAST_YEAR, world.commune.pk),
    ]
    for page in pages:
        assert signed_in(province_admin).get(page).status_code == 200, page
        for user in (district_viewer, commune_admin, outsider, viewer, district_admin):
            assert signed_in(user).get(page).status_code == 403, (page, user)
        assert Client().get(page).status_code == 302  # to the sign-in page
    for user in (viewer, district_admin, outsider):
        assert signed_in(user).post(url(world.province, "par_recompute", THIS_YEAR)).status_code == 403
        assert signed_in(user).post(url(world.province, "par_freeze", PAST_YEAR), CONFIRM).status_code == 403
    assert not ParContribution.objects.exists()
    assert not ParYearFreeze.objects.exists()
    # a commune admin in the commune's own console: not a province, no PAR pages
    assert signed_in(commune_admin).get(url(world.commune, "par")).status_code == 404
    # an admin of the district cannot open a province page through the district either
    assert signed_in(district_admin).get(url(world.district, "par")).status_code == 404


def test_the_table_shows_live_and_frozen_values_side_by_side(console, province_admin):
    world = console
    linear_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, A_DAY, satisfied=27, unsatisfied=3)
    client = signed_in(province_admin)
    # recompute now
    answer = client.post(url(world.province, "par_recompute", PAST_YEAR))
    assert answer.status_code == 302
    assert ParContribution.objects.filter(year=PAST_YEAR, frozen=False).count() == len(
        par_units(province=world.province, year=PAST_YEAR)
    )
    # freeze: a confirmation page first, then the freeze
    confirm = client.get(url(world.province, "par_freeze", PAST_YEAR))
    assert confirm.status_code == 200
    assert "can never be changed" in confirm.text
    assert not ParYearFreeze.objects.exists()
    unconfirmed = client.post(url(world.province, "par_freeze", PAST_YEAR))
    assert unconfirmed.status_code == 200 and "cannot be undone" in unconfirmed.text
    assert not ParYearFreeze.objects.exists()
    assert client.post(url(world.province, "par_freeze", PAST_YEAR), CONFIRM).status_code == 302
    assert ParYearFreeze.objects.filter(province=world.province, year=PAST_YEAR).exists()
    # a late answer, then recompute: the difference appears beside the frozen value
    overall(world.commune, A_LATE_DAY, satisfied=0, unsatisfied=6)  # 27 / 36 = 75 %
    client.post(url(world.province, "par_recompute", PAST_YEAR))
    page = client.get(url(world.province, "par"), {"year": PAST_YEAR})
    assert page.status_code == 200
    text = page.text
    assert "Frozen points" in text and "Difference" in text
    assert "-1.00" in text  # 6 × 75 / 90 = 5 points live, 6 frozen
    assert f"01/01/{PAST_YEAR} – 31/12/{PAST_YEAR}" in text
    assert "Tuyến tính v1" in text
    assert "units without answers in the period, not applicable:" in text
    assert f">{world.sibling.name}</a>" in text
    assert "2 units differ from their frozen values" in text  # the commune and its district
    # freezing again is refused with a clear message
    again = client.post(url(world.province, "par_freeze", PAST_YEAR), CONFIRM)
    assert again.status_code == 409
    assert "cannot be frozen again" in again.text
    assert ParContribution.objects.filter(frozen=True).count() == len(
        par_units(province=world.province, year=PAST_YEAR)
    )
    # the detail page explains the points
    detail = client.get(url(world.province, "par_detail", PAST_YEAR, world.commune.pk))
    assert "Frozen" in detail.text and "Live" in detail.text
    assert "Satisfied answers" in detail.text


def test_rule_sets_and_the_freeze_are_in_the_provinces_activity_log(console, province_admin):
    world = console
    client = signed_in(province_admin)
    data = {
        "name": "Tuyến tính tỉnh",
        "kind": "linear",
        "year_from": str(PAST_YEAR),
        "quota_condition": "none",
        "figure": "overall",
        "maximum": "6",
        "threshold": "90",
    }
    assert client.post(url(world.province, "par_rule_new") + "?kind=linear", data).status_code == 302
    rule = ParRuleSet.objects.get(owner=world.province)
    data["threshold"] = "80"
    assert client.post(url(world.province, "par_rule_revise", rule.pk), data).status_code == 302
    assert client.post(url(world.province, "par_freeze", PAST_YEAR), CONFIRM).status_code == 302
    events = AuditEvent.objects.filter(unit=world.province, action__startswith="par_").order_by("id")
    assert [(e.action, e.actor, e.target, e.details.get("version")) for e in events] == [
        ("par_rule_set_create", province_admin, "Tuyến tính tỉnh", 1),
        ("par_rule_set_revise", province_admin, "Tuyến tính tỉnh", 2),
        ("par_year_freeze", province_admin, str(PAST_YEAR), None),
    ]
    log = client.get(f"/console/units/{world.province.structure}/{world.province.code}/audit/")
    assert [row["action"] for row in log.context["rows"]][:3] == [
        "Froze a year of PAR Index points",
        "Revised PAR scoring rules",
        "Created PAR scoring rules",
    ]
    assert "Tuyến tính tỉnh · version 2" in log.text


def test_this_year_cannot_be_frozen_from_the_page(console, province_admin):
    answer = signed_in(province_admin).post(url(console.province, "par_freeze", THIS_YEAR), CONFIRM)
    assert answer.status_code == 409
    assert "has not ended" in answer.text
    assert not ParYearFreeze.objects.exists()


@pytest.mark.parametrize("year", ["abcd", "1999", "20255", "<script>"])
def test_a_bad_year_in_the_query_is_a_clear_400(console, province_admin, year):
    answer = signed_in(province_admin).get(url(console.province, "par"), {"year": year})
    assert answer.status_code == 400
    assert "is not a year from 2015" in answer.text
    assert "<script>" not in answer.text


def test_a_year_out_of_range_in_the_path_is_404(console, province_admin):
    client = signed_in(province_admin)
    assert client.post(url(console.province, "par_recompute", 1999)).status_code == 404
    assert client.get(url(console.province, "par_csv", THIS_YEAR + 1)).status_code == 404
    assert client.get(url(console.province, "par_detail", THIS_YEAR, console.other.pk)).status_code == 404


def test_exports_have_vietnamese_headers_a_bom_and_the_points(console, province_admin):
    world = console
    linear_rule(world.province, year_from=PAST_YEAR)
    overall(world.commune, A_DAY, satisfied=85, unsatisfied=15)
    par_province_recompute(province=world.province, year=PAST_YEAR)
    par_year_freeze(province=world.province, year=PAST_YEAR, user=province_admin)
    client = signed_in(province_admin)
    answer = client.get(url(world.province, "par_csv", PAST_YEAR), HTTP_ACCEPT_LANGUAGE="vi")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert f'filename="par-{world.province.code}-{PAST_YEAR}.csv"' in answer["Content-Disposition"]
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["mã đơn vị", "đơn vị", "loại"]
    assert "điểm" in header and "điểm đã chốt" in header and "không áp dụng" in header
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert len(by_code) == len(par_units(province=world.province, year=PAST_YEAR))
    mine = by_code[world.commune.code]
    assert mine["điểm"] == "5.67"
    assert mine["điểm đã chốt"] == "5.67"
    assert mine["chênh lệch (hiện tại − đã chốt)"] == "0.00"
    assert mine["tỷ lệ (%)"] == "85.00"
    assert mine["n"] == "100"
    assert mine["phạm vi"] == "cả năm"
    assert mine["bộ tiêu chí"] == "Tuyến tính v1"
    assert "Wilson" in mine["phương pháp"]
    quiet = by_code[world.sibling.code]
    assert quiet["điểm"] == ""
    assert quiet["không áp dụng"] == "không áp dụng: không có câu trả lời hợp lệ trong kỳ"
    # Excel: same table, numbers as numbers
    answer = client.get(url(world.province, "par_xlsx", PAST_YEAR), HTTP_ACCEPT_LANGUAGE="vi")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = list(sheet.values)
    assert values[0][0] == "mã đơn vị"
    row = next(r for r in values if r[0] == world.commune.code)
    assert row[values[0].index("điểm")] == pytest.approx(5.67)
    # English on request
    english = client.get(url(world.province, "par_csv", PAST_YEAR), HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode("utf-8-sig").startswith("unit code,unit,type,year,scope")


def test_rule_sets_are_created_and_revised_from_the_band_table_editor(console, province_admin):
    world = console
    client = signed_in(province_admin)
    new = url(world.province, "par_rule_new") + "?kind=band"
    form = client.get(new)
    assert form.status_code == 200
    assert 'name="band_0_rate"' in form.text
    # more rows: nothing saved, the typed values come back
    more = client.post(
        new, {"name": "Bảng", "band_0_rate": "90", "band_0_points": "6", "rows": "6", "more_rows": "1"}
    )
    assert more.status_code == 200
    assert 'name="band_8_rate"' in more.text
    assert 'value="90"' in more.text
    assert not ParRuleSet.objects.exists()
    # a bad table: 400, the band named, nothing stored
    data = {
        "name": "Bảng điểm tỉnh",
        "year_from": str(THIS_YEAR),
        "quota_condition": "none",
        "figure": "overall",
        "maximum": "6",
        "rows": "6",
        "band_0_rate": "90",
        "band_0_points": "6",
        "band_1_rate": "80",
        "band_1_points": "4",
    }
    bad = client.post(new, data)
    assert bad.status_code == 400
    assert "Band 2 (from 80 %) starts below Band 1 (from 90 %)" in bad.text
    assert not ParRuleSet.objects.exists()
    # fixed: created
    data.update(band_0_rate="80", band_0_points="4", band_1_rate="90", band_1_points="6")
    assert client.post(new, data).status_code == 302
    rule = ParRuleSet.objects.get(owner=world.province)
    assert rule.params["bands"] == [["0.8", "4"], ["0.9", "6"]]
    assert rule.created_by == province_admin
    listing = client.get(url(world.province, "par_rules"))
    assert "Bảng điểm tỉnh v1" in listing.text
    assert "≥ 80 % → 4; ≥ 90 % → 6" in listing.text
    # revise: the form is prefilled in percent; saving adds version 2
    revise = url(world.province, "par_rule_revise", rule.pk)
    page = client.get(revise)
    assert 'value="80"' in page.text and 'value="90"' in page.text
    data.update(band_1_points="7")
    too_many = client.post(revise, data)
    assert too_many.status_code == 400
    assert "Band 2 (from 90 %): 7 points exceed the maximum of 6." in too_many.text
    data.update(band_1_points="5", name="ignored: a revision keeps its name")
    assert client.post(revise, data).status_code == 302
    assert list(ParRuleSet.objects.order_by("version").values_list("name", "version")) == [
        ("Bảng điểm tỉnh", 1),
        ("Bảng điểm tỉnh", 2),
    ]
    # a rule set of another province cannot be revised from here
    other = Unit.objects.get(path=world.other.path.split("/")[0] + "/")
    foreign = linear_rule(other)
    assert client.get(url(world.province, "par_rule_revise", foreign.pk)).status_code == 404
    assert client.get(url(world.province, "par_rule_new") + "?kind=cubic").status_code == 404


@pytest.mark.parametrize(
    ("kind", "fields", "field_error"),
    [
        ("linear", {"maximum": "6", "threshold": "0"}, "The threshold must be above 0 % and at most 100 %."),
        ("linear", {"maximum": "6", "threshold": "abc"}, "“abc” is not a number."),
        ("linear", {"maximum": "", "threshold": "90"}, "Enter the maximum points as a number"),
        ("decision_766", {"year_from": "1990"}, "Ensure this value is greater than or equal to 2015."),
        ("decision_766", {"year_from": "năm nay"}, "Enter a whole number."),
        ("decision_766", {"quota_condition": "maybe"}, "Select a valid choice."),
        ("decision_766", {"name": ""}, "This field is required."),
    ],
)
def test_bad_rule_forms_are_400_with_the_reason(console, province_admin, kind, fields, field_error):
    data = {"name": "Quy tắc", "year_from": str(THIS_YEAR), "quota_condition": "none", "figure": "overall"}
    data.update(fields)
    answer = signed_in(province_admin).post(url(console.province, "par_rule_new") + f"?kind={kind}", data)
    assert answer.status_code == 400
    assert field_error in answer.text
    assert not ParRuleSet.objects.exists()


def test_a_rule_for_a_frozen_year_is_refused_on_the_page(console, province_admin):
    world = console
    par_year_freeze(province=world.province, year=PAST_YEAR, user=province_admin)
    data = {
        "name": "Muộn",
        "year_from": str(PAST_YEAR),
        "quota_condition": "none",
        "maximum": "6",
        "threshold": "90",
    }
    answer = signed_in(province_admin).post(url(world.province, "par_rule_new") + "?kind=linear", data)
    assert answer.status_code == 400
    assert f"{PAST_YEAR} is frozen: its rule and contributions can no longer change." in answer.text
    assert not ParRuleSet.objects.filter(owner=world.province).exists()


def test_the_pages_render_in_vietnamese_by_default(console, province_admin, settings):
    settings.LANGUAGE_CODE = "vi"
    client = signed_in(province_admin)
    for page in (
        url(console.province, "par"),
        url(console.province, "par_rules"),
        url(console.province, "par_rule_new"),
    ):
        answer = client.get(page, HTTP_ACCEPT_LANGUAGE="vi")
        assert answer.status_code == 200
        assert '<html lang="vi">' in answer.text


@pytest.mark.parametrize("rows", ["abc", "99999", "-5", ""])
def test_a_tampered_row_count_is_harmless(console, province_admin, rows):
    new = url(console.province, "par_rule_new") + "?kind=band"
    answer = signed_in(province_admin).post(new, {"name": "Bảng", "rows": rows, "more_rows": "1"})
    assert answer.status_code == 200
    assert 0 < answer.text.count('name="band_') // 2 <= 23
    assert not ParRuleSet.objects.exists()


def test_a_merged_province_opens_on_its_last_year_in_force(console, province_admin):
    page = signed_in(province_admin).get(url(console.province, "par"))
    assert page.status_code == 200
    expected = min(THIS_YEAR, 2025)  # the three-tier Lạng Sơn ended on 30/06/2025
    assert f"PAR Index contributions {expected}" in page.text
    if THIS_YEAR > 2025:
        empty = signed_in(province_admin).get(url(console.province, "par"), {"year": THIS_YEAR})
        assert f"No unit of this province was in force in {THIS_YEAR}" in empty.text
