"""The desk's customer list (seed 003): import, selection, one-time links, outreach, tracking, erasure."""

import csv
import datetime as dt
import io
import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from openpyxl import Workbook

from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period, breakdown
from analytics.quotas.services import customer_sample_sizes
from surveys import customer_services
from surveys.customer_imports import customers_from_dossiers, customers_import
from surveys.customer_selectors import customer_survey_progress
from surveys.customer_services import (
    SMS_SEGMENT,
    customer_contact_erase,
    customer_sample,
    customer_survey_contacts_erase,
    customer_survey_create,
    customer_unsubscribe,
    invitation_link,
    invitation_outcome,
    invitation_phone_answer,
    invitations_email_send,
    invitations_letters_pdf,
    invitations_messages_export,
    invitations_to_reach,
    letters_parts,
    sms_length,
    unsubscribe_token,
)
from surveys.models import (
    Customer,
    CustomerColumns,
    CustomerContact,
    Dossier,
    DossierToken,
    Invitation,
    Outreach,
    Procedure,
    Response,
)
from surveys.services import (
    campaign_create,
    dossier_token_read,
    dossier_token_sign,
    qr_link_create,
    questionnaire_install_builtin,
    response_submit,
)
from surveys.tasks import customer_surveys_dispatch, unit_customer_surveys
from tenants.models import AuditEvent
from tenants.routing import unit_reverse
from tenants.spreadsheets import ImportRejected

from .conftest import post
from .test_citizen_form import open_form, send, token_in, vi
from .test_qr_and_posters import pdf_text, run, tool

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Ngày tiếp nhận",
    "Ngày trả kết quả",
    "Họ và tên",
    "Số điện thoại",
    "Email",
    "Địa chỉ",
]
BIRTH = "1.001193"  # Đăng ký khai sinh


def day(offset: int) -> str:
    return f"{timezone.localdate() - dt.timedelta(days=offset):%d/%m/%Y}"


def row(n: int, **over) -> list[str]:
    values = {
        "code": f"H37.10-{n:05d}",
        "procedure": BIRTH,
        "received": day(20),
        "returned": day(15),
        "name": f"Nguyễn Văn Khách{n}",
        "phone": f"0912{n:06d}",
        "email": f"khach{n}@example.vn",
        "address": f"Thôn {n}, xã Vạn Thắng, huyện Vạn Ninh, tỉnh Khánh Hòa",
    } | over
    return list(values.values())


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def problems(rejected) -> list[tuple]:
    return [(p.row, (p.column or "")[:1], p.message) for p in rejected.value.problems]


@pytest.fixture
def unit(world):
    return world.commune


@pytest.fixture
def campaign(unit):
    with tenant_context(unit):
        version = questionnaire_install_builtin(key="hong_thai_quick").latest_published
        today = timezone.localdate()
        return campaign_create(
            name="Tự khảo sát khách hàng",
            version=version,
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=29),
            channels=["list", "phone"],
        )


def imported(unit, count=10, **kw):
    return customers_import(
        unit=unit, filename="ds.csv", data=csv_bytes([row(n) for n in range(count)]), **kw
    )


# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------


def test_an_export_of_the_one_stop_system_is_imported_with_contacts_apart(unit):
    result = imported(unit, 3)
    assert (result.created, result.updated) == (3, 0)
    with tenant_context(unit):
        customer = Customer.objects.get(dossier_code="H37.10-00001")
        assert customer.procedure.national_code == BIRTH
        assert customer.source == "import"
        assert customer.contact.name == "Nguyễn Văn Khách1"
        assert customer.contact.phone == "0912000001"
        assert not hasattr(Customer, "name")  # who the person is lives only in CustomerContact


def test_a_second_import_merges_by_dossier_code(unit):
    imported(unit, 3)
    data = csv_bytes([row(1, name="Trần Thị Mới", phone="+84 912 000 999"), row(7)])
    result = customers_import(unit=unit, filename="ds.csv", data=data)
    assert (result.created, result.updated) == (1, 1)
    with tenant_context(unit):
        assert Customer.objects.count() == 4
        contact = CustomerContact.objects.get(customer__dossier_code="H37.10-00001")
        assert (contact.name, contact.phone) == ("Trần Thị Mới", "+84912000999")


def test_an_xlsx_with_date_cells_and_a_phone_number_cell_is_imported(unit):
    book = Workbook()
    sheet = book.active
    sheet.append(["Số hồ sơ", "Thủ tục", "Ngày tiếp nhận", "Họ tên", "SĐT"])
    sheet.append(["X-1", "Đăng ký khai sinh", dt.datetime(2025, 3, 4, 9, 30), "Lê Văn A", 912345678])  # noqa: DTZ001 - a cell
    out = io.BytesIO()
    book.save(out)
    customers_import(unit=unit, filename="ds.xlsx", data=out.getvalue())
    with tenant_context(unit):
        customer = Customer.objects.select_related("contact", "procedure").get()
    assert customer.received_on == dt.date(2025, 3, 4)
    assert customer.procedure.national_code == BIRTH  # found by its name
    assert customer.contact.phone == "0912345678"  # the leading 0 Excel dropped


def test_wrong_columns_are_refused_naming_what_is_missing(unit):
    with pytest.raises(ImportRejected) as rejected:
        customers_import(
            unit=unit, filename="ds.csv", data=csv_bytes([["1", "x"]], header=["Mã hồ sơ", "Ghi chú"])
        )
    messages = " ".join(p.message for p in rejected.value.problems)
    for name in ("Thủ tục", "Ngày tiếp nhận", "Họ tên"):
        assert name in messages
    with tenant_context(unit):
        assert Customer.objects.count() == 0


def test_bad_dates_duplicates_and_formulas_are_refused_by_row_and_column_and_nothing_is_imported(unit):
    rows = [
        row(1),
        row(2, received="31/02/2025"),
        row(3, received=day(3), returned=day(5)),
        row(1, name="Bản trùng"),
        row(5, name='=HYPERLINK("http://x","bấm")'),
        row(6, address="@SUM(1+1)"),
        row(7, phone="gọi sau"),
        row(8, procedure="9.999999"),
        row(9, received=(timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")),
    ]
    with pytest.raises(ImportRejected) as rejected:
        customers_import(unit=unit, filename="ds.csv", data=csv_bytes(rows))
    found = problems(rejected)
    assert (3, "C", "“31/02/2025” is not a date (dd/mm/yyyy).") in found
    assert (4, "D", "returned before it was received.") in found
    assert (5, "A", "the same dossier code as row 2.") in found
    assert (6, "E", "a formula or command is not allowed in a cell.") in found
    assert (7, "H", "a formula or command is not allowed in a cell.") in found
    assert any(r == 8 and c == "F" for r, c, _m in found)
    assert any(r == 9 and c == "B" for r, c, _m in found)
    assert (10, "C", "the date is in the future.") in found
    with tenant_context(unit):
        assert Customer.objects.count() == 0
        assert CustomerContact.objects.count() == 0


def test_a_formula_in_an_xlsx_cell_is_refused(unit):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã hồ sơ", "Mã TTHC", "Ngày tiếp nhận", "Họ tên"])
    sheet.append(["X-1", BIRTH, "01/03/2025", '=CONCAT("a","b")'])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportRejected) as rejected:
        customers_import(unit=unit, filename="ds.xlsx", data=out.getvalue())
    assert problems(rejected) == [(2, "D", "a formula or command is not allowed in a cell.")]


def test_a_units_own_headers_are_mapped_once_and_remembered(unit):
    header = ["Số biên nhận", "Mã thủ tục hành chính", "Thời gian nộp", "Người đứng tên"]
    data = csv_bytes([["B-1", BIRTH, "01/03/2025", "Phạm Huệ"]], header=header)
    with pytest.raises(ImportRejected):
        customers_import(unit=unit, filename="ds.csv", data=data)
    mapping = dict(zip(["dossier", "procedure", "received", "name"], header, strict=True))
    customers_import(unit=unit, filename="ds.csv", data=data, mapping=mapping)
    with tenant_context(unit):
        assert CustomerColumns.objects.get().mapping == mapping
    # The next export from the same system imports without being mapped again.
    again = csv_bytes([["B-2", BIRTH, "02/03/2025", "Phạm Thu"]], header=header)
    assert customers_import(unit=unit, filename="ds.csv", data=again).created == 1


def test_dossiers_received_through_the_api_become_customers_and_an_import_fills_their_contact(unit):
    with tenant_context(unit):
        procedure = Procedure.objects.get(national_code=BIRTH)
        received = timezone.now() - dt.timedelta(days=10)
        Dossier.objects.create(
            code="H37.10-00002", procedure=procedure, procedure_code=BIRTH, received_at=received, status=2
        )
    result = customers_from_dossiers(
        unit=unit,
        received_from=timezone.localdate() - dt.timedelta(days=30),
        received_to=timezone.localdate(),
    )
    assert result.created == 1
    imported(unit, 3)
    with tenant_context(unit):
        customer = Customer.objects.select_related("contact").get(dossier_code="H37.10-00002")
        assert customer.source == "api" and customer.contact.name == "Nguyễn Văn Khách2"


# --------------------------------------------------------------------------------------------------
# Selection and one-time links
# --------------------------------------------------------------------------------------------------


def test_the_sample_is_reproducible_from_its_seed_and_sized_per_procedure():
    population = [(i, "a" if i % 3 else "b") for i in range(1, 301)]
    sizes = {"a": 30, "b": 12}
    first = customer_sample(population, sizes, seed=20230916)
    assert first == customer_sample(list(reversed(population)), sizes, seed=20230916)
    assert first != customer_sample(population, sizes, seed=20230917)
    assert sum(1 for i in first if i % 3) == 30 and sum(1 for i in first if not i % 3) == 12
    assert customer_sample(population, None, seed=1) == list(range(1, 301))


def test_a_sample_sized_by_the_units_quota_rule_is_drawn_and_recorded(unit, campaign, commune_officer):
    imported(unit, 150)
    since, until = timezone.localdate() - dt.timedelta(days=30), timezone.localdate()
    sizes = customer_sample_sizes(unit=unit, received_from=since, received_to=until)
    survey = customer_survey_create(
        unit=unit,
        campaign=campaign,
        received_from=since,
        received_to=until,
        created_by=commune_officer,
        sizes=sizes,
    )
    assert sizes == {"dang_ky_khai_sinh": survey.sample_size}
    assert 0 < survey.sample_size < 150 and survey.population == 150
    with tenant_context(unit):
        drawn = sorted(Invitation.objects.filter(survey=survey).values_list("customer_id", flat=True))
        population = [(c.pk, "dang_ky_khai_sinh") for c in Customer.objects.all()]
    assert drawn == customer_sample(population, sizes, survey.seed)


def test_everyone_gets_a_one_time_link_that_works_once_and_marks_them_answered_unlinked(
    unit, campaign, commune_officer
):
    imported(unit, 5)
    survey = customer_survey_create(
        unit=unit,
        campaign=campaign,
        received_from=timezone.localdate() - dt.timedelta(days=30),
        received_to=timezone.localdate(),
        created_by=commune_officer,
    )
    assert (survey.mode, survey.sample_size) == ("all", 5)
    with tenant_context(unit):
        # Invitations are stored in the customers' order, links in a shuffled one: no rank pairs them.
        pairs = list(Invitation.objects.order_by("pk").values_list("customer_id", "token_id"))
    assert [c for c, _t in pairs] == sorted(c for c, _t in pairs)
    rows = invitations_messages_export(unit=unit, survey=survey, method="zalo", by=commune_officer)
    links = {r[0]: r[3].split(": ", 1)[1].split(" ", 1)[0] for r in rows[1:]}
    assert len(links) == 5
    code = links["H37.10-00003"].rsplit("/k/", 1)[1]
    with tenant_context(unit):
        token = DossierToken.objects.get(short_code=code)
        signed = dossier_token_sign(unit=unit, token=token)
        _unit, _token_id, nonce = dossier_token_read(signed)
        assert token.channel == "list" and token.dossier_code.startswith("kh-")
        answer = post(q_satisfaction=3, q_field="other", q_field_other="x")
        response, _ = response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=answer,
            submission_key=uuid.uuid4(),
            channel=token.channel,
            dossier=(token, nonce),
        )
        invitation = Invitation.objects.get(customer__dossier_code="H37.10-00003")
        assert invitation.status == "answered" and invitation.token is None
        assert response.channel == "list"
        # Nothing leads from the customer to the answer.
        assert not Invitation.objects.filter(token=response.dossier_token).exists()
        assert response.dossier_token.dossier_code != "H37.10-00003"
    # Used: the link works once, at its short address as at its signed one.
    assert Client().get(f"/k/{code}").status_code == 410
    assert Client().get(f"/d/{signed}").status_code == 410


# --------------------------------------------------------------------------------------------------
# Outreach and tracking
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def survey(unit, campaign, commune_officer):
    imported(unit, 6)
    return customer_survey_create(
        unit=unit,
        campaign=campaign,
        received_from=timezone.localdate() - dt.timedelta(days=30),
        received_to=timezone.localdate(),
        created_by=commune_officer,
        reminder_after_days=5,
    )


def test_sms_texts_are_unaccented_and_exporting_marks_customers_contacted(unit, survey, commune_officer):
    rows = invitations_messages_export(unit=unit, survey=survey, method="sms", by=commune_officer)
    assert rows[0] == ["Mã hồ sơ", "Họ tên", "Số điện thoại", "Nội dung tin nhắn"]
    assert rows[1][3].startswith("UBND xa Hong Thai moi Ong/Ba danh gia")
    assert rows[1][3].isascii()
    with tenant_context(unit):
        assert set(Invitation.objects.values_list("status", flat=True)) == {"contacted"}
    # Nobody is due a reminder yet; after the delay, everyone unanswered is, once.
    assert invitations_messages_export(
        unit=unit, survey=survey, method="sms", by=commune_officer, reminders=True
    ) == [rows[0]]
    with tenant_context(unit):
        Invitation.objects.update(last_contacted_at=timezone.now() - dt.timedelta(days=6))
    again = invitations_messages_export(
        unit=unit, survey=survey, method="sms", by=commune_officer, reminders=True
    )
    assert len(again) == 7 and "nhac" in again[1][3]


def test_each_text_message_fits_one_sms_segment_with_its_short_link(unit, survey, commune_officer):
    rows = invitations_messages_export(unit=unit, survey=survey, method="sms", by=commune_officer)
    text = rows[1][3]
    code = text.split("/k/", 1)[1][:10]
    # http://localhost:8000/k/ and 10 characters: 34, against 85 for the signed /d/ link.
    assert f"{settings.BASE_URL}/k/{code} " in text and len(f"{settings.BASE_URL}/k/{code}") == 34
    assert text == (
        f"UBND xa Hong Thai moi Ong/Ba danh gia viec giai quyet ho so {rows[1][0]}: "
        f"{settings.BASE_URL}/k/{code} (khong ghi ten, dung mot lan). Xin cam on!"
    )
    assert sms_length(text) == 151 <= SMS_SEGMENT
    assert all(sms_length(r[3]) <= SMS_SEGMENT for r in rows[1:])
    # A 60-character dossier code leaves the code out rather than spill into a second message.
    with tenant_context(unit):
        Customer.objects.filter(dossier_code=rows[2][0]).update(dossier_code="X" * 60)
        Invitation.objects.update(last_contacted_at=timezone.now() - dt.timedelta(days=6))
    reminders = invitations_messages_export(
        unit=unit, survey=survey, method="sms", by=commune_officer, reminders=True
    )
    long = next(r[3] for r in reminders if r[0] == "X" * 60)
    assert long.startswith("UBND xa Hong Thai nhac: moi Ong/Ba") and "X" * 60 not in long and "/k/" in long
    assert all(sms_length(r[3]) <= SMS_SEGMENT for r in reminders[1:])
    # Accents or symbols beyond GSM-7 count as UCS-2, 70 to a segment.
    assert sms_length("é" * 70) == SMS_SEGMENT < sms_length("é" * 71)
    assert sms_length("[x]") == 5


def _short_path(unit, survey) -> str:
    with tenant_context(unit):
        invitation = Invitation.objects.select_related("token").order_by("pk").first()
        link = invitation_link(unit=unit, invitation=invitation)
    assert link.startswith(f"{settings.BASE_URL}/k/")
    return link.removeprefix(settings.BASE_URL)


def test_the_short_link_opens_the_one_time_form_and_works_once(unit, survey):
    path = _short_path(unit, survey)
    citizen = Client(enforce_csrf_checks=True)
    page, token = open_form(citizen, path)
    assert "q_satisfaction" in page.content.decode()
    sent = send(citizen, path, {"q_satisfaction": "3", "q_field": "other", "q_field_other": "x"}, token)
    assert sent.status_code == 303 and sent["Location"] == f"{path}/cam-on"
    assert citizen.get(sent["Location"]).status_code == 200
    with tenant_context(unit):
        response = Response.objects.get()
        assert response.channel == "list"
        assert Invitation.objects.filter(status="answered", token__isnull=True).count() == 1
    # Used: the "already answered" page, and nothing stored by a second try.
    again = citizen.get(path)
    assert again.status_code == 410
    assert vi("This survey link has already been used. Thank you!") in again.content.decode()
    assert send(citizen, path, {"q_satisfaction": "1"}, token_in(page)).status_code in (303, 410)
    with tenant_context(unit):
        assert Response.objects.count() == 1


def test_unknown_or_malformed_short_codes_are_not_found(unit, survey, world):
    path = _short_path(unit, survey)
    code = path.rsplit("/", 1)[1]
    printed = qr_link_create(unit=unit, campaign=survey.campaign)
    citizen = Client()
    for wrong in (
        "/k/zzzzzzzzzz",
        f"/k/{code[:-1]}",
        f"/k/{code}x",
        "/k/ABC%21%21",
        "/k/" + "a" * 200,
        f"/k/{printed.code}",  # a printed code is not a personal link
        "/k/zzzzzzzzzz/cam-on",
    ):
        assert citizen.get(wrong).status_code == 404, wrong
    assert citizen.get(f"/q/{code}").status_code == 404  # nor the other way round
    assert citizen.get(f"/k/{code.upper()}").status_code == 200  # typed in capitals from a letter
    with tenant_context(unit):
        assert not Response.objects.exists()


def test_an_erased_customers_short_link_no_longer_opens_the_form(unit, survey, commune_admin):
    path = _short_path(unit, survey)
    with tenant_context(unit):
        customer = Invitation.objects.order_by("pk").first().customer
    customer_contact_erase(unit=unit, customer=customer, actor=commune_admin, reason="Khách yêu cầu")
    assert Client().get(path).status_code == 410


def test_email_carries_the_link_and_an_unsubscribe_that_stops_further_mail(unit, survey, commune_officer):
    assert invitations_email_send(unit=unit, survey=survey, by=commune_officer) == 6
    message = mail.outbox[0]
    assert "/k/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = message.extra_headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert customer_unsubscribe(token)
    assert not customer_unsubscribe(token[:-2] + "xx")
    with tenant_context(unit):
        Invitation.objects.update(last_contacted_at=timezone.now() - dt.timedelta(days=6))
    mail.outbox.clear()
    assert invitations_email_send(unit=unit, survey=survey, by=None, reminders=True) == 5
    assert message.to[0] not in {m.to[0] for m in mail.outbox}


def test_unsubscribe_link_of_the_public_page(unit, survey, client):
    with tenant_context(unit):
        customer = Customer.objects.first()
    token = unsubscribe_token(unit=unit, customer=customer)
    assert client.get(f"/thu/ngung/{token}").status_code == 200
    with tenant_context(unit):
        assert (
            Customer.objects.get(pk=customer.pk).unsubscribed_at is None
        )  # a GET (a link scanner) changes nothing
    assert client.post(f"/thu/ngung/{token}").status_code == 200
    with tenant_context(unit):
        assert Customer.objects.get(pk=customer.pk).unsubscribed_at is not None
    assert client.post("/thu/ngung/forged:abc").status_code == 404


def test_a_phone_interview_is_recorded_on_the_customers_behalf_under_its_own_channel(
    unit, survey, commune_officer
):
    with tenant_context(unit):
        invitation = Invitation.objects.order_by("pk").first()
    response = invitation_phone_answer(
        unit=unit,
        invitation=invitation,
        data=post(q_satisfaction=2, q_field="other", q_field_other="x"),
        submission_key=uuid.uuid4(),
        officer=commune_officer,
    )
    assert (response.channel, response.entered_by) == ("phone", commune_officer)
    with tenant_context(unit):
        invitation.refresh_from_db()
        assert invitation.status == "answered" and invitation.token is None
        attempt = invitation.attempts.get()
        assert attempt.method == "phone"
        # Only the day of the call is kept: its time would pair it with the response.
        assert timezone.localtime(attempt.at).time() == dt.time(0)
        assert invitation.last_contacted_at == attempt.at


def test_refused_and_unreachable_are_recorded_with_how(unit, survey, commune_officer):
    with tenant_context(unit):
        first, second = Invitation.objects.order_by("pk")[:2]
    invitation_outcome(unit=unit, invitation=first, status="refused", method="phone", by=commune_officer)
    invitation_outcome(unit=unit, invitation=second, status="unreachable", method="phone", by=commune_officer)
    with pytest.raises(Exception, match="refused or unreachable"):
        invitation_outcome(
            unit=unit, invitation=second, status="answered", method="phone", by=commune_officer
        )
    with tenant_context(unit):
        assert sorted(Invitation.objects.values_list("status", flat=True)) == ["pending"] * 4 + [
            "refused",
            "unreachable",
        ]


# --------------------------------------------------------------------------------------------------
# Erasure
# --------------------------------------------------------------------------------------------------


def test_erasure_on_request_keeps_the_dossier_and_puts_the_link_out_of_use(unit, survey, commune_admin):
    with tenant_context(unit):
        customer = Customer.objects.get(dossier_code="H37.10-00001")
    with pytest.raises(Exception, match="Say why"):
        customer_contact_erase(unit=unit, customer=customer, actor=commune_admin, reason=" ")
    customer_contact_erase(unit=unit, customer=customer, actor=commune_admin, reason="Khách yêu cầu")
    with tenant_context(unit):
        customer.refresh_from_db()
        assert customer.contact_erased_at is not None
        assert not CustomerContact.objects.filter(customer=customer).exists()
        token = Invitation.objects.get(customer=customer).token
        assert token.expires_at <= timezone.now()
    event = AuditEvent.objects.get(action="customer_contact_erase")
    assert (event.target, event.reason, event.unit) == ("H37.10-00001", "Khách yêu cầu", unit)


def test_erasure_after_the_campaign_keeps_answers_and_statuses(unit, survey, commune_officer):
    with tenant_context(unit):
        invitation = Invitation.objects.order_by("pk").first()
    invitation_phone_answer(
        unit=unit,
        invitation=invitation,
        data=post(q_satisfaction=3, q_field="other", q_field_other="x"),
        submission_key=uuid.uuid4(),
        officer=commune_officer,
    )
    erased = customer_survey_contacts_erase(unit=unit, survey=survey)
    assert erased == 6
    with tenant_context(unit):
        assert CustomerContact.objects.count() == 0
        assert Response.objects.filter(channel="phone").count() == 1
        assert Invitation.objects.filter(status="answered").count() == 1
    assert customer_survey_contacts_erase(unit=unit, survey=survey) == 0  # once
    assert AuditEvent.objects.filter(action="customer_contacts_erase", details__contacts=6).count() == 1


# --------------------------------------------------------------------------------------------------
# Letters, figures and what answer views show
# --------------------------------------------------------------------------------------------------


def test_the_letters_pdf_carries_each_name_and_a_qr_code_decoding_to_that_customers_link(
    unit, survey, commune_officer, tmp_path
):
    with tenant_context(unit):
        expected = {
            i.customer.contact.name: invitation_link(unit=unit, invitation=i)
            for i in Invitation.objects.select_related("customer__contact", "token")
        }
    pdf = invitations_letters_pdf(unit=unit, survey=survey, by=commune_officer)
    text = pdf_text(pdf, tmp_path)
    for name in expected:
        assert f"Kính gửi: Ông/Bà {name}" in text
    assert "Thôn 3, xã Vạn Thắng, huyện Vạn Ninh, tỉnh Khánh Hòa" in text
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    run(tool("pdftoppm"), "-png", "-r", "200", path, tmp_path / "page")
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2  # six cards, four to a page
    decoded = [line for page in pages for line in run(tool("zbarimg"), "--raw", "-q", page).split()]
    assert sorted(decoded) == sorted(expected.values())
    # Each code sits on its own customer's card: the first page has the first four customers in order.
    first_page = run(tool("pdftotext"), "-enc", "UTF-8", "-f", "1", "-l", "1", path, "-")
    names_first = [n for n in expected if n in first_page]
    assert sorted(run(tool("zbarimg"), "--raw", "-q", pages[0]).split()) == sorted(
        expected[n] for n in names_first
    )
    with tenant_context(unit):
        assert Outreach.objects.filter(method="letter").count() == 6


def test_letters_come_in_files_of_a_bounded_size_and_a_file_that_does_not_exist_is_refused(
    unit, survey, commune_officer, tmp_path, monkeypatch
):
    monkeypatch.setattr(customer_services, "LETTERS_PER_FILE", 4)
    with tenant_context(unit):
        assert letters_parts(survey=survey) == [(1, 1, 4), (2, 5, 6)]
        names = [
            i.customer.contact.name
            for i in invitations_to_reach(survey=survey, method=Invitation.Method.LETTER)
        ]
    second = pdf_text(invitations_letters_pdf(unit=unit, survey=survey, by=commune_officer, part=2), tmp_path)
    assert [n for n in names if n in second] == names[4:]
    for part in (0, 3):
        with pytest.raises(ValidationError):
            invitations_letters_pdf(unit=unit, survey=survey, by=commune_officer, part=part)
    with tenant_context(unit):
        assert Outreach.objects.filter(method="letter").count() == 2  # only the file made


def test_response_rates_per_way_of_reaching_people_and_phone_answers_apart_in_the_figures(
    unit, survey, commune_officer
):
    invitations_messages_export(unit=unit, survey=survey, method="zalo", by=commune_officer)
    with tenant_context(unit):
        first, second = Invitation.objects.select_related("token").order_by("pk")[:2]
        response_submit(
            campaign=survey.campaign,
            version_id=survey.campaign.version_id,
            data=post(q_satisfaction=3, q_field="other", q_field_other="x"),
            submission_key=uuid.uuid4(),
            channel="list",
            dossier=(first.token, first.token.nonce),
        )
    invitation_phone_answer(
        unit=unit,
        invitation=second,
        data=post(q_satisfaction=2, q_field="other", q_field_other="x"),
        submission_key=uuid.uuid4(),
        officer=commune_officer,
    )
    with tenant_context(unit):
        progress = customer_survey_progress(survey=Invitation.objects.first().survey)
    assert (progress.total, progress.answered, progress.statuses["contacted"]) == (6, 2, 4)
    rates = {m.method: (m.contacted, m.answered) for m in progress.methods}
    assert rates["zalo"] == (6, 2) and rates["phone"] == (1, 1) and rates["email"] == (0, 0)
    facts_refresh()
    today = timezone.localdate()
    rows = {r.value: r.figure.n for r in breakdown(unit=unit, period=Period(today, today), dim="channel")}
    assert rows == {"list": 1, "phone": 1}


def test_no_answer_view_or_export_shows_a_name_or_phone_from_the_list(unit, survey, commune_admin, client):
    with tenant_context(unit):
        invitation = Invitation.objects.select_related("customer__contact").order_by("pk").first()
        name, phone = invitation.customer.contact.name, invitation.customer.contact.phone
        code = invitation.customer.dossier_code
    response = invitation_phone_answer(
        unit=unit,
        invitation=invitation,
        data=post(q_satisfaction=3, q_field="other", q_field_other="x"),
        submission_key=uuid.uuid4(),
        officer=commune_admin,
    )
    client.force_login(commune_admin)
    pages = [
        client.get(unit_reverse(unit, "unit:responses")),
        client.get(unit_reverse(unit, "unit:responses"), {"channel": "phone"}),
        client.get(unit_reverse(unit, "unit:response", response.public_id)),
        client.get(unit_reverse(unit, "unit:responses_csv")),
    ]
    for page in pages:
        assert page.status_code == 200
        body = b"".join(page.streaming_content) if page.streaming else page.content
        text = body.decode("utf-8-sig")
        assert str(response.public_id)[:8] in text or "phone" in text or "điện thoại" in text.lower()
        for secret in (name, phone, code):
            assert secret not in text


def test_the_daily_task_sends_reminders_and_erases_after_the_retention(unit, survey, commune_officer):
    invitations_email_send(unit=unit, survey=survey, by=commune_officer)
    with tenant_context(unit):
        Invitation.objects.update(last_contacted_at=timezone.now() - dt.timedelta(days=6))
    mail.outbox.clear()
    result = unit_customer_surveys.apply(args=(unit.pk, timezone.localdate().isoformat())).get()
    assert result == {"reminded": 6, "erased": 0, "steps": 0}
    assert unit_customer_surveys.apply(args=(unit.pk,)).get() == {
        "reminded": 0,
        "erased": 0,
        "steps": 0,
    }  # once
    after = survey.campaign.ends_on + dt.timedelta(days=survey.erase_after_days + 1)
    assert unit_customer_surveys.apply(args=(unit.pk, after.isoformat())).get() == {
        "reminded": 0,
        "erased": 6,
        "steps": 0,
    }
    with tenant_context(unit):
        assert CustomerContact.objects.count() == 0 and Invitation.objects.count() == 6
    assert customer_surveys_dispatch.apply().get() >= 1
