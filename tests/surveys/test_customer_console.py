"""The console pages of customer surveys and plans: an officer goes from the export to the letters,
the phone interview and the issued plan; bad input gets a clear 4xx and stores nothing."""

import datetime as dt
import io
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.models import Customer, CustomerSurvey, Invitation, Response, SurveyPlan
from surveys.services import campaign_create, questionnaire_install_builtin
from tenants.routing import unit_reverse

from .test_customers import BIRTH, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(commune_officer):
    client = Client()
    client.force_login(commune_officer)
    return client


@pytest.fixture
def campaign(world):
    with tenant_context(world.commune):
        version = questionnaire_install_builtin(key="hong_thai_quick").latest_published
        today = timezone.localdate()
        return campaign_create(
            name="Tự khảo sát khách hàng",
            version=version,
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=29),
            channels=["list", "phone"],
        )


def upload(client, unit, data, name="ds.csv", **extra):
    file = io.BytesIO(data)
    file.name = name
    return client.post(unit_reverse(unit, "unit:customers_import"), {"file": file, **extra})


def test_an_officer_goes_from_the_export_to_letters_and_a_phone_interview(world, officer_client, campaign):
    unit = world.commune
    page = officer_client.get(unit_reverse(unit, "unit:customers"))
    assert page.status_code == 200 and "Nhập tệp xuất của hệ thống một cửa" in page.content.decode()
    assert upload(officer_client, unit, csv_bytes([row(n) for n in range(5)])).status_code == 302
    since = (timezone.localdate() - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    until = timezone.localdate().strftime("%d/%m/%Y")
    start = officer_client.post(
        unit_reverse(unit, "unit:customer_survey_start", campaign.pk),
        {
            "received_from": since,
            "received_to": until,
            "mode": "all",
            "reminder_after_days": 7,
            "erase_after_days": 30,
        },
    )
    assert start.status_code == 302
    page = officer_client.get(unit_reverse(unit, "unit:customer_survey", campaign.pk)).content.decode()
    assert "Nguyễn Văn Khách3" in page and "Chưa liên hệ" in page and "pending" not in page
    csv_page = officer_client.post(
        unit_reverse(unit, "unit:customer_messages", campaign.pk), {"method": "zalo"}
    )
    body = b"".join(csv_page.streaming_content).decode("utf-8-sig")
    assert body.count("/k/") == 5
    letters = officer_client.post(unit_reverse(unit, "unit:customer_letters", campaign.pk))
    assert letters["Content-Type"] == "application/pdf" and letters.content.startswith(b"%PDF")
    with tenant_context(unit):
        invitation = Invitation.objects.order_by("pk").first()
    phone_url = unit_reverse(unit, "unit:invitation_phone", campaign.pk, invitation.pk)
    form = officer_client.get(phone_url).content.decode()
    assert "q_satisfaction" in form and "q_procedure" not in form  # the list knows the procedure
    key = str(uuid.uuid4())
    missing = officer_client.post(
        phone_url, {"submission_key": key, "q_field": "other", "q_field_other": "x"}
    )
    assert missing.status_code == 400
    saved = officer_client.post(
        phone_url, {"submission_key": key, "q_satisfaction": "3", "q_field": "other", "q_field_other": "x"}
    )
    assert saved.status_code == 302
    with tenant_context(unit):
        assert Response.objects.get(channel="phone").procedure.national_code == BIRTH
        assert Invitation.objects.get(pk=invitation.pk).status == "answered"
    assert officer_client.get(phone_url).status_code == 302  # answered: nothing more to record


def test_a_refused_import_shows_every_problem_and_stores_nothing(world, officer_client):
    page = upload(officer_client, world.commune, csv_bytes([row(1, received="hôm qua"), row(2), row(2)]))
    assert page.status_code == 400
    text = page.content.decode()
    assert "hôm qua" in text and "Dòng 2, cột C" in text and "Dòng 4, cột A" in text
    assert upload(officer_client, world.commune, b"PK\x03\x04junk", name="ds.xlsx").status_code == 400
    assert upload(officer_client, world.commune, b"a,b", name="ds.exe").status_code == 400
    with tenant_context(world.commune):
        assert Customer.objects.count() == 0


def test_survey_start_refuses_bad_input_without_selecting_anyone(world, officer_client, campaign):
    url = unit_reverse(world.commune, "unit:customer_survey_start", campaign.pk)
    assert officer_client.post(url, {"received_from": "31/02/2025", "mode": "all"}).status_code == 302
    assert (
        officer_client.post(
            url, {"received_from": "01/01/2025", "received_to": "02/01/2025", "mode": "x"}
        ).status_code
        == 302
    )
    with tenant_context(world.commune):
        assert not CustomerSurvey.objects.exists()
    assert (
        officer_client.post(unit_reverse(world.commune, "unit:customer_messages", 999_999)).status_code == 404
    )


def test_a_plan_is_drafted_edited_and_issued_from_the_console(world, officer_client, campaign):
    unit = world.commune
    assert (
        officer_client.post(
            unit_reverse(unit, "unit:plan_draft", campaign.pk), {"kind": "nonsense"}
        ).status_code
        == 302
    )
    with tenant_context(unit):
        assert not SurveyPlan.objects.exists()
    officer_client.post(unit_reverse(unit, "unit:plan_draft", campaign.pk), {"kind": "customer_list"})
    page = officer_client.get(unit_reverse(unit, "unit:plan", campaign.pk)).content.decode()
    assert "Tiến hành khảo sát, lấy ý kiến" in page
    bad = officer_client.post(
        unit_reverse(unit, "unit:plan_timetable", campaign.pk),
        {
            "task": ["Lập danh sách"],
            "responsible": ["Văn phòng"],
            "user": [""],
            "starts_on": [""],
            "due_on": ["hôm nay"],
        },
    )
    assert bad.status_code == 400
    ok = officer_client.post(
        unit_reverse(unit, "unit:plan_timetable", campaign.pk),
        {
            "task": ["Lập danh sách", ""],
            "responsible": ["Văn phòng", ""],
            "user": ["", ""],
            "starts_on": ["", ""],
            "due_on": ["01/12/2030", ""],
        },
    )
    assert ok.status_code == 302
    issued = officer_client.post(unit_reverse(unit, "unit:plan_issue", campaign.pk), {"number": "15"})
    assert issued.status_code == 302
    pdf = officer_client.get(unit_reverse(unit, "unit:plan_pdf", campaign.pk))
    assert pdf.content.startswith(b"%PDF")
    with tenant_context(unit):
        plan = SurveyPlan.objects.get()
        assert (
            plan.is_issued
            and plan.number == "15"
            and list(plan.steps.values_list("task", flat=True)) == ["Lập danh sách"]
        )
    refused = officer_client.post(unit_reverse(unit, "unit:plan_edit", campaign.pk), {"subject": "Sửa"})
    assert refused.status_code == 400
