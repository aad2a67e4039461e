"""Celery entry points of customer surveys, plans and feedback handling: daily dispatchers fanning out
one run per onboarded unit.

Thin wrappers over surveys.customer_services, surveys.plan_services and surveys.feedback, all
idempotent: a reminder is sent once per invitation (per episode for overdue feedback), erasure happens
once, a plan step is reminded once a day, a serious record is reported once — so a retry or a second
run changes nothing.
"""

import datetime as dt
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tenants.models import Level, Unit
from tenants.tasks import fanout_countdowns

from .customer_services import customer_surveys_daily
from .feedback import feedback_overdue_remind
from .plan_services import plan_reminders_send


def _fan_out(task: Any) -> int:
    """Queue `task` once per onboarded unit for today, staggered over the fan-out window."""
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
        task.apply_async(args=(pk, today), countdown=countdown, headers={"_schema_name": schema})
    return len(units)


@shared_task(name="surveys.tasks.customer_surveys_dispatch")
def customer_surveys_dispatch() -> int:
    """Beat entry point (daily): one customer-survey run per onboarded unit."""
    return _fan_out(unit_customer_surveys)


@shared_task(
    name="surveys.tasks.unit_customer_surveys",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def unit_customer_surveys(unit_id: int, day: str | None = None) -> dict[str, int]:
    """One unit's daily work on `day` (ISO; default today): e-mail reminders to the unanswered, erasure
    of contact data whose retention has passed, due-date reminders of plan steps. Returns the counts."""
    unit = Unit.objects.filter(pk=unit_id, onboarded_at__isnull=False).first()
    if unit is None:
        return {"reminded": 0, "erased": 0, "steps": 0}  # offboarded since dispatch
    today = dt.date.fromisoformat(day) if day else None
    return {
        **customer_surveys_daily(unit=unit, today=today),
        "steps": plan_reminders_send(unit=unit, today=today),
    }


@shared_task(name="surveys.tasks.feedback_reminders_dispatch")
def feedback_reminders_dispatch() -> int:
    """Beat entry point (daily): one feedback sweep per onboarded unit."""
    return _fan_out(unit_feedback_reminders)


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
