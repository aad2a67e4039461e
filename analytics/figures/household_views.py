"""The figures page of a household round (/u/<province>/ho-gia-dinh/<id>/ket-qua/): design-weighted
rates with their clustered interval beside the unweighted ones, with n, the response rate and the method;
and the round's report as a Decree-30 PDF (…/bao-cao.pdf) for the round's managers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from analytics.methodology.formulas import display_percent
from analytics.methodology.methods import method_description, method_name
from surveys.households.models import HouseholdRound
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.permissions import Action


@unit_permission_required(Action.VIEW_FIGURES)
@require_GET
def household_round_results(request: HttpRequest, pk: int) -> HttpResponse:
    from analytics.figures.household_report import figure_rows
    from analytics.figures.households import household_round_figures

    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    figures = household_round_figures(survey_round=survey_round)
    context = {
        "round": survey_round,
        "rows": figure_rows(figures["figures"]),
        "response_rate": display_percent(figures["response_rate"])
        if figures["response_rate"] is not None
        else None,
        "collected": figures["collected"],
        "method": method_name("weighted_clustered_taylor"),
        "method_description": method_description("weighted_clustered_taylor"),
    }
    return render(request, "households/results.html", context)


@unit_permission_required(Action.OPERATE)
@require_GET
def household_round_report(request: UnitRequest, pk: int) -> HttpResponse:
    from analytics.figures.household_report import household_report_pdf

    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    response = HttpResponse(
        household_report_pdf(owner=request.tenant, survey_round=survey_round), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="bao-cao-ho-gia-dinh-{survey_round.pk}.pdf"'
    return response


urlpatterns = [
    path("ho-gia-dinh/<int:pk>/ket-qua/", household_round_results, name="household_results"),
    path("ho-gia-dinh/<int:pk>/bao-cao.pdf", household_round_report, name="household_report"),
]
