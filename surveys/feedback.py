"""Feedback and complaints (phản ánh, kiến nghị): received, assigned, replied by a due date in working
days, rated by the citizen through a one-time link (METHODOLOGY.md, "Feedback and complaints").

A record comes from the citizen's feedback page (also offered after an unsatisfied survey answer, never
linked to it), from an officer typing in a letter, a hotline call, the feedback box or a meeting, or from
the national portal through the API (idempotent by the portal's code). Contact details live apart
(FeedbackContact) and are erased once the rating is in or its link has expired. Every input is checked
whole before anything is written: a refused record leaves nothing behind.
"""

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Unit, User
from tenants.permissions import Action, has_perm
from tenants.selectors import unit_admin_emails
from tenants.workdays import feedback_due_on

from .models import (
    OFFICER_SOURCES,
    SERIOUS_CATEGORIES,
    Feedback,
    FeedbackCategory,
    FeedbackContact,
    FeedbackSource,
    FeedbackStatus,
    FeedbackStatusChange,
    Procedure,
    ReplyMethod,
)
from .scales import FIVE_LEVEL, DataError
from .services import CODE_ALPHABET, SubmissionError, one_time_check, one_time_read, one_time_sign
from .signals import feedback_status_changed

MAX_CONTENT = 4000
MAX_REPLY = 8000
RATING_VALID_FOR = dt.timedelta(days=30)
EARLIEST_RECEIPT = dt.date(2015, 1, 1)
RATING_SIGNER = signing.Signer(salt="surveys.feedback-rating")
PHONE_RE = re.compile(r"\+?[0-9][0-9 .\-]{7,18}[0-9]")
DOSSIER_CODE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._\-/]{0,59}")
CONTACT_LIMITS = {"name": 200, "phone": 30, "email": 254, "address": 300}


@dataclass(frozen=True)
class FeedbackInput:
    """What a record says, from any channel, before it is checked."""

    category: object
    content: object
    procedure: object = None  # a Procedure id (form), or a national code / key (portal), or None
    dossier_code: object = ""
    contact: Mapping[str, object] | None = None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _contact(raw: Mapping[str, object] | None, errors: dict[str, str]) -> dict[str, str] | None:
    if not raw:
        return None
    contact: dict[str, str] = {}
    for part, limit in CONTACT_LIMITS.items():
        value = raw.get(part, "")
        if value not in (None, "") and not isinstance(value, str):
            errors[f"contact_{part}"] = _("This must be text.")
            continue
        text = _text(value)
        if len(text) > limit:
            errors[f"contact_{part}"] = _("This is too long (at most %(n)s characters).") % {"n": limit}
        contact[part] = text
    if contact.get("phone") and not PHONE_RE.fullmatch(contact["phone"]):
        errors["contact_phone"] = _("Enter a phone number of 9 to 15 digits, e.g. 0912 345 678.")
    if contact.get("email"):
        try:
            validate_email(contact["email"])
        except ValidationError:
            errors["contact_email"] = _("Enter an e-mail address such as ten@example.vn.")
    if not any(contact.values()):
        return None
    return contact


def _procedure(raw: object, errors: dict[str, str]) -> Procedure | None:
    if raw in (None, ""):
        return None
    procedure = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        procedure = Procedure.objects.filter(pk=raw).first()
    elif isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 10:
        procedure = Procedure.objects.filter(pk=int(raw.strip())).first()
    elif isinstance(raw, str) and len(raw) <= 80:
        procedure = Procedure.objects.filter(Q(national_code=raw.strip()) | Q(key=raw.strip())).first()
    if procedure is None:
        errors["procedure"] = _("Choose a procedure of this unit's list.")
    return procedure


def feedback_check(data: FeedbackInput) -> tuple[dict[str, Any], dict[str, str] | None]:
    """(values, contact) of a record, in the current unit's schema; ValidationError listing every problem."""
    errors: dict[str, str] = {}
    if data.category not in FeedbackCategory.values:
        errors["category"] = _("Choose what the feedback is about.")
    content = _text(data.content)
    if not content:
        errors["content"] = _("Write what happened or what you suggest.")
    elif len(content) > MAX_CONTENT:
        errors["content"] = _("Please keep it under %(n)s characters.") % {"n": MAX_CONTENT}
    procedure = _procedure(data.procedure, errors)
    dossier_code = _text(data.dossier_code) if data.dossier_code not in (None, "") else ""
    if data.dossier_code not in (None, "") and not isinstance(data.dossier_code, str):
        errors["dossier_code"] = _("This must be text.")
    elif dossier_code and not DOSSIER_CODE_RE.fullmatch(dossier_code):
        errors["dossier_code"] = _("A dossier code has letters, digits and . - _ / only (at most 60).")
    contact = _contact(data.contact, errors)
    if errors:
        raise ValidationError(errors)
    values = {
        "category": data.category,
        "content": content,
        "procedure": procedure,
        "dossier_code": dossier_code,
    }
    return values, contact


def _new_reference() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _history(feedback: Feedback, status: str, at: dt.datetime, by: User | None) -> None:
    FeedbackStatusChange.objects.create(feedback=feedback, status=status, at=at, by=by)


def _create(
    *,
    unit: Unit,
    values: Mapping[str, Any],
    contact: Mapping[str, str] | None,
    source: str,
    received_at: dt.datetime,
    entered_by: User | None = None,
    submission_key: uuid.UUID | None = None,
    portal_code: str | None = None,
) -> Feedback:
    """Store a checked record with its due date and first status; report a serious one at once."""
    due_on = feedback_due_on(unit=unit, received_on=timezone.localtime(received_at).date())
    with transaction.atomic():
        feedback = Feedback.objects.create(
            reference=_new_reference(),
            submission_key=submission_key,
            portal_code=portal_code,
            source=source,
            received_at=received_at,
            due_on=due_on,
            entered_by=entered_by,
            **values,
        )
        if contact:
            FeedbackContact.objects.create(feedback=feedback, consent_at=timezone.now(), **contact)
        _history(feedback, FeedbackStatus.RECEIVED, received_at, entered_by)
        if feedback.is_serious:
            _report_serious(unit, feedback)
        feedback_status_changed.send(sender=Feedback, unit=unit, feedback=feedback)
    return feedback


def feedback_submit(
    *, unit: Unit, data: FeedbackInput, submission_key: uuid.UUID, after_survey: bool = False
) -> tuple[Feedback, bool]:
    """A citizen's feedback from the public page, in the unit's schema; idempotent by submission key.

    `after_survey` only says the page was offered after an unsatisfied answer: nothing ties the two.
    """
    with tenant_context(unit):
        existing = Feedback.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
        values, contact = feedback_check(data)
        source = FeedbackSource.AFTER_SURVEY if after_survey else FeedbackSource.WEB
        try:
            feedback = _create(
                unit=unit,
                values=values,
                contact=contact,
                source=source,
                received_at=timezone.now(),
                submission_key=submission_key,
            )
        except IntegrityError:  # two taps raced: the other stored it
            existing = Feedback.objects.filter(submission_key=submission_key).first()
            if existing is None:
                raise
            return existing, False
        return feedback, True


def feedback_record(
    *, unit: Unit, data: FeedbackInput, source: object, received_on: object, entered_by: User
) -> Feedback:
    """Feedback an officer types in from a letter, the hotline, the feedback box or a meeting."""
    errors: dict[str, str] = {}
    if source not in OFFICER_SOURCES:
        errors["source"] = _("Choose how the feedback arrived: letter, hotline, feedback box or meeting.")
    today = timezone.localdate()
    day: dt.date | None = None
    if not isinstance(received_on, dt.date) or isinstance(received_on, dt.datetime):
        errors["received_on"] = _("Give the day it was received, e.g. 31/01/2026.")
    elif not EARLIEST_RECEIPT <= received_on <= today:
        errors["received_on"] = _("The day it was received must be between 01/01/2015 and today.")
    else:
        day = received_on
    with tenant_context(unit):
        try:
            values, contact = feedback_check(data)
        except ValidationError as error:
            errors = {**{k: v[0] for k, v in error.message_dict.items()}, **errors}
        if errors or day is None:
            raise ValidationError(errors)
        tz = timezone.get_default_timezone()
        received_at = timezone.now() if day == today else dt.datetime.combine(day, dt.time(12), tzinfo=tz)
        return _create(
            unit=unit,
            values=values,
            contact=contact,
            source=str(source),
            received_at=received_at,
            entered_by=entered_by,
        )


# --------------------------------------------------------------------------- the national portal


#: The API's names of the fields a check may refuse, in the national portal's naming style; not verified
#: against a published specification of the portal's feedback interface (none was available).
PORTAL_FIELDS = {
    "category": "PhanLoai",
    "content": "NoiDung",
    "procedure": "MaTTHC",
    "dossier_code": "MaHoSo",
    "contact_name": "HoTen",
    "contact_phone": "SoDienThoai",
    "contact_email": "Email",
    "contact_address": "DiaChi",
}


@dataclass(frozen=True)
class PortalFeedback:
    """One feedback event for the national portal (the API's field names, in the portal's naming style;
    unverified against a specification of the portal's interface)."""

    code: str  # MaPAKN
    sent_at: dt.datetime  # NgayGui
    data: FeedbackInput


@dataclass(frozen=True)
class PortalResult:
    code: str
    outcome: str  # created | unchanged
    feedback: Feedback


def feedback_portal_ingest(*, unit: Unit, events: list[PortalFeedback]) -> list[PortalResult]:
    """Record the portal's events in the unit's schema, idempotent by the portal's code.

    All or nothing: any event refused (ValidationError with its index) leaves the whole batch unstored,
    so the portal can resend it corrected. A code already recorded answers "unchanged".
    """
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    results: list[PortalResult] = []
    with tenant_context(unit), transaction.atomic():
        checked = []
        seen: set[str] = set()
        for index, event in enumerate(events):
            problems: dict[str, str] = {}
            if event.code in seen:
                problems["MaPAKN"] = _("The same code is twice in this batch.")
            seen.add(event.code)
            if event.sent_at > now + dt.timedelta(minutes=5):
                problems["NgayGui"] = _("The date it was sent is in the future.")
            elif timezone.localtime(event.sent_at).date() < EARLIEST_RECEIPT:
                problems["NgayGui"] = _("The date it was sent is before 2015.")
            try:
                values, contact = feedback_check(event.data)
            except ValidationError as error:
                problems.update({PORTAL_FIELDS.get(k, k): v[0] for k, v in error.message_dict.items()})
                values, contact = {}, None
            for name, message in problems.items():
                errors[f"events.{index}.{name}"] = [message]
            checked.append((event, values, contact))
        if errors:
            raise ValidationError(errors)
        known = {f.portal_code: f for f in Feedback.objects.filter(portal_code__in=list(seen))}
        for event, values, contact in checked:
            if event.code in known:
                results.append(PortalResult(event.code, "unchanged", known[event.code]))
                continue
            feedback = _create(
                unit=unit,
                values=values,
                contact=contact,
                source=FeedbackSource.PORTAL,
                received_at=event.sent_at,
                portal_code=event.code,
            )
            results.append(PortalResult(event.code, "created", feedback))
    return results


# --------------------------------------------------------------------------- handling


def _locked(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


def feedback_assign(*, unit: Unit, feedback: Feedback, official: User | None, by: User) -> Feedback:
    """Give the record to an official of the unit (who may operate there); not once it is replied."""
    with tenant_context(unit), transaction.atomic():
        feedback = _locked(feedback)
        if feedback.status == FeedbackStatus.REPLIED:
            raise ValidationError(_("This feedback has been replied to already."))
        if official is None or not official.is_active or not has_perm(official, Action.OPERATE, unit):
            raise ValidationError({"official": _("Choose an official of this unit.")})
        now = timezone.now()
        feedback.assigned_to, feedback.assigned_at, feedback.status = official, now, FeedbackStatus.ASSIGNED
        feedback.save(update_fields=["assigned_to", "assigned_at", "status"])
        _history(feedback, FeedbackStatus.ASSIGNED, now, by)
        feedback_status_changed.send(sender=Feedback, unit=unit, feedback=feedback)
    return feedback


def rating_url(*, unit: Unit, feedback: Feedback) -> str:
    signed = one_time_sign(RATING_SIGNER, unit_id=unit.pk, pk=feedback.pk, nonce=feedback.rating_nonce)
    return f"{settings.BASE_URL}/danh-gia/{signed}"


def feedback_reply(*, unit: Unit, feedback: Feedback, reply: object, method: object, by: User) -> Feedback:
    """Record the reply and send it: by e-mail to the citizen's address, or printed by the officer.

    With contact details the reply carries a one-time link to rate the handling; without, the record is
    marked not rateable and counted as such in the figures.
    """
    errors: dict[str, str] = {}
    text = _text(reply)
    if not text:
        errors["reply"] = _("Write the reply.")
    elif len(text) > MAX_REPLY:
        errors["reply"] = _("The reply is too long (at most %(n)s characters).") % {"n": MAX_REPLY}
    if method not in ReplyMethod.values:
        errors["method"] = _("Choose how the reply is sent: by e-mail or printed.")
    with tenant_context(unit), transaction.atomic():
        feedback = _locked(feedback)
        if feedback.status == FeedbackStatus.REPLIED:
            raise ValidationError(_("This feedback has been replied to already."))
        contact = FeedbackContact.objects.filter(feedback=feedback).first()
        if method == ReplyMethod.EMAIL and not (contact and contact.email):
            errors["method"] = _("The citizen left no e-mail address: print the reply instead.")
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        feedback.reply, feedback.reply_method, feedback.replied_by = text, str(method), by
        feedback.replied_at, feedback.status = now, FeedbackStatus.REPLIED
        feedback.rateable = contact is not None
        if feedback.rateable:
            feedback.rating_nonce = secrets.token_urlsafe(6)
            feedback.rating_expires_at = now + RATING_VALID_FOR
        feedback.save()
        _history(feedback, FeedbackStatus.REPLIED, now, by)
        if method == ReplyMethod.EMAIL and contact is not None:  # checked above: it has an address
            with translation.override(settings.LANGUAGE_CODE):
                body = _(
                    "Reply of %(unit)s to your feedback %(ref)s:\n\n%(reply)s\n\n"
                    "How satisfied are you with how it was handled? Tell us once, here "
                    "(valid 30 days):\n%(url)s\n"
                ) % {
                    "unit": unit.name,
                    "ref": feedback.reference,
                    "reply": text,
                    "url": rating_url(unit=unit, feedback=feedback),
                }
                subject = _("Reply to your feedback %(ref)s") % {"ref": feedback.reference}
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email])
        feedback_status_changed.send(sender=Feedback, unit=unit, feedback=feedback)
    return feedback


def feedback_rating_read(signed: str) -> tuple[Unit, Feedback, str]:
    """(unit, record, nonce) of a rating link; SubmissionError 404 for a forged one or a wrong nonce,
    410 for one used or expired."""
    unit, pk, nonce = one_time_read(RATING_SIGNER, signed)
    with tenant_context(unit):
        feedback = Feedback.objects.filter(pk=pk, rateable=True).first()
        if feedback is None:
            raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404)
        _rating_check(feedback, nonce)
    return unit, feedback, nonce


def _rating_check(feedback: Feedback, nonce: str) -> None:
    """The one-time checks of a rating link against the record (SubmissionError 404/410)."""
    if feedback.rating_expires_at is None:
        raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404)
    one_time_check(
        nonce=nonce,
        expected=feedback.rating_nonce,
        used_at=feedback.rated_at,
        expires_at=feedback.rating_expires_at,
    )


def feedback_rate(*, signed: str, value: object) -> Feedback:
    """The citizen's rating of the handling (5 levels), once; the link works a single time."""
    unit, feedback, nonce = feedback_rating_read(signed)
    level = None
    if isinstance(value, str) and value.isdigit() and len(value) == 1:
        try:
            level = FIVE_LEVEL.level(int(value))
        except DataError:
            level = None
    if level is None:
        raise SubmissionError({"rating": _("Choose one of the five answers.")})
    with tenant_context(unit), transaction.atomic():
        feedback = _locked(feedback)
        _rating_check(feedback, nonce)
        feedback.rated_at, feedback.rating_value, feedback.rating_bucket = (
            timezone.now(),
            level.value,
            level.bucket.value,
        )
        feedback.save(update_fields=["rated_at", "rating_value", "rating_bucket"])
        # The contact's purpose has ended.
        FeedbackContact.objects.filter(feedback=feedback).delete()
    return feedback


# --------------------------------------------------------------------------- reminders and reports


def _report_serious(unit: Unit, feedback: Feedback) -> None:
    """Seed 004: the chairman hears of harassment and unofficial costs at once (category and reference,
    never the citizen)."""
    recipients = unit_admin_emails(unit)
    if not recipients:
        return  # reported by feedback_overdue_remind's sweep once the unit has an administrator
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Serious feedback received: %(category)s, %(unit)s") % {
            "category": feedback.get_category_display(),
            "unit": unit.name,
        }
        body = _(
            "%(unit)s received feedback %(ref)s about “%(category)s” on %(day)s. It is due by %(due)s.\n"
            "Open the feedback list of the console to read and assign it."
        ) % {
            "unit": unit.name,
            "ref": feedback.reference,
            "category": feedback.get_category_display(),
            "day": timezone.localtime(feedback.received_at).strftime("%d/%m/%Y"),
            "due": feedback.due_on.strftime("%d/%m/%Y"),
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    feedback.serious_reported_at = timezone.now()
    Feedback.objects.filter(pk=feedback.pk).update(serious_reported_at=feedback.serious_reported_at)


def feedback_overdue_remind(*, unit: Unit, today: dt.date | None = None) -> dict[str, int]:
    """The daily sweep of one unit: remind the handler and the unit's admins of each record past its due
    date without a reply, once per episode (a record whose due date moves starts a new one); report
    serious records not reported yet; erase contacts whose purpose has ended. Safe to run again."""
    today = today or timezone.localdate()
    counts = {"reminders": 0, "serious": 0, "erased": 0}
    admins = unit_admin_emails(unit)
    with tenant_context(unit):
        overdue = Feedback.objects.filter(due_on__lt=today).exclude(status=FeedbackStatus.REPLIED)
        for pk in overdue.exclude(reminded_for=F("due_on")).values_list("pk", flat=True):
            with transaction.atomic():
                feedback = (
                    Feedback.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("assigned_to")
                    .filter(pk=pk)
                    .first()
                )
                if feedback is None or feedback.reminded_for == feedback.due_on:
                    continue
                handler = (
                    [feedback.assigned_to.email]
                    if feedback.assigned_to and feedback.assigned_to.email
                    else []
                )
                recipients = sorted(set(handler + admins))
                if not recipients:
                    continue
                with translation.override(settings.LANGUAGE_CODE):
                    subject = _("Feedback %(ref)s is overdue") % {"ref": feedback.reference}
                    body = _(
                        "Feedback %(ref)s received by %(unit)s on %(day)s was due by %(due)s "
                        "and has no reply yet."
                    ) % {
                        "ref": feedback.reference,
                        "unit": unit.name,
                        "day": timezone.localtime(feedback.received_at).strftime("%d/%m/%Y"),
                        "due": feedback.due_on.strftime("%d/%m/%Y"),
                    }
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
                feedback.reminded_for = feedback.due_on
                feedback.save(update_fields=["reminded_for"])
                counts["reminders"] += 1
        for feedback in Feedback.objects.filter(
            category__in=[c.value for c in SERIOUS_CATEGORIES], serious_reported_at__isnull=True
        ):
            if admins:
                _report_serious(unit, feedback)
                counts["serious"] += 1
        ended = Q(feedback__rated_at__isnull=False) | Q(feedback__rating_expires_at__lt=timezone.now())
        counts["erased"], _detail = FeedbackContact.objects.filter(ended).delete()
    return counts
