"""The snapshot of a publication: a unit's figures at a cut-off as plain JSON (exact rates as "p/q"
strings beside their rounded display values, every n, interval, method and label in Vietnamese and
English), so the report can be rendered again from the row alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from django.utils import timezone, translation

from analytics.dashboards.selectors import (
    breakdown_dimensions,
    dimension_labels,
    element_label,
    unit_is_pooled,
    unit_minimum_n,
)
from analytics.facts.services import facts_settle
from analytics.feedback.selectors import (
    HANDLING_METHOD,
    ON_TIME_METHOD,
    feedback_by_child,
    feedback_counts,
    handling_figure,
    on_time_figure,
)
from analytics.figures.figure_json import figure_json
from analytics.figures.selectors import (
    Period,
    breakdown,
    child_ranking,
    contributing_units,
    unit_figures,
)
from analytics.methodology import formulas as f
from analytics.methodology.methods import METHOD_DESCRIPTIONS, METHOD_NAMES
from analytics.methodology.policy import QUOTA_RULE_LABELS
from analytics.models import Dimension
from analytics.quotas.services import quota_status
from surveys.builtin.questionnaires import BUILTIN_BY_KEY
from surveys.definition import Definition
from surveys.models import FeedbackCategory
from tenants.models import Unit
from tenants.selectors import unit_ancestors
from tenants.vietnam import VIETNAM

# The snapshot
# --------------------------------------------------------------------------------------------------

# 1: figures with their display values ("percent"/"score", "low", "high") and the method's code.
# 2: figures in the shape of analytics.figures.figure_json, the API's and the webhooks' too.
# 3: "feedback": complaints and recommendations received by category, the on-time handling rate and
#    satisfaction with the handling (Decision 766, 5.2 and 5.3), pooled over the subtree.
# Published snapshots never change: the report reads every format (figure_json.figure_display; a
# snapshot without "feedback" prints no feedback section).
SNAPSHOT_FORMAT = 3
INDEX_METHOD = "mean_of_elements"
LANGUAGES = ("vi", "en")


def period_cutoff(period: Period) -> dt.datetime:
    """The end of the period's last day in Vietnam (23:59:59.999999 local), as an aware datetime."""
    return dt.datetime.combine(period.end, dt.time.max, tzinfo=VIETNAM)


def _pct(value: Fraction | float | None) -> str | None:
    return None if value is None else str(f.display_percent(Fraction(value)))


def _both(make: Callable[[str], object]) -> dict[str, str]:
    """{"vi": …, "en": …}: `make(language)` evaluated with that language active."""
    result: dict[str, str] = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = str(make(language))
    return result


def _translated(text: object) -> dict[str, str]:
    """{"vi": …, "en": …} of a lazily translated text."""
    return _both(lambda _language: text)


def _clean(text: str) -> str:
    """One line: catalog names sometimes carry line breaks that would split a table cell."""
    return " ".join(str(text).split())


def _builtin_text(questionnaire: str, question: str | None, option: str | None) -> dict[str, Any] | None:
    """The texts of a built-in question (or of one of its options) by key, with the option's element."""
    definition = BUILTIN_BY_KEY.get(questionnaire)
    for q in definition["questions"] if definition else ():
        if question is not None and q["key"] != question:
            continue
        if option is None:
            return {lang: _clean(Definition.text(q["text"], lang)) for lang in LANGUAGES}
        for o in q.get("options", []):
            if o["key"] == option:
                label = {lang: _clean(Definition.text(o["text"], lang)) for lang in LANGUAGES}
                return {**label, "element": o.get("element", "")}
    return None


def _labels_for(unit: Unit, dim: str, values: list[str]) -> dict[str, dict[str, str]]:
    """Breakdown labels in both languages (fallback texts such as "Procedure not stated" translated)."""
    by_language: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        with translation.override(language):
            by_language[language] = dimension_labels(unit=unit, dim=dim, values=values, language=language)
    return {v: {lang: _clean(by_language[lang].get(v, v)) for lang in LANGUAGES} for v in values}


def _unit_json(unit: Unit) -> dict[str, Any]:
    ancestors = [a for a in unit_ancestors(unit=unit) if a.level != "national"]
    parent = ancestors[-1] if ancestors else None
    return {
        "id": unit.pk,
        "code": unit.code,
        "structure": unit.structure,
        "level": unit.level,
        "division_type": unit.division_type,
        "name": unit.name,
        "slug": unit.slug,
        "parent": None
        if parent is None
        else {"name": parent.name, "level": parent.level, "code": parent.code},
        "place": ", ".join(a.name for a in reversed(ancestors)),
    }


def _methods_json(codes: set[str]) -> dict[str, dict[str, Any]]:
    return {
        code: {
            "name": _translated(METHOD_NAMES.get(code, code)),
            "description": _translated(METHOD_DESCRIPTIONS.get(code, code)),
        }
        for code in sorted(codes)
    }


def _quota_json(unit: Unit, period: Period) -> dict[str, Any] | None:
    """The unit's own quota and the margin of error it buys, when transaction counts exist."""
    status = quota_status(unit=unit, period=period, labels=False)
    row = status.unit_wide
    if row is None:
        return None
    attainment = row.attainment
    moe = attainment.margin_of_error
    return {
        "rule": attainment.rule_code,
        "rule_label": _translated(QUOTA_RULE_LABELS.get(attainment.rule_code, attainment.rule_code)),
        "transactions": attainment.transactions,
        "collected": attainment.collected,
        "required": attainment.required,
        "met": attainment.met,
        "margin_of_error": None if moe is None else str(f.display_percent(Fraction(moe), 1)),
        "collected_exceeds_transactions": attainment.collected_exceeds_transactions,
        "partial": bool(status.not_used),
    }


def _feedback_json(unit: Unit, period: Period, minimum_n: int, pooled: bool) -> dict[str, Any]:
    """The feedback figures of the unit (its subtree summed), never a content, a name or a reference;
    a unit with units below also gets each one's counts and on-time rate."""
    counts = feedback_counts(unit=unit, period=period)
    labels = dict(FeedbackCategory.choices)
    units = None
    if pooled:
        units = [
            {
                "code": child.code,
                "structure": child.structure,
                "name": _clean(child.name),
                "received": child_counts.received,
                "on_time": figure_json(on_time_figure(child_counts, minimum_n=minimum_n)),
            }
            for child, child_counts in feedback_by_child(unit=unit, period=period)
        ]
    return {
        "received": counts.received,
        "by_category": [
            {"key": key, "label": _translated(labels.get(key, key)), "count": n}
            for key, n in sorted(counts.by_category.items(), key=lambda item: (-item[1], item[0]))
        ],
        "pending": counts.pending,
        "on_time": figure_json(on_time_figure(counts, minimum_n=minimum_n)),
        "handling": figure_json(handling_figure(counts, minimum_n=minimum_n)),
        "unrated": counts.unrated,
        "unrateable": counts.unrateable,
        "units": units,
    }


def publication_snapshot(*, unit: Unit, period: Period, internal: bool) -> dict[str, Any]:
    """Every figure of the unit for the period, JSON-safe, with n, interval, method and labels.

    Civil servants are named only when `internal`; a unit with units below gets their ranking.
    """
    # A snapshot must hold every answer stored before it is taken; the minute refresh may be behind.
    facts_settle(units=list(contributing_units(unit)), start=period.start, end=period.end)
    minimum_n = unit_minimum_n(unit=unit)
    figures = unit_figures(unit=unit, period=period, minimum_n=minimum_n, index_method=INDEX_METHOD)
    methods = {figures.overall.method.code, figures.index.method.code, figures.mean.method.code}
    methods.add(figures.profile.method.code)
    methods |= {ON_TIME_METHOD.code, HANDLING_METHOD.code}

    elements = []
    for code, figure in figures.elements.items():
        methods.add(figure.method.code)
        elements.append(
            {
                "code": code,
                "label": {lang: element_label(code, lang) for lang in LANGUAGES},
                "in_index": code in f.INDEX_ELEMENTS,
                "figure": figure_json(figure),
            }
        )
    questions = [
        {
            "questionnaire": q.questionnaire,
            "question": q.question,
            "element": q.element,
            "label": _builtin_text(q.questionnaire, q.question, None)
            or {lang: _clean(q.label) for lang in LANGUAGES},
            "figure": figure_json(q.figure),
            "mean": figure_json(q.mean),
        }
        for q in figures.questions
    ]
    profile = figures.profile
    shares = []
    for share in profile.shares:
        questionnaire, _sep, option = share.reason.partition(":")
        fallback = _clean(figures.profile_labels.get(share.reason, option))
        text = _builtin_text(questionnaire, None, option) or {}
        element = text.get("element", "")
        shares.append(
            {
                "reason": share.reason,
                "label": {lang: text.get(lang, fallback) for lang in LANGUAGES},
                # "Cung cấp thông tin" is a reason under two elements: the element tells them apart
                "element": element,
                "element_label": {lang: element_label(element, lang) for lang in LANGUAGES}
                if element
                else None,
                "count": share.count,
                "figure": figure_json(share.figure),
            }
        )

    procedure_rows = breakdown(unit=unit, period=period, dim=Dimension.PROCEDURE, minimum_n=minimum_n)
    procedure_labels = _labels_for(unit, Dimension.PROCEDURE, [r.value for r in procedure_rows])
    procedures = [
        {"key": r.value, "label": procedure_labels[r.value], "figure": figure_json(r.figure)}
        for r in procedure_rows
    ]

    staff = None
    if internal and Dimension.STAFF in breakdown_dimensions(unit=unit):
        staff_rows = breakdown(unit=unit, period=period, dim=Dimension.STAFF, minimum_n=minimum_n)
        staff_labels = _labels_for(unit, Dimension.STAFF, [r.value for r in staff_rows])
        staff = [
            {"id": r.value, "name": staff_labels[r.value], "figure": figure_json(r.figure)}
            for r in staff_rows
        ]

    ranking = None
    if unit_is_pooled(unit=unit):
        ranking = [
            {
                "code": row.unit.code,
                "structure": row.unit.structure,
                "name": _clean(row.unit.name),
                "onboarded": row.unit.is_onboarded,
                "rank": row.rank,
                "figure": figure_json(row.figure),
            }
            for row in child_ranking(unit=unit, period=period, minimum_n=minimum_n)
        ]

    return {
        "format": SNAPSHOT_FORMAT,
        "unit": _unit_json(unit),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "cutoff_at": period_cutoff(period).isoformat(),
        "computed_at": timezone.now().isoformat(),
        "internal": internal,
        "pooled": ranking is not None,
        "minimum_n": minimum_n,
        "responses": figures.responses,
        "overall": figure_json(figures.overall),
        "index": figure_json(figures.index),
        "mean": figure_json(figures.mean),
        "elements": elements,
        "questions": questions,
        "procedures": procedures,
        "profile": {
            "n": profile.n,
            "too_few": profile.too_few,
            "sums_past_100": profile.sums_past_100,
            "total_share": _pct(profile.total_share),
            "method": profile.method.code,
            "shares": shares,
        },
        "staff": staff,
        "ranking": ranking,
        "quota": None if ranking is not None else _quota_json(unit, period),
        "feedback": _feedback_json(unit, period, minimum_n, pooled=ranking is not None),
        "methods": _methods_json(methods),
    }


# --------------------------------------------------------------------------------------------------
