"""Feedback records through the services: citizen page, officer entry, handling, rating, reminders."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.feedback import (
    FeedbackInput,
    feedback_assign,
    feedback_overdue_remind,
    feedback_rate,
    feedback_record,
    feedback_reply,
    feedback_submit,
    rating_url,
)
from surveys.models import Feedback, FeedbackContact, FeedbackStatusChange, Procedure, Response
from surveys.services import SubmissionError
from surveys.tasks import unit_feedback_reminders

CONTACT = {"name": "Nguyễn Văn A", "phone": "0912 345 678", "email": "a@example.vn"}


def _submit(unit, *, category="attitude", contact=None, **kw):
    data = FeedbackInput(category=category, content="Cán bộ không hướng dẫn.", contact=contact, **kw)
    feedback, created = feedback_submit(unit=unit, data=data, submission_key=uuid.uuid4())
    assert created
    return feedback


def _count(unit, model=Feedback):
    with tenant_context(unit):
        return model.objects.count()


def test_a_citizen_sends_feedback_with_a_due_date_and_contact_kept_apart(world):
    # when
    feedback = _submit(world.commune, contact=CONTACT, dossier_code="HS-1")
    # then
    with tenant_context(world.commune):
        stored = Feedback.objects.get(pk=feedback.pk)
        assert stored.status == "received" and stored.source == "web"
        assert stored.due_on > timezone.localdate()
        assert stored.contact.phone == "0912 345 678"
        assert list(FeedbackStatusChange.objects.values_list("status", flat=True)) == ["received"]
        # never linked to a survey answer: the record has no field that could hold one
        assert not any(f.related_model is Response for f in Feedback._meta.get_fields())


def test_a_double_tap_stores_one_record(world):
    key = uuid.uuid4()
    data = FeedbackInput(category="other", content="Góp ý")
    first, created = feedback_submit(unit=world.commune, data=data, submission_key=key)
    again, created_again = feedback_submit(unit=world.commune, data=data, submission_key=key)
    assert created and not created_again and first.pk == again.pk
    assert _count(world.commune) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "nonsense"}, "category"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 4001}, "content"),
        ({"content": 12}, "content"),
        ({"procedure": "999999"}, "procedure"),
        ({"procedure": "không-có"}, "procedure"),
        ({"dossier_code": "HS 1; DROP"}, "dossier_code"),
        ({"dossier_code": ["a"]}, "dossier_code"),
        ({"contact": {"phone": "12ab"}}, "contact_phone"),
        ({"contact": {"email": "not-an-address"}}, "contact_email"),
        ({"contact": {"name": "x" * 201}}, "contact_name"),
        ({"contact": {"name": ["x"]}}, "contact_name"),
    ],
)
def test_bad_input_from_the_citizen_is_refused_whole(world, fields, field):
    values = {"category": "attitude", "content": "Nội dung", "contact": dict(CONTACT)}
    for name, value in fields.items():
        if name == "contact":
            values["contact"].update(value)
        else:
            values[name] = value
    with pytest.raises(ValidationError) as error:
        feedback_submit(unit=world.commune, data=FeedbackInput(**values), submission_key=uuid.uuid4())
    assert field in error.value.message_dict
    assert _count(world.commune) == 0
    assert _count(world.commune, FeedbackContact) == 0


def test_an_officer_types_in_a_letter_with_the_procedure_and_its_day(world, commune_officer):
    with tenant_context(world.commune):
        procedure = Procedure.objects.first()
    received = dt.date(2026, 2, 13)
    feedback = feedback_record(
        unit=world.commune,
        data=FeedbackInput(category="unofficial_costs", content="Thu thêm phí.", procedure=str(procedure.pk)),
        source="letter",
        received_on=received,
        entered_by=commune_officer,
    )
    assert feedback.source == "letter" and feedback.procedure == procedure
    assert feedback.due_on == dt.date(2026, 3, 6)  # ten working days after, across Tết
    assert feedback.entered_by == commune_officer


@pytest.mark.parametrize(
    ("source", "received_on", "field"),
    [
        ("web", dt.date(2026, 1, 5), "source"),
        ("letter", "2026-01-05", "received_on"),
        ("letter", dt.date(2014, 12, 31), "received_on"),
        ("hotline", timezone.localdate() + dt.timedelta(days=1), "received_on"),
    ],
)
def test_bad_input_from_the_officer_is_refused_whole(world, commune_officer, source, received_on, field):
    with pytest.raises(ValidationError) as error:
        feedback_record(
            unit=world.commune,
            data=FeedbackInput(category="bogus", content="x"),
            source=source,
            received_on=received_on,
            entered_by=commune_officer,
        )
    assert {field, "category"} <= set(error.value.message_dict)
    assert _count(world.commune) == 0


def test_serious_feedback_is_reported_to_the_chairman_at_once(world, commune_admin):
    feedback = _submit(world.commune, category="harassment", contact=CONTACT)
    [message] = mail.outbox
    assert message.to == [commune_admin.email]
    assert feedback.reference in message.body
    assert "0912" not in message.body and "Nguyễn" not in message.body  # never the citizen
    with tenant_context(world.commune):
        assert Feedback.objects.get(pk=feedback.pk).serious_reported_at is not None
    # an ordinary category is not
    _submit(world.commune, category="access")
    assert len(mail.outbox) == 1


def test_handling_assign_reply_by_email_and_rate_once(world, commune_officer, commune_admin):
    feedback = _submit(world.commune, contact=CONTACT)
    feedback = feedback_assign(
        unit=world.commune, feedback=feedback, official=commune_officer, by=commune_admin
    )
    assert feedback.status == "assigned"
    feedback = feedback_reply(
        unit=world.commune, feedback=feedback, reply="Đã nhắc nhở cán bộ.", method="email", by=commune_officer
    )
    assert feedback.status == "replied" and feedback.rateable
    [message] = mail.outbox
    assert message.to == ["a@example.vn"]
    url = rating_url(unit=world.commune, feedback=feedback)
    assert url in message.body
    signed = url.rsplit("/", 1)[1]
    # a wrong answer changes nothing and leaves the link usable
    with pytest.raises(SubmissionError) as bad:
        feedback_rate(signed=signed, value="7")
    assert bad.value.status == 400
    rated = feedback_rate(signed=signed, value="4")
    assert (rated.rating_value, rated.rating_bucket) == (4, "satisfied")
    with pytest.raises(SubmissionError) as used:
        feedback_rate(signed=signed, value="5")
    assert used.value.status == 410
    with tenant_context(world.commune):
        assert Feedback.objects.get(pk=feedback.pk).rating_value == 4
        assert not FeedbackContact.objects.filter(feedback_id=feedback.pk).exists()  # purpose ended
        assert list(
            FeedbackStatusChange.objects.filter(feedback_id=feedback.pk).values_list("status", flat=True)
        ) == [
            "received",
            "assigned",
            "replied",
        ]


def test_a_forged_or_tampered_rating_link_is_refused(world, commune_officer):
    feedback = _submit(world.commune, contact={"phone": "0912345678"})
    feedback = feedback_reply(
        unit=world.commune, feedback=feedback, reply="Trả lời", method="printed", by=commune_officer
    )
    signed = rating_url(unit=world.commune, feedback=feedback).rsplit("/", 1)[1]
    for bad in ("garbage", signed[:-2] + "xx", signed.replace("-", "-0", 1)):
        with pytest.raises(SubmissionError) as error:
            feedback_rate(signed=bad, value="5")
        assert error.value.status == 404


def test_without_contact_details_there_is_no_rating_and_it_is_counted(world, commune_officer):
    feedback = _submit(world.commune)
    with pytest.raises(ValidationError) as error:
        feedback_reply(
            unit=world.commune, feedback=feedback, reply="Trả lời", method="email", by=commune_officer
        )
    assert "method" in error.value.message_dict
    feedback = feedback_reply(
        unit=world.commune, feedback=feedback, reply="Trả lời", method="printed", by=commune_officer
    )
    assert feedback.rateable is False and feedback.rating_nonce == ""
    assert mail.outbox == []


@pytest.mark.parametrize(("reply", "method"), [("", "email"), ("ok", "fax"), ("x" * 8001, "printed")])
def test_a_bad_reply_is_refused_and_nothing_changes(world, commune_officer, reply, method):
    feedback = _submit(world.commune, contact=CONTACT)
    with pytest.raises(ValidationError):
        feedback_reply(unit=world.commune, feedback=feedback, reply=reply, method=method, by=commune_officer)
    with tenant_context(world.commune):
        stored = Feedback.objects.get(pk=feedback.pk)
        assert stored.status == "received" and stored.replied_at is None
        assert FeedbackStatusChange.objects.filter(feedback=stored).count() == 1


def test_only_an_official_of_the_unit_is_assigned(world, commune_admin, sibling_officer, outsider):
    feedback = _submit(world.commune)
    for person in (sibling_officer, outsider, None):
        with pytest.raises(ValidationError):
            feedback_assign(unit=world.commune, feedback=feedback, official=person, by=commune_admin)


def test_overdue_reminders_go_once_per_episode(world, commune_officer, commune_admin):
    # given: an assigned record due yesterday
    feedback = _submit(world.commune)
    feedback_assign(unit=world.commune, feedback=feedback, official=commune_officer, by=commune_admin)
    with tenant_context(world.commune):
        Feedback.objects.filter(pk=feedback.pk).update(due_on=dt.date(2026, 3, 2))
    today = dt.date(2026, 3, 3)
    # when: the daily task runs twice
    first = unit_feedback_reminders.apply(args=(world.commune.pk, today.isoformat())).get()
    second = unit_feedback_reminders.apply(args=(world.commune.pk, today.isoformat())).get()
    # then: one reminder, to the handler and the chairman
    assert first["reminders"] == 1 and second["reminders"] == 0
    [message] = mail.outbox
    assert set(message.to) == {commune_officer.email, commune_admin.email}
    # a new due date that passes too is a new episode
    with tenant_context(world.commune):
        Feedback.objects.filter(pk=feedback.pk).update(due_on=dt.date(2026, 3, 9))
    assert (
        feedback_overdue_remind(unit=world.commune, today=dt.date(2026, 3, 9))["reminders"] == 0
    )  # not late yet
    assert feedback_overdue_remind(unit=world.commune, today=dt.date(2026, 3, 10))["reminders"] == 1
    assert len(mail.outbox) == 2
    # a replied record is never reminded
    feedback_reply(unit=world.commune, feedback=feedback, reply="Xong", method="printed", by=commune_officer)
    with tenant_context(world.commune):
        Feedback.objects.filter(pk=feedback.pk).update(reminded_for=None)
    assert feedback_overdue_remind(unit=world.commune, today=dt.date(2026, 4, 1))["reminders"] == 0


def test_the_sweep_erases_contacts_whose_rating_link_expired(world, commune_officer):
    feedback = _submit(world.commune, contact=CONTACT)
    feedback_reply(unit=world.commune, feedback=feedback, reply="Xong", method="email", by=commune_officer)
    with tenant_context(world.commune):
        Feedback.objects.filter(pk=feedback.pk).update(
            rating_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    assert feedback_overdue_remind(unit=world.commune)["erased"] == 1
    assert _count(world.commune, FeedbackContact) == 0
