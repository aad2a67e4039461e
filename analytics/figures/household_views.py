"""The figures page of a household round (/u/<province>/ho-gia-dinh/<id>/ket-qua/): design-weighted
rates with their clustered interval beside the unweighted ones, with n, the response rate and the method."""

from fractions import Fraction

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from analytics.methodology.formulas import display_percent
from analytics.methodology.methods import method_description, method_name
from surveys.households.models import HouseholdRound
from tenants.decorators import unit_permission_required
from tenants.permissions import Action


@unit_permission_required(Action.VIEW_FIGURES)
@require_GET
def household_round_results(request: HttpRequest, pk: int) -> HttpResponse:
    from analytics.figures.households import household_round_figures

    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    figures = household_round_figures(survey_round=survey_round)
    rows = [
        {
            "text": f.text,
            "weighted": display_percent(f.result.rate) if f.result.rate is not None else None,
            "low": display_percent(Fraction(f.result.low)) if f.result.low is not None else None,
            "high": display_percent(Fraction(f.result.high)) if f.result.high is not None else None,
            "unweighted": display_percent(f.result.unweighted) if f.result.unweighted is not None else None,
            "n": f.result.n,
            "psus": f.result.psus,
            "df": f.result.degrees_of_freedom,
        }
        for f in figures["figures"]
    ]
    context = {
        "round": survey_round,
        "rows": rows,
        "response_rate": display_percent(figures["response_rate"])
        if figures["response_rate"] is not None
        else None,
        "collected": figures["collected"],
        "method": method_name("weighted_clustered_taylor"),
        "method_description": method_description("weighted_clustered_taylor"),
    }
    return render(request, "households/results.html", context)


urlpatterns = [path("ho-gia-dinh/<int:pk>/ket-qua/", household_round_results, name="household_results")]
