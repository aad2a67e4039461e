"""tenants.postgresql_backend: one `SET search_path` per real switch of schema, never a query in the
wrong schema, whatever the session lost (a rolled-back transaction or savepoint undoes a SET)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenants.postgresql_backend.base import schema_named_cursor

pytestmark = pytest.mark.django_db


def _search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def _sets(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]


def _switch_in_a_savepoint_rolled_back(schema: str) -> None:
    with transaction.atomic():
        connection.set_schema(schema)
        assert schema in _search_path()
        raise RuntimeError  # PostgreSQL undoes the SET with the savepoint


def test_asking_again_for_the_schemas_already_set_costs_no_statement(world):
    connection.set_schema_to_public()
    _search_path()
    with CaptureQueriesContext(connection) as queries:
        connection.set_schema_to_public()  # what the tenant middleware does on every request
        assert _search_path() == "public"
        with schema_context("public"):
            assert _search_path() == "public"
    assert _sets(queries) == []


def test_each_real_switch_sets_the_path_and_every_query_runs_in_its_schema(world):
    with CaptureQueriesContext(connection) as queries:
        with schema_context(world.commune.schema_name):
            assert world.commune.schema_name in _search_path()
            with schema_context(world.sibling.schema_name):
                assert world.sibling.schema_name in _search_path()
            assert world.commune.schema_name in _search_path()
        assert _search_path() == "public"
    assert len(_sets(queries)) == 4


def test_a_set_undone_by_a_rolled_back_savepoint_is_set_again(world):
    connection.set_schema_to_public()
    _search_path()
    with pytest.raises(RuntimeError):
        _switch_in_a_savepoint_rolled_back(world.commune.schema_name)
    # asking again for the unit's schema must not trust what the savepoint took away
    connection.set_schema(world.commune.schema_name)
    assert world.commune.schema_name in _search_path()
    connection.set_schema_to_public()
    assert _search_path() == "public"


def test_a_set_undone_by_a_rolled_back_savepoint_is_set_again_for_public_too(world):
    with schema_context(world.commune.schema_name):
        _search_path()
        with pytest.raises(RuntimeError):
            _switch_in_a_savepoint_rolled_back("public")
        connection.set_schema_to_public()
        assert _search_path() == "public"


def test_a_schema_named_cursor_sends_no_set_and_the_next_cursor_still_sets_the_tenants(world):
    connection.set_schema_to_public()
    _search_path()
    schema = world.commune.schema_name
    with CaptureQueriesContext(connection) as queries:
        with schema_context(schema):
            with schema_named_cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{schema}".surveys_response')  # noqa: S608
            assert _sets(queries) == []
            # an ordinary cursor in the same tenant gets the tenant's search_path all the same
            assert schema in _search_path()
        assert _search_path() == "public"
    assert len(_sets(queries)) == 2  # to the unit, then back to public
