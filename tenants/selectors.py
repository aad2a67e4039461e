"""Reads of the unit registry and of the unit schemas' migration state."""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import get_current_tenant

from .models import Level, Membership, Role, Structure, Unit


def unit_current() -> Unit:
    """The unit whose schema the connection is set to: in a unit's request, its tasks or tenant_context."""
    unit = get_current_tenant()
    if not isinstance(unit, Unit):
        raise RuntimeError("No unit is active on the database connection.")
    return unit


def unit_get(*, code: str, structure: str = Structure.CURRENT) -> Unit:
    """A unit by official code, e.g. "20" (province), "280" (district), "10300" (commune)."""
    text = code.strip()
    matches = [
        u
        for u in Unit.objects.filter(
            structure=structure, code__in={text, text.zfill(2), text.zfill(3), text.zfill(5)}
        )
        if u.level != Level.NATIONAL
    ]
    exact = [u for u in matches if u.code == text]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            _("No unit with code %(code)s in the %(structure)s structure.")
            % {"code": code, "structure": Structure(structure).label}
        )
    raise ValidationError(
        _("The code %(code)s is ambiguous; give it with its leading zeros.") % {"code": code}
    )


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    from .permissions import ancestor_paths

    return list(Unit.objects.filter(path__in=ancestor_paths(unit)).exclude(pk=unit.pk).order_by("path"))


def tenant_migrations_expected() -> set[tuple[str, str]]:
    """The migrations on disk of the apps whose tables live in unit schemas (TENANT_APPS)."""
    tenant_apps = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key for key in loader.graph.nodes if key[0] in tenant_apps}


# Schemas read per statement. Each one holds two locks (django_migrations and its index) until the
# statement ends, and the server's shared lock table has room for max_locks_per_transaction ×
# max_connections of them (6,400 by default): one statement over 3,355 schemas would overflow it.
BEHIND_BATCH = 1000


def schemas_behind(*, schemas: Sequence[str]) -> list[str]:
    """The schemas, in the given order, whose django_migrations lacks a tenant migration on disk.

    One catalog look-up finds the schemas that have a django_migrations table (one without it is
    behind), then one UNION ALL statement per 1,000 schemas compares their records with the
    migrations on disk; nothing is read schema by schema.
    """
    for schema in schemas:
        _check_schema_name(schema)  # names go into the statement, quoted
    expected = sorted(tenant_migrations_expected())
    apps, names = [app for app, _name in expected], [name for _app, name in expected]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        recorded = {row[0] for row in cursor.fetchall()}
        behind = set(schemas) - recorded
        readable = [schema for schema in schemas if schema in recorded]
        for start in range(0, len(readable), BEHIND_BATCH):
            part = readable[start : start + BEHIND_BATCH]
            branches = " UNION ALL ".join(
                "SELECT %s WHERE EXISTS (SELECT FROM expected e WHERE NOT EXISTS (SELECT FROM "  # noqa: S608
                f"{connection.ops.quote_name(schema)}.django_migrations m"
                " WHERE m.app = e.app AND m.name = e.name))"
                for schema in part
            )
            cursor.execute(
                "WITH expected (app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])) "  # noqa: S608
                + branches,
                [apps, names, *part],
            )
            behind.update(row[0] for row in cursor.fetchall())
    return [schema for schema in schemas if schema in behind]


def unit_admin_emails(unit: Unit) -> list[str]:
    """The addresses of the unit's own administrators (the chairman's office), not of higher levels."""
    rows = Membership.objects.filter(unit=unit, role=Role.ADMIN, user__is_active=True).exclude(user__email="")
    return sorted(set(rows.values_list("user__email", flat=True)))
