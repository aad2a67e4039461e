"""Celery entry points of feedback handling: a daily dispatcher fanning out one sweep per onboarded unit.

Thin wrappers over surveys.feedback.feedback_overdue_remind, which is idempotent: a reminder goes out
once per episode, a serious record is reported once, and erased contacts stay erased.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tenants.models import Level, Unit
from tenants.tasks import fanout_countdowns

from .feedback import feedback_overdue_remind


@shared_task(name="surveys.tasks.feedback_reminders_dispatch")
def feedback_reminders_dispatch() -> int:
    """Beat entry point (daily): queue one sweep per onboarded unit, staggered over the fan-out window."""
    today = timezone.localdate().isoformat()
    units = list(
        Unit.objects.filter(onboarded_at__isnull=False)
        .exclude(level=Level.NATIONAL)
        .order_by("path")
        .values_list("pk", "schema_name")
    )
    for (pk, schema), countdown in zip(
        units, fanout_countdowns(len(units), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        unit_feedback_reminders.apply_async(
            args=(pk, today), countdown=countdown, headers={"_schema_name": schema}
        )
    return len(units)


@shared_task(
    name="surveys.tasks.unit_feedback_reminders",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def unit_feedback_reminders(unit_id: int, today: str | None = None) -> dict[str, int]:
    """One unit's daily sweep: overdue reminders (once per episode), serious reports, contact erasure."""
    unit = Unit.objects.filter(pk=unit_id, onboarded_at__isnull=False).first()
    if unit is None:
        return {"reminders": 0, "serious": 0, "erased": 0}
    return feedback_overdue_remind(unit=unit, today=dt.date.fromisoformat(today) if today else None)
