import pytest
from django_tenants.utils import tenant_context

from analytics.demo import demo_survey_seed
from analytics.figures.selectors import Period, unit_figures
from surveys.models import Response

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
