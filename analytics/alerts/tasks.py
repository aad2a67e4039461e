"""Celery entry points of the daily staff alerts: a dispatcher fanning out one task per onboarded unit.

Thin wrappers over analytics.alerts; both are idempotent (an alert is stored once per unit, civil
servant and window end, and e-mailed once), so a retry or a second run changes nothing.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings

from analytics.alerts.services import alert_window_end, staff_alerts_run
from tenants.models import Level, Unit
from tenants.tasks import fanout_countdowns


@shared_task(name="analytics.alert_tasks.staff_alerts_dispatch")
def staff_alerts_dispatch() -> int:
    """Beat entry point (daily): queue one alert run per onboarded unit, staggered over the fan-out window.

    The window end (yesterday, local time) is fixed here, so a unit whose turn comes after midnight
    still computes the same window as the others.
    """
    window_end = alert_window_end().isoformat()
    units = list(
        Unit.objects.filter(onboarded_at__isnull=False)
        .exclude(level=Level.NATIONAL)
        .order_by("path")
        .values_list("pk", "schema_name")
    )
    for (pk, schema), countdown in zip(
        units, fanout_countdowns(len(units), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        unit_staff_alerts.apply_async(
            args=(pk, window_end), countdown=countdown, headers={"_schema_name": schema}
        )
    return len(units)


@shared_task(
    name="analytics.alert_tasks.unit_staff_alerts",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def unit_staff_alerts(unit_id: int, window_end: str | None = None) -> dict[str, int]:
    """Compute one unit's staff alerts for the window ending `window_end` (ISO date; default yesterday)
    and e-mail its administrators about new ones. Returns {"alerts": stored, "emails": sent}."""
    unit = Unit.objects.filter(pk=unit_id, onboarded_at__isnull=False).first()
    if unit is None:
        return {"alerts": 0, "emails": 0}  # offboarded since dispatch: nothing to do
    end = dt.date.fromisoformat(window_end) if window_end else None
    return staff_alerts_run(unit=unit, window_end=end)
