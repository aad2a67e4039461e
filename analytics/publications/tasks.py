"""Celery entry points of publications: the daily dispatcher, PDF rendering and publishing.

Thin wrappers over analytics.publications, all idempotent: a publication is created once per unit,
kind and period (a unique constraint), rendered once, published once and e-mailed once, so a retry,
a duplicate message or a second dispatcher run changes nothing. Publications live in the public
schema and their snapshot carries every label, so none of these tasks needs a unit's schema header.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from analytics.figures.selectors import Period
from analytics.publications.services import (
    NotRendered,
    publication_create_scheduled,
    publication_enqueue,
    publication_publish_finish,
    publication_render,
    publication_schedule_due,
    publications_stale,
)
from tenants.models import Unit
from tenants.tasks import fanout_countdowns


@shared_task(name="analytics.publication_tasks.publications_dispatch")
def publications_dispatch(today: str | None = None) -> int:
    """Beat entry point (daily): queue the creation of every scheduled publication due today.

    `today` (ISO date, default the local date) is fixed here so every unit's task works on the same
    day. Also requeues publications whose render/publish tasks were lost. Returns how many were due.
    """
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    due = publication_schedule_due(today=day)
    for item, countdown in zip(
        due, fanout_countdowns(len(due), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        publication_scheduled_create_task.apply_async(
            args=(item.unit.pk, item.kind, item.period.start.isoformat(), item.period.end.isoformat()),
            countdown=countdown,
        )
    for publication_id in publications_stale().values_list("pk", flat=True):
        publication_enqueue(publication_id=publication_id, user_id=None)
    return len(due)


@shared_task(name="analytics.publication_tasks.publications_requeue")
def publications_requeue() -> int:
    """Beat entry point (every few minutes): send again the publications whose tasks never reached the
    broker or were lost (still "scheduled" long after; the tasks are idempotent). Returns how many."""
    stale = list(publications_stale().values_list("pk", flat=True))
    for publication_id in stale:
        publication_enqueue(publication_id=publication_id, user_id=None)
    return len(stale)


@shared_task(
    name="analytics.publication_tasks.publication_scheduled_create_task",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def publication_scheduled_create_task(unit_id: int, kind: str, start: str, end: str) -> str | None:
    """Create one unit's scheduled publication for the period: a draft for review, or published at once.

    Returns the public id, or None when it already existed or the schedule was switched off since.
    """
    unit = Unit.objects.filter(pk=unit_id, onboarded_at__isnull=False).first()
    if unit is None:
        return None
    period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    publication = publication_create_scheduled(unit=unit, kind=kind, period=period)
    return str(publication.public_id) if publication else None


@shared_task(
    name="analytics.publication_tasks.publication_render_task",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def publication_render_task(publication_id: int) -> bool:
    """Render and store a publication's PDF (WeasyPrint, seconds of work: never in a request)."""
    return publication_render(publication_id=publication_id)


@shared_task(
    name="analytics.publication_tasks.publication_publish_task",
    autoretry_for=(NotRendered,),
    retry_backoff=True,
    max_retries=8,
)
def publication_publish_task(publication_id: int, user_id: int | None = None) -> bool:
    """Mark a rendered publication published and e-mail its subscribers; retried until the PDF exists."""
    return publication_publish_finish(publication_id=publication_id, user_id=user_id)
