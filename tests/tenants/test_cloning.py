"""A schema cloned from the template is the schema its migrations would build, with the template's rows."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from surveys.models import QuestionnaireVersion
from surveys.services import questionnaire_install_builtin
from tenants.cloning import TemplateNotCloneable, settings_local, template_script
from tenants.services import schema_clone

TEMPLATE = settings.TENANT_BASE_SCHEMA
BY_MIGRATIONS = "structure_by_migrations"
CLONE = "structure_by_clone"

# Everything a schema's structure is made of, read from pg_catalog with only pg_catalog on the
# search_path, so every name comes out qualified; the schema's own name is then replaced by <schema>.
STRUCTURE = {
    "relations": """
        SELECT relname, relkind::text, relpersistence::text, coalesce(reloptions::text, ''),
               coalesce(obj_description(oid, 'pg_class'), '')
          FROM pg_class WHERE relnamespace = %(ns)s::regnamespace""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
               a.attidentity::text, a.attgenerated::text, coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
               coalesce(a.attcollation::regcollation::text, ''),
               coalesce(col_description(c.oid, a.attnum), '')
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid),
               condeferrable::text, condeferred::text, convalidated::text
          FROM pg_constraint WHERE connamespace = %(ns)s::regnamespace""",
    "indexes": """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisunique::text
          FROM pg_index
         WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = %(ns)s::regnamespace)""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled::text,
               tgfoid::regprocedure::text
          FROM pg_trigger
         WHERE NOT tgisinternal
           AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = %(ns)s::regnamespace)""",
    "sequences": """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text,
               s.seqmax::text, s.seqmin::text, s.seqcache::text, s.seqcycle::text,
               coalesce(d.refobjid::regclass::text || '.' || a.attname, ''), coalesce(d.deptype::text, '')
          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
          LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE c.relnamespace = %(ns)s::regnamespace""",
    "functions": """
        SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = %(ns)s::regnamespace""",
}


def structure(schema: str) -> dict[str, list[tuple[str, ...]]]:
    own_name = re.compile(rf"(?<![\w$])\"?{re.escape(schema)}\"?(?=\.)")
    found = {}
    with connection.cursor() as cursor, settings_local(cursor, search_path="pg_catalog"):
        for kind, sql in STRUCTURE.items():
            cursor.execute(sql, {"ns": schema})
            found[kind] = sorted(tuple(own_name.sub("<schema>", v) for v in row) for row in cursor.fetchall())
    return found


@pytest.fixture(scope="module")
def migrated(django_db_setup, django_db_blocker):
    """A schema built by running every migration, as django-tenants does without a template."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{BY_MIGRATIONS}"')
        call_command(
            "migrate_schemas", tenant=True, schema_name=BY_MIGRATIONS, interactive=False, verbosity=0
        )
        connection.set_schema_to_public()
    yield BY_MIGRATIONS
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{BY_MIGRATIONS}" CASCADE')


@pytest.mark.django_db
def test_a_clone_has_the_structure_its_migrations_build(migrated):
    # when
    schema_clone(template=TEMPLATE, schema=CLONE)
    # then: tables, columns, defaults, constraints, indexes, triggers, sequences and functions
    expected, cloned = structure(migrated), structure(CLONE)
    assert expected["triggers"], "the migrations create a trigger: the comparison must see it"
    assert expected["functions"]
    for kind in STRUCTURE:
        assert cloned[kind] == expected[kind], kind


@pytest.mark.django_db
def test_a_clone_has_the_templates_rows_and_its_sequences_go_on_after_them():
    schema_clone(template=TEMPLATE, schema=CLONE)
    with connection.cursor() as cursor:
        for table in ("django_migrations", "django_content_type"):
            rows = []
            for schema in (TEMPLATE, CLONE):
                cursor.execute(f'SELECT * FROM "{schema}".{table} ORDER BY id')  # noqa: S608
                rows.append(cursor.fetchall())
            assert rows[0] == rows[1]
            assert rows[0], f"the template has rows in {table}"
        cursor.execute(
            f'INSERT INTO "{CLONE}".django_migrations (app, name, applied)'  # noqa: S608
            " VALUES ('surveys', '9999_next', now()) RETURNING id"
        )
        assert cursor.fetchone()[0] > max(row[0] for row in rows[0])


@pytest.mark.django_db
def test_a_published_version_stays_immutable_in_a_clone():
    schema_clone(template=TEMPLATE, schema=CLONE)
    with schema_context(CLONE):
        version = questionnaire_install_builtin(key="hong_thai_quick").latest_published
        assert version.is_published
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            QuestionnaireVersion.objects.filter(pk=version.pk).update(definition={"title": {"vi": "x"}})
    with connection.cursor() as cursor:  # the clone's own function, not the template's
        cursor.execute(
            "SELECT p.pronamespace::regnamespace::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [f'"{CLONE}".surveys_questionnaireversion'],
        )
        assert cursor.fetchall() == [(CLONE,)]


@pytest.mark.django_db
def test_a_migration_applied_to_the_template_reaches_the_next_clone():
    # given a script generated for the template as it is
    before = template_script(template=TEMPLATE)
    # when a migration adds a column to the template and records itself
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{TEMPLATE}".surveys_desk ADD COLUMN floor smallint NOT NULL DEFAULT 1')
        cursor.execute(
            f'INSERT INTO "{TEMPLATE}".django_migrations (app, name, applied)'  # noqa: S608
            " VALUES ('surveys', '9999_desk_floor', now())"
        )
    schema_clone(template=TEMPLATE, schema=CLONE)
    # then the clone has it: the script follows the template's migration state
    assert template_script(template=TEMPLATE).state != before.state
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT floor FROM "{CLONE}".surveys_desk LIMIT 0')  # noqa: S608
        assert cursor.description[0].name == "floor"


@pytest.mark.django_db
def test_an_object_the_clone_cannot_reproduce_stops_cloning_with_its_name():
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE VIEW "{TEMPLATE}".open_desks AS SELECT id FROM "{TEMPLATE}".surveys_desk')  # noqa: S608
        cursor.execute(
            f'INSERT INTO "{TEMPLATE}".django_migrations (app, name, applied)'  # noqa: S608
            " VALUES ('surveys', '9999_open_desks', now())"
        )
    with pytest.raises(TemplateNotCloneable, match="open_desks"):
        schema_clone(template=TEMPLATE, schema=CLONE)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "pg_unit", 'x"; DROP SCHEMA public; --', "x\x00", "a" * 64])
def test_a_bad_schema_name_is_refused_before_any_statement(name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        schema_clone(template=TEMPLATE, schema=name)
