"""Public results of an onboarded unit, no sign-in (seed 004: "publish continuously at the desk and the
year's result on the unit's website").

/ket-qua/<slug>/       this year's figures: overall, SIPAS index, elements, with n, period and method
/ket-qua/<slug>/bang/  the board for a TV at the one-stop desk: today's count and this month's rate,
                       big type, refreshed every minute by <meta http-equiv="refresh"> (no JavaScript)

Counts and rates from the public fact tables only: no free text, no staff names, no breakdowns that
could single out a civil servant or a respondent.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from analytics.dashboards.selectors import (
    element_label,
    facts_pending,
    figure_view,
    month_to_date,
    overall_rate,
    public_unit_get,
    response_count,
    unit_minimum_n,
    year_to_date,
)
from analytics.dashboards.views import no_elements_asked, public_bar
from analytics.feedback.selectors import public_feedback
from analytics.figures import charts
from analytics.figures.selectors import Period, figures_cached, unit_figures
from analytics.methodology import formulas as f
from analytics.publications.selectors import publications_public
from tenants.embedding import embeddable
from tenants.models import Unit
from tenants.replica import reads_from_replica
from tenants.routing import public_reverse
from tenants.selectors import unit_ancestors
from tenants.vietnam import VIETNAM, language_of

BOARD_REFRESH_SECONDS = 60


def _unit(slug: str) -> Unit:
    unit = public_unit_get(slug=slug)
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


def _place(unit: Unit) -> str:
    """ "Huyện Văn Lãng, Tỉnh Lạng Sơn": where the unit is, for a reader who does not know it."""
    return ", ".join(a.name for a in reversed(unit_ancestors(unit=unit)) if a.level != "national")


def _published(unit: Unit) -> list[tuple[object, str]]:
    """The unit's published reports with their permanent addresses."""
    rows = publications_public(unit=unit)[:24]
    return [(p, public_reverse("publication_public", p.public_id)) for p in rows]


@reads_from_replica
@embeddable
@require_safe
@cache_control(public=True, max_age=300)
def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    unit = _unit(slug)
    language = language_of()
    now = timezone.localtime(timezone.now(), VIETNAM)
    period = year_to_date(today=now.date())
    minimum_n = unit_minimum_n(unit=unit)
    figures = figures_cached(
        node=unit,
        what=f"public:{period.start}:{period.end}:{minimum_n}:{language}",
        compute=lambda: unit_figures(unit=unit, period=period, minimum_n=minimum_n, language=language),
    )
    elements = [
        (element_label(code, language), figure_view(fig, language=language))
        for code, fig in figures.elements.items()
        if code in f.INDEX_ELEMENTS
    ]
    chart = charts.bar_chart(
        [public_bar(label, view) for label, view in elements],
        title=_("Satisfaction by element"),
        empty_text=_("No answers on the elements this year."),
    )
    context = {
        "unit": unit,
        "place": _place(unit),
        "period": period,
        "responses": figures.responses,
        "no_elements_asked": no_elements_asked(figures),
        "overall": figure_view(figures.overall, language=language),
        "index": figure_view(figures.index, language=language),
        "elements": elements,
        "chart": mark_safe(chart),  # noqa: S308 - charts escape every text they draw
        "now": now,
        "publications": _published(unit),
        "feedback": public_feedback(unit=unit, period=period, minimum_n=minimum_n, language=language),
    }
    return render(request, "analytics/public/results.html", context)


@reads_from_replica
@embeddable
@require_safe
@cache_control(public=True, max_age=30)
def public_board(request: HttpRequest, slug: str) -> HttpResponse:
    unit = _unit(slug)
    language = language_of()
    now = timezone.localtime(timezone.now(), VIETNAM)
    today = now.date()
    month = month_to_date(today=today)
    year = year_to_date(today=today)
    minimum_n = unit_minimum_n(unit=unit)
    today_count, month_rate, year_rate = figures_cached(
        node=unit,
        what=f"board:{today}:{minimum_n}",
        compute=lambda: (
            response_count(unit=unit, period=Period(today, today)),
            overall_rate(unit=unit, period=month, minimum_n=minimum_n),
            overall_rate(unit=unit, period=year, minimum_n=minimum_n),
        ),
    )
    context = {
        "unit": unit,
        "place": _place(unit),
        "today": today,
        "today_count": today_count,
        "month": month,
        "month_figure": figure_view(month_rate, language=language),
        "year": year,
        "year_figure": figure_view(year_rate, language=language),
        "pending": facts_pending(unit=unit),
        "now": now,
        "refresh": BOARD_REFRESH_SECONDS,
    }
    return render(request, "analytics/public/board.html", context)
