"""The citizen's feedback page, the offer after an unsatisfied answer, and the one-time rating page."""

import re
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_tenants.utils import tenant_context

from surveys.feedback import FeedbackInput, feedback_reply, feedback_submit, rating_url
from surveys.models import Feedback, FeedbackContact, Procedure, Response
from tests.surveys.test_citizen_form import good_answers, make_link, open_form, qr_url, send

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def vi(message: str) -> str:
    with translation.override("vi"):
        return escape(gettext(message))


@pytest.fixture
def citizen() -> Client:
    return Client(enforce_csrf_checks=True)


def page_url(unit) -> str:
    return f"/gop-y/{unit.schema_name}"


def token_of(response) -> str:
    return TOKEN_RE.search(response.content.decode()).group(1)


def records(unit) -> int:
    with tenant_context(unit):
        return Feedback.objects.count()


def test_the_feedback_page_is_vietnamese_and_stores_one_record(world, citizen):
    page = citizen.get(page_url(world.commune))
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="vi">' in body and vi("Feedback and complaints") in body
    assert vi("Unofficial costs") in body and vi("Harassment or troublemaking by a civil servant") in body
    with tenant_context(world.commune):
        procedure = Procedure.objects.first()
    fields = {
        "category": "unofficial_costs",
        "content": "Bị đòi thêm tiền khi nộp hồ sơ.",
        "procedure": str(procedure.pk),
        "dossier_code": "HS-2026-1",
        "contact_phone": "0912345678",
        "consent": "yes",
        "form_token": token_of(page),
    }
    response = send(citizen, page_url(world.commune), fields)
    assert response.status_code == 303
    # the same form posted again (a double tap) stores nothing more
    assert send(citizen, page_url(world.commune), fields).status_code == 303
    with tenant_context(world.commune):
        feedback = Feedback.objects.get()
        assert (feedback.category, feedback.source, feedback.procedure_id) == (
            "unofficial_costs",
            "web",
            procedure.pk,
        )
        assert feedback.contact.phone == "0912345678"
    thanks = citizen.get(response["Location"]).content.decode()
    assert feedback.reference in thanks
    assert "0912345678" not in thanks


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": ""}, "Choose what the feedback is about."),
        ({"content": ""}, "Write what happened or what you suggest."),
        ({"consent": ""}, "Tick the box to let the office contact you, or leave your details out."),
        ({"contact_email": "không phải"}, "Enter an e-mail address such as ten@example.vn."),
        ({"procedure": "99999999"}, "Choose a procedure of this unit's list."),
    ],
)
def test_bad_input_on_the_page_is_refused_with_a_clear_message_and_nothing_stored(
    world, citizen, fields, message
):
    page = citizen.get(page_url(world.commune))
    data = {
        "category": "attitude",
        "content": "Nội dung",
        "contact_email": "a@example.vn",
        "consent": "yes",
        "form_token": token_of(page),
        **fields,
    }
    response = send(citizen, page_url(world.commune), data)
    assert response.status_code == 400
    assert vi(message) in response.content.decode()
    assert records(world.commune) == 0
    with tenant_context(world.commune):
        assert FeedbackContact.objects.count() == 0


def test_a_forged_token_a_bot_and_an_unknown_unit_store_nothing(world, citizen):
    url = page_url(world.commune)
    assert (
        send(citizen, url, {"category": "other", "content": "x", "form_token": "forged"}).status_code == 400
    )
    page = citizen.get(url)
    bot = send(
        citizen, url, {"category": "other", "content": "x", "website": "spam", "form_token": token_of(page)}
    )
    assert bot.status_code == 303
    assert records(world.commune) == 0
    assert citizen.get("/gop-y/khong-co").status_code == 404
    assert citizen.get(f"/gop-y/{world.province.schema_name}").status_code == 404  # not onboarded
    too_many = urlencode([("x", "1")] * 40)
    response = citizen.post(url, too_many, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_the_unit_has_a_qr_code_for_its_feedback_page(world, citizen):
    response = citizen.get(f"/gop-y/{world.commune.schema_name}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_an_unsatisfied_answer_is_offered_the_feedback_page_without_a_link_between_them(world, citizen):
    # given: a citizen answers "not satisfied" through a QR code
    link = make_link(world.commune, "hong_thai_quick")
    url = qr_url(link.code)
    _page, token = open_form(citizen, url)
    response = send(citizen, url, good_answers("hong_thai_quick", world.commune), token)
    thanks = citizen.get(response["Location"]).content.decode()
    offer = f"/gop-y/{world.commune.schema_name}?sau-khao-sat=1"
    assert offer in thanks
    # when they follow the offer and send a complaint
    page = citizen.get(offer)
    assert (
        vi(
            "This is separate from the survey you have just answered: your answers there stay anonymous "
            "and are not attached to this message."
        )
        in page.content.decode()
    )
    sent = send(
        citizen,
        page_url(world.commune),
        {"category": "attitude", "content": "Cán bộ cáu gắt.", "after": "1", "form_token": token_of(page)},
    )
    assert sent.status_code == 303
    # then the record says where it came from, and nothing ties it to the answer
    with tenant_context(world.commune):
        answer = Response.objects.get()
        feedback = Feedback.objects.get()
        assert feedback.source == "after_survey"
        row = Feedback.objects.filter(pk=feedback.pk).values().get()
        assert str(answer.public_id) not in str(row) and str(answer.submission_key) not in str(row)
    # a satisfied answer gets no offer
    _page, token = open_form(citizen, url)
    satisfied = send(
        citizen, url, {**good_answers("hong_thai_quick", world.commune), "q_satisfaction": "3"}, token
    )
    assert "gop-y" not in satisfied["Location"]


def test_the_rating_page_works_once(world, citizen, commune_officer):
    feedback, _ = feedback_submit(
        unit=world.commune,
        data=FeedbackInput(category="access", content="Thiếu ghế chờ.", contact={"email": "b@example.vn"}),
        submission_key=uuid.uuid4(),
    )
    feedback = feedback_reply(
        unit=world.commune, feedback=feedback, reply="Đã bổ sung ghế.", method="email", by=commune_officer
    )
    path = urlsplit(rating_url(unit=world.commune, feedback=feedback)).path
    page = citizen.get(path)
    assert page.status_code == 200 and "Rất hài lòng" in page.content.decode()
    bad = send(citizen, path, {"rating": "9"})
    assert bad.status_code == 400 and vi("Choose one of the five answers.") in bad.content.decode()
    assert send(citizen, path, {"rating": "5"}).status_code == 200
    assert send(citizen, path, {"rating": "1"}).status_code == 410
    assert citizen.get(path).status_code == 410
    with tenant_context(world.commune):
        assert Feedback.objects.get(pk=feedback.pk).rating_value == 5
    assert citizen.get("/danh-gia/forged:abc").status_code == 404
