"""Reads of a unit's feedback records for its own console (in the current unit's schema)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Role, Unit, User

from .models import Feedback, FeedbackStatus


def feedback_list(*, status: str = "", overdue: bool = False) -> QuerySet[Feedback]:
    """The unit's records, newest first, without their contact details."""
    rows = Feedback.objects.select_related("assigned_to", "procedure").order_by("-received_at")
    if status in FeedbackStatus.values:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(due_on__lt=timezone.localdate()).exclude(status=FeedbackStatus.REPLIED)
    return rows


def feedback_get(*, pk: int) -> Feedback | None:
    return (
        Feedback.objects.select_related("assigned_to", "replied_by", "procedure", "contact")
        .prefetch_related("history__by")
        .filter(pk=pk)
        .first()
    )


def feedback_officials(*, unit: Unit) -> list[User]:
    """Who may be put in charge: the unit's own officers and admins."""
    users = User.objects.filter(
        is_active=True,
        memberships__unit=unit,
        memberships__role__in=[Role.OFFICER, Role.ADMIN],
    ).distinct()
    return sorted(users, key=lambda u: (u.get_full_name() or u.email).casefold())


def is_overdue(feedback: Feedback) -> bool:
    return feedback.status != FeedbackStatus.REPLIED and feedback.due_on < timezone.localdate()


def feedback_by_portal_code(*, portal_code: str) -> Feedback | None:
    if not portal_code or len(portal_code) > 60:
        return None
    return Feedback.objects.prefetch_related("history").filter(portal_code=portal_code).first()


def feedback_on_time(feedback: Feedback, today: dt.date | None = None) -> bool | None:
    """Replied by the due day (local time); None while open and not past due."""
    if feedback.replied_at is not None:
        return timezone.localtime(feedback.replied_at).date() <= feedback.due_on
    return False if feedback.due_on < (today or timezone.localdate()) else None


def feedback_status_view(feedback: Feedback) -> dict[str, Any]:
    """What a machine may know of a record: status and dates, never its content or sender."""
    return {
        "portal_code": feedback.portal_code,
        "reference": feedback.reference,
        "category": feedback.category,
        "status": feedback.status,
        "received_at": feedback.received_at,
        "due_on": feedback.due_on,
        "assigned_at": feedback.assigned_at,
        "replied_at": feedback.replied_at,
        "on_time": feedback_on_time(feedback),
        "rated": feedback.rated_at is not None,
        "history": [{"status": h.status, "at": h.at} for h in feedback.history.all()],
    }
