"""Selectors: the figures of any unit for any period, as sums of facts, with METHODOLOGY.md's formulas.

A figure pools the counts of every unit that contributes to it (its subtree, and for a unit of the
current structure the legacy units merged into that subtree), never averages percentages.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.methodology import formulas as f
from analytics.models import FACT_KEY, Dimension, FactKind, RollupMonth, RollupState
from surveys.builtin.questionnaires import BUILTIN_BY_KEY
from surveys.definition import Definition
from tenants.models import Structure, Unit
from tenants.replica import read_connection

logger = logging.getLogger(__name__)

EARLIEST_DAY = dt.date(2015, 1, 1)
# Cached figures are keyed by the fold generation, so they are never stale: the time only bounds memory.
FIGURES_CACHE_SECONDS = 24 * 3600
MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


def period_parse(*, start: str | None, end: str | None, default_days: int = 365) -> Period:
    """A period from dd/mm/yyyy or ISO strings; absent ends default to the last `default_days` days."""
    today = timezone.localdate()

    def parse(text: str | None, fallback: dt.date, name: str) -> dt.date:
        if not text:
            return fallback
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                continue
        raise ValidationError(
            _("“%(value)s” is not a date (dd/mm/yyyy) for the %(name)s.") % {"value": text, "name": name}
        )

    end_day = parse(end, today, _("end of the period"))
    start_day = parse(start, end_day - dt.timedelta(days=default_days - 1), _("start of the period"))
    if start_day > end_day:
        raise ValidationError(_("The period starts after it ends."))
    if start_day < EARLIEST_DAY or end_day > today + dt.timedelta(days=366):
        raise ValidationError(_("The period must lie between 01/01/2015 and next year."))
    if (end_day - start_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(_("A period can be at most five years long."))
    return Period(start_day, end_day)


def schemas_present(units: Iterable[Unit]) -> list[Unit]:
    """The units among `units` that have a schema (onboarded at some time), in the given order."""
    units = list(units)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [[u.schema_name for u in units]]
        )
        present = {row[0] for row in cursor.fetchall()}
    return [u for u in units if u.schema_name in present]


def local_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and next-after-last instants in Asia/Ho_Chi_Minh, for timestamp filters."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def contributing_units(unit: Unit) -> QuerySet[Unit]:
    """The units whose facts make this unit's figures: its subtree, plus legacy units merged into it."""
    subtree = Q(path__startswith=unit.path)
    if unit.structure == Structure.CURRENT:
        subtree |= Q(successors__path__startswith=unit.path, structure=Structure.LEGACY)
    return Unit.objects.filter(subtree).distinct()


# What a figure reads from the roll-ups: one row per node, month and fact key (within one dim), summed
# over whole months (RollupMonth) and the days at the period's edges (the node's RollupDay rows, which
# hold the other units' facts, and its own DailyFact rows). `{only}` is one of ONLY's constant filters,
# `{key}` the constant FACT_KEY: no value ever enters the text.
READ_KEY: Final = tuple(column for column in FACT_KEY if column != "dim")
ROLLUP_SQL = """
SELECT node_id, month, {key}, sum(count)::bigint AS n
FROM (
    SELECT node_id, month, {key}, count
    FROM public.analytics_rollupmonth
    WHERE node_id = ANY(%(nodes)s) AND dim = %(dim)s {only}
      AND month BETWEEN %(first_month)s AND %(last_month)s
    UNION ALL
    SELECT node_id, date_trunc('month', day)::date, {key}, count
    FROM public.analytics_rollupday
    WHERE node_id = ANY(%(nodes)s) AND dim = %(dim)s {only}
      AND (day BETWEEN %(head_start)s AND %(head_end)s OR day BETWEEN %(tail_start)s AND %(tail_end)s)
    UNION ALL
    SELECT unit_id, date_trunc('month', day)::date, {key}, count
    FROM public.analytics_dailyfact
    WHERE unit_id = ANY(%(nodes)s) AND dim = %(dim)s {only}
      AND (day BETWEEN %(head_start)s AND %(head_end)s OR day BETWEEN %(tail_start)s AND %(tail_end)s)
) counts
GROUP BY node_id, month, {key}
"""
ONLY: Final = {
    "all": "",
    "overall_ratings": "AND kind = 'rating' AND element = 'OVERALL'",
    "responses": "AND kind = 'response'",
}
COLUMNS: Final = ("node", "month", *READ_KEY, "n")
NOTHING = (dt.date.max, dt.date.min)  # an empty day range


type Days = tuple[dt.date, dt.date]


def period_parts(period: Period) -> tuple[Days, Days, Days]:
    """(first and last whole month inside the period, the days before them, the days after them)."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    after_end = period.end + dt.timedelta(days=1)
    last_end = period.end if after_end.day == 1 else after_end.replace(day=1) - dt.timedelta(days=1)
    if first > last_end:  # no whole month: every day is an edge day
        return NOTHING, (period.start, period.end), NOTHING
    head = (period.start, first - dt.timedelta(days=1)) if period.start < first else NOTHING
    tail = (last_end + dt.timedelta(days=1), period.end) if last_end < period.end else NOTHING
    return (first, last_end.replace(day=1)), head, tail


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _period_params(period: Period) -> dict[str, Any]:
    months, head, tail = period_parts(period)
    return {
        "first_month": months[0],
        "last_month": months[1],
        "head_start": head[0],
        "head_end": head[1],
        "tail_start": tail[0],
        "tail_end": tail[1],
    }


def rollup_counts(
    *, nodes: Iterable[int], period: Period, dim: str = Dimension.TOTAL, only: str = "all"
) -> list[dict[str, Any]]:
    """Each node's counts in the period, per month and fact key: a fixed cost whatever lies below."""
    params = {"nodes": list(nodes), "dim": dim, **_period_params(period)}
    with read_connection(RollupMonth).cursor() as cursor:
        cursor.execute(ROLLUP_SQL.format(only=ONLY[only], key=", ".join(READ_KEY)), params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


# One edge of the period in one day table: the two edges apart, so that each bounds its index scan by
# its days; the roll-up days hold the other units' facts, the daily facts each node's own.
OVERALL_EDGE = """
    SELECT {node}, scale, value, bucket, count
    FROM public.{table}
    WHERE {node} = ANY(%(nodes)s) AND dim = '' AND kind = 'rating' AND element = 'OVERALL'
      AND day BETWEEN %({edge}_start)s AND %({edge}_end)s"""
# Many nodes' overall-question tallies, summed in the database over months, questionnaires and
# questions: the covering partial indexes (rollup_*_overall, daily_fact_overall) answer it by
# index-only scans, and it returns a few rows per node whatever the period's length.
OVERALL_SQL = """
SELECT node_id, scale, value, bucket, sum(count)::bigint AS n
FROM (
    SELECT node_id, scale, value, bucket, count
    FROM public.analytics_rollupmonth
    WHERE node_id = ANY(%(nodes)s) AND dim = '' AND kind = 'rating' AND element = 'OVERALL'
      AND month BETWEEN %(first_month)s AND %(last_month)s{edges}
) counts
GROUP BY node_id, scale, value, bucket
""".format(  # noqa: S608 - built from constants only
    edges="".join(
        "\n    UNION ALL" + OVERALL_EDGE.format(node=node, table=table, edge=edge)
        for node, table in (("node_id", "analytics_rollupday"), ("unit_id", "analytics_dailyfact"))
        for edge in ("head", "tail")
    )
)


def overall_tallies(*, nodes: Iterable[int], period: Period) -> dict[int, f.Tally]:
    """Each node's tally of the overall question in the period (nodes without answers are absent)."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with read_connection(RollupMonth).cursor() as cursor:
        cursor.execute(OVERALL_SQL, {"nodes": list(nodes), **_period_params(period)})
        for node, scale, value, bucket, n in cursor.fetchall():
            rows[node].append({"scale": scale, "value": value, "bucket": bucket, "n": n})
    return {node: tally_of(node_rows) for node, node_rows in rows.items()}


# A unit's own answers in a period (its schema's daily facts, nothing pooled): what its civil servants
# and desks are judged on, since their ids are numbered per schema.
OWN_SQL = """
SELECT unit_id, date_trunc('month', day)::date, {key}, sum(count)::bigint AS n
FROM public.analytics_dailyfact
WHERE unit_id = %(unit)s AND dim = %(dim)s {only} AND day BETWEEN %(start)s AND %(end)s
GROUP BY unit_id, date_trunc('month', day), {key}
"""


def own_counts(*, unit: Unit, period: Period, dim: str, only: str = "all") -> list[dict[str, Any]]:
    """The unit's own counts in the period (not its subtree's, not its predecessors'), as rollup_counts."""
    params: dict[str, Any] = {"unit": unit.pk, "dim": dim, "start": period.start, "end": period.end}
    with read_connection(RollupMonth).cursor() as cursor:
        cursor.execute(OWN_SQL.format(only=ONLY[only], key=", ".join(READ_KEY)), params)
        return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def tally_of(rows: Iterable[Mapping[str, Any]]) -> f.Tally:
    """The tally of rating count rows (value, bucket, scale, n)."""
    counts = {"satisfied": 0, "neutral": 0, "unsatisfied": 0, "no_answer": 0, "score_sum": 0, "scored": 0}
    for row in rows:
        n = row["n"]
        if row["value"] is None:
            counts["no_answer"] += n
            continue
        counts[row["bucket"]] += n
        if row["scale"] == "5":
            counts["score_sum"] += row["value"] * n
            counts["scored"] += n
    return f.Tally(**counts)


def _label(questionnaire: str, key: str, option: str | None, language: str) -> str:
    definition = BUILTIN_BY_KEY.get(questionnaire)
    if definition:
        for q in definition["questions"]:
            if q["key"] != key:
                continue
            if option is None:
                return Definition.text(q["text"], language)
            for o in q.get("options", []):
                if o["key"] == option:
                    return Definition.text(o["text"], language)
    return option or key


@dataclass
class QuestionFigure:
    questionnaire: str
    question: str
    element: str
    label: str
    figure: f.Figure
    mean: f.Figure


@dataclass
class BreakdownRow:
    value: str
    figure: f.Figure


@dataclass
class UnitFigures:
    unit: Unit
    period: Period
    minimum_n: int
    responses: int
    overall: f.Figure
    index: f.Figure
    mean: f.Figure
    elements: dict[str, f.Figure]
    questions: list[QuestionFigure]
    profile: f.DissatisfactionProfile
    profile_labels: dict[str, str]
    trend: list[tuple[dt.date, f.Figure]] = field(default_factory=list)
    held: int = 0  # flagged answers of the period held out of these figures until the unit reviews them


RATING_KEY = ("questionnaire", "question", "element", "scale", "value", "bucket")


def unit_figures(
    *,
    unit: Unit,
    period: Period,
    minimum_n: int = f.DEFAULT_MINIMUM_N,
    index_method: str = "mean_of_elements",
    language: str = "vi",
) -> UnitFigures:
    rows = rollup_counts(nodes=[unit.pk], period=period)
    by_question: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    by_element: dict[str, list[dict[str, Any]]] = defaultdict(list)
    trend: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    responses = unsatisfied = held = 0
    reason_counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for row in rows:
        if row["kind"] == FactKind.RATING:
            by_question[(row["questionnaire"], row["question"], row["element"])].append(row)
            by_element[row["element"]].append(row)
            if row["element"] == "OVERALL":
                trend[row["month"]].append(row)
        elif row["kind"] == FactKind.RESPONSE:
            responses += row["n"]
            if row["bucket"] == "unsatisfied" and row["question"] == "reasons":
                unsatisfied += row["n"]
        elif row["kind"] == FactKind.REASON and row["bucket"] == "unsatisfied":
            reason = f"{row['questionnaire']}:{row['option']}"
            reason_counts[reason] = reason_counts.get(reason, 0) + row["n"]
            labels[reason] = _label(row["questionnaire"], row["question"], row["option"], language)
        elif row["kind"] == FactKind.HELD:
            held += row["n"]
    element_tallies = {code: tally_of(rows) for code, rows in by_element.items()}
    overall = element_tallies.get("OVERALL", f.Tally())
    index_tallies = {c: t for c, t in element_tallies.items() if c in f.INDEX_ELEMENTS}

    return UnitFigures(
        unit=unit,
        period=period,
        minimum_n=minimum_n,
        responses=responses,
        overall=f.rate_figure(overall, minimum_n=minimum_n),
        index=f.sipas_index(index_tallies, method=index_method, minimum_n=minimum_n),
        mean=f.mean_score_figure(f.pool(element_tallies.values()), minimum_n=minimum_n),
        elements={
            code: f.element_figure([tally], minimum_n=minimum_n)
            for code, tally in sorted(element_tallies.items(), key=lambda i: _element_order(i[0]))
        },
        questions=[
            QuestionFigure(
                q,
                key,
                element,
                _label(q, key, None, language),
                f.rate_figure(tally_of(rows), minimum_n=minimum_n),
                f.mean_score_figure(tally_of(rows), minimum_n=minimum_n),
            )
            for (q, key, element), rows in sorted(by_question.items())
        ],
        profile=f.dissatisfaction_profile_from_counts(
            reason_counts, responses=unsatisfied, minimum_n=minimum_n
        ),
        profile_labels=labels,
        trend=[
            (month, f.rate_figure(tally_of(ms), minimum_n=minimum_n)) for month, ms in sorted(trend.items())
        ],
        held=held,
    )


def _element_order(code: str) -> int:
    order = (*f.INDEX_ELEMENTS, "OVERALL")
    return order.index(code) if code in order else len(order)


def breakdown(
    *, unit: Unit, period: Period, dim: str, minimum_n: int = f.DEFAULT_MINIMUM_N
) -> list[BreakdownRow]:
    """Overall satisfaction per procedure, field, civil servant, desk or channel (largest n first).

    Procedures, fields and channels pool every contributing unit; civil servants and desks are the
    unit's own (its answers only)."""
    if dim not in Dimension.values or dim == Dimension.TOTAL:
        raise ValidationError(_("Unknown breakdown “%(dim)s”.") % {"dim": dim})
    if dim in (Dimension.STAFF, Dimension.DESK):
        # Civil servants and desks are numbered per unit schema: each unit's are judged on its own
        # answers, never pooled with those of the units below it or of the units merged into it.
        rows = own_counts(unit=unit, period=period, dim=dim, only="overall_ratings")
    else:
        rows = rollup_counts(nodes=[unit.pk], period=period, dim=dim, only="overall_ratings")
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["dim_value"]].append(row)
    result = [
        BreakdownRow(value, f.rate_figure(tally_of(rs), minimum_n=minimum_n)) for value, rs in grouped.items()
    ]
    return sorted(result, key=lambda r: (-r.figure.n, r.value))


@dataclass
class RankRow:
    unit: Unit
    figure: f.Figure
    rank: int | None  # None: too few answers to be ranked


def child_ranking(*, unit: Unit, period: Period, minimum_n: int = f.DEFAULT_MINIMUM_N) -> list[RankRow]:
    """The units directly below, by overall satisfaction rate; small-n units listed but not ranked.

    Two queries whatever the number of children (the children, their tallies): each child's roll-up
    already pools its subtree and the legacy units merged into it.
    """
    children = {child.pk: child for child in unit.children.order_by("path")}
    tallies = overall_tallies(nodes=children, period=period)
    rows = [
        RankRow(child, f.rate_figure(tallies.get(pk, f.Tally()), minimum_n=minimum_n), None)
        for pk, child in children.items()
    ]
    ranked = sorted(
        (r for r in rows if not r.figure.too_few), key=lambda r: (-(r.figure.value or 0), r.unit.path)
    )
    for position, ranked_row in enumerate(ranked, start=1):
        ranked_row.rank = position
    return ranked + sorted((r for r in rows if r.figure.too_few), key=lambda r: r.unit.path)


def figures_cached[T](*, node: Unit, what: str, compute: Callable[[], T]) -> T:
    """`compute()` once per fold of the node: its figures cannot change between two folds, so the
    3,321 desk boards refreshing every minute cost a cache read each. `what` names the figure and
    its parameters. Without a cache (Redis down) the figure is computed, never refused."""
    # The fold's time too: a restored database may count generations again from an older number.
    state = RollupState.objects.filter(node=node).values_list("generation", "folded_at").first()
    generation = f"{state[0]}:{state[1].timestamp()}" if state else "0"
    key = f"figures:{node.pk}:{generation}:{what}"
    try:
        hit = cache.get(key)
    except Exception:  # the cache is an optimisation: its outage must not take a page down
        logger.warning("figures cache unavailable", exc_info=True)
        return compute()
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    try:
        cache.set(key, value, FIGURES_CACHE_SECONDS)
    except Exception:
        logger.warning("figures cache unavailable", exc_info=True)
    return value
