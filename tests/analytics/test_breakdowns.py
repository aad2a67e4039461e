"""Breakdowns count each answer where it belongs."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.dashboards.selectors import breakdown_dimensions
from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period, breakdown
from surveys.models import Campaign, Field, Procedure, StaffMember
from surveys.services import qr_link_create, response_submit
from tests.conftest import post

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


def staff_answer(unit, name: str, pk: int | None = None) -> int:
    """One answer through a civil servant's own QR code in `unit`; returns that civil servant's id."""
    with tenant_context(unit):
        member = StaffMember.objects.create(pk=pk, full_name=name, position="Công chức Văn phòng")
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
    link = qr_link_create(unit=unit, campaign=campaign, staff=member)
    with tenant_context(unit):
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(q_satisfaction=3, q_procedure="other", q_procedure_other="Chứng thực bản sao"),
            submission_key=uuid.uuid4(),
            channel="staff",
            link=link,
        )
    return member.pk


def test_a_current_commune_judges_its_own_civil_servants_and_pools_the_rest(world):
    """The current commune Hồng Thái was merged into keeps its civil-servant breakdown: counted on its
    own answers, never mixed with the merged legacy commune's staff numbered in another schema."""
    own_id = staff_answer(world.current_commune, "Cán bộ xã mới")
    # each schema numbers its own staff: the same number in the legacy schema is another person
    legacy_id = staff_answer(world.commune, "Cán bộ xã cũ", pk=own_id)
    assert legacy_id == own_id
    facts_refresh()
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=1), today)
    assert "staff" in breakdown_dimensions(unit=world.current_commune)
    staff = breakdown(unit=world.current_commune, period=period, dim="staff")
    assert [(row.value, row.figure.n) for row in staff] == [(str(own_id), 1)]
    channels = breakdown(unit=world.current_commune, period=period, dim="channel")
    assert [(row.value, row.figure.n) for row in channels] == [("staff", 2)]
    # a district's own schema has no civil-servant answers of its communes
    assert breakdown(unit=world.district, period=period, dim="staff") == []
    assert "staff" not in breakdown_dimensions(unit=world.district)
