"""Publications: immutable snapshots of a unit's figures at a cut-off, with a PDF and a permanent public page.

METHODOLOGY.md, "Publication"; seed 004, III.6: online surveys publish the year's result on the unit's
website; other channels at least every six months, before 10 June and 10 November.

Life of a publication:

    draft ──publish──▶ scheduled ──(Celery: render the PDF, then mark published)──▶ published

A draft holds a snapshot the admin can review (and recompute while it is a draft); publishing queues
a chain of two tasks, so the PDF is always rendered in a worker, never in a request, and a row only
becomes "published" once it has its PDF. From then on the database refuses any change of its figures,
PDF, period or status (migration 0004), so what was published stays exactly what was published.

The snapshot is plain JSON: exact rates as "p/q" strings beside their rounded display values, every
n, interval, method and label (in Vietnamese and English), so the report can be rendered again from
the row alone, whatever happens later to the facts, the registry or the translations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from celery import chain, signature
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from analytics.figures.selectors import (
    EARLIEST_DAY,
    MAX_PERIOD_DAYS,
    Period,
)
from analytics.models import Publication, PublicationSchedule, PublicationSubscriber
from analytics.publications.report import report_pdf
from analytics.publications.selectors import publication_console_url, publication_public_url
from analytics.publications.signals import publication_published
from analytics.publications.snapshot import (
    period_cutoff,
    publication_snapshot,
)
from tenants.audit import audit_record
from tenants.models import AuditAction, Unit, User
from tenants.selectors import unit_admin_emails

logger = logging.getLogger(__name__)

ADHOC = "adhoc"
KINDS = (*PublicationSchedule.Kind.values, ADHOC)

# Publication windows (local days of the month). A run missed on the first day is caught up on the
# next ones; after the window nothing is created any more, so a schedule switched on late does not
# publish a stale period months afterwards.
MONTHLY_LAST_DAY = 5  # the previous month, created on the 1st–5th
SEMIANNUAL_LAST_DAY = 9  # created on 1–9 June and 1–9 November: published before the 10th
ANNUAL_LAST_DAY = 10  # the previous calendar year, created on 1–10 January
# A publication still "scheduled" after this long lost its tasks (a worker died): the dispatcher
# queues it again; both tasks are idempotent, so a duplicate only costs a little work.
STALE_SCHEDULED = dt.timedelta(hours=1)


# --------------------------------------------------------------------------------------------------
# Periods and the calendar
# --------------------------------------------------------------------------------------------------


def period_has_ended(period: Period, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) > period_cutoff(period)


def _month_before(day: dt.date) -> Period:
    last = day.replace(day=1) - dt.timedelta(days=1)
    return Period(last.replace(day=1), last)


def semiannual_periods(year: int) -> tuple[Period, Period]:
    """The two six-monthly periods published in `year`.

    "At least every 6 months, before 10 June and 10 November" (seed 004). The two periods tile the
    year with neither gap nor overlap, each closing just before its publication window:
      1 November (year − 1) – 31 May, published 1–9 June (seven months);
      1 June – 31 October, published 1–9 November (five months).
    """
    return (
        Period(dt.date(year - 1, 11, 1), dt.date(year, 5, 31)),
        Period(dt.date(year, 6, 1), dt.date(year, 10, 31)),
    )


def scheduled_period(*, kind: str, today: dt.date) -> Period | None:
    """The period a schedule of this kind publishes on `today`, or None outside its window."""
    if kind == PublicationSchedule.Kind.MONTHLY:
        return _month_before(today) if today.day <= MONTHLY_LAST_DAY else None
    if kind == PublicationSchedule.Kind.SEMIANNUAL:
        if today.day > SEMIANNUAL_LAST_DAY:
            return None
        spring, autumn = semiannual_periods(today.year)
        return {6: spring, 11: autumn}.get(today.month)
    if kind == PublicationSchedule.Kind.ANNUAL:
        if today.month == 1 and today.day <= ANNUAL_LAST_DAY:
            return Period(dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
        return None
    raise ValueError(f"unknown schedule kind {kind!r}")


@dataclass(frozen=True)
class Due:
    unit: Unit
    kind: str
    period: Period
    review_first: bool


def publication_schedule_due(*, today: dt.date) -> list[Due]:
    """The (unit, kind, period) whose scheduled publication should exist on `today` and does not yet.

    Only active schedules of onboarded units; scheduled publications are public (internal reports are
    made by hand).
    """
    schedules = (
        PublicationSchedule.objects.filter(is_active=True, unit__onboarded_at__isnull=False)
        .select_related("unit")
        .order_by("unit__path", "kind")
    )
    due = []
    existing: dict[tuple[str, Period], set[int]] = {}  # one query per kind due today, not per unit
    for schedule in schedules:
        period = scheduled_period(kind=schedule.kind, today=today)
        if period is None:
            continue
        key = (schedule.kind, period)
        if key not in existing:
            existing[key] = set(
                Publication.objects.filter(
                    kind=schedule.kind, period_start=period.start, period_end=period.end, internal=False
                ).values_list("unit_id", flat=True)
            )
        if schedule.unit_id not in existing[key]:
            due.append(Due(schedule.unit, schedule.kind, period, schedule.review_first))
    return due


# --------------------------------------------------------------------------------------------------

# Creating, refreshing and deleting drafts
# --------------------------------------------------------------------------------------------------


def period_check(period: Period) -> None:
    """A publishable period: in range, at most five years, and over (cut-off passed)."""
    if period.start > period.end:
        raise ValidationError(_("The period starts after it ends."))
    if period.start < EARLIEST_DAY:
        raise ValidationError(_("The period must start on or after 01/01/2015."))
    if period.days > MAX_PERIOD_DAYS:
        raise ValidationError(_("A period can be at most five years long."))
    if not period_has_ended(period):
        raise ValidationError(
            _(
                "The period has not ended yet: results can be published once its last day (%(end)s) is over "
                "(cut-off at midnight, Vietnam time)."
            )
            % {"end": f"{period.end:%d/%m/%Y}"}
        )


def _duplicate_error() -> ValidationError:
    return ValidationError(_("A publication of this kind for this period already exists."))


def publication_create(
    *,
    unit: Unit,
    kind: str,
    period: Period,
    internal: bool = False,
    user: User | None = None,
    status: str = Publication.Status.DRAFT,
) -> Publication:
    """A draft (or scheduled) publication with its snapshot; refuses an unfinished period and duplicates."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown kind of publication “%(kind)s”.") % {"kind": str(kind)[:20]})
    if status not in (Publication.Status.DRAFT, Publication.Status.SCHEDULED):
        raise ValidationError(_("A new publication is a draft or scheduled."))
    if not unit.is_onboarded:
        raise ValidationError(_("Only an onboarded unit publishes results."))
    period_check(period)
    existing = Publication.objects.filter(
        unit=unit, kind=kind, period_start=period.start, period_end=period.end, internal=internal
    )
    if existing.exists():
        raise _duplicate_error()
    snapshot = publication_snapshot(unit=unit, period=period, internal=internal)
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                unit=unit,
                kind=kind,
                period_start=period.start,
                period_end=period.end,
                cutoff_at=period_cutoff(period),
                status=status,
                internal=internal,
                snapshot=snapshot,
            )
    except IntegrityError:  # created by a concurrent run between the check and the insert
        raise _duplicate_error() from None
    logger.info("publication %s created by %s", publication.public_id, user.email if user else "the system")
    return publication


def _editable(publication: Publication) -> Publication:
    """The row, locked, if it is still a draft; a ValidationError otherwise."""
    row = Publication.objects.select_for_update().get(pk=publication.pk)
    if row.status != Publication.Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be changed; this publication is %(status)s.")
            % {"status": row.get_status_display().lower()}
        )
    return row


def publication_refresh(*, publication: Publication) -> Publication:
    """Recompute a draft's snapshot (answers entered since it was made, e.g. late paper ballots)."""
    period = Period(publication.period_start, publication.period_end)
    snapshot = publication_snapshot(unit=publication.unit, period=period, internal=publication.internal)
    with transaction.atomic():
        row = _editable(publication)
        row.snapshot = snapshot
        row.pdf = None
        row.pdf_sha256 = ""
        row.save(update_fields=["snapshot", "pdf", "pdf_sha256"])
    return row


def publication_delete(*, publication: Publication) -> None:
    with transaction.atomic():
        _editable(publication).delete()


# --------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------


class NotRendered(Exception):
    """The publish task ran before the PDF was stored: retried, never published without its PDF."""


def publication_publish(*, publication: Publication, user: User | None) -> bool:
    """Queue a draft (or a scheduled publication whose tasks were lost) for publication.

    The row becomes "scheduled" now; after the commit, Celery renders the PDF, then marks the row
    published and e-mails the subscribers (`publication_publish_task`). Already published: refused.
    Returns False when the broker could not take the tasks: the row stays scheduled and beat's
    `publications_requeue` sends it again (True too while an outer transaction has yet to commit).
    """
    queued: list[bool] = []
    with transaction.atomic():
        row = Publication.objects.select_for_update().get(pk=publication.pk)
        if row.status == Publication.Status.PUBLISHED:
            raise ValidationError(_("This publication is already published."))
        if row.status == Publication.Status.DRAFT:
            row.status = Publication.Status.SCHEDULED
            row.save(update_fields=["status"])
        user_id = user.pk if user is not None else None
        transaction.on_commit(
            lambda: queued.append(publication_enqueue(publication_id=row.pk, user_id=user_id))
        )
    return all(queued)


def publication_enqueue(*, publication_id: int, user_id: int | None) -> bool:
    """Render, then publish: a chain, so the second task starts only once the PDF is stored.

    The tasks are named, not imported: the tasks module is the thin layer over this one. False (and
    logged) when the broker is down or does not answer within its short timeouts; the publication
    stays scheduled for `publications_requeue`.
    """
    try:
        chain(
            signature(
                "analytics.publication_tasks.publication_render_task", args=(publication_id,), immutable=True
            ),
            signature(
                "analytics.publication_tasks.publication_publish_task",
                args=(publication_id, user_id),
                immutable=True,
            ),
        ).apply_async()
    except (OperationalError, OSError):
        logger.warning("publication %s: the broker did not take its tasks; beat will retry", publication_id)
        return False
    return True


def publication_render(*, publication_id: int) -> bool:
    """Render and store the PDF of an unpublished publication; False if there was nothing to do.

    Rendering takes a second or more, so it runs outside the row lock; the PDF is stored only if the
    snapshot it was rendered from is still the row's (a draft refreshed meanwhile is rendered again).
    """
    row = Publication.objects.filter(pk=publication_id).first()
    if row is None or row.status == Publication.Status.PUBLISHED or row.pdf:
        return False
    pdf = report_pdf(row)
    with transaction.atomic():
        current = Publication.objects.select_for_update().filter(pk=publication_id).first()
        if (
            current is None
            or current.status == Publication.Status.PUBLISHED
            or current.snapshot != row.snapshot
        ):
            return False
        current.pdf = pdf
        current.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        current.save(update_fields=["pdf", "pdf_sha256"])
    return True


def publication_publish_finish(*, publication_id: int, user_id: int | None) -> bool:
    """Mark a scheduled publication that has its PDF published, then e-mail the subscribers.

    Idempotent: a published (or deleted, or returned-to-draft) row is left alone and nobody is
    e-mailed twice. Raises NotRendered when the PDF is missing, so the task retries.
    """
    with transaction.atomic():
        row = Publication.objects.select_for_update().filter(pk=publication_id).first()
        if row is None or row.status != Publication.Status.SCHEDULED:
            return False
        if not row.pdf or hashlib.sha256(bytes(row.pdf)).hexdigest() != row.pdf_sha256:
            raise NotRendered(f"publication {publication_id} has no PDF yet")
        row.status = Publication.Status.PUBLISHED
        row.published_at = timezone.now()
        row.published_by_id = user_id
        row.save(update_fields=["status", "published_at", "published_by"])
        audit_record(
            action=AuditAction.PUBLICATION_PUBLISH,
            actor=User.objects.filter(pk=user_id).first() if user_id is not None else None,
            unit=row.unit,
            target=f"{row.period_start:%d/%m/%Y} – {row.period_end:%d/%m/%Y}",
            details={"publication": str(row.public_id), "kind": row.kind, "internal": row.internal},
        )
        publication_published.send(sender=Publication, publication=row)
    # After the commit: the publication is what matters; a mail server down must not hold it back.
    try:
        publication_notify(publication=row)
    except Exception:
        logger.exception("publication %s: e-mail to subscribers failed", row.public_id)
    return True


def _send(subject: str, body: str, recipients: list[str]) -> int:
    """One message per recipient: subscribers never see each other's addresses."""
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def publication_notify(*, publication: Publication) -> int:
    """E-mail the unit's subscribers the permanent link; internal reports are never sent to them."""
    if publication.internal or publication.status != Publication.Status.PUBLISHED:
        return 0
    recipients = list(
        PublicationSubscriber.objects.filter(unit=publication.unit)
        .order_by("email")
        .values_list("email", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "unit": publication.unit,
            "publication": publication,
            "period": Period(publication.period_start, publication.period_end),
            "url": publication_public_url(publication),
            "pdf_url": publication_public_url(publication, pdf=True),
        }
        subject = _("%(unit)s published its satisfaction results for %(period)s") % {
            "unit": publication.unit.name,
            "period": context["period"],
        }
        body = render_to_string("analytics/publications/email_published.txt", context)
    return _send(subject, body, recipients)


def publication_draft_notify(*, publication: Publication) -> int:
    """Tell the unit's administrators that a scheduled draft waits for their review."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "unit": publication.unit,
            "publication": publication,
            "period": Period(publication.period_start, publication.period_end),
            "url": publication_console_url(publication),
        }
        subject = _("Results for %(period)s are ready for your review") % {"period": context["period"]}
        body = render_to_string("analytics/publications/email_draft.txt", context)
    return _send(subject, body, unit_admin_emails(publication.unit))


# --------------------------------------------------------------------------------------------------
# Scheduled publications
# --------------------------------------------------------------------------------------------------


def publication_create_scheduled(*, unit: Unit, kind: str, period: Period) -> Publication | None:
    """Create one due scheduled publication: a draft to review, or published at once.

    None when there is nothing to do (the schedule was switched off, or a run got there first).
    """
    schedule = PublicationSchedule.objects.filter(unit=unit, kind=kind, is_active=True).first()
    if schedule is None or not unit.is_onboarded:
        return None
    status = Publication.Status.DRAFT if schedule.review_first else Publication.Status.SCHEDULED
    try:
        publication = publication_create(unit=unit, kind=kind, period=period, status=status)
    except ValidationError:
        if Publication.objects.filter(
            unit=unit, kind=kind, period_start=period.start, period_end=period.end, internal=False
        ).exists():
            return None
        raise
    if schedule.review_first:
        publication_draft_notify(publication=publication)
    else:
        transaction.on_commit(lambda: publication_enqueue(publication_id=publication.pk, user_id=None))
    return publication


def publications_stale() -> QuerySet[Publication]:
    """Scheduled publications whose tasks should long have finished."""
    return Publication.objects.filter(
        status=Publication.Status.SCHEDULED, created_at__lt=timezone.now() - STALE_SCHEDULED
    )


# --------------------------------------------------------------------------------------------------

# Schedules and subscribers
# --------------------------------------------------------------------------------------------------

MAX_SUBSCRIBERS = 500


def publication_schedules(*, unit: Unit) -> dict[str, PublicationSchedule | None]:
    """The unit's schedule of each kind (None where it never had one), in the order of Kind."""
    rows = {s.kind: s for s in PublicationSchedule.objects.filter(unit=unit)}
    return {kind: rows.get(kind) for kind in PublicationSchedule.Kind.values}


def publication_schedule_set(
    *, unit: Unit, kind: str, active: bool, review_first: bool
) -> PublicationSchedule | None:
    """Switch a kind of scheduled publication on or off; switching off keeps the row (and its history)."""
    if kind not in PublicationSchedule.Kind.values:
        raise ValidationError(_("Unknown kind of schedule “%(kind)s”.") % {"kind": str(kind)[:20]})
    schedule = PublicationSchedule.objects.filter(unit=unit, kind=kind).first()
    if schedule is None:
        if not active:
            return None
        return PublicationSchedule.objects.create(unit=unit, kind=kind, review_first=review_first)
    schedule.is_active = active
    schedule.review_first = review_first
    schedule.save(update_fields=["is_active", "review_first"])
    return schedule


def publication_subscriber_add(*, unit: Unit, email: str) -> PublicationSubscriber:
    from django.core.validators import validate_email

    address = (email or "").strip().lower()
    if not address or len(address) > 254:
        raise ValidationError(_("Enter an e-mail address."))
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not an e-mail address.") % {"email": address[:80]}) from None
    subscribers = PublicationSubscriber.objects.filter(unit=unit)
    if subscribers.filter(email=address).exists():
        raise ValidationError(_("%(email)s is already on the list.") % {"email": address})
    if subscribers.count() >= MAX_SUBSCRIBERS:
        raise ValidationError(_("A unit can have at most %(n)s subscribers.") % {"n": MAX_SUBSCRIBERS})
    try:
        with transaction.atomic():
            return PublicationSubscriber.objects.create(unit=unit, email=address)
    except IntegrityError:
        raise ValidationError(_("%(email)s is already on the list.") % {"email": address}) from None


def publication_subscriber_remove(*, unit: Unit, pk: int) -> bool:
    deleted, _rows = PublicationSubscriber.objects.filter(unit=unit, pk=pk).delete()
    return bool(deleted)
