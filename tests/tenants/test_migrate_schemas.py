"""migrate_schemas skips schemas at the latest migration, migrates the rest in parallel, reports failures."""

import math
from dataclasses import dataclass

import pytest
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader

from tenants import selectors
from tenants.selectors import schemas_behind
from tenants.services import schemas_with_data


@dataclass(frozen=True)
class Obstacle:
    """An object put in a schema so that the latest surveys migration fails there, and its removal."""

    block: str  # statements with {schema}
    unblock: str
    error: str  # what PostgreSQL says when the migration meets it


def _latest_surveys_migration() -> tuple[tuple[str, str], str, Obstacle]:
    """(the latest surveys migration, the one before it, what blocks it), read from disk, so the test
    follows each new migration instead of undoing one by hand."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    (leaf,) = graph.leaf_nodes("surveys")
    (previous,) = [parent.key for parent in graph.node_map[leaf].parents if parent.key[0] == "surveys"]
    for op in graph.nodes[leaf].operations:
        if isinstance(op, migrations.CreateModel):  # a table of its name in the way
            table = f"surveys_{op.name.lower()}"
            return (
                leaf,
                previous[1],
                Obstacle(
                    f'CREATE TABLE "{{schema}}".{table} (id integer)',
                    f'DROP TABLE "{{schema}}".{table}',
                    f'relation "{table}" already exists',
                ),
            )
        if isinstance(op, migrations.AddField):  # a column of its name in the way
            table = f"surveys_{op.model_name}"
            column = op.field.db_column or (f"{op.name}_id" if op.field.is_relation else op.name)
            return (
                leaf,
                previous[1],
                Obstacle(
                    f'ALTER TABLE "{{schema}}".{table} ADD COLUMN {column} integer',
                    f'ALTER TABLE "{{schema}}".{table} DROP COLUMN {column}',
                    f'column "{column}" of relation "{table}" already exists',
                ),
            )
    raise AssertionError(
        f"{leaf[1]} neither creates a table nor adds a column: give this test a way to block it"
    )


# "Behind" means migrated back to the migration before the latest; a schema holding an object of the
# latest migration's name cannot take it (the object in the way), until the object is removed.
LAST, PREVIOUS, IN_THE_WAY = _latest_surveys_migration()
BEHIND, FAILING = "lx06133", "lx24649"  # two units of the test world


def put_behind(own_database, conn, schema: str, *, blocked: bool = False) -> None:
    back = own_database.manage("migrate_schemas", "--tenant", "--schema", schema, "surveys", PREVIOUS)
    assert back.returncode == 0, back.stderr
    if blocked:
        conn.execute(IN_THE_WAY.block.format(schema=schema))


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
        put_behind(own_database, conn, BEHIND)
        put_behind(own_database, conn, FAILING, blocked=True)
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
        assert IN_THE_WAY.error in run.stderr
        assert f"1 of 2 schemas failed: {FAILING}" in run.stderr
        after = records(conn)
        assert LAST in {r[:2] for r in after[BEHIND]}
        assert LAST not in {r[:2] for r in after[FAILING]}
        # and the schemas at the latest migration were not touched
        assert {s: r for s, r in after.items() if s not in (BEHIND, FAILING)} == {
            s: r for s, r in before.items() if s not in (BEHIND, FAILING)
        }

        # when the cause is fixed and the command runs again
        conn.execute(IN_THE_WAY.unblock.format(schema=FAILING))
        again = own_database.manage("migrate_schemas", "--tenant", "--workers", "2")
        # then it migrates only that schema
        assert again.returncode == 0, again.stderr
        assert f"{total - 1} already at the latest migration" in again.stdout
        assert f"[1/1] {FAILING} migrated in" in again.stdout
        assert LAST in {r[:2] for r in records(conn)[FAILING]}
        # and with nothing left to apply, a run migrates nothing
        idle = own_database.manage("migrate_schemas", "--tenant", "--check")
        assert idle.returncode == 0, idle.stderr
        assert f"{total} already at the latest migration" in idle.stdout


def test_check_exits_non_zero_while_a_schema_is_behind(own_database):
    with own_database.connect() as conn:
        put_behind(own_database, conn, BEHIND)
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
