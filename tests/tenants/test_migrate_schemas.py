"""migrate_schemas skips schemas at the latest migration, migrates the rest in parallel, reports failures."""

import math

import pytest
from django.db import connection

from tenants import selectors
from tenants.selectors import schemas_behind
from tenants.services import schemas_with_data

# The last tenant migration (it holds flagged answers, then drops `flagged`); "behind" below means
# without it: what it adds dropped, the column back, the record deleted. A schema whose column is
# missing cannot take it.
LAST = ("surveys", "0007_review_void_and_desk_devices")
UNDO_LAST = (
    'ALTER TABLE "{schema}".surveys_response DROP COLUMN review, DROP COLUMN reviewed_by_id,'
    " DROP COLUMN reviewed_at, DROP COLUMN review_reason, DROP COLUMN voided_at, DROP COLUMN voided_by_id,"
    " DROP COLUMN void_reason, DROP COLUMN device_id",
    'DROP TABLE "{schema}".surveys_deskdevice',
)
ADD_COLUMN = 'ALTER TABLE "{schema}".surveys_response ADD COLUMN flagged boolean NOT NULL DEFAULT false'
BEHIND, FAILING = "lx06133", "lx24649"  # two units of the test world


def put_behind(conn, schema: str, *, column: bool = True) -> None:
    for statement in UNDO_LAST:
        conn.execute(statement.format(schema=schema))
    if column:
        conn.execute(ADD_COLUMN.format(schema=schema))
    conn.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', LAST)  # noqa: S608


def records(conn) -> dict[str, list[tuple]]:
    """Every schema's migration records, to tell a skipped schema from a migrated one."""
    schemas = [
        r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ '^(l?[pdx][0-9]|unit_)'")
    ]
    return {
        schema: conn.execute(
            f'SELECT app, name, applied FROM "{schema}".django_migrations ORDER BY id'  # noqa: S608
        ).fetchall()
        for schema in schemas
    }


def test_only_schemas_behind_are_migrated_a_failure_is_reported_and_a_rerun_completes(own_database):
    with own_database.connect() as conn:
        # given two schemas behind, one of which cannot take the migration (its table is in the way)
        put_behind(conn, BEHIND)
        put_behind(conn, FAILING, column=False)
        before = records(conn)
        total = len(before)

        # when
        run = own_database.manage("migrate_schemas", "--tenant", "--workers", "2")

        # then the run fails, naming the schema, and the other one is migrated
        assert run.returncode != 0
        assert f"{total} schemas: {total - 2} already at the latest migration" in run.stdout
        assert "2 to migrate (2 at a time)" in run.stdout
        assert f"{BEHIND} migrated in" in run.stdout
        assert f"{FAILING} FAILED" in run.stderr
        assert 'column "flagged" does not exist' in run.stderr
        assert f"1 of 2 schemas failed: {FAILING}" in run.stderr
        after = records(conn)
        assert LAST in {r[:2] for r in after[BEHIND]}
        assert LAST not in {r[:2] for r in after[FAILING]}
        # and the schemas at the latest migration were not touched
        assert {s: r for s, r in after.items() if s not in (BEHIND, FAILING)} == {
            s: r for s, r in before.items() if s not in (BEHIND, FAILING)
        }

        # when the cause is fixed and the command runs again
        conn.execute(ADD_COLUMN.format(schema=FAILING))
        again = own_database.manage("migrate_schemas", "--tenant", "--workers", "2")
        # then it migrates only that schema
        assert again.returncode == 0, again.stderr
        assert f"{total - 1} already at the latest migration" in again.stdout
        assert f"[1/1] {FAILING} migrated in" in again.stdout
        assert LAST in {r[:2] for r in records(conn)[FAILING]}
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_schema = %s AND column_name = 'flagged'",
            [FAILING],
        ).fetchone()
        assert columns == (0,)

        # and with nothing left to apply, a run migrates nothing
        idle = own_database.manage("migrate_schemas", "--tenant", "--check")
        assert idle.returncode == 0, idle.stderr
        assert f"{total} already at the latest migration" in idle.stdout


def test_check_exits_non_zero_while_a_schema_is_behind(own_database):
    with own_database.connect() as conn:
        put_behind(conn, BEHIND)
    run = own_database.manage("migrate_schemas", "--tenant", "--check")
    assert run.returncode != 0
    assert f"1 schemas have unapplied migrations: {BEHIND}" in run.stderr
    assert own_database.manage("migrate_schemas", "--tenant").returncode == 0


@pytest.mark.django_db
def test_the_schemas_behind_are_found_in_one_query_per_batch(
    world, monkeypatch, django_assert_max_num_queries
):
    # given: one schema without a migration record, one with no django_migrations table at all
    schemas = schemas_with_data()
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{world.sibling.schema_name}".django_migrations'  # noqa: S608
            " WHERE app = %s AND name = %s",
            LAST,
        )
        cursor.execute('CREATE SCHEMA "x99999"')
    monkeypatch.setattr(selectors, "BEHIND_BATCH", 2)
    # when
    with django_assert_max_num_queries(1 + math.ceil(len(schemas) / 2)):
        behind = schemas_behind(schemas=[*schemas, "x99999"])
    # then, in the order given
    assert behind == [world.sibling.schema_name, "x99999"]
    assert schemas_behind(schemas=schemas[:1]) == []
