"""Celery entry points of the PAR Index contributions: a daily dispatcher fanning out per province, a
per-province task that finds what changed, and one task per (unit, year, scope).

All run in the public schema (contributions, facts and rule sets live there; the 766 dossier counts
open each unit's schema themselves). Each is idempotent: a contribution is an upsert of the live row,
so a retry or a second run writes the same row again.

Late responses: a response entered today for a day of last year (a paper ballot box opened late) is
folded into that day's facts within a minute; the next daily run sees that the facts checksum stored
with last year's contributions of the unit and of every unit above it no longer matches, and
recomputes exactly those (analytics.par.par_stale).
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from analytics.par.services import par_contribution_compute, par_provinces_active, par_stale
from tenants.models import Level, Unit
from tenants.tasks import fanout_countdowns


@shared_task(name="analytics.par_tasks.par_recompute_dispatch")
def par_recompute_dispatch() -> int:
    """Beat entry point (daily): one task per province that has data, staggered over the fan-out window.

    `today` is fixed here so a province whose turn comes after midnight computes the same years.
    """
    today = timezone.localdate().isoformat()
    provinces = par_provinces_active()
    for province, countdown in zip(
        provinces, fanout_countdowns(len(provinces), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        par_province_task.apply_async(args=(province.pk, today), countdown=countdown)
    return len(provinces)


@shared_task(
    name="analytics.par_tasks.par_province_task",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def par_province_task(province_id: int, today: str | None = None) -> int:
    """Queue the contributions of one province that need computing today (this year to date, last year's
    missing rows, earlier years whose inputs changed); returns how many were queued."""
    province = Unit.objects.filter(pk=province_id, level=Level.PROVINCE).first()
    if province is None:
        return 0
    day = dt.date.fromisoformat(today) if today else None
    work = par_stale(province=province, today=day)
    for unit_id, year, scope in work:
        par_contribution_task.apply_async(args=(unit_id, year, scope))
    return len(work)


@shared_task(
    name="analytics.par_tasks.par_contribution_task",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def par_contribution_task(unit_id: int, year: int, scope: str) -> str | None:
    """Compute one unit's live contribution for a year ("year") or the year to date ("ytd").

    Returns the points as exact text ("17/3"), or None when not applicable or the unit is gone.
    """
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return None
    row = par_contribution_compute(unit=unit, year=year, scope=scope)
    return row.inputs.get("points")
