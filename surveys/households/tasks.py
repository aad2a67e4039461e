"""Celery entry points of the household survey: the daily erasure of household names after a round closes.

A dispatcher fans out one task per onboarded province (rounds are owned by provinces and live in their
schemas); each erases the names of the rounds whose erasure day has come. Both are idempotent: an erased
round is not picked again.
"""

from celery import shared_task
from django.conf import settings
from django_tenants.utils import tenant_context

from tenants.models import Level, Unit
from tenants.tasks import fanout_countdowns

from .services import household_erasure_due, household_personal_data_erase


@shared_task(name="surveys.household_tasks.household_erasure_dispatch")
def household_erasure_dispatch() -> int:
    """Beat entry point (daily): queue one erasure run per onboarded province, staggered."""
    units = list(
        Unit.objects.filter(onboarded_at__isnull=False, level=Level.PROVINCE)
        .order_by("path")
        .values_list("pk", "schema_name")
    )
    for (pk, schema), countdown in zip(
        units, fanout_countdowns(len(units), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        unit_household_erasure.apply_async(args=(pk,), countdown=countdown, headers={"_schema_name": schema})
    return len(units)


@shared_task(
    name="surveys.household_tasks.unit_household_erasure",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def unit_household_erasure(unit_id: int) -> dict[str, int]:
    """Erase the household names and addresses of the province's rounds that are due (each logged).
    Returns {"rounds": rounds erased, "households": names blanked}."""
    unit = Unit.objects.filter(pk=unit_id, onboarded_at__isnull=False).first()
    if unit is None:
        return {"rounds": 0, "households": 0}  # offboarded since dispatch
    rounds = households = 0
    with tenant_context(unit):
        for survey_round in household_erasure_due():
            households += household_personal_data_erase(survey_round=survey_round, owner=unit)
            rounds += 1
    return {"rounds": rounds, "households": households}
