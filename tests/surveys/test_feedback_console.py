"""The unit's feedback in its console: entry from other channels, handling, and who sees contacts."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from surveys.feedback import FeedbackInput, feedback_submit
from surveys.models import Feedback, FeedbackContact
from tenants.routing import unit_reverse

PHONE = "0987 654 321"


def url(unit, name, *args):
    return unit_reverse(unit, f"unit:{name}", *args)


@pytest.fixture
def with_contact(world):
    feedback, _ = feedback_submit(
        unit=world.commune,
        data=FeedbackInput(
            category="attitude", content="Cán bộ cáu gắt.", contact={"name": "Trần B", "phone": PHONE}
        ),
        submission_key=uuid.uuid4(),
    )
    return feedback


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_officer_sees_the_list_without_contacts_and_the_record_with_them(
    world, commune_officer, with_contact
):
    client = signed_in(commune_officer)
    listing = client.get(url(world.commune, "feedback")).content.decode()
    assert with_contact.reference in listing
    assert PHONE not in listing and "Trần B" not in listing
    assert f"/gop-y/{world.commune.schema_name}" in listing
    detail = client.get(url(world.commune, "feedback_detail", with_contact.pk)).content.decode()
    assert PHONE in detail and "Trần B" in detail
    export = client.get(url(world.commune, "feedback_csv"))
    assert export.status_code == 200
    text = export.content.decode()
    assert with_contact.reference in text and PHONE not in text and "Trần B" not in text


@pytest.mark.parametrize("who", ["district_viewer", "province_admin", "sibling_officer", "outsider"])
def test_nobody_above_or_beside_the_unit_reaches_its_feedback(world, request, with_contact, who):
    client = signed_in(request.getfixturevalue(who))
    for name, args in (("feedback", ()), ("feedback_detail", (with_contact.pk,)), ("feedback_csv", ())):
        response = client.get(url(world.commune, name, *args))
        assert response.status_code == 403  # refused, naming the unit only
        assert PHONE not in response.content.decode()


def test_an_officer_types_in_a_letter_and_handles_it(world, commune_officer, commune_admin):
    client = signed_in(commune_officer)
    response = client.post(
        url(world.commune, "feedback_new"),
        {
            "source": "mailbox",
            "received_on": "13/02/2026",
            "category": "harassment",
            "content": "Cán bộ gây khó dễ.",
            "contact_email": "c@example.vn",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.commune):
        feedback = Feedback.objects.get()
    assert (feedback.source, feedback.due_on, feedback.entered_by_id) == (
        "mailbox",
        dt.date(2026, 3, 6),
        commune_officer.pk,
    )
    assert len(mail.outbox) == 1  # harassment: the chairman is told
    # assign, then reply by e-mail with the rating link
    assert (
        client.post(
            url(world.commune, "feedback_assign", feedback.pk), {"official": commune_officer.pk}
        ).status_code
        == 302
    )
    assert (
        client.post(
            url(world.commune, "feedback_reply", feedback.pk), {"reply": "Đã xử lý.", "method": "email"}
        ).status_code
        == 302
    )
    with tenant_context(world.commune):
        feedback.refresh_from_db()
    assert feedback.status == "replied" and feedback.assigned_to == commune_officer
    assert mail.outbox[-1].to == ["c@example.vn"] and "/danh-gia/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    "fields",
    [
        {"received_on": "31/12/2099"},
        {"received_on": "hôm qua"},
        {"source": "web"},
        {"category": "x"},
        {"content": ""},
        {"contact_phone": "abc"},
        {"procedure": "123456789"},
    ],
)
def test_bad_officer_entry_is_refused_whole(world, commune_officer, fields):
    data = {
        "source": "letter",
        "received_on": "02/03/2026",
        "category": "other",
        "content": "x",
        "contact_name": "A",
        **fields,
    }
    response = signed_in(commune_officer).post(url(world.commune, "feedback_new"), data)
    assert response.status_code == 400
    with tenant_context(world.commune):
        assert not Feedback.objects.exists() and not FeedbackContact.objects.exists()


def test_a_bad_assignment_or_reply_changes_nothing(world, commune_officer, sibling_officer, with_contact):
    client = signed_in(commune_officer)
    assert (
        client.post(
            url(world.commune, "feedback_assign", with_contact.pk), {"official": sibling_officer.pk}
        ).status_code
        == 400
    )
    assert (
        client.post(
            url(world.commune, "feedback_reply", with_contact.pk), {"reply": "x", "method": "email"}
        ).status_code
        == 400
    )
    with tenant_context(world.commune):
        stored = Feedback.objects.get(pk=with_contact.pk)
    assert stored.status == "received" and stored.assigned_to is None
