"""Periodic per-unit work: the schema check that proves each unit's schema is migrated."""

from typing import TYPE_CHECKING, cast

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .models import Unit
from .selectors import tenant_migrations_expected

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


def fanout_countdowns(count: int, spread_seconds: float) -> list[float]:
    """Evenly staggered start delays, so thousands of units do not hit the database at once."""
    if count <= 0:
        return []
    step = spread_seconds / count
    return [round(i * step, 3) for i in range(count)]


@shared_task(name="tenants.tasks.units_schema_check_dispatch")
def units_schema_check_dispatch() -> int:
    """Beat entry point: queue one schema check per onboarded unit, staggered over the fan-out window."""
    units = list(Unit.objects.filter(onboarded_at__isnull=False).values_list("pk", "schema_name"))
    for (pk, schema), countdown in zip(
        units, fanout_countdowns(len(units), settings.PERIODIC_FANOUT_SECONDS), strict=True
    ):
        unit_schema_check.apply_async(args=(pk,), countdown=countdown, headers={"_schema_name": schema})
    return len(units)


@shared_task(name="tenants.tasks.unit_schema_check")
def unit_schema_check(unit_id: int) -> dict[str, object]:
    """Runs inside the unit's schema: are all tenant migrations applied there? Recorded on the unit."""
    schema = cast("TenantDatabaseWrapper", connection).schema_name
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    missing = sorted(tenant_migrations_expected() - applied)
    Unit.objects.filter(pk=unit_id).update(schema_ok=not missing, schema_checked_at=timezone.now())
    return {"schema": schema, "missing": [f"{a}.{n}" for a, n in missing]}
