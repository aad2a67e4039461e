"""Raw responses (unit schemas) → count facts and their roll-ups (public schema).

Three levels, each the sum of the one below (Zulip's analytics: CountStat, INSERT … SELECT, FillState):

- DailyFact: a unit's own answers of one local day, computed in SQL from its schema's raw rows and
  shaped by the readers (only rows some figure, breakdown, quota, alert or export reads);
- RollupDay: per node (any unit) and day, the facts of every other unit its figures count
  (contributions.py): a node's day is its RollupDay rows plus its own DailyFact rows, so the many
  communes that count only themselves have no RollupDay rows (their days are not written twice);
- RollupMonth: per node and calendar month, the sum of its RollupDay rows and its own DailyFact rows.

Civil servants' and desks' breakdowns are read from a unit's own facts only (their ids are per schema),
so the roll-ups leave them out. A figure for any period reads whole months from RollupMonth and the days
at its edges from RollupDay and the node's DailyFact, so a province's dashboard costs the same few
queries whatever the number of communes below it.

The fold (facts_refresh, and facts_settle for a publication) claims dirty unit-days atomically
(DELETE … FOR UPDATE SKIP LOCKED, inside the transaction that writes their facts: a crash gives the
marks back), rewrites those unit-days, then — holding one advisory lock, so two folds never sum a
node from each other's uncommitted rows — recomputes every node-day and node-month they touch.
`facts_rebuild` recomputes the same rows from scratch; a test checks both paths agree row for row.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from analytics.models import FACT_KEY, OWN_ONLY_DIMS
from tenants.models import Unit

from .contributions import Contributions, contributions_load

# Reader-shaped facts of one unit (run in its schema). An answer counts under the field of the procedure
# it names (the form asks for a field only when no procedure is chosen), else the field chosen. The total
# (dim = "") keeps every rating, the responses (question = 'reasons' when their questionnaire asks for
# reasons, so the dissatisfaction profile divides only by unsatisfied responses that could have given one)
# and the reasons of unsatisfied respondents (the only ones the profile counts). Breakdowns keep what
# their pages, the staff alerts and the quotas read: overall-question ratings per value, and responses per
# procedure. Honeypot hits are bots and never counted; voided paper ballots neither; flagged answers
# (bursts, duplicates) are held out until the unit accepts them, and only their number per day is
# kept (kind 'held'), for the "n answers held for review" beside a figure.
FACTS_SQL = """
WITH v AS MATERIALIZED (  -- per version, not per response: a handful of rows (inlined, the JSON
    -- path below ran once per response: a third of a full rebuild's reading time)
    SELECT v.id, q.key AS questionnaire,
           jsonb_path_exists(v.definition, '$.questions[*] ? (@.kind == "reasons")') AS asks_reasons
    FROM "{schema}".surveys_questionnaireversion v
    JOIN "{schema}".surveys_questionnaire q ON q.id = v.questionnaire_id
), answered AS (
    SELECT r.id, r.answered_on AS day, r.review, r.overall_bucket, v.questionnaire, v.asks_reasons,
           COALESCE(p.key, CASE WHEN r.procedure_other <> '' THEN 'other' ELSE '' END) AS procedure,
           COALESCE(pf.key, f.key, CASE WHEN r.field_other <> '' THEN 'other' ELSE '' END) AS field,
           COALESCE(r.staff_id::text, '') AS staff, COALESCE(r.desk_id::text, '') AS desk, r.channel
    FROM "{schema}".surveys_response r
    JOIN v ON v.id = r.version_id
    LEFT JOIN "{schema}".surveys_procedure p ON p.id = r.procedure_id
    LEFT JOIN "{schema}".surveys_field pf ON pf.id = p.field_id
    LEFT JOIN "{schema}".surveys_field f ON f.id = r.field_id
    WHERE {days} AND NOT ('honeypot' = ANY(r.flag_reasons)) AND r.voided_at IS NULL
), r AS (
    SELECT * FROM answered WHERE review IN ('', 'accepted')
), held AS (
    SELECT day, count(*) AS n FROM answered WHERE review = 'held' GROUP BY day
), ratings AS (
    SELECT r.*, a.question_key, a.element, a.scale, a.value, a.bucket
    FROM r JOIN "{schema}".surveys_answer a ON a.response_id = r.id AND a.kind = 'rating'
)
SELECT day, 'response', questionnaire, CASE WHEN asks_reasons THEN 'reasons' ELSE '' END, '', '',
       NULL::smallint, '', overall_bucket, '', '', count(*)
FROM r GROUP BY day, questionnaire, asks_reasons, overall_bucket
UNION ALL
SELECT day, 'response', '', '', '', '', NULL::smallint, '', '', 'procedure', procedure, count(*)
FROM r GROUP BY day, procedure
UNION ALL
SELECT day, 'rating', questionnaire, question_key, element, scale, value, '', bucket, '', '', count(*)
FROM ratings GROUP BY day, questionnaire, question_key, element, scale, value, bucket
UNION ALL
SELECT x.day, 'rating', '', '', 'OVERALL', x.scale, x.value, '', x.bucket, d.dim, d.dim_value, count(*)
FROM ratings x CROSS JOIN LATERAL (VALUES ('procedure', x.procedure), ('field', x.field),
                                          ('staff', x.staff), ('desk', x.desk), ('channel', x.channel))
     AS d(dim, dim_value)
WHERE x.element = 'OVERALL'
GROUP BY x.day, x.scale, x.value, x.bucket, d.dim, d.dim_value
UNION ALL
SELECT r.day, 'reason', r.questionnaire, a.question_key, a.element, '', NULL::smallint, a.option_key,
       r.overall_bucket, '', '', count(*)
FROM r JOIN "{schema}".surveys_answer a ON a.response_id = r.id AND a.kind = 'reason'
WHERE r.overall_bucket = 'unsatisfied'
GROUP BY r.day, r.questionnaire, a.question_key, a.element, a.option_key, r.overall_bucket
UNION ALL
SELECT day, 'held', '', '', '', '', NULL::smallint, '', '', '', '', n FROM held
"""
# The statements below are built once from FACT_KEY, a constant: no value ever enters them as text.
KEY = ", ".join(FACT_KEY)
KEY_OF_F = ", ".join(f"f.{column}" for column in FACT_KEY)
INSERT_FACTS = f"INSERT INTO public.analytics_dailyfact (unit_id, day, {KEY}, count) "  # noqa: S608
POOLED = "f.dim NOT IN ({})".format(", ".join(f"'{dim}'" for dim in OWN_ONLY_DIMS))
# Node-days from the other units' daily facts, for (node, unit, day) triples (unit ≠ node).
ROLLUP_DAYS = (
    f"INSERT INTO public.analytics_rollupday (node_id, day, {KEY}, count)"  # noqa: S608
    f" SELECT t.node, t.day, {KEY_OF_F}, sum(f.count)"
    " FROM unnest(%s::int[], %s::int[], %s::date[]) t(node, unit, day)"
    " JOIN public.analytics_dailyfact f ON f.unit_id = t.unit AND f.day = t.day"
    " AND f.day BETWEEN %s AND %s"  # constant bounds: the planner prunes the year partitions
    f" AND {POOLED} GROUP BY t.node, t.day, {KEY_OF_F}"
)
# Node-months from node-days and the node's own daily facts, for (node, month) pairs.
ROLLUP_MONTHS = (
    f"INSERT INTO public.analytics_rollupmonth (node_id, month, {KEY}, count)"  # noqa: S608
    f" SELECT node, month, {KEY}, sum(count) FROM ("
    f" SELECT t.node, t.month, {KEY_OF_F}, f.count"
    " FROM unnest(%(nodes)s::int[], %(months)s::date[]) t(node, month)"
    " JOIN public.analytics_rollupday f ON f.node_id = t.node"
    " AND f.day >= t.month AND f.day < (t.month + interval '1 month')::date"
    " AND f.day BETWEEN %(low)s AND %(high)s"  # constant bounds, as above
    " UNION ALL"
    f" SELECT t.node, t.month, {KEY_OF_F}, f.count"
    " FROM unnest(%(nodes)s::int[], %(months)s::date[]) t(node, month)"
    " JOIN public.analytics_dailyfact f ON f.unit_id = t.node"
    " AND f.day >= t.month AND f.day < (t.month + interval '1 month')::date"
    f" AND f.day BETWEEN %(low)s AND %(high)s AND {POOLED}"
    f") counts GROUP BY node, month, {KEY}"
)
# The rebuild's versions: every day of each (node, other unit) pair, every month of each node.
REBUILD_DAYS = (
    f"INSERT INTO public.analytics_rollupday (node_id, day, {KEY}, count)"  # noqa: S608
    f" SELECT t.node, f.day, {KEY_OF_F}, sum(f.count)"
    " FROM unnest(%s::int[], %s::int[]) t(node, unit)"
    " JOIN public.analytics_dailyfact f ON f.unit_id = t.unit"
    f" WHERE {POOLED} GROUP BY t.node, f.day, {KEY_OF_F}"
)
# Nodes NULL: every node (whole tables read in one pass, not probed by thousands of ids).
REBUILD_MONTHS = (
    f"INSERT INTO public.analytics_rollupmonth (node_id, month, {KEY}, count)"  # noqa: S608
    f" SELECT node, month, {KEY}, sum(count) FROM ("
    f" SELECT f.node_id AS node, date_trunc('month', f.day)::date AS month, {KEY_OF_F}, f.count"
    " FROM public.analytics_rollupday f WHERE (%(nodes)s::int[] IS NULL OR f.node_id = ANY(%(nodes)s))"
    " UNION ALL"
    f" SELECT f.unit_id, date_trunc('month', f.day)::date, {KEY_OF_F}, f.count"
    " FROM public.analytics_dailyfact f WHERE (%(nodes)s::int[] IS NULL OR f.unit_id = ANY(%(nodes)s))"
    f" AND {POOLED}) counts GROUP BY node, month, {KEY}"
)
# One lock for the roll-up phase of every fold (any number, the same everywhere: it names the lock).
ROLLUP_LOCK = 7_410_001
REBUILD_WORK_MEM = "256MB"
# The statements name each unit's tables by its schema, so the name is checked before it is used.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Unit schemas written per transaction: each holds a dozen relation locks until it commits, and a
# national day touches thousands of schemas, more than the server's lock table holds at once.
UNITS_PER_TRANSACTION = 50
# Claim dirty marks by id: skipping those another fold holds, or waiting for them (a snapshot must
# not skip an answer).
CLAIM_SKIP_LOCKED = (
    "DELETE FROM public.analytics_dirtyday WHERE id IN ("
    " SELECT id FROM public.analytics_dirtyday WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED)"
    " RETURNING unit_id, day"
)
CLAIM_WAITING = (
    "DELETE FROM public.analytics_dirtyday WHERE id IN ("
    " SELECT id FROM public.analytics_dirtyday WHERE id = ANY(%s) FOR UPDATE)"
    " RETURNING unit_id, day"
)


def _write_facts(units: Sequence[tuple[Unit, Sequence[dt.date] | None]], *, emptied: bool = False) -> int:
    """Replace these units' facts of these days (None: all their days) by ones computed from their
    schemas, the tables named by schema (no search_path switch); `emptied`: the table was just
    emptied, nothing to delete.

    One INSERT per unit: planning one statement that joins fifty schemas' tables costs several times
    what planning fifty single-schema statements does (the national benchmark's refresh)."""
    if not units:
        return 0
    for unit, _days in units:
        if not SCHEMA_NAME.fullmatch(unit.schema_name):  # never the case for a registry unit
            raise ValueError(f"unexpected schema name {unit.schema_name!r}")
    written = 0
    with connection.cursor() as cursor:
        _delete_pairs(
            cursor,
            "analytics_dailyfact",
            ("unit_id", "day"),
            [unit.pk for unit, days in units if days is not None for _ in days],
            [day for _unit, days in units if days is not None for day in days],
        )
        whole = [unit.pk for unit, days in units if days is None]
        if whole and not emptied:
            cursor.execute("DELETE FROM public.analytics_dailyfact WHERE unit_id = ANY(%s)", [whole])
        for unit, days in units:
            facts = FACTS_SQL.format(
                schema=unit.schema_name, days="TRUE" if days is None else "r.answered_on = ANY(%s)"
            )
            cursor.execute(
                INSERT_FACTS + f"SELECT {int(unit.pk)}, facts.* FROM ({facts}) facts",  # noqa: S608 - checked above
                [] if days is None else [list(days)],
            )
            written += int(cursor.rowcount)
    return written


# Deleting a fold's (node, day) rows: the table and columns are constants of the callers. The ids and
# the day range bound the scan of the table's index: joined by the pairs alone, the planner hashed the
# whole table (a national year of roll-ups) to find a few hundred node-days.
def _delete_pairs(
    cursor: CursorWrapper, table: str, columns: tuple[str, str], nodes: list[int], ats: list[dt.date]
) -> None:
    if not nodes:
        return
    node, at = columns
    cursor.execute(
        f"DELETE FROM public.{table} f USING unnest(%(nodes)s::bigint[], %(ats)s::date[]) t(node, at)"  # noqa: S608
        f" WHERE f.{node} = t.node AND f.{at} = t.at"
        f" AND f.{node} = ANY(%(nodes)s) AND f.{at} BETWEEN %(low)s AND %(high)s",
        {"nodes": nodes, "ats": ats, "low": min(ats), "high": max(ats)},
    )


def _schemas_present(units: Iterable[Unit]) -> set[str]:
    """Which of these units' schemas exist (an offboarded unit may have lost its schema), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [[u.schema_name for u in units]]
        )
        return {row[0] for row in cursor.fetchall()}


def _roll_up(cursor: CursorWrapper, node_days: dict[int, set[dt.date]], contributions: Contributions) -> None:
    """Recompute these node-days from the units' facts, then their node-months; bump the nodes' state.
    The caller holds the roll-up lock."""
    nodes, units, days = [], [], []
    for node, node_day_set in node_days.items():
        for unit in contributions.contributors.get(node, {node}) - {node}:  # its own facts stay in DailyFact
            for day in node_day_set:
                nodes.append(node)
                units.append(unit)
                days.append(day)
    pair_nodes = [node for node, ds in node_days.items() for _ in ds]
    pair_days = [day for ds in node_days.values() for day in ds]
    months = sorted({(node, day.replace(day=1)) for node, day in zip(pair_nodes, pair_days, strict=True)})
    _delete_pairs(cursor, "analytics_rollupday", ("node_id", "day"), pair_nodes, pair_days)
    if nodes:
        cursor.execute(ROLLUP_DAYS, [nodes, units, days, min(days), max(days)])
    month_nodes = [node for node, _month in months]
    month_starts = [month for _node, month in months]
    _delete_pairs(cursor, "analytics_rollupmonth", ("node_id", "month"), month_nodes, month_starts)
    # Bounds for pruning only (the join keeps each month's own days): past the end of the last month.
    bound = max(month_starts) + dt.timedelta(days=31)
    cursor.execute(
        ROLLUP_MONTHS, {"nodes": month_nodes, "months": month_starts, "low": min(month_starts), "high": bound}
    )
    _bump(cursor, list(node_days))


def _bump(cursor: CursorWrapper, nodes: list[int]) -> None:
    cursor.execute(
        "INSERT INTO public.analytics_rollupstate (node_id, generation, folded_at)"
        " SELECT unnest(%s::int[]), 1, %s"
        " ON CONFLICT (node_id) DO UPDATE"
        " SET generation = public.analytics_rollupstate.generation + 1, folded_at = EXCLUDED.folded_at",
        [nodes, timezone.now()],
    )


def _write(claimed: Iterable[tuple[int, dt.date]]) -> int:
    """Rewrite the claimed unit-days' facts and leave them pending for the roll-ups, in the caller's
    transaction (the one that claimed them: a crash gives the marks back)."""
    by_unit: dict[int, set[dt.date]] = defaultdict(set)
    for unit_id, day in claimed:
        by_unit[unit_id].add(day)
    units = Unit.objects.in_bulk(list(by_unit))
    present = _schemas_present(units.values())
    _write_facts(
        [(units[u], sorted(days)) for u, days in sorted(by_unit.items()) if units[u].schema_name in present]
    )
    pairs = [(unit_id, day) for unit_id, days in by_unit.items() for day in days]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.analytics_rolluppending (unit_id, day)"
            " SELECT * FROM unnest(%s::int[], %s::date[]) ON CONFLICT DO NOTHING",
            [[u for u, _d in pairs], [d for _u, d in pairs]],
        )
    return len(pairs)


def _claim_and_write(claim: str, marks: list[tuple[int, int]]) -> int:
    """Dirty marks (id, unit), claimed and written a batch of units per transaction."""
    by_unit: dict[int, list[int]] = defaultdict(list)
    for mark_id, unit_id in marks:
        by_unit[unit_id].append(mark_id)
    units = list(by_unit)
    written = 0
    for i in range(0, len(units), UNITS_PER_TRANSACTION):
        batch = [mark for unit in units[i : i + UNITS_PER_TRANSACTION] for mark in by_unit[unit]]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(claim, [batch])
            written += _write(cursor.fetchall())
    return written


def rollups_refresh() -> int:
    """The fold's second half: every node-day and node-month that the pending unit-days count in,
    recomputed in one transaction under the roll-up lock; returns the unit-days taken.

    A concurrent fold waits for the lock, then sums rows that include this one's, so the last fold to
    commit always leaves complete sums; a crash leaves the pending marks for the next fold.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        cursor.execute("DELETE FROM public.analytics_rolluppending RETURNING unit_id, day")
        pending = cursor.fetchall()
        if not pending:
            return 0
        contributions = contributions_load()
        node_days: dict[int, set[dt.date]] = defaultdict(set)
        for unit_id, day in pending:
            for node in contributions.targets.get(unit_id, {unit_id}):
                node_days[node].add(day)
        _roll_up(cursor, node_days, contributions)
        return len(pending)


def facts_mark_dirty(*, unit: Unit, day: dt.date) -> None:
    """Called with each changed response: the unit-day will be refolded by the next refresh."""
    sql, params = facts_mark_dirty_statement(unit=unit, day=day)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def facts_mark_dirty_statement(*, unit: Unit, day: dt.date) -> tuple[str, list[Any]]:
    """The statement of facts_mark_dirty, for a caller that runs it inside its own (a new response's)."""
    return (
        "INSERT INTO public.analytics_dirtyday (unit_id, day, marked_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (unit_id, day) DO UPDATE SET marked_at = EXCLUDED.marked_at",
        [unit.pk, day, timezone.now()],
    )


def facts_refresh(*, limit: int = 5000) -> int:
    """Fold up to `limit` dirty unit-days, oldest marks first; returns how many were folded.

    Marks held by another fold are skipped, not waited for; a unit-day marked again while it is folded
    gets a fresh mark (the marking statement waits for the claiming transaction) and is folded next time.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, unit_id FROM public.analytics_dirtyday ORDER BY marked_at LIMIT %s", [limit]
        )
        marks = cursor.fetchall()
    folded = _claim_and_write(CLAIM_SKIP_LOCKED, marks)
    rollups_refresh()
    return folded


def facts_settle(*, units: Sequence[Unit], start: dt.date, end: dt.date) -> int:
    """Fold now the dirty days of these units in [start, end] (a snapshot must hold every stored answer).

    Waits for a fold holding some of them, and for its roll-ups: once this returns, the figures of
    these units include every answer committed before the call.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, unit_id FROM public.analytics_dirtyday"
            " WHERE unit_id = ANY(%s) AND day BETWEEN %s AND %s",
            [[unit.pk for unit in units], start, end],
        )
        marks = cursor.fetchall()
    folded = _claim_and_write(CLAIM_WAITING, marks)
    rollups_refresh()
    return folded


def units_with_responses() -> list[Unit]:
    units = list(Unit.objects.exclude(level="national").filter(onboarded_at__isnull=False))
    present = _schemas_present(units)
    return [u for u in units if u.schema_name in present]


def facts_rebuild(*, units: Iterable[Unit] | None = None) -> int:
    """Recompute from raw responses every fact of these units (default: all) and every roll-up they
    reach; returns the daily fact rows written. Gives exactly the rows of the incremental fold.

    The units' facts are rewritten a batch per transaction (as a fold writes them), then the roll-ups
    of every node they reach in one transaction under the roll-up lock.
    """
    everything = units is None
    chosen = units_with_responses() if units is None else list(units)
    written = 0
    if everything:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE public.analytics_dailyfact")  # no dead rows for the writes below
    for i in range(0, len(chosen), UNITS_PER_TRANSACTION):
        with transaction.atomic():
            batch = chosen[i : i + UNITS_PER_TRANSACTION]
            written += _write_facts([(unit, None) for unit in batch], emptied=everything)
    if everything:  # the planner's statistics still describe the table before it was emptied
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE public.analytics_dailyfact")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])
        # Every node's sums in one aggregation: enough memory to hash it rather than sort it on disk.
        cursor.execute("SET LOCAL work_mem = %s", [REBUILD_WORK_MEM])
        contributions = contributions_load()
        nodes = sorted(
            set(contributions.contributors) if everything else contributions.nodes_of({u.pk for u in chosen})
        )
        # Only units with a schema: most of the registry (14,000 units) never answered, and joining
        # every node to all its contributors made the national rebuild probe 60,000 pairs.
        have = {unit.pk for unit in (chosen if everything else units_with_responses())}
        counted = {node: contributions.contributors.get(node, {node}) & have for node in nodes}
        others = [(node, unit) for node, members in counted.items() for unit in sorted(members - {node})]
        cursor.execute("DELETE FROM public.analytics_rollupday WHERE node_id = ANY(%s)", [nodes])
        cursor.execute("DELETE FROM public.analytics_rollupmonth WHERE node_id = ANY(%s)", [nodes])
        if others:
            cursor.execute(REBUILD_DAYS, [[node for node, _unit in others], [unit for _node, unit in others]])
        monthly = None if everything else [node for node, members in counted.items() if members]
        cursor.execute(REBUILD_MONTHS, {"nodes": monthly})
        _bump(cursor, nodes)
    return written
