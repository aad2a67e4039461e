"""Writes on stored responses by the unit's own staff: reviewing held answers, with a reason.

A decision changes which answers the official figures count, so each one announces the days it touches
(`responses_changed`, refolded by the next refresh) and leaves a record in the activity log.
"""

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.audit import audit_record
from tenants.models import AuditAction
from tenants.selectors import unit_current

from .models import Response, Review
from .signals import responses_changed

MAX_REASON_LENGTH = 300
DECISIONS: dict[str, tuple[str, AuditAction]] = {
    "accept": (Review.ACCEPTED, AuditAction.RESPONSES_ACCEPT),
    "reject": (Review.REJECTED, AuditAction.RESPONSES_REJECT),
    "hold": (Review.HELD, AuditAction.RESPONSES_HOLD),
}


def reason_clean(reason: str, *, example: str) -> str:
    """The reason a person gives for changing what counts: required, one line, at most 300 characters."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Say why, e.g. “%(example)s”.") % {"example": example})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(_("Please keep the reason under %(n)d characters.") % {"n": MAX_REASON_LENGTH})
    return reason


@transaction.atomic
def responses_review(*, responses: QuerySet[Response], decision: str, reason: str, user: Any) -> int:
    """Accept, reject or hold these responses of the current unit; returns how many changed.

    Accepting counts held (or earlier rejected) answers in the figures; rejecting keeps them out for
    good; holding takes any counted answer out until someone decides. Voided ballots and honeypot hits
    are never counted and are left alone, as are answers already in the state asked for.
    """
    if decision not in DECISIONS:
        raise ValidationError(_("Choose to accept or to reject the answers."))
    reason = reason_clean(reason, example=_("one person sent the same answers many times"))
    review, action = DECISIONS[decision]
    candidates = (
        responses.filter(voided_at__isnull=True)
        .exclude(flag_reasons__contains=["honeypot"])
        .exclude(review=review)
    )
    if review == Review.ACCEPTED:
        candidates = candidates.exclude(review=Review.NONE)  # nothing to accept in an unflagged answer
    # Locked in id order, so two reviewers of overlapping sets wait for each other instead of deadlocking.
    rows = list(
        Response.objects.select_for_update()
        .filter(pk__in=candidates.values("pk"))
        .order_by("pk")
        .values_list("pk", "answered_on", "flag_reasons")
    )
    if not rows:
        return 0
    Response.objects.filter(pk__in=[pk for pk, _day, _flags in rows]).update(
        review=review, reviewed_by=user, reviewed_at=timezone.now(), review_reason=reason
    )
    unit = unit_current()
    days = sorted({day for _pk, day, _flags in rows})
    for day in days:
        responses_changed.send(sender=Response, unit=unit, day=day)
    flags = Counter(flag for _pk, _day, row_flags in rows for flag in row_flags)
    audit_record(
        action=action,
        actor=user,
        unit=unit,
        target=f"{days[0]:%d/%m/%Y} – {days[-1]:%d/%m/%Y}" if len(days) > 1 else f"{days[0]:%d/%m/%Y}",
        reason=reason,
        details={"count": len(rows), "flags": dict(flags)},
    )
    return len(rows)
