import pytest
from django.test import override_settings

from tenants.models import Unit
from tenants.tasks import fanout_countdowns, unit_schema_check, units_schema_check_dispatch


@pytest.mark.django_db
def test_the_schema_check_runs_inside_the_units_schema_and_records_the_result(world):
    # when the task runs through Celery with the unit's schema header
    result = unit_schema_check.apply(
        args=(world.commune.pk,), headers={"_schema_name": world.commune.schema_name}
    )
    # then
    assert result.get() == {"schema": world.commune.schema_name, "missing": []}
    world.commune.refresh_from_db()
    assert world.commune.schema_ok is True
    assert world.commune.schema_checked_at is not None


@pytest.mark.django_db
def test_the_check_notices_a_schema_that_lacks_a_migration(world):
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(world.sibling), connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'surveys'")
    result = unit_schema_check.apply(
        args=(world.sibling.pk,), headers={"_schema_name": world.sibling.schema_name}
    )
    assert result.get()["missing"]
    world.sibling.refresh_from_db()
    assert world.sibling.schema_ok is False


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_the_dispatcher_fans_out_to_every_onboarded_unit(world):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        count = units_schema_check_dispatch.apply().get()
    finally:
        app.conf.task_always_eager = False
    onboarded = Unit.objects.filter(onboarded_at__isnull=False)
    assert count == onboarded.count() >= 5
    assert not onboarded.filter(schema_checked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("count", "spread", "expected"),
    [(0, 300, []), (1, 300, [0.0]), (4, 300, [0.0, 75.0, 150.0, 225.0]), (3, 0, [0.0, 0.0, 0.0])],
)
def test_fanout_is_staggered_evenly_over_the_window(count, spread, expected):
    assert fanout_countdowns(count, spread) == expected
