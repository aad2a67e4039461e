"""A unit's results dashboard (/u/<slug>/results/), its full breakdowns and its exports.

Counts and rates only: nothing here reads free text or contact details, so a district viewer who opens
a commune's dashboard sees the same figures as the commune and nothing of what citizens wrote.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from analytics.dashboards import exports
from analytics.dashboards.selectors import (
    FigureView,
    breakdown_check,
    breakdown_dimensions,
    dimension_labels,
    element_label,
    figure_view,
    period_from_query,
    period_presets,
    questionnaire_titles,
    unit_is_pooled,
    unit_minimum_n,
)
from analytics.feedback.selectors import feedback_dashboard, feedback_export_rows
from analytics.figures import charts
from analytics.figures.selectors import Period, UnitFigures, breakdown, child_ranking, unit_figures
from analytics.methodology import formulas as f
from analytics.methodology.methods import method_description, method_name
from analytics.models import Dimension
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.menu import unit_page_url
from tenants.models import Unit
from tenants.permissions import Action
from tenants.replica import reads_from_replica
from tenants.routing import public_reverse, unit_reverse
from tenants.vietnam import language_of

BREAKDOWN_ROWS_SHOWN = 10
DIMENSION_TITLES: dict[str, object] = {
    Dimension.PROCEDURE: gettext_lazy("By procedure"),
    Dimension.FIELD: gettext_lazy("By field"),
    Dimension.STAFF: gettext_lazy("By civil servant"),
    Dimension.DESK: gettext_lazy("By desk"),
    Dimension.CHANNEL: gettext_lazy("By channel"),
}


def _query(period: Period) -> str:
    return urlencode({"from": f"{period.start:%d/%m/%Y}", "to": f"{period.end:%d/%m/%Y}"})


def bar_text(view: FigureView) -> str:
    if view.percent is None:
        return _("no answers")
    # The same two decimals as the table beside the chart (9,09 %, not 9,0 %).
    return f"{number_format(view.percent, 2)} %  n={view.n}"


def trend_point(label: str, view: FigureView) -> charts.Point:
    low, high = view.interval or (None, None)
    return charts.Point(label, view.rate, low, high, text=bar_text(view), muted=view.too_few)


def figure_bar(label: str, view: FigureView) -> charts.Bar:
    interval = view.interval
    return charts.Bar(
        label=label,
        value=view.rate,
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
        text=bar_text(view),
        muted=view.too_few,
    )


def public_bar(label: str, view: FigureView) -> charts.Bar:
    """A bar where the public reads it: below the minimum n, no bar and no rate, only n."""
    if not view.too_few:
        return figure_bar(label, view)
    withheld = _("too few answers (n = %(n)s)") % {"n": view.n}
    return charts.Bar(label=f"{label}: {withheld}", value=None, low=None, high=None, text="—", muted=True)


def no_elements_asked(figures: UnitFigures) -> bool:
    """Answers came in but none on a SIPAS element: the questionnaire in use asks none (the Hồng Thái
    quick form asks one overall question), so its index is not "no answers" but not asked."""
    return figures.responses > 0 and figures.index.n == 0


@dataclass
class Row:
    label: str
    view: FigureView
    extra: str = ""
    mean: FigureView | None = None
    count: int | None = None
    url: str = ""


@dataclass
class Section:
    dim: str
    title: str
    label: str
    rows: list[Row]
    total: int
    more_url: str = ""


@dataclass
class RankView:
    rank: int | None
    unit: Unit
    view: FigureView
    url: str
    reason: str = ""


@dataclass
class Dashboard:
    figures: UnitFigures
    overall: FigureView
    index: FigureView
    mean: FigureView
    elements: list[Row]
    questions: list[Row]
    trend: list[Row]
    profile: list[Row]
    profile_view: FigureView
    sections: list[Section]
    ranking: list[RankView] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> list[RankView]:
        return [r for r in self.ranking if r.view.n]

    @property
    def silent(self) -> list[RankView]:
        """Units below without a single answer in the period: listed in one line, not as table rows."""
        return [r for r in self.ranking if r.view.n == 0]


def breakdown_rows(*, unit: Unit, period: Period, dim: str, minimum_n: int, language: str) -> list[Row]:
    rows = breakdown(unit=unit, period=period, dim=dim, minimum_n=minimum_n)
    labels = dimension_labels(unit=unit, dim=dim, values=[r.value for r in rows], language=language)
    return [Row(labels.get(r.value, r.value), figure_view(r.figure, language=language)) for r in rows]


def drill_url(child: Unit, period: Period) -> str:
    """Where a unit below leads: its dashboard for the same period if onboarded, else its registry page."""
    if child.is_onboarded:
        return f"{unit_reverse(child, 'unit:results')}?{_query(period)}"
    return public_reverse("console:unit", child.structure, child.code)


def ranking_views(*, unit: Unit, period: Period, minimum_n: int, language: str) -> list[RankView]:
    """The child ranking with a drill-down link each: its dashboard if onboarded, else its registry page."""
    views = []
    for row in child_ranking(unit=unit, period=period, minimum_n=minimum_n):
        child = row.unit
        url = drill_url(child, period)
        reason = ""
        if row.rank is None:
            reason = (
                _("no answers")
                if row.figure.n == 0
                else _("too few answers (n = %(n)s, minimum %(minimum)s)")
                % {"n": row.figure.n, "minimum": row.figure.minimum_n}
            )
        views.append(RankView(row.rank, child, figure_view(row.figure, language=language), url, reason))
    # Unranked at the end: those with some answers first (most first), then those without any.
    ranked = [v for v in views if v.rank is not None]
    unranked = sorted((v for v in views if v.rank is None), key=lambda v: (v.view.n == 0, -v.view.n))
    return ranked + unranked


def dashboard_build(*, unit: Unit, period: Period, language: str, breakdown_url: str = "") -> Dashboard:
    minimum_n = unit_minimum_n(unit=unit)
    figures = unit_figures(unit=unit, period=period, minimum_n=minimum_n, language=language)
    elements = [
        Row(element_label(code, language), figure_view(fig, language=language))
        for code, fig in figures.elements.items()
        if code in f.INDEX_ELEMENTS
    ]
    titles = questionnaire_titles(
        unit=unit, keys={q.questionnaire for q in figures.questions}, language=language
    )
    questions = [
        Row(
            q.label,
            figure_view(q.figure, language=language),
            extra=titles.get(q.questionnaire, q.questionnaire),
            mean=figure_view(q.mean, language=language),
        )
        for q in figures.questions
    ]
    trend = [Row(f"{month:%m/%Y}", figure_view(fig, language=language)) for month, fig in figures.trend]
    profile = [
        Row(
            figures.profile_labels.get(share.reason, share.reason),
            figure_view(share.figure, language=language),
            count=share.count,
        )
        for share in figures.profile.shares
    ]
    profile_view = FigureView(
        percent=None,
        low=None,
        high=None,
        n=figures.profile.n,
        too_few=figures.profile.too_few,
        minimum_n=minimum_n,
        method_code=figures.profile.method.code,
        method_name=method_name(figures.profile.method.code),
        method_description=method_description(
            figures.profile.method.code, figures.profile.method.description
        ),
    )
    sections = []
    for dim in breakdown_dimensions(unit=unit):
        rows = breakdown_rows(unit=unit, period=period, dim=dim, minimum_n=minimum_n, language=language)
        more = ""
        if len(rows) > BREAKDOWN_ROWS_SHOWN and breakdown_url:
            more = breakdown_url.replace("__dim__", dim)
        sections.append(
            Section(
                dim,
                str(DIMENSION_TITLES[dim]),
                str(Dimension(dim).label),
                rows[:BREAKDOWN_ROWS_SHOWN],
                len(rows),
                more,
            )
        )
    dashboard = Dashboard(
        figures=figures,
        overall=figure_view(figures.overall, language=language),
        index=figure_view(figures.index, language=language),
        mean=figure_view(figures.mean, language=language),
        elements=elements,
        questions=questions,
        trend=trend,
        profile=profile,
        profile_view=profile_view,
        sections=sections,
    )
    if unit_is_pooled(unit=unit):
        dashboard.ranking = ranking_views(unit=unit, period=period, minimum_n=minimum_n, language=language)
    empty = _("No answers in this period.")
    dashboard.charts = {
        "elements": charts.bar_chart(
            [figure_bar(r.label, r.view) for r in elements],
            title=_("Satisfaction by element"),
            empty_text=empty,
        ),
        "trend": charts.trend_chart(
            [trend_point(r.label, r.view) for r in trend],
            title=_("Overall satisfaction by month"),
            empty_text=empty,
        ),
        "profile": charts.bar_chart(
            [figure_bar(r.label, r.view) for r in profile],
            title=_("What unsatisfied citizens were unhappy about"),
            empty_text=_("No unsatisfied answers with a reason in this period."),
        ),
    }
    return dashboard


def _period_or_error(request: UnitRequest) -> tuple[Period | None, list[str]]:
    try:
        return period_from_query(start=request.GET.get("from"), end=request.GET.get("to")), []
    except ValidationError as error:
        return None, error.messages


def _page_context(request: UnitRequest, period: Period | None) -> dict:
    today = timezone.localdate()
    presets = period_presets(today=today)
    return {
        "unit": request.tenant,
        "period": period,
        "presets": presets,
        "active_preset": next((p.key for p in presets if p.period == period), ""),
        "from_value": request.GET.get("from", f"{period.start:%d/%m/%Y}" if period else "")[:40],
        "to_value": request.GET.get("to", f"{period.end:%d/%m/%Y}" if period else "")[:40],
        "query": _query(period) if period else "",
    }


def _bad_request(request: UnitRequest, messages: list[str], period: Period | None = None) -> HttpResponse:
    context = _page_context(request, period) | {"errors": messages}
    return render(request, "analytics/results_error.html", context, status=400)


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def results(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    period, errors = _period_or_error(request)
    if period is None:
        return _bad_request(request, errors)
    context = _page_context(request, period)
    breakdown_url = reverse("unit:results_breakdown", args=["__dim__"]) + "?" + context["query"]
    dashboard = dashboard_build(unit=unit, period=period, language=language_of(), breakdown_url=breakdown_url)
    feedback = feedback_dashboard(unit=unit, period=period, language=language_of())
    context |= {
        "d": dashboard,
        "pooled": unit_is_pooled(unit=unit),
        "no_elements_asked": no_elements_asked(dashboard.figures),
        "charts": {k: mark_safe(v) for k, v in dashboard.charts.items()},  # noqa: S308 - built escaped
        "quotas_url": unit_page_url(request, "unit:quotas"),
        "alerts_url": unit_page_url(request, "unit:alerts"),
        "public_url": public_reverse("public_results", unit.slug),
        "feedback": feedback,
        "feedback_units": [{**row, "url": drill_url(row["unit"], period)} for row in feedback["units"]],
        # Held answers are the unit's own raw answers: only its officers review them.
        "review_url": unit_page_url(request, "unit:review"),
    }
    return render(request, "analytics/results.html", context)


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def results_breakdown(request: UnitRequest, dim: str) -> HttpResponse:
    unit = request.tenant
    period, errors = _period_or_error(request)
    try:
        breakdown_check(unit=unit, dim=dim)
    except ValidationError as error:
        errors += error.messages
    if period is None or errors:
        return _bad_request(request, errors, period)
    language = language_of()
    rows = breakdown_rows(
        unit=unit, period=period, dim=dim, minimum_n=unit_minimum_n(unit=unit), language=language
    )
    context = _page_context(request, period) | {
        "dim": dim,
        "title": DIMENSION_TITLES[dim],
        "label": Dimension(dim).label,
        "rows": rows,
        "method": rows[0].view if rows else None,
    }
    return render(request, "analytics/results_breakdown.html", context)


# --------------------------------------------------------------------------- exports


def _results_table(request: UnitRequest, period: Period) -> exports.Table:
    unit = request.tenant
    language = language_of()
    minimum_n = unit_minimum_n(unit=unit)
    figures = unit_figures(unit=unit, period=period, minimum_n=minimum_n, language=language)
    titles = questionnaire_titles(
        unit=unit, keys={q.questionnaire for q in figures.questions}, language=language
    )
    breakdowns = {}
    for dim in breakdown_dimensions(unit=unit):
        rows = breakdown(unit=unit, period=period, dim=dim, minimum_n=minimum_n)
        labels = dimension_labels(unit=unit, dim=dim, values=[r.value for r in rows], language=language)
        breakdowns[dim] = [(labels.get(r.value, r.value), r.figure) for r in rows]
    return exports.results_table(
        figures=figures,
        breakdowns=breakdowns,
        titles=titles,
        language=language,
        feedback=feedback_export_rows(unit=unit, period=period, minimum_n=minimum_n, language=language),
    )


def _ranking_table(request: UnitRequest, period: Period) -> exports.Table | None:
    unit = request.tenant
    if not unit_is_pooled(unit=unit):
        return None
    ranking = child_ranking(unit=unit, period=period, minimum_n=unit_minimum_n(unit=unit))
    return exports.ranking_table(ranking=ranking, period=period, language=language_of())


FILE_FORMATS = {
    "csv": (exports.csv_bytes, "text/csv; charset=utf-8"),
    "xlsx": (exports.xlsx_bytes, exports.XLSX_TYPE),
}


def _export(
    request: UnitRequest,
    table_of: Callable[[UnitRequest, Period], exports.Table | None],
    kind: str,
    extension: str,
) -> HttpResponse:
    """The period's table as a file download; a bad period is a 400 page, a ranking without units a 404."""
    period, errors = _period_or_error(request)
    if period is None:
        return _bad_request(request, errors)
    table = table_of(request, period)
    if table is None:
        return render(
            request,
            "analytics/results_error.html",
            _page_context(request, period) | {"errors": [_("This unit has no units below it to rank.")]},
            status=404,
        )
    to_bytes, content_type = FILE_FORMATS[extension]
    response = HttpResponse(to_bytes(table), content_type=content_type)
    name = f"{kind}-{request.tenant.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def results_csv(request: UnitRequest) -> HttpResponse:
    return _export(request, _results_table, "ket-qua", "csv")


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def results_xlsx(request: UnitRequest) -> HttpResponse:
    return _export(request, _results_table, "ket-qua", "xlsx")


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def ranking_csv(request: UnitRequest) -> HttpResponse:
    return _export(request, _ranking_table, "xep-hang", "csv")


@reads_from_replica
@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def ranking_xlsx(request: UnitRequest) -> HttpResponse:
    return _export(request, _ranking_table, "xep-hang", "xlsx")


__all__ = [
    "dashboard_build",
    "ranking_csv",
    "ranking_xlsx",
    "results",
    "results_breakdown",
    "results_csv",
    "results_xlsx",
]
