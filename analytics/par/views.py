"""PAR Index pages of a province, in its own console (/u/<province>/par/...).

Only a province administrator (Action.MANAGE on the province) sees them; anyone else, and any unit
that is not a province, gets 404. Thin: analytics.par does the work and the checking.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.dashboards.exports import XLSX_TYPE, csv_bytes, xlsx_bytes
from analytics.figures.selectors import EARLIEST_DAY
from analytics.methodology.methods import method_description
from analytics.methodology.points import DECISION_766_5_4
from analytics.models import ParContribution, ParRuleSet
from analytics.par.rules import (
    MAX_BANDS,
    par_params_parse,
    par_rule_set_create,
    par_rule_set_default,
    par_rule_set_revise,
    par_rule_sets,
    rate_percent_text,
    rule_set_label,
    year_is_frozen,
)
from analytics.par.services import par_freeze_refusal, par_province_recompute, par_year_freeze
from analytics.par.table import Side, par_export_table, par_table, par_years
from tenants.confirmation import CONFIRM_FIELD
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import Level, Unit
from tenants.permissions import Action
from tenants.vietnam import language_of

BAND_ROWS_MIN = 6
BAND_ROWS_MORE = 3


def province_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """MANAGE on the current unit, and the unit is a province; 404 otherwise, so nothing leaks."""

    @unit_permission_required(Action.MANAGE)
    @wraps(view)
    def wrapped(request: UnitRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.tenant.level != Level.PROVINCE:
            raise Http404(_("PAR Index contributions are managed by the province."))
        return view(request, *args, **kwargs)

    return wrapped


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --------------------------------------------------------------------------- contributions


def _year_from_query(request: UnitRequest, default: int) -> tuple[int, list[str]]:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return default, []
    this = timezone.localdate().year
    if raw.isdigit() and len(raw) == 4 and EARLIEST_DAY.year <= int(raw) <= this:
        return int(raw), []
    return default, [
        _("“%(value)s” is not a year from %(first)s to %(last)s.")
        % {"value": raw[:20], "first": EARLIEST_DAY.year, "last": this}
    ]


def _checked_year(year: int) -> int:
    if not EARLIEST_DAY.year <= year <= timezone.localdate().year:
        raise Http404(_("No such year."))
    return year


@province_admin_required
@require_GET
def contributions(request: UnitRequest) -> HttpResponse:
    province = request.tenant
    this_year = timezone.localdate().year
    # A merged (three-tier) province opens on its last year in force, not on an empty year.
    default = min(this_year, province.valid_to.year) if province.valid_to else this_year
    year, errors = _year_from_query(request, default)
    table = par_table(province=province, year=year)
    context = {
        "table": table,
        "years": par_years(province=province),
        "errors": errors,
        "can_freeze": par_freeze_refusal(province=province, year=year) is None,
        "only_changed": request.GET.get("changed") == "1",
    }
    return render(request, "analytics/par/contributions.html", context, status=400 if errors else 200)


@province_admin_required
@require_GET
def contribution_detail(request: UnitRequest, year: int, unit_id: int) -> HttpResponse:
    province = request.tenant
    _checked_year(year)
    unit = get_object_or_404(Unit, pk=unit_id, path__startswith=province.path)
    rows = (
        ParContribution.objects.filter(unit=unit, year=year)
        .select_related("rule_set")
        .order_by("scope", "frozen")
    )
    sides = [(row, Side(row)) for row in rows]
    return render(
        request,
        "analytics/par/detail.html",
        {"unit": unit, "year": year, "sides": sides, "province": province},
    )


@province_admin_required
@require_POST
def recompute(request: UnitRequest, year: int) -> HttpResponse:
    province = request.tenant
    _checked_year(year)
    written = par_province_recompute(province=province, year=year)
    text = _("%(n)s contributions recomputed.") % {"n": written}
    if year_is_frozen(province=province, year=year):
        text += " " + _(
            "The year is frozen: only the live values changed; the frozen ones stay as they were."
        )
    messages.success(request, text)
    return redirect(f"{reverse('unit:par')}?year={year}")


@province_admin_required
@require_http_methods(["GET", "POST"])
def freeze(request: UnitRequest, year: int) -> HttpResponse:
    province = request.tenant
    _checked_year(year)
    errors: list[str] = []
    # This page is the confirmation step: a POST without its confirmation only shows it again.
    if request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes":
        try:
            par_year_freeze(province=province, year=year, user=request.user)
        except ValidationError as error:
            errors = _messages(error)
        else:
            messages.success(
                request, _("%(year)s is frozen. The frozen values will never change.") % {"year": year}
            )
            return redirect(f"{reverse('unit:par')}?year={year}")
    table = par_table(province=province, year=year)
    if not errors:
        refusal = par_freeze_refusal(province=province, year=year)
        errors = [refusal] if refusal else []
    return render(
        request,
        "analytics/par/freeze.html",
        {"table": table, "errors": errors, "missing": len(table.rows) - table.computed},
        status=409 if errors else 200,
    )


def _export(request: UnitRequest, year: int) -> tuple[Any, str]:
    _checked_year(year)
    table = par_table(province=request.tenant, year=year)
    name = f"par-{request.tenant.code}-{year}"
    return par_export_table(table=table, language=language_of()), name


@province_admin_required
@require_GET
def export_csv(request: UnitRequest, year: int) -> HttpResponse:
    table, name = _export(request, year)
    response = HttpResponse(csv_bytes(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@province_admin_required
@require_GET
def export_xlsx(request: UnitRequest, year: int) -> HttpResponse:
    table, name = _export(request, year)
    response = HttpResponse(xlsx_bytes(table), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --------------------------------------------------------------------------- rule sets


class RuleSetForm(forms.Form):
    """The scalar fields; band rows are read from band_<i>_rate / band_<i>_points."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    year_from = forms.IntegerField(label=gettext_lazy("First year"), min_value=2015, max_value=2100)
    year_to = forms.IntegerField(
        label=gettext_lazy("Last year"),
        required=False,
        min_value=2015,
        max_value=2100,
        help_text=gettext_lazy("Empty: no end."),
    )
    quota_condition = forms.ChoiceField(
        label=gettext_lazy("Sample quota"), choices=ParRuleSet.QuotaCondition.choices
    )
    figure = forms.ChoiceField(
        label=gettext_lazy("Figure scored"),
        required=False,
        choices=[
            ("overall", gettext_lazy("Overall satisfaction rate")),
            ("index", gettext_lazy("SIPAS index (mean of the element rates)")),
            (
                "household",
                gettext_lazy(
                    "Household satisfaction index (the province's household survey, overall "
                    "satisfaction, design-weighted)"
                ),
            ),
        ],
    )
    maximum = forms.CharField(label=gettext_lazy("Maximum points"), required=False, max_length=20)
    threshold = forms.CharField(
        label=gettext_lazy("Full points from a rate of (%)"), required=False, max_length=20
    )

    def __init__(self, *args: Any, kind: str, revising: ParRuleSet | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if revising is not None:
            # A revision keeps its name: it is the next version of the same rule set.
            self.fields["name"].disabled = True
            self.fields["name"].initial = revising.name
        if kind == ParRuleSet.Kind.DECISION_766:
            for name in ("figure", "maximum", "threshold"):
                del self.fields[name]
        elif kind == ParRuleSet.Kind.BAND:
            del self.fields["threshold"]


def _band_rows(data: Any, count: int) -> list[dict[str, str]]:
    return [
        {
            "index": str(i),
            "rate": (data.get(f"band_{i}_rate") or "") if data else "",
            "points": (data.get(f"band_{i}_points") or "") if data else "",
        }
        for i in range(count)
    ]


def _row_count(request: UnitRequest, filled: int = 0) -> int:
    try:
        asked = int(request.POST.get("rows", "0"))
    except ValueError:
        asked = 0
    count = max(BAND_ROWS_MIN, filled + BAND_ROWS_MORE, min(asked, MAX_BANDS + BAND_ROWS_MORE))
    if "more_rows" in request.POST:
        count = min(count + BAND_ROWS_MORE, MAX_BANDS + BAND_ROWS_MORE)
    return count


def _rule_page(
    request: UnitRequest,
    *,
    kind: str,
    form: RuleSetForm,
    rows: list[dict[str, str]],
    revising: ParRuleSet | None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    return render(
        request,
        "analytics/par/rule_form.html",
        {
            "kind": kind,
            "kind_label": ParRuleSet.Kind(kind).label,
            "kinds": ParRuleSet.Kind.choices,
            "form": form,
            "rows": rows,
            "revising": revising,
            "band_errors": errors.get("bands", []) + errors.get("params", []),
            "rows_count": len(rows),
            "decision_766_text": method_description(DECISION_766_5_4.method.code),
        },
        status=status,
    )


def _attach(form: forms.Form, error: ValidationError) -> dict[str, list[str]]:
    """Field errors go on the form; band and params errors are returned for the band table."""
    rest: dict[str, list[str]] = {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return rest
    for name, errors in error.error_dict.items():
        texts = [m for e in errors for m in e.messages]
        if name in form.fields:
            form.add_error(name, texts)
        elif name in ("bands", "params"):
            rest.setdefault(name, []).extend(texts)
        else:
            form.add_error(None, texts)
    return rest


def _save_rule(request: UnitRequest, *, kind: str, revising: ParRuleSet | None) -> HttpResponse:
    province = request.tenant
    rows = _band_rows(request.POST, _row_count(request))
    if "more_rows" in request.POST:
        # More empty band rows, nothing saved: the typed values come back as they were.
        form = RuleSetForm(kind=kind, revising=revising, initial=request.POST.dict())
        return _rule_page(request, kind=kind, form=form, rows=rows, revising=revising)
    form = RuleSetForm(request.POST, kind=kind, revising=revising)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            params = par_params_parse(kind=kind, data=request.POST, rows=len(rows))
            if revising is None:
                rule = par_rule_set_create(
                    owner=province,
                    name=data["name"],
                    kind=kind,
                    params=params,
                    quota_condition=data["quota_condition"],
                    year_from=data["year_from"],
                    year_to=data["year_to"],
                    created_by=request.user,
                )
            else:
                rule = par_rule_set_revise(
                    rule_set=revising,
                    kind=kind,
                    params=params,
                    quota_condition=data["quota_condition"],
                    year_from=data["year_from"],
                    year_to=data["year_to"],
                    created_by=request.user,
                )
        except ValidationError as error:
            errors = _attach(form, error)
        else:
            messages.success(
                request,
                _("Rule set “%(name)s” version %(v)s saved.") % {"name": rule.name, "v": rule.version},
            )
            return redirect("unit:par_rules")
    return _rule_page(request, kind=kind, form=form, rows=rows, revising=revising, errors=errors, status=400)


@province_admin_required
@require_GET
def rule_sets(request: UnitRequest) -> HttpResponse:
    province = request.tenant
    default = par_rule_set_default()
    return render(
        request,
        "analytics/par/rules.html",
        {
            "rows": par_rule_sets(province=province),
            "default_label": rule_set_label(default),
            "kinds": ParRuleSet.Kind.choices,
            "this_year": timezone.localdate().year,
        },
    )


@province_admin_required
@require_http_methods(["GET", "POST"])
def rule_set_new(request: UnitRequest) -> HttpResponse:
    kind = request.GET.get("kind") or ParRuleSet.Kind.BAND
    if kind not in ParRuleSet.Kind.values:
        raise Http404(_("No such kind of rule."))
    if request.method == "POST":
        return _save_rule(request, kind=kind, revising=None)
    form = RuleSetForm(
        kind=kind,
        initial={"year_from": timezone.localdate().year, "quota_condition": "none", "figure": "overall"},
    )
    return _rule_page(request, kind=kind, form=form, rows=_band_rows(None, BAND_ROWS_MIN), revising=None)


@province_admin_required
@require_http_methods(["GET", "POST"])
def rule_set_revise(request: UnitRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ParRuleSet, pk=pk, owner=request.tenant)
    kind = request.GET.get("kind") or rule.kind
    if kind not in ParRuleSet.Kind.values:
        raise Http404(_("No such kind of rule."))
    if request.method == "POST":
        return _save_rule(request, kind=kind, revising=rule)
    params = rule.params if kind == rule.kind else {}
    initial = {
        "name": rule.name,
        "year_from": rule.year_from,
        "year_to": rule.year_to,
        "quota_condition": rule.quota_condition,
        "figure": params.get("figure", "overall"),
        "maximum": params.get("maximum", ""),
        "threshold": rate_percent_text(params.get("threshold", "")),
    }
    bands = params.get("bands") or []
    data = {}
    for i, (rate, points) in enumerate(bands):
        data[f"band_{i}_rate"] = rate_percent_text(rate)
        data[f"band_{i}_points"] = points
    rows = _band_rows(data, max(BAND_ROWS_MIN, len(bands) + BAND_ROWS_MORE))
    form = RuleSetForm(kind=kind, revising=rule, initial=initial)
    return _rule_page(request, kind=kind, form=form, rows=rows, revising=rule)
