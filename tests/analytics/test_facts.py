"""Responses → facts → figures: the counts officials are judged by, checked against the raw rows."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_rebuild, facts_refresh
from analytics.figures.selectors import (
    Period,
    breakdown,
    child_ranking,
    contributing_units,
    period_parse,
    unit_figures,
)
from analytics.methodology import formulas as f
from analytics.models import FACT_KEY, DailyFact, DirtyDay
from surveys.models import Answer, Campaign, Procedure
from surveys.services import response_submit
from tests.conftest import TODAY, answer, post

# Assertions read the English messages (see the `english` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YEAR = Period(TODAY - dt.timedelta(days=364), TODAY)


hong_thai = answer  # the shared answer factory, by the name other modules imported from here


def fact_rows():
    return sorted(
        DailyFact.objects.values_list("unit_id", "day", *FACT_KEY, "count"),
        key=str,
    )


def raw_overall_tally(*units) -> f.Tally:
    values = []
    for unit in units:
        with tenant_context(unit):
            values += list(
                Answer.objects.filter(kind="rating", element="OVERALL").values_list("value", flat=True)
            )
    return f.Tally.from_answers(f.THREE_LEVEL, values)


def test_a_response_marks_its_unit_day_dirty_and_the_refresh_folds_it(world):
    answer(world.commune, 3)
    assert DirtyDay.objects.filter(unit=world.commune, day=TODAY).exists()
    assert facts_refresh() == 1
    assert not DirtyDay.objects.exists()
    total = DailyFact.objects.get(unit=world.commune, kind="rating", dim="", element="OVERALL")
    assert (total.value, total.bucket, total.count) == (3, "satisfied", 1)


def test_refreshing_twice_changes_nothing(world):
    answer(world.commune, 3)
    answer(world.commune, 1, reasons=["official_attitude"])
    facts_refresh()
    before = fact_rows()
    DirtyDay.objects.create(unit=world.commune, day=TODAY, marked_at=timezone.now())
    facts_refresh()
    assert fact_rows() == before


def test_a_full_rebuild_gives_exactly_the_incremental_facts(world):
    for satisfaction in (3, 3, 2, 1):
        answer(world.commune, satisfaction, reasons=["official_attitude"] if satisfaction == 1 else ())
    answer(world.sibling, 2)
    answer(world.commune, 3, day=TODAY - dt.timedelta(days=40))
    facts_refresh()
    incremental = fact_rows()
    DailyFact.objects.all().delete()
    facts_rebuild(units=[world.commune, world.sibling])
    assert fact_rows() == incremental
    assert incremental


def test_the_district_figure_pools_its_communes_raw_answers(world):
    for satisfaction in (3, 3, 1):
        answer(world.commune, satisfaction, reasons=["official_attitude"] if satisfaction == 1 else ())
    for satisfaction in (2, 1, 1, 1):
        answer(world.sibling, satisfaction, reasons=["official_attitude"] if satisfaction == 1 else ())
    facts_refresh()
    figures = unit_figures(unit=world.district, period=YEAR)
    pooled = raw_overall_tally(world.commune, world.sibling)
    assert figures.overall.value == pooled.rate == f.Fraction(3, 7)
    assert figures.overall.n == 7
    assert figures.overall.too_few  # 7 < 30
    assert figures.responses == 7
    # not the mean of the communes' rates (2/3 and 1/4), which would be 11/24
    assert figures.overall.value != (f.Fraction(2, 3) + f.Fraction(1, 4)) / 2


def test_the_dissatisfaction_profile_counts_each_ticked_reason_once_per_unsatisfied_response(world):
    answer(world.commune, 1, reasons=["official_attitude", "official_guidance"])
    answer(world.commune, 1, reasons=["official_attitude"])
    answer(world.commune, 3)
    facts_refresh()
    profile = unit_figures(unit=world.commune, period=YEAR).profile
    assert profile.n == 2
    assert {s.reason.split(":")[1]: s.count for s in profile.shares} == {
        "official_attitude": 2,
        "official_guidance": 1,
    }
    assert profile.sums_past_100


def test_breakdowns_partition_the_total(world):
    answer(world.commune, 3, procedure_key="dang_ky_khai_sinh")
    answer(world.commune, 1, reasons=["official_attitude"], procedure_key="dang_ky_ket_hon")
    facts_refresh()
    rows = breakdown(unit=world.commune, period=YEAR, dim="procedure")
    assert sum(r.figure.n for r in rows) == unit_figures(unit=world.commune, period=YEAR).overall.n == 2
    assert sum(r.figure.n for r in breakdown(unit=world.commune, period=YEAR, dim="channel")) == 2


def test_the_child_ranking_lists_small_units_without_ranking_them(world):
    for _ in range(30):
        answer(world.commune, 3)
    answer(world.sibling, 1, reasons=["official_attitude"])
    facts_refresh()
    rows = {r.unit: r for r in child_ranking(unit=world.district, period=YEAR)}
    assert rows[world.commune].rank == 1
    assert rows[world.commune].figure.n == 30
    assert rows[world.sibling].rank is None
    assert rows[world.sibling].figure.too_few


def test_a_merged_communes_history_is_carried_to_its_successor(world):
    # given answers collected by legacy Hồng Thái before the reform
    before_reform = dt.date(2025, 3, 1)
    answer(world.commune, 3, day=before_reform)
    answer(world.commune, 1, reasons=["official_attitude"], day=before_reform)
    facts_refresh()
    # then the current commune it was merged into shows them, pooled as counts
    assert world.commune in contributing_units(world.successor)
    figures = unit_figures(unit=world.successor, period=Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30)))
    assert (figures.overall.n, figures.overall.value) == (2, f.Fraction(1, 2))
    # and the legacy unit keeps its own history
    assert (
        unit_figures(unit=world.commune, period=Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))).overall.n
        == 2
    )


def test_an_empty_period_gives_no_rate_not_zero(world):
    figures = unit_figures(unit=world.other, period=YEAR)
    assert figures.overall.value is None
    assert figures.overall.n == 0
    assert figures.index.value is None


def test_honeypot_answers_are_not_counted(world):
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            submission_key=uuid.uuid4(),
            channel="qr",
            honeypot=True,
            data=post(
                q_procedure=Procedure.objects.first().pk, q_field="other", q_field_other="x", q_satisfaction=3
            ),
        )
    facts_refresh()
    assert unit_figures(unit=world.commune, period=YEAR).responses == 0


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("31/12/2025", "01/01/2025", "starts after it ends"),
        ("2025-13-01", None, "not a date"),
        ("hôm qua", None, "not a date"),
        ("01/01/1990", "01/01/1991", "between"),
        ("01/01/2016", "01/01/2025", "five years"),
    ],
)
def test_an_inverted_or_absurd_period_is_refused(start, end, message):
    with pytest.raises(ValidationError, match=message):
        period_parse(start=start, end=end)


def test_a_period_accepts_vietnamese_and_iso_dates():
    assert period_parse(start="01/06/2024", end="2024-12-31") == Period(
        dt.date(2024, 6, 1), dt.date(2024, 12, 31)
    )


def test_the_profile_divides_only_by_unsatisfied_answers_to_questionnaires_that_ask_reasons(world):
    answer(world.commune, 1, reasons=["official_attitude"])
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="son_tay_2017")
        ratings = [q for q in campaign.version.definition["questions"] if q["kind"] == "rating"]
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            submission_key=uuid.uuid4(),
            channel="qr",
            data=post(**{f"q_{q['key']}": 1 for q in ratings}),
        )
    facts_refresh()
    figures = unit_figures(unit=world.commune, period=YEAR)
    assert figures.responses == 2
    assert figures.profile.n == 1  # the Sơn Tây ballot has no reasons question
    assert figures.profile.shares[0].figure.value == 1


def test_a_current_provinces_ranking_carries_merged_communes_history_to_their_successor(world):
    for _ in range(30):
        answer(world.commune, 3, day=dt.date(2025, 3, 3))
    facts_refresh()
    rows = {
        r.unit: r
        for r in child_ranking(
            unit=world.current_province, period=Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
        )
    }
    assert rows[world.current_commune].figure.n == 30
    assert rows[world.current_commune].rank == 1
    assert sum(r.figure.n for r in rows.values()) == 30
