"""Celery entry points of the analytics app: thin wrappers over services, idempotent and retry-safe."""

from celery import shared_task

from analytics.facts.services import facts_refresh


@shared_task(
    name="analytics.tasks.facts_refresh_task", autoretry_for=(Exception,), retry_backoff=True, max_retries=5
)
def facts_refresh_task() -> int:
    """Fold dirty unit-days into the public count facts (beat runs it every minute)."""
    return facts_refresh()
