"""Selectors: the figures of any unit for any period, as sums of facts, with METHODOLOGY.md's formulas.

A figure pools the counts of every unit that contributes to it (its subtree, and for a unit of the
current structure the legacy units merged into that subtree), never averages percentages.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.methodology import formulas as f
from analytics.models import DailyFact, Dimension, FactKind
from surveys.builtin.questionnaires import BUILTIN_BY_KEY
from tenants.models import Structure, Unit

#: Local time of every unit: days, periods and cut-offs are Vietnamese calendar days.
VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")

EARLIEST_DAY = dt.date(2015, 1, 1)
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


def contributing_units(unit: Unit) -> QuerySet[Unit]:
    """The units whose facts make this unit's figures: its subtree, plus legacy units merged into it."""
    subtree = Q(path__startswith=unit.path)
    if unit.structure == Structure.CURRENT:
        subtree |= Q(successors__path__startswith=unit.path, structure=Structure.LEGACY)
    return Unit.objects.filter(subtree).distinct()


def _facts(unit: Unit, period: Period) -> QuerySet[DailyFact]:
    ids = list(contributing_units(unit).values_list("pk", flat=True))
    return DailyFact.objects.filter(unit_id__in=ids, day__range=(period.start, period.end))


def _tally(rows: Iterable[Mapping[str, Any]]) -> f.Tally:
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
                return q["text"].get(language) or q["text"]["vi"]
            for o in q.get("options", []):
                if o["key"] == option:
                    return o["text"].get(language) or o["text"]["vi"]
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


RATING_KEY = ("questionnaire", "question", "element", "scale", "value", "bucket")


def unit_figures(
    *,
    unit: Unit,
    period: Period,
    minimum_n: int = f.DEFAULT_MINIMUM_N,
    index_method: str = "mean_of_elements",
    language: str = "vi",
) -> UnitFigures:
    facts = _facts(unit, period).filter(dim=Dimension.TOTAL)
    ratings = list(facts.filter(kind=FactKind.RATING).values(*RATING_KEY).annotate(n=Sum("count")))
    by_question: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    by_element: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in ratings:
        by_question[(row["questionnaire"], row["question"], row["element"])].append(row)
        by_element[row["element"]].append(row)
    element_tallies = {code: _tally(rows) for code, rows in by_element.items()}
    overall = element_tallies.get("OVERALL", f.Tally())
    index_tallies = {c: t for c, t in element_tallies.items() if c in f.INDEX_ELEMENTS}

    responses = facts.filter(kind=FactKind.RESPONSE).aggregate(n=Sum("count"))["n"] or 0
    unsatisfied = (
        facts.filter(kind=FactKind.RESPONSE, bucket="unsatisfied", question="reasons").aggregate(
            n=Sum("count")
        )["n"]
        or 0
    )
    reasons = facts.filter(kind=FactKind.REASON, bucket="unsatisfied").values(
        "questionnaire", "question", "option"
    )
    reason_counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for row in reasons.annotate(n=Sum("count")):
        reason = f"{row['questionnaire']}:{row['option']}"
        reason_counts[reason] = reason_counts.get(reason, 0) + row["n"]
        labels[reason] = _label(row["questionnaire"], row["question"], row["option"], language)

    trend_rows = (
        facts.filter(kind=FactKind.RATING, element="OVERALL")
        .annotate(month=TruncMonth("day"))
        .values("month", "scale", "value", "bucket")
        .annotate(n=Sum("count"))
        .order_by("month")
    )
    by_month: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in trend_rows:
        by_month[row["month"]].append(row)

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
                f.rate_figure(_tally(rows), minimum_n=minimum_n),
                f.mean_score_figure(_tally(rows), minimum_n=minimum_n),
            )
            for (q, key, element), rows in sorted(by_question.items())
        ],
        profile=f.dissatisfaction_profile_from_counts(
            reason_counts, responses=unsatisfied, minimum_n=minimum_n
        ),
        profile_labels=labels,
        trend=[(month, f.rate_figure(_tally(rows), minimum_n=minimum_n)) for month, rows in by_month.items()],
    )


def _element_order(code: str) -> int:
    order = (*f.INDEX_ELEMENTS, "OVERALL")
    return order.index(code) if code in order else len(order)


def breakdown(
    *, unit: Unit, period: Period, dim: str, minimum_n: int = f.DEFAULT_MINIMUM_N
) -> list[BreakdownRow]:
    """Overall satisfaction per procedure, field, civil servant, desk or channel (largest n first)."""
    if dim not in Dimension.values or dim == Dimension.TOTAL:
        raise ValidationError(_("Unknown breakdown “%(dim)s”.") % {"dim": dim})
    if dim in (Dimension.STAFF, Dimension.DESK) and contributing_units(unit).count() > 1:
        # Civil servants and desks are numbered per unit schema: pooled, different people would merge.
        raise ValidationError(_("Civil servants and desks can only be compared within one unit."))
    rows = (
        _facts(unit, period)
        .filter(dim=dim, kind=FactKind.RATING, element="OVERALL")
        .values("dim_value", "scale", "value", "bucket")
        .annotate(n=Sum("count"))
    )
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["dim_value"]].append(row)
    result = [
        BreakdownRow(value, f.rate_figure(_tally(rs), minimum_n=minimum_n)) for value, rs in grouped.items()
    ]
    return sorted(result, key=lambda r: (-r.figure.n, r.value))


@dataclass
class RankRow:
    unit: Unit
    figure: f.Figure
    rank: int | None  # None: too few answers to be ranked


def child_ranking(*, unit: Unit, period: Period, minimum_n: int = f.DEFAULT_MINIMUM_N) -> list[RankRow]:
    """The units directly below, by overall satisfaction rate; small-n units listed but not ranked.

    One query for all children: each contributing unit (subtree, or a legacy unit merged into it) is
    mapped to the child whose path holds it, as contributing_units() would for that child alone.
    """
    children = {child.path: child for child in unit.children.order_by("path")}

    def child_path(path: str) -> str | None:
        rest = path[len(unit.path) :]
        head = unit.path + rest.split("/", 1)[0] + "/" if rest else None
        return head if head in children else None

    owners: dict[int, set[str]] = defaultdict(set)
    for pk, path in Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path"):
        if (owner := child_path(path)) is not None:
            owners[pk].add(owner)
    if unit.structure == Structure.CURRENT:
        merged = Unit.successors.through.objects.filter(
            to_unit__path__startswith=unit.path, from_unit__structure=Structure.LEGACY
        ).values_list("from_unit_id", "to_unit__path")
        for pk, successor_path in merged:
            if (owner := child_path(successor_path)) is not None:
                owners[pk].add(owner)
    by_child: dict[str, list[dict[str, Any]]] = defaultdict(list)
    facts = (
        DailyFact.objects.filter(unit_id__in=list(owners), day__range=(period.start, period.end))
        .filter(dim=Dimension.TOTAL, kind=FactKind.RATING, element="OVERALL")
        .values("unit_id", "scale", "value", "bucket")
        .annotate(n=Sum("count"))
    )
    for row in facts:
        for owner in owners[row["unit_id"]]:
            by_child[owner].append(row)
    rows = [
        RankRow(child, f.rate_figure(_tally(by_child[path]), minimum_n=minimum_n), None)
        for path, child in children.items()
    ]
    ranked = sorted(
        (r for r in rows if not r.figure.too_few), key=lambda r: (-(r.figure.value or 0), r.unit.path)
    )
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return ranked + sorted((r for r in rows if r.figure.too_few), key=lambda r: r.unit.path)
