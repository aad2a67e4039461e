"""Unit schemas created from the migrated template's catalog, without information_schema.

django-tenants' clone_schema() asks information_schema about every column of every table of the
template; those views scan the whole catalog, so with 3,355 unit schemas (about 400 k relations) one
clone took 13-14 s, then it ran `migrate --fake` on top. Here the template's own rows of pg_catalog
(looked up by its namespace oid or by its relations' oids) are read once per migration state of the
template into a script that builds a schema in one round trip: functions, sequences, tables, the
template's rows (migration records, content types, any seeded data), sequence positions, constraints,
indexes and triggers.

The script is generated with the template first on the search_path, so pg_get_*def() leave the
template's own objects unqualified, and replayed with the new schema in that place, so defaults,
foreign keys and triggers land on the new schema's objects. What this module cannot reproduce
faithfully (views, own types, partitions, row security, grants...) is refused, never skipped.
"""

import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django_tenants.postgresql_backend.base import _check_schema_name


class TemplateNotCloneable(Exception):
    """The template holds an object the script cannot reproduce; onboarding stops instead of diverging."""


@dataclass(frozen=True)
class TemplateScript:
    template: str
    state: str
    body: str  # run with the new schema first on the search_path, as the template was when read
    statements: int


# One script per (database, template); replaced when the template's migration records change.
_cache: dict[tuple[str, str], TemplateScript] = {}
_cache_lock = threading.Lock()


def template_state(*, template: str) -> str:
    """A digest of the template's migration records: a new migration applied there means a new script."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(string_agg(app || '.' || name || '@' || applied::text, ',' ORDER BY id), '')"  # noqa: S608
            f" FROM {connection.ops.quote_name(template)}.django_migrations"
        )
        return hashlib.sha256(cursor.fetchone()[0].encode()).hexdigest()


def template_script(*, template: str) -> TemplateScript:
    """The cached script for the template's current migration state, generated on first use."""
    _check_schema_name(template)
    key = (connection.settings_dict["NAME"], template)
    state = template_state(template=template)
    with _cache_lock:
        script = _cache.get(key)
    if script is None or script.state != state:
        script = _generate(template, state)
        with _cache_lock:
            _cache[key] = script
    return script


# --------------------------------------------------------------------------- generation

REFUSALS = """
SELECT 'relation ' || relname || ' of kind ' || relkind::text FROM pg_class
 WHERE relnamespace = %(ns)s AND relkind NOT IN ('r', 'S', 'i')
UNION ALL
SELECT 'type ' || t.typname FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem
 WHERE t.typnamespace = %(ns)s AND t.typrelid = 0 AND coalesce(e.typrelid, 0) = 0
UNION ALL
SELECT 'table ' || c.relname || ': ' || concat_ws(', ',
         CASE WHEN c.relrowsecurity OR c.relforcerowsecurity THEN 'row security' END,
         CASE WHEN c.relacl IS NOT NULL THEN 'grants' END,
         CASE WHEN c.reltablespace <> 0 THEN 'tablespace' END,
         CASE WHEN c.relkind = 'r' AND c.relreplident <> 'd' THEN 'replica identity' END,
         CASE WHEN c.relhassubclass OR c.relispartition THEN 'inheritance' END,
         CASE WHEN c.relkind = 'r' AND c.relhasrules THEN 'rules' END)
  FROM pg_class c WHERE c.relnamespace = %(ns)s AND (
       c.relrowsecurity OR c.relforcerowsecurity OR c.relacl IS NOT NULL OR c.reltablespace <> 0
       OR (c.relkind = 'r' AND (c.relreplident <> 'd' OR c.relhasrules))
       OR c.relhassubclass OR c.relispartition)
UNION ALL
SELECT 'inheritance of ' || inhrelid::regclass::text FROM pg_inherits
 WHERE inhrelid = ANY(%(tables)s) OR inhparent = ANY(%(tables)s)
UNION ALL
SELECT 'column ' || attrelid::regclass::text || '.' || attname || ' has storage, compression, statistics'
       || ' or grants of its own' FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE attrelid = ANY(%(tables)s) AND attnum > 0 AND NOT attisdropped
   AND (attstattarget <> -1 OR attstorage <> typstorage OR attcompression <> '' OR attacl IS NOT NULL)
UNION ALL
SELECT 'function ' || proname || ' (' || CASE WHEN proacl IS NOT NULL THEN 'grants' ELSE 'an aggregate' END
       || ')' FROM pg_proc WHERE pronamespace = %(ns)s AND (prokind IN ('a', 'w') OR proacl IS NOT NULL)
UNION ALL
SELECT 'grants on the schema' FROM pg_namespace WHERE oid = %(ns)s AND nspacl IS NOT NULL
UNION ALL
SELECT 'extended statistics ' || stxname FROM pg_statistic_ext WHERE stxnamespace = %(ns)s
UNION ALL
SELECT 'policy ' || polname FROM pg_policy WHERE polrelid = ANY(%(tables)s)
UNION ALL
SELECT 'extension ' || extname FROM pg_extension WHERE extnamespace = %(ns)s
UNION ALL
SELECT 'collation ' || collname FROM pg_collation WHERE collnamespace = %(ns)s
UNION ALL
SELECT 'operator ' || oprname FROM pg_operator WHERE oprnamespace = %(ns)s
UNION ALL
SELECT 'operator class ' || opcname FROM pg_opclass WHERE opcnamespace = %(ns)s
UNION ALL
SELECT 'operator family ' || opfname FROM pg_opfamily WHERE opfnamespace = %(ns)s
UNION ALL
SELECT 'conversion ' || conname FROM pg_conversion WHERE connamespace = %(ns)s
UNION ALL
SELECT 'text search configuration ' || cfgname FROM pg_ts_config WHERE cfgnamespace = %(ns)s
UNION ALL
SELECT 'text search dictionary ' || dictname FROM pg_ts_dict WHERE dictnamespace = %(ns)s
"""

RELATIONS = """
SELECT oid, relkind, quote_ident(relname), relpersistence, reloptions,
       quote_literal(obj_description(oid, 'pg_class'))
  FROM pg_class WHERE relnamespace = %s AND relkind IN ('r', 'S') ORDER BY relname
"""

COLUMNS = """
SELECT a.attrelid, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
       CASE WHEN a.attcollation <> t.typcollation
            THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END,
       quote_literal(col_description(a.attrelid, a.attnum))
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
 WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum
"""

# Sequences with their owner: deptype 'i' for an identity column's, 'a' for OWNED BY.
SEQUENCES = """
SELECT quote_ident(c.relname), quote_literal(quote_ident(c.relname)), format_type(s.seqtypid, NULL),
       s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
       d.deptype, d.refobjid, quote_ident(a.attname)
  FROM pg_sequence s
  JOIN pg_class c ON c.oid = s.seqrelid
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE c.oid = ANY(%s)
 ORDER BY c.relname
"""

# Primary keys and unique constraints first: the foreign keys added last need them.
CONSTRAINTS = """
SELECT conrelid, quote_ident(conname), pg_get_constraintdef(oid)
  FROM pg_constraint
 WHERE conrelid = ANY(%s) AND contype <> 't'
 ORDER BY position(contype IN 'puxcf'), conrelid, conname
"""

INDEXES = """
SELECT pg_get_indexdef(i.indexrelid), quote_ident(n.nspname) || '.' || quote_ident(t.relname),
       quote_ident(t.relname)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE i.indrelid = ANY(%s) AND NOT EXISTS (
       SELECT 1 FROM pg_constraint k
        WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
 ORDER BY c.relname
"""

TRIGGERS = """
SELECT tgrelid, quote_ident(tgname), pg_get_triggerdef(oid, true), tgenabled
  FROM pg_trigger WHERE tgrelid = ANY(%s) AND NOT tgisinternal
 ORDER BY tgrelid, tgname
"""

FUNCTIONS = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname), quote_ident(p.proname),
       pg_get_functiondef(p.oid)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.pronamespace = %s
 ORDER BY p.proname, p.oid
"""

TRIGGER_STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    not_null: bool
    identity: str  # "a" always, "d" by default, "" none
    generated: str  # "s" stored, "" none
    default: str | None
    collation: str | None
    comment: str | None  # as a literal


@dataclass(frozen=True)
class _Sequence:
    name: str
    literal: str  # its name as a regclass literal
    type: str
    options: str
    owner_kind: str | None  # "i" an identity column's, "a" OWNED BY a column, None standalone
    owner_table: int | None
    owner_column: str | None


@dataclass
class _Catalog:
    """The template's objects as pg_catalog describes them, names already quoted."""

    tables: dict[int, tuple[str, str, list[str] | None, str | None]]  # name, persistence, options, comment
    columns: dict[int, list[_Column]]
    sequences: list[_Sequence]
    constraints: list[tuple[int, str, str]]
    indexes: list[str]
    triggers: list[tuple[int, str, str, str]]
    functions: list[str]


@contextmanager
def settings_local(cursor: CursorWrapper, **settings: str) -> Iterator[None]:
    """Server settings for the block only: SET LOCAL alone would outlive a savepoint's release."""
    names = list(settings)
    cursor.execute("SELECT " + ", ".join("pg_catalog.current_setting(%s)" for _ in names), names)
    before = cursor.fetchone()
    change = "SELECT " + ", ".join("pg_catalog.set_config(%s, %s, true)" for _ in names)
    cursor.execute(change, [v for pair in settings.items() for v in pair])
    yield
    cursor.execute(change, [v for pair in zip(names, before, strict=True) for v in pair])


def _catalog(template: str) -> _Catalog:
    search_path = f"{connection.ops.quote_name(template)}, pg_catalog"
    with transaction.atomic(), connection.cursor() as cursor, settings_local(cursor, search_path=search_path):
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
        namespace = cursor.fetchone()[0]
        cursor.execute(RELATIONS, [namespace])
        relations = cursor.fetchall()
        tables = {oid: rest for oid, kind, *rest in relations if kind == "r"}
        table_ids = list(tables)
        cursor.execute(REFUSALS, {"ns": namespace, "tables": table_ids})
        refused = [row[0] for row in cursor.fetchall()]
        if refused:
            raise TemplateNotCloneable(
                f"The template schema {template} holds what cloning cannot reproduce: " + "; ".join(refused)
            )
        cursor.execute(COLUMNS, [table_ids])
        columns: dict[int, list[_Column]] = {oid: [] for oid in table_ids}
        for table, *column in cursor.fetchall():
            columns[table].append(_Column(*column))
        cursor.execute(SEQUENCES, [[oid for oid, kind, *_rest in relations if kind == "S"]])
        rows = cursor.fetchall()
        sequences = [
            _Sequence(
                name=name,
                literal=literal,
                type=type_,
                options=f"START WITH {start} INCREMENT BY {step} MINVALUE {low} MAXVALUE {high} "
                f"CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}",
                owner_kind=kind,
                owner_table=table,
                owner_column=column,
            )
            for (name, literal, type_, start, step, high, low, cache, cycle, kind, table, column) in rows
        ]
        cursor.execute(CONSTRAINTS, [table_ids])
        constraints = cursor.fetchall()
        cursor.execute(INDEXES, [table_ids])
        # pg_get_indexdef() names the table with its schema whatever the search_path.
        indexes = [
            re.sub(rf" ON (ONLY )?{re.escape(qualified)} USING ", rf" ON \g<1>{table} USING ", text, count=1)
            for text, qualified, table in cursor.fetchall()
        ]
        cursor.execute(TRIGGERS, [table_ids])
        triggers = cursor.fetchall()
        cursor.execute(FUNCTIONS, [namespace])
        # pg_get_functiondef() does too: the function is created unqualified, in the new schema.
        functions = [
            re.sub(
                rf"^(CREATE OR REPLACE (?:FUNCTION|PROCEDURE) ){re.escape(qualified)}\(",
                rf"\g<1>{name}(",
                text,
            )
            for qualified, name, text in cursor.fetchall()
        ]
    return _Catalog(tables, columns, sequences, constraints, indexes, triggers, functions)


def _column_definition(column: _Column, identity: _Sequence | None) -> str:
    text = f"{column.name} {column.type}"
    if column.collation:
        text += f" COLLATE {column.collation}"
    if identity is not None:
        kind = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
        text += f" GENERATED {kind} AS IDENTITY (SEQUENCE NAME {identity.name} {identity.options})"
    elif column.generated:
        text += f" GENERATED ALWAYS AS ({column.default}) STORED"
    elif column.default is not None:
        text += f" DEFAULT {column.default}"
    return text + (" NOT NULL" if column.not_null else "")


def _generate(template: str, state: str) -> TemplateScript:
    catalog = _catalog(template)
    tables = catalog.tables
    identities = {(s.owner_table, s.owner_column): s for s in catalog.sequences if s.owner_kind == "i"}
    ddl = catalog.functions.copy()
    ddl += [
        f"CREATE SEQUENCE {s.name} AS {s.type} {s.options}" for s in catalog.sequences if s.owner_kind != "i"
    ]
    comments = []
    for oid, (name, persistence, options, comment) in tables.items():
        columns = catalog.columns[oid]
        body = ",\n    ".join(_column_definition(c, identities.get((oid, c.name))) for c in columns)
        unlogged = "UNLOGGED " if persistence == "u" else ""
        with_options = f" WITH ({', '.join(options)})" if options else ""
        ddl.append(f"CREATE {unlogged}TABLE {name} (\n    {body}\n){with_options}")
        if comment is not None:
            comments.append(f"COMMENT ON TABLE {name} IS {comment}")
        comments += [
            f"COMMENT ON COLUMN {name}.{c.name} IS {c.comment}" for c in columns if c.comment is not None
        ]
    ddl += [
        f"ALTER SEQUENCE {s.name} OWNED BY {tables[s.owner_table][0]}.{s.owner_column}"
        for s in catalog.sequences
        if s.owner_kind == "a" and s.owner_table is not None
    ]
    ddl += comments

    after = [
        f"ALTER TABLE {tables[table][0]} ADD CONSTRAINT {name} {text}"
        for table, name, text in catalog.constraints
    ]
    after += catalog.indexes
    for table, name, text, enabled in catalog.triggers:
        after.append(text)
        if enabled in TRIGGER_STATE:
            after.append(f"ALTER TABLE {tables[table][0]} {TRIGGER_STATE[enabled]} TRIGGER {name}")
    leaked = [s for s in ddl + after if re.search(rf"(?<![\w$]){re.escape(template)}(?![\w$])", s)]
    if leaked:
        raise TemplateNotCloneable(
            f"The template schema {template} names itself in its own definitions, so a clone would point "
            f"back at it: {leaked[0][:200]}"
        )

    # The template's rows and sequence positions: the only statements that name the template.
    source = connection.ops.quote_name(template)
    copies = []
    for oid, (name, *_rest) in tables.items():
        names = ", ".join(c.name for c in catalog.columns[oid] if not c.generated)
        copies.append(
            f"INSERT INTO {name} ({names}) OVERRIDING SYSTEM VALUE SELECT {names} FROM {source}.{name}"  # noqa: S608
        )
    if catalog.sequences:
        positions = [
            f"pg_catalog.setval({s.literal}, s{i}.last_value, s{i}.is_called)"
            for i, s in enumerate(catalog.sequences)
        ]
        sources = [f"{source}.{s.name} s{i}" for i, s in enumerate(catalog.sequences)]
        copies.append(f"SELECT {', '.join(positions)} FROM {', '.join(sources)}")  # noqa: S608

    statements = ddl + copies + after
    return TemplateScript(
        template=template,
        state=state,
        body="".join(f"{s};\n" for s in statements),
        statements=len(statements),
    )
