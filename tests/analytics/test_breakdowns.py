"""Breakdowns count each answer where it belongs."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period, breakdown
from surveys.models import Campaign, Field, Procedure
from surveys.services import response_submit
from tests.surveys.conftest import post

pytestmark = pytest.mark.django_db


def submit(unit, **fields) -> None:
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(q_satisfaction=3, **fields),
            submission_key=uuid.uuid4(),
            channel="qr",
        )


def test_an_answer_counts_under_its_procedures_field_unless_it_names_no_procedure(world):
    with tenant_context(world.commune):
        birth = Procedure.objects.select_related("field").get(key="dang_ky_khai_sinh")
        other_field = Field.objects.exclude(pk=birth.field_id).first()
    # a procedure only, as the form asks; a procedure and a stray "other" field; a field only; free text
    submit(world.commune, q_procedure=birth.pk)
    submit(world.commune, q_procedure=birth.pk, q_field="other", q_field_other="Hộ tịch")
    submit(world.commune, q_procedure="other", q_procedure_other="x", q_field=other_field.pk)
    submit(world.commune, q_procedure="other", q_procedure_other="x", q_field="other", q_field_other="y")
    facts_refresh()
    today = timezone.localdate()
    rows = breakdown(unit=world.commune, period=Period(today - dt.timedelta(days=1), today), dim="field")
    counted = {row.value: row.figure.n for row in rows}
    assert counted == {birth.field.key: 2, other_field.key: 1, "other": 1}
