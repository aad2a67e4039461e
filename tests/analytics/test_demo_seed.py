import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.demo import (
    DEMO_FEEDBACK,
    demo_feedback_seed,
    demo_feedback_seed_all,
    demo_household_seed,
    demo_survey_seed,
)
from analytics.feedback.selectors import feedback_counts
from analytics.figures.selectors import Period, unit_figures
from surveys.households.models import Slot
from surveys.models import Feedback, FeedbackContact, Response
from tenants.demo import DEMO_PASSWORD
from tenants.models import User
from tenants.routing import unit_reverse
from tenants.services import unit_onboard
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_demo_survey_gives_a_unit_a_campaign_links_and_counted_answers(world):
    survey = demo_survey_seed(unit=world.other, questionnaire_key="nam_dong_2024", count=25)
    assert len(survey.links) == 4
    with tenant_context(world.other):
        days = set(Response.objects.values_list("answered_on", flat=True))
        assert Response.objects.count() == 25
    assert all(day.weekday() < 5 for day in days)
    period = Period(min(days), max(days))
    assert unit_figures(unit=world.other, period=period).responses == 25


def test_seeding_the_demo_twice_changes_nothing(world):
    demo_survey_seed(unit=world.other, questionnaire_key="nam_dong_2024", count=5)
    assert demo_survey_seed(unit=world.other, questionnaire_key="nam_dong_2024", count=5) is None
    with tenant_context(world.other):
        assert Response.objects.count() == 5


def test_the_demo_feedback_is_handled_on_time_or_late_rated_and_reported_to_the_chairman(
    world, commune_officer, commune_admin
):
    cache.clear()
    assert demo_feedback_seed(unit=world.commune, handler=commune_officer) == len(DEMO_FEEDBACK)
    assert demo_feedback_seed(unit=world.commune, handler=commune_officer) == 0  # a second run: nothing
    with tenant_context(world.commune):
        assert Feedback.objects.count() == len(DEMO_FEEDBACK)
        serious = Feedback.objects.get(category="unofficial_costs")
        assert not FeedbackContact.objects.filter(feedback__rated_at__isnull=False).exists()
    # the chairman (the unit's admin) was told of the unofficial costs at once, by reference only
    assert serious.serious_reported_at is not None
    [report] = [m for m in mail.outbox if serious.reference in m.body and commune_admin.email in m.to]
    assert serious.content not in report.body
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=365), today + dt.timedelta(days=60))
    counts = feedback_counts(unit=world.commune, period=period)
    # eight received; six replied (four by their due date, two after), one still open past its due
    # date (late), one received two days ago (being handled, not due yet)
    assert counts.received == len(DEMO_FEEDBACK) == 8
    assert (counts.due, counts.on_time, counts.pending) == (7, 4, 1)
    # rated by the four who left contact details: 5 and 4 satisfied, 3 neutral, 2 unsatisfied
    assert (counts.ratings.satisfied, counts.ratings.neutral, counts.ratings.unsatisfied) == (2, 1, 1)
    assert counts.unrateable == 2  # replied without contact details
    # the demo's public page shows them: counts by category and the on-time rate
    body = Client().get(f"/ket-qua/{world.commune.schema_name}/").content.decode()
    assert "Chi phí không chính thức" in body and "Xử lý đúng hạn" in body


def test_each_demo_commune_gets_its_feedback_handled_by_its_officer_or_the_operator(
    world, commune_officer, operator
):
    seeded = demo_feedback_seed_all()
    assert seeded == {world.commune: len(DEMO_FEEDBACK), world.other: len(DEMO_FEEDBACK)}
    with tenant_context(world.commune):
        assert set(Feedback.objects.values_list("entered_by", flat=True)) == {commune_officer.pk}
    with tenant_context(world.other):  # Nam Dong has no member in this world: the operator handles it
        assert set(Feedback.objects.values_list("assigned_to", flat=True)) == {operator.pk}
    assert demo_feedback_seed_all() == {}  # a second run changes nothing


def test_the_demo_household_round_is_in_the_field_with_an_enumerator_who_can_sign_in(world, province_admin):
    if not world.province.is_onboarded:  # the round lives in the province's schema
        unit_onboard(unit=world.province)
    communes = [world.commune, world.sibling]
    made = demo_household_seed(
        province=world.province, manager=province_admin, communes=communes, enumerator_email="dt@demo.test"
    )
    assert made is not None
    again = demo_household_seed(
        province=world.province, manager=province_admin, communes=communes, enumerator_email="dt@demo.test"
    )
    assert again is None  # a second run: nothing
    with tenant_context(world.province):
        slots = Slot.objects.filter(village__round_commune__round=made)
        # two villages per commune, eight households and two reserves drawn in each
        assert slots.filter(kind=Slot.Kind.MAIN).count() == 2 * 2 * 8
        assert slots.filter(kind=Slot.Kind.RESERVE).count() == 2 * 2 * 2
        collected = slots.filter(status=Slot.Status.COLLECTED)
        assert collected.count() > 8 and all(s.response_id for s in collected)
        # the last commune's two villages (by the registry's order) are not handed out yet
        last = max(communes, key=lambda unit: unit.path)
        assert not slots.filter(village__round_commune__commune=last, handed_out_on__isnull=False)
        assert Response.objects.filter(campaign=made.campaign).count() == collected.count()
    enumerator = User.objects.get(email="dt@demo.test")
    assert enumerator.check_password(DEMO_PASSWORD)
    mine = signed_in(enumerator).get(unit_reverse(world.province, "unit:household_mine"))
    assert mine.status_code == 200 and made.name in mine.content.decode()
