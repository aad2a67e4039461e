"""Figures of feedback handling (METHODOLOGY.md, "Feedback and complaints"), pooled over a unit's subtree.

- On-time handling rate (Decision 766, 5.2) = records replied by their due date / records whose due
  date fell in the period and that are settled: replied, or still open after their due date (late).
  A record due today or later and still open is pending, counted apart, in neither part.
- Satisfaction with handling (5.3) = satisfied ratings / valid ratings of the records replied in the
  period; records replied without contact details cannot be rated and are counted apart.
- Counts of records received in the period, by category and by channel.

Counts are summed over the schemas of every unit that contributes to the unit (its subtree and, for a
current unit, the legacy units merged into it), never averaged. Each rate is a Figure with its n,
Wilson interval, minimum n and method, like every figure of the product. Contents and contact details
are never read here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final, cast

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from analytics.dashboards.selectors import figure_view, unit_is_pooled
from analytics.figures.selectors import Period, contributing_units, local_bounds, schemas_present
from analytics.methodology import formulas as f
from analytics.methodology.methods import method_name
from analytics.methodology.policy import policy_effective
from surveys.models import Feedback, FeedbackCategory
from tenants.models import Unit

ON_TIME_METHOD: Final = f.Method(
    "feedback_on_time",
    "Feedback replied by its due date (working days by the province's rule and the holiday calendar) "
    "divided by feedback due in the period that is replied or past due; 95 % Wilson interval.",
)
HANDLING_METHOD: Final = f.Method(
    "feedback_handling_satisfaction",
    "Satisfied ratings (very satisfied + satisfied) of the handling divided by valid ratings, over "
    "feedback replied in the period; feedback without contact details cannot be rated; 95 % Wilson interval.",
)


@dataclass
class FeedbackCounts:
    """What a unit's feedback figures are made of, for one period."""

    received: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    due: int = 0  # settled records due in the period: the on-time denominator
    on_time: int = 0
    pending: int = 0  # due in the period, still open, not past due yet
    replied: int = 0
    ratings: f.Tally = field(default_factory=f.Tally)
    unrated: int = 0  # rateable, replied in the period, no rating (yet)
    unrateable: int = 0  # replied in the period without contact details
    schemas: int = 0

    def as_inputs(self) -> dict[str, int]:
        """The counts a PAR contribution stores beside its points (and fingerprints)."""
        return {
            "feedback_received": self.received,
            "feedback_due": self.due,
            "feedback_on_time": self.on_time,
            "feedback_pending": self.pending,
            "ratings_satisfied": self.ratings.satisfied,
            "ratings_neutral": self.ratings.neutral,
            "ratings_unsatisfied": self.ratings.unsatisfied,
            "feedback_unrated": self.unrated,
            "feedback_unrateable": self.unrateable,
        }

    def add(self, other: FeedbackCounts) -> None:
        """Pool another part of the subtree into these counts: sums, never averages."""
        self.received += other.received
        self.by_category.update(other.by_category)
        self.by_source.update(other.by_source)
        self.due += other.due
        self.on_time += other.on_time
        self.pending += other.pending
        self.replied += other.replied
        self.ratings = self.ratings + other.ratings
        self.unrated += other.unrated
        self.unrateable += other.unrateable
        self.schemas += other.schemas


def _schema_counts(source: Unit, period: Period, today: dt.date) -> FeedbackCounts:
    """One schema's own feedback counts for the period."""
    start, end = local_bounds(period)
    counts = FeedbackCounts(schemas=1)
    with tenant_context(source):
        received = Feedback.objects.filter(received_at__gte=start, received_at__lt=end)
        groups = received.values("category", "source").annotate(n=Count("pk")).order_by()
        for category, source_name, n in groups.values_list("category", "source", "n"):
            counts.by_category[category] += n
            counts.by_source[source_name] += n
            counts.received += n
        due = Feedback.objects.filter(due_on__range=(period.start, period.end))
        settled = Q(replied_at__isnull=False) | Q(due_on__lt=today)
        totals = due.aggregate(
            settled=Count("pk", filter=settled),
            pending=Count("pk", filter=~settled),
        )
        # On time: replied on or before the due day, in local time; the day is compared in Python
        # for the few replied rows, so the rule reads exactly as METHODOLOGY.md states it.
        answered = due.filter(replied_at__isnull=False).values_list("replied_at", "due_on")
        counts.on_time = sum(
            1 for replied_at, due_on in answered if timezone.localtime(replied_at).date() <= due_on
        )
        replied = Feedback.objects.filter(replied_at__gte=start, replied_at__lt=end)
        rated = replied.aggregate(
            replied=Count("pk"),
            satisfied=Count("pk", filter=Q(rating_bucket="satisfied")),
            neutral=Count("pk", filter=Q(rating_bucket="neutral")),
            unsatisfied=Count("pk", filter=Q(rating_bucket="unsatisfied")),
            unrated=Count("pk", filter=Q(rateable=True, rated_at__isnull=True)),
            unrateable=Count("pk", filter=Q(rateable=False)),
        )
    counts.due, counts.pending = totals["settled"], totals["pending"]
    counts.replied, counts.unrated, counts.unrateable = (
        rated["replied"],
        rated["unrated"],
        rated["unrateable"],
    )
    counts.ratings = f.Tally(
        satisfied=rated["satisfied"], neutral=rated["neutral"], unsatisfied=rated["unsatisfied"]
    )
    return counts


def feedback_counts(*, unit: Unit, period: Period, today: dt.date | None = None) -> FeedbackCounts:
    """The unit's feedback counts for the period, pooled over every schema that contributes to it."""
    today = today or timezone.localdate()
    counts = FeedbackCounts()
    for source in schemas_present(contributing_units(unit).order_by("path")):
        counts.add(_schema_counts(source, period, today))
    return counts


def feedback_by_child(
    *, unit: Unit, period: Period, today: dt.date | None = None
) -> list[tuple[Unit, FeedbackCounts]]:
    """The feedback counts of each unit directly below, each pooling its own subtree (and the legacy
    units merged into it), in the order of the tree. Each schema is read once, however many of the
    children it contributes to."""
    today = today or timezone.localdate()
    read: dict[int, FeedbackCounts] = {}
    rows = []
    for child in unit.children.order_by("path"):
        counts = FeedbackCounts()
        for source in schemas_present(contributing_units(child).order_by("path")):
            if source.pk not in read:
                read[source.pk] = _schema_counts(source, period, today)
            counts.add(read[source.pk])
        rows.append((child, counts))
    return rows


def on_time_figure(counts: FeedbackCounts, *, minimum_n: int) -> f.Figure:
    """The on-time rate with n, interval and the too-few flag (n = settled records due in the period)."""
    minimum_n = f.minimum_value(minimum_n)
    return f.Figure(
        value=Fraction(counts.on_time, counts.due) if counts.due else None,
        n=counts.due,
        interval=f.wilson_interval(counts.on_time, counts.due),
        too_few=counts.due < minimum_n,
        method=ON_TIME_METHOD,
        minimum_n=minimum_n,
    )


def handling_figure(counts: FeedbackCounts, *, minimum_n: int) -> f.Figure:
    """Satisfaction with handling: a rate figure over the ratings."""
    return f.rate_figure(counts.ratings, minimum_n=minimum_n, method=HANDLING_METHOD)


def _figure_out(figure: f.Figure) -> dict[str, Any]:
    return {
        "value": None if figure.value is None else round(float(figure.value), 6),
        "n": figure.n,
        "interval": list(figure.interval) if figure.interval else None,
        "too_few": figure.too_few,
        "minimum_n": figure.minimum_n,
        "method": figure.method.code,
    }


def feedback_figures(*, unit: Unit, period: Period) -> dict[str, Any]:
    """The unit's feedback figures as plain data (API, public page): counts and rates, never content."""
    minimum_n = policy_effective(unit).figure_minimum_n
    counts = feedback_counts(unit=unit, period=period)
    return {
        "start": period.start,
        "end": period.end,
        "received": counts.received,
        "by_category": dict(sorted(counts.by_category.items())),
        "on_time": _figure_out(on_time_figure(counts, minimum_n=minimum_n)),
        "pending": counts.pending,
        "handling_satisfaction": _figure_out(handling_figure(counts, minimum_n=minimum_n)),
        "unrateable": counts.unrateable,
    }


#: Public pages re-read feedback counts at most this often (they scan every schema of the subtree).
PUBLIC_CACHE_SECONDS: Final = 300


def public_feedback(*, unit: Unit, period: Period, minimum_n: int, language: str) -> dict[str, Any]:
    """What the public results page shows of feedback: counts by category and the on-time rate with its
    n and interval; never a content, a name or a reference."""

    def compute() -> dict[str, Any]:
        counts = feedback_counts(unit=unit, period=period)
        with translation.override(language):
            labels = dict(FeedbackCategory.choices)
            categories = [(str(labels.get(k, k)), n) for k, n in counts.by_category.most_common()]
        return {
            "received": counts.received,
            "categories": categories,
            "on_time": figure_view(on_time_figure(counts, minimum_n=minimum_n), language=language),
            "pending": counts.pending,
            "page": f"/gop-y/{unit.schema_name}" if unit.is_onboarded else "",
        }

    key = f"public-feedback:{unit.pk}:{period.start}:{period.end}:{minimum_n}:{language}"
    return cast("dict[str, Any]", cache.get_or_set(key, compute, PUBLIC_CACHE_SECONDS))


def feedback_dashboard(*, unit: Unit, period: Period, language: str) -> dict[str, Any]:
    """The feedback section of a unit's results page (console): counts and both rates, no content; a
    unit with units below also gets each one's (`units`, those without any feedback in `quiet`).

    Cached like the public page's (feedback is not folded into the fact tables: a province's figure
    scans every schema below it)."""
    minimum_n = policy_effective(unit).figure_minimum_n
    # ":2:" the shape with the units below: a deploy never reads a dictionary cached in the older shape
    key = f"console-feedback:2:{unit.pk}:{period.start}:{period.end}:{minimum_n}:{language}"
    computed = cache.get_or_set(
        key, lambda: _dashboard(unit, period, minimum_n, language), PUBLIC_CACHE_SECONDS
    )
    return cast("dict[str, Any]", computed)


def _dashboard(unit: Unit, period: Period, minimum_n: int, language: str) -> dict[str, Any]:
    counts = feedback_counts(unit=unit, period=period)
    units, quiet = [], []  # the roll-up: each unit below with its own subtree's counts and rates
    if unit_is_pooled(unit=unit):
        for child, child_counts in feedback_by_child(unit=unit, period=period):
            if not (child_counts.received or child_counts.due or child_counts.ratings.valid):
                quiet.append(child)
                continue
            on_time = figure_view(on_time_figure(child_counts, minimum_n=minimum_n), language=language)
            handling = figure_view(handling_figure(child_counts, minimum_n=minimum_n), language=language)
            units.append(
                {"unit": child, "received": child_counts.received, "on_time": on_time, "handling": handling}
            )
    with translation.override(language):
        labels = dict(FeedbackCategory.choices)
        categories = [(str(labels.get(k, k)), n) for k, n in counts.by_category.most_common()]
    return {
        "received": counts.received,
        "categories": categories,
        "on_time": figure_view(on_time_figure(counts, minimum_n=minimum_n), language=language),
        "handling": figure_view(handling_figure(counts, minimum_n=minimum_n), language=language),
        "pending": counts.pending,
        "unrateable": counts.unrateable,
        "unrated": counts.unrated,
        "units": units,
        "quiet": quiet,
    }


def feedback_export_rows(
    *, unit: Unit, period: Period, minimum_n: int, language: str
) -> list[tuple[str, f.Figure]]:
    """The feedback figures for the results export, labelled by their method's name in `language`."""
    counts = feedback_counts(unit=unit, period=period)
    with translation.override(language):
        return [
            (method_name(ON_TIME_METHOD.code), on_time_figure(counts, minimum_n=minimum_n)),
            (method_name(HANDLING_METHOD.code), handling_figure(counts, minimum_n=minimum_n)),
        ]
