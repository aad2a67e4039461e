"""Feedback figures and Decision 766's three criteria (5.2, 5.3, 5.4) against hand-computed examples."""

import csv
import datetime as dt
import io
import secrets
import uuid
from fractions import Fraction

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from analytics.feedback.selectors import feedback_counts, handling_figure, on_time_figure
from analytics.figures.selectors import Period
from analytics.methodology import points as pts
from analytics.methodology.methods import METHOD_NAMES
from analytics.par.rules import par_rule_set_create
from analytics.par.services import fraction_from, par_contribution_compute
from surveys.dossiers import DossierEvent, dossier_events_ingest
from surveys.models import Campaign, Feedback, Procedure
from surveys.scales import DataError
from surveys.services import dossier_token_issue, response_submit
from tenants.routing import unit_reverse

YEAR = 2025  # the test world's three-tier units were in force until 30/06/2025
TZ = timezone.get_default_timezone()
D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def record(*, due, replied=None, received=None, rating="", rateable=None, category="other", dossier=""):
    """A feedback record in the current schema, as handling would have left it."""
    return Feedback.objects.create(
        reference=secrets.token_hex(4),
        source="letter",
        category=category,
        content="x",
        dossier_code=dossier,
        received_at=at(received or due - dt.timedelta(days=14)),
        due_on=due,
        status="replied" if replied else "received",
        replied_at=at(replied) if replied else None,
        rateable=(rateable if rateable is not None else bool(rating)) if replied else None,
        rating_bucket=rating,
        rated_at=at(replied) if rating else None,
    )


@pytest.fixture
def hand_made(world):
    """Hồng Thái in 2025, worked out by hand:

    5.2: five records due in the year: A on the day, D early (on time); B a day late, C never replied
         (late); E on time → 3 / 5 = 60 % → 6 × 0.6 / 0.9 = 4 points.
    5.3: thirty records replied in 2025 (due in 2026) rated 26 satisfied, 1 neutral, 3 unsatisfied →
         26 / 30 → 6 × (13/15) / (9/10) = 52/9 points; one more replied without contact (not rateable)
         and one rateable, not rated yet (A, B, D and E were replied without contact details either:
         five not rateable in all).
    5.4: ten dossiers handled, one late; HS-1 disliked in its survey and named by a complaint, HS-2
         named by a complaint → 2 dossiers (HS-1 once) → R = 1 − 0.1 − 0.2 = 0.7 → 14/3 points.
    Total 4 + 52/9 + 14/3 = 130/9 of 18.
    """
    with tenant_context(world.commune):
        procedure = Procedure.objects.first()
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        finished = at(D(YEAR, 5, 20))
        for i in range(10):
            [result] = dossier_events_ingest(
                unit=world.commune,
                events=[
                    DossierEvent(
                        f"HS-{i}",
                        procedure.key,
                        finished - dt.timedelta(days=3),
                        finished - dt.timedelta(hours=1) if i == 0 else finished + dt.timedelta(days=1),
                        finished,
                        10,
                        1,
                    )
                ],
            )
        token, _signed = dossier_token_issue(unit=world.commune, campaign=campaign, dossier_code="HS-1")
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=_quick_unsatisfied(procedure),
            submission_key=uuid.uuid4(),
            channel="dossier",
            dossier=(token, token.nonce),
        )
        due = D(YEAR, 3, 10)
        record(due=due, replied=due, dossier="HS-1", category="attitude")  # A
        record(due=due, replied=due + dt.timedelta(days=1), dossier="HS-2")  # B
        record(due=due, category="unofficial_costs")  # C
        record(due=due, replied=D(YEAR, 3, 5))  # D
        record(due=D(YEAR, 6, 2), replied=D(YEAR, 6, 1), dossier="HS-open")  # E
        ratings = ["satisfied"] * 26 + ["neutral"] + ["unsatisfied"] * 3
        for bucket in ratings:
            record(due=D(YEAR + 1, 1, 5), replied=D(YEAR, 6, 20), received=D(YEAR, 6, 10), rating=bucket)
        record(due=D(YEAR + 1, 1, 5), replied=D(YEAR, 6, 20), received=D(YEAR, 6, 10), rateable=False)
        record(due=D(YEAR + 1, 1, 5), replied=D(YEAR, 6, 20), received=D(YEAR, 6, 10), rateable=True)
    return world


def _quick_unsatisfied(procedure):
    data = QueryDict(mutable=True)
    data.update(
        {"q_procedure": str(procedure.pk), "q_field": "other", "q_field_other": "x", "q_satisfaction": "1"}
    )
    data.setlist("q_reasons", ["other"])
    data["q_reasons_other"] = "chờ lâu"
    return data


def test_the_three_criteria_against_the_hand_made_example(hand_made):
    world = hand_made
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=YEAR)
    # when
    row = par_contribution_compute(unit=world.commune, year=YEAR, scope="year")
    # then
    criteria = row.inputs["criteria"]
    assert fraction_from(criteria["5.2"]["points"]) == 4
    assert fraction_from(criteria["5.2"]["rate"]) == Fraction(3, 5)
    assert fraction_from(criteria["5.3"]["points"]) == Fraction(52, 9)
    assert fraction_from(criteria["5.3"]["rate"]) == Fraction(13, 15)
    assert fraction_from(criteria["5.4"]["points"]) == Fraction(14, 3)
    formula = row.inputs["formula"]
    assert (formula["dossiers"], formula["late"], formula["disliked"], formula["complained"]) == (10, 1, 1, 2)
    assert formula["complained_or_disliked"] == 2
    assert (formula["feedback_due"], formula["feedback_on_time"], formula["feedback_unrateable"]) == (5, 3, 5)
    assert fraction_from(row.inputs["points"]) == Fraction(130, 9)
    assert row.maximum == 18
    assert row.inputs["handling"]["n"] == 30 and not row.inputs["handling"]["too_few"]
    # the district pools the same records
    district = par_contribution_compute(unit=world.district, year=YEAR, scope="year")
    assert fraction_from(district.inputs["points"]) == Fraction(130, 9)


def test_too_few_ratings_make_5_3_not_applicable_and_it_leaves_the_maximum(hand_made):
    world = hand_made
    with tenant_context(world.commune):
        Feedback.objects.filter(rating_bucket="unsatisfied").first().delete()  # 29 ratings < 30
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=YEAR)
    row = par_contribution_compute(unit=world.commune, year=YEAR, scope="year")
    assert row.inputs["criteria"]["5.3"]["not_applicable"] == "too few answers (29 < 30)"
    assert fraction_from(row.inputs["points"]) == 4 + Fraction(14, 3)
    assert row.maximum == 12


def test_no_dossiers_and_no_feedback_is_not_applicable_never_zero(world):
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=YEAR)
    row = par_contribution_compute(unit=world.sibling, year=YEAR, scope="year")
    assert row.points is None
    assert row.inputs["not_applicable"] == {"code": "no_dossiers"}
    assert {c["not_applicable"] for c in row.inputs["criteria"].values()} == {
        "no feedback due in the period",
        "no ratings of the handling in the period",
        "no dossiers handled in the period",
    }


def test_feedback_alone_scores_5_2_without_dossiers(world):
    with tenant_context(world.sibling):
        record(due=D(YEAR, 4, 1), replied=D(YEAR, 4, 1))
        record(due=D(YEAR, 4, 1), replied=D(YEAR, 4, 2))
    par_rule_set_create(owner=world.province, name="766", kind="decision_766", params={}, year_from=YEAR)
    row = par_contribution_compute(unit=world.sibling, year=YEAR, scope="year")
    # 1 / 2 on time → 6 × 0.5 / 0.9 = 10/3 of 6; 5.3 and 5.4 not applicable
    assert fraction_from(row.inputs["points"]) == Fraction(10, 3)
    assert row.maximum == 6


def test_figures_with_n_interval_and_counts_by_category_rolled_up(hand_made):
    world = hand_made
    with tenant_context(world.sibling):
        record(due=D(YEAR, 4, 1), replied=D(YEAR, 4, 1), category="attitude")
    period = Period(D(YEAR, 1, 1), D(YEAR, 12, 31))
    commune = feedback_counts(unit=world.commune, period=period)
    district = feedback_counts(unit=world.district, period=period)
    assert (commune.due, commune.on_time) == (5, 3)
    assert (district.due, district.on_time) == (6, 4)  # summed, never averaged
    assert district.by_category["attitude"] == 2 and district.by_category["unofficial_costs"] == 1
    assert district.received == commune.received + 1 == 38
    figure = on_time_figure(district, minimum_n=30)
    assert figure.value == Fraction(4, 6) and figure.n == 6 and figure.too_few
    low, high = figure.interval
    assert 0.29 < low < 0.31 and 0.90 < high < 0.91  # Wilson 95 % for 4 of 6
    handling = handling_figure(commune, minimum_n=30)
    assert handling.value == Fraction(26, 30) and handling.n == 30 and not handling.too_few
    assert (commune.unrateable, commune.unrated) == (5, 1)


def test_an_open_record_not_yet_due_is_pending_not_late(world):
    today = D(YEAR, 3, 10)
    with tenant_context(world.sibling):
        record(due=today)  # due today, no reply yet
        record(due=today - dt.timedelta(days=1))  # past due
    counts = feedback_counts(unit=world.sibling, period=Period(D(YEAR, 1, 1), D(YEAR, 12, 31)), today=today)
    assert (counts.due, counts.on_time, counts.pending) == (1, 0, 1)


@pytest.mark.parametrize(
    ("due", "on_time", "expected"), [(5, 3, Fraction(4)), (10, 9, Fraction(6)), (1, 0, Fraction(0))]
)
def test_5_2_points(due, on_time, expected):
    assert pts.decision_766_on_time_score(due=due, on_time=on_time).value == expected


def test_5_2_refuses_impossible_counts_and_is_not_applicable_at_zero():
    assert isinstance(pts.decision_766_on_time_score(due=0, on_time=0), pts.NotApplicable)
    with pytest.raises(DataError):
        pts.decision_766_on_time_score(due=2, on_time=3)


def test_the_public_page_shows_counts_and_the_on_time_rate_never_content(world, client):
    cache.clear()  # the page's feedback counts are cached for a few minutes
    today = timezone.localdate()
    with tenant_context(world.commune):
        record(
            due=today - dt.timedelta(days=1),
            replied=today - dt.timedelta(days=1),
            received=today - dt.timedelta(days=1),
        )
        secret = record(
            due=today - dt.timedelta(days=1), category="harassment", received=today - dt.timedelta(days=1)
        )
        Feedback.objects.filter(pk=secret.pk).update(content="Ông Nguyễn Văn X đòi tiền")
    page = client.get(f"/ket-qua/{world.commune.schema_name}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Phản ánh" in body or "phản ánh" in body
    assert "n = 2" in body  # 1 of 2 on time
    assert "Nguyễn Văn X" not in body and secret.reference not in body
    assert f"/gop-y/{world.commune.schema_name}" in body


def test_the_results_page_shows_both_feedback_rates(world, commune_officer, client):
    cache.clear()
    with tenant_context(world.commune):
        record(due=D(YEAR, 3, 10), replied=D(YEAR, 3, 10), rating="satisfied", received=D(YEAR, 3, 1))
    client.force_login(commune_officer)
    page = client.get(unit_reverse(world.commune, "unit:results"), {"from": "01/01/2025", "to": "31/12/2025"})
    assert page.status_code == 200
    body = page.content.decode()
    with translation.override("vi"):
        assert str(METHOD_NAMES["feedback_on_time"]) in body
        assert str(METHOD_NAMES["feedback_handling_satisfaction"]) in body


def test_the_results_export_carries_the_feedback_figures_never_content(world, commune_officer, client):
    with tenant_context(world.commune):
        kept = record(due=D(YEAR, 3, 10), replied=D(YEAR, 3, 10), received=D(YEAR, 3, 1))
        Feedback.objects.filter(pk=kept.pk).update(content="Bà Trần Thị Y phản ánh")
    client.force_login(commune_officer)
    export = client.get(
        unit_reverse(world.commune, "unit:results_csv"), {"from": "01/01/2025", "to": "31/12/2025"}
    )
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    with translation.override("vi"):
        on_time = str(METHOD_NAMES["feedback_on_time"])
    [row] = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == on_time]
    assert "1" in row  # n = 1, too few: kept with its flag
    assert "Trần Thị Y" not in text and kept.reference not in text


def test_the_district_results_page_rolls_the_feedback_up_by_commune(world, district_viewer, client):
    cache.clear()
    with tenant_context(world.commune):
        record(due=D(YEAR, 3, 10), replied=D(YEAR, 3, 10), rating="satisfied", received=D(YEAR, 3, 1))
        record(due=D(YEAR, 3, 10), received=D(YEAR, 3, 1))  # never replied: late
    with tenant_context(world.sibling):
        record(due=D(YEAR, 4, 1), replied=D(YEAR, 4, 1), received=D(YEAR, 3, 20))
    client.force_login(district_viewer)
    page = client.get(
        unit_reverse(world.district, "unit:results"), {"from": "01/01/2025", "to": "31/12/2025"}
    )
    assert page.status_code == 200
    feedback = page.context["feedback"]
    assert (feedback["received"], feedback["on_time"].n) == (3, 3)  # the district: both communes summed
    rows = {row["unit"].pk: row for row in page.context["feedback_units"]}
    assert set(rows) == {world.commune.pk, world.sibling.pk}  # the rest listed as without feedback
    assert (rows[world.commune.pk]["received"], rows[world.commune.pk]["on_time"].n) == (2, 2)
    assert rows[world.commune.pk]["handling"].n == 1
    assert (rows[world.sibling.pk]["received"], rows[world.sibling.pk]["on_time"].n) == (1, 1)
    assert rows[world.sibling.pk]["url"].startswith(unit_reverse(world.sibling, "unit:results"))
    assert feedback["quiet"] and world.commune not in feedback["quiet"]
    body = page.content.decode()
    assert "Hài lòng với việc xử lý" in body and "không có phản ánh, kiến nghị trong kỳ" in body
