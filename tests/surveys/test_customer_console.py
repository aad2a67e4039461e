"""The console pages of customer surveys and plans: an officer goes from the export to the letters,
the phone interview and the issued plan; bad input gets a clear 4xx and stores nothing."""

import datetime as dt
import io
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.citizen_views import form_token_issue
from surveys.customer_imports import customers_import
from surveys.customer_services import customer_survey_create, invitations_messages_export
from surveys.models import Customer, CustomerSurvey, Invitation, Outreach, Response, SurveyPlan
from surveys.services import campaign_create, questionnaire_install_builtin
from tenants.routing import unit_reverse
from tests.conftest import signed_in

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
    letters = officer_client.post(unit_reverse(unit, "unit:customer_letters", campaign.pk), {"part": "1"})
    assert letters["Content-Type"] == "application/pdf" and letters.content.startswith(b"%PDF")
    for part in ("2", "x", "-1", ""):
        refused = officer_client.post(
            unit_reverse(unit, "unit:customer_letters", campaign.pk), {"part": part}
        )
        assert refused.status_code == 400 and "tệp thư" in refused.content.decode(), part
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


# --------------------------------------------------------------------------------------------------
# Contact history of a customer
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def survey(world, campaign, commune_officer):
    customers_import(unit=world.commune, filename="ds.csv", data=csv_bytes([row(n) for n in range(3)]))
    return customer_survey_create(
        unit=world.commune,
        campaign=campaign,
        received_from=timezone.localdate() - dt.timedelta(days=30),
        received_to=timezone.localdate(),
        created_by=commune_officer,
        reminder_after_days=5,
    )


def _history(unit, code: str) -> tuple[str, Invitation]:
    with tenant_context(unit):
        invitation = Invitation.objects.select_related("customer").get(customer__dossier_code=code)
    return unit_reverse(unit, "unit:customer_history", invitation.customer_id), invitation


def test_the_contact_history_lists_each_attempt_and_never_the_answer(
    world, officer_client, survey, commune_officer
):
    unit = world.commune
    invitations_messages_export(unit=unit, survey=survey, method="sms", by=commune_officer)
    with tenant_context(unit):
        Invitation.objects.update(last_contacted_at=timezone.now() - dt.timedelta(days=6))
    invitations_messages_export(unit=unit, survey=survey, method="zalo", by=commune_officer, reminders=True)
    url, invitation = _history(unit, "H37.10-00001")
    recorded = officer_client.post(
        url, {"invitation": invitation.pk, "method": "phone", "status": "unreachable"}
    )
    assert recorded.status_code == 302 and recorded["Location"] == url
    page = officer_client.get(url).content.decode()
    assert "Lịch sử liên hệ — hồ sơ H37.10-00001" in page and "Nguyễn Văn Khách1" in page
    assert page.split("<h1>", 1)[1].count("officer@hongthai.test") == 3  # the SMS, the reminder, the call
    for seen in ("Tin nhắn SMS", "Tin nhắn Zalo", "Gọi điện", "nhắc lại", "đã gửi 1 lần nhắc"):
        assert seen in page, seen
    assert "<td>Không liên lạc được</td>" in page and ">unreachable" not in page
    # The customer answers through their link: "answered", and nothing of what they said.
    with tenant_context(unit):
        token = Invitation.objects.get(pk=invitation.pk).token
    Client().get(f"/k/{token.short_code}")
    send = Client().post(
        f"/k/{token.short_code}",
        {
            "form_token": form_token_issue(
                link_id=f"d:{token.pk}", campaign_id=survey.campaign_id, version_id=survey.campaign.version_id
            ),
            "q_satisfaction": "1",
            "q_reasons": ["official_attitude"],
            "q_comment": "Cán bộ Trần Bí Mật hẹn lại ba lần",
        },
    )
    assert send.status_code == 303
    with tenant_context(unit):
        response = Response.objects.get()
    page = officer_client.get(url).content.decode()
    assert "Đã trả lời" in page
    assert "Trần Bí Mật" not in page and f"{response.submitted_at:%H:%M}" not in page.split("Đã trả lời")[1]
    assert "Ghi nhận một lần liên hệ" not in page  # nothing more to record for this customer


def test_recording_an_attempt_refuses_bad_input_and_stores_nothing(world, officer_client, survey):
    unit = world.commune
    url, invitation = _history(unit, "H37.10-00001")
    _other_url, other = _history(unit, "H37.10-00002")
    good = {"invitation": invitation.pk, "method": "phone", "status": "refused"}
    for bad in (
        {},
        {**good, "invitation": ""},
        {**good, "invitation": "abc"},
        {**good, "invitation": "99999999999999999999"},
        {**good, "invitation": other.pk},  # another customer's
        {**good, "status": "answered"},  # answers are taken with their answers, not marked
        {**good, "status": "pending"},
        {**good, "status": ""},
        {**good, "method": "pigeon"},
        {**good, "method": ["phone", "sms"], "status": ["refused", "x"]},
    ):
        page = officer_client.post(url, bad)
        assert page.status_code == 400, bad
        assert "Ghi nhận một lần liên hệ" in page.content.decode()
    with tenant_context(unit):
        assert not Outreach.objects.exists()
        assert set(Invitation.objects.values_list("status", flat=True)) == {"pending"}
    # An erased customer: nothing more to record, a clear 400.
    with tenant_context(unit):
        Customer.objects.filter(pk=invitation.customer_id).update(contact_erased_at=timezone.now())
    page = officer_client.post(url, good)
    assert (
        page.status_code == 400 and "Thông tin liên hệ của khách hàng này đã bị xoá." in page.content.decode()
    )
    assert officer_client.post(unit_reverse(unit, "unit:customer_history", 999_999), good).status_code == 404
    with tenant_context(unit):
        assert not Outreach.objects.exists()


def test_the_contact_history_is_for_the_units_officers_only(
    world, survey, commune_officer, sibling_officer, province_admin
):
    url, _invitation = _history(world.commune, "H37.10-00001")
    assert Client().get(url).status_code == 302  # to the sign-in page
    for outsider in (sibling_officer, province_admin):
        assert signed_in(outsider).get(url).status_code == 403
        assert signed_in(outsider).post(url, {"status": "refused"}).status_code == 403
    assert signed_in(commune_officer).get(url).status_code == 200


def test_a_customer_is_found_by_dossier_code(world, officer_client, survey):
    find = unit_reverse(world.commune, "unit:customer_find")
    url, _invitation = _history(world.commune, "H37.10-00002")
    assert officer_client.get(find, {"dossier_code": " H37.10-00002 "})["Location"] == url
    assert officer_client.get(find, {"dossier_code": "H37.10-99999"}).status_code == 404
    assert officer_client.get(find, {"dossier_code": ""}).status_code == 400
    assert officer_client.get(find, {"dossier_code": "x" * 61}).status_code == 400
    assert officer_client.post(find, {"dossier_code": "H37.10-00002"}).status_code == 405


def test_a_plan_step_can_be_given_to_members_of_the_unit_and_of_the_units_above(
    world, officer_client, campaign, province_admin, sibling_officer
):
    officer_client.post(
        unit_reverse(world.commune, "unit:plan_draft", campaign.pk), {"kind": "customer_list"}
    )
    page = officer_client.get(unit_reverse(world.commune, "unit:plan", campaign.pk)).content.decode()
    assert "officer@hongthai.test</option>" in page and "admin@langson.test</option>" in page
    assert "officer@sibling.test" not in page
