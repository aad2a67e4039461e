"""A unit's quota, transaction counts, policy and staff alert pages (under /u/<slug>/).

Thin: forms parse, analytics.quotas / imports / policy / alerts do the work. Who may see what:
quota status needs VIEW_FIGURES (a district or province sees its communes), typing in and importing
counts needs OPERATE in the unit itself, the policy and the staff alerts need MANAGE (404 otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.alerts.services import staff_alerts_current
from analytics.figures.selectors import Period, period_parse
from analytics.methodology.policy import (
    ALERT_MINIMUM_MAX,
    FIELDS,
    MINIMUM_N_MAX,
    QUOTA_RULE_LABELS,
    QUOTA_RULES,
    WINDOW_DAYS_RANGE,
    policy_effective,
    policy_own,
    policy_update,
)
from analytics.quotas.imports import MAX_BYTES, ImportRejected, transaction_counts_import
from analytics.quotas.services import (
    customer_sample_sizes,
    procedure_choices,
    procedure_labels,
    quota_method,
    quota_status,
    small_unit_note,
    survey_plan_draft,
    transaction_count_delete,
    transaction_count_list,
    transaction_count_set,
    units_below_quota,
)
from surveys.customer_services import customer_survey_create
from surveys.forms import DayField
from surveys.models import Campaign, CustomerSurvey
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.permissions import Action, has_perm

DATE_FORMATS = ["%d/%m/%Y"]


# --------------------------------------------------------------------------- forms


class TransactionCountForm(forms.Form):
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), required=False)
    period_start = forms.DateField(
        label=gettext_lazy("From (dd/mm/yyyy)"), input_formats=DATE_FORMATS, widget=forms.TextInput
    )
    period_end = forms.DateField(
        label=gettext_lazy("To (dd/mm/yyyy)"), input_formats=DATE_FORMATS, widget=forms.TextInput
    )
    count = forms.IntegerField(label=gettext_lazy("Number of dossiers"), min_value=0)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["procedure"]).choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy("At most 5 MB and 10,000 rows."),
    )


class PolicyForm(forms.Form):
    """Every field may be left empty: the unit then follows the unit above it, or the default."""

    quota_rule = forms.ChoiceField(label=gettext_lazy("Quota rule"), required=False)
    alert_threshold = forms.CharField(
        label=gettext_lazy("Staff alert threshold"),
        required=False,
        max_length=10,
        help_text=gettext_lazy(
            "Share of dissatisfied answers above which a civil servant is reported, e.g. 0.25 for 25 %."
        ),
    )
    alert_minimum = forms.IntegerField(
        label=gettext_lazy("Minimum answers for an alert"),
        required=False,
        min_value=1,
        max_value=ALERT_MINIMUM_MAX,
    )
    alert_window_days = forms.IntegerField(
        label=gettext_lazy("Rolling window (days)"),
        required=False,
        min_value=WINDOW_DAYS_RANGE[0],
        max_value=WINDOW_DAYS_RANGE[1],
    )
    minimum_n = forms.IntegerField(
        label=gettext_lazy("Minimum answers for a figure"),
        required=False,
        min_value=1,
        max_value=MINIMUM_N_MAX,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["quota_rule"]).choices = [
            ("", _("— follow the unit above —"))
        ] + [(code, str(QUOTA_RULE_LABELS.get(code, code))) for code in QUOTA_RULES]


def _attach(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --------------------------------------------------------------------------- quota status


def _year(day: dt.date) -> Period:
    return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))


def _period(request: UnitRequest) -> tuple[Period, list[str]]:
    """The period from ?from=&to= (dd/mm/yyyy); the calendar year by default, as quotas are yearly."""
    this_year = _year(timezone.localdate())
    start, end = request.GET.get("from"), request.GET.get("to")
    if not start and not end:
        return this_year, []
    try:
        return period_parse(start=start, end=end), []
    except ValidationError as error:
        return this_year, [str(m) for m in error.messages]


@unit_permission_required(Action.VIEW_FIGURES)
@require_GET
def quotas(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    period, errors = _period(request)
    today = timezone.localdate()
    last_year = _year(today.replace(year=today.year - 1, month=1, day=1))
    context = {
        "status": quota_status(unit=unit, period=period),
        "below": units_below_quota(unit=unit, period=period) if unit.level != "commune" else [],
        "period": period,
        "errors": errors,
        "presets": [
            (_("This year"), _year(today)),
            (pgettext("the year before this one", "Last year"), last_year),
        ],
        "method": quota_method(),
        "small_note": small_unit_note(),
        "can_operate": has_perm(request.user, Action.OPERATE, unit),
        "can_manage": has_perm(request.user, Action.MANAGE, unit),
    }
    return render(request, "analytics/quotas/status.html", context, status=400 if errors else 200)


# --------------------------------------------------------------------------- transaction counts


def _counts_page(request: UnitRequest, form: TransactionCountForm, *, status: int = 200) -> HttpResponse:
    unit = request.tenant
    rows = transaction_count_list(unit=unit)
    labels = procedure_labels(unit, {r.procedure for r in rows})
    context = {
        "form": form,
        "rows": [(r, labels.get(r.procedure, r.procedure)) for r in rows],
        "import_form": ImportForm(),
    }
    return render(request, "analytics/quotas/counts.html", context, status=status)


@unit_permission_required(Action.OPERATE)
@require_http_methods(["GET", "POST"])
def counts(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    choices = procedure_choices(unit)
    if request.method != "POST":
        return _counts_page(request, TransactionCountForm(choices=choices))
    form = TransactionCountForm(request.POST, choices=choices)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transaction_count_set(
                unit=unit,
                procedure=data["procedure"],
                start=data["period_start"],
                end=data["period_end"],
                count=data["count"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The count was saved."))
            return redirect("unit:quota_counts")
    return _counts_page(request, form, status=400)


@unit_permission_required(Action.OPERATE)
@require_POST
def count_delete(request: UnitRequest, pk: int) -> HttpResponse:
    if transaction_count_delete(unit=request.tenant, pk=pk):
        messages.success(request, _("The count was deleted."))
    return redirect("unit:quota_counts")


@unit_permission_required(Action.OPERATE)
@require_http_methods(["GET", "POST"])
def counts_import(request: UnitRequest) -> HttpResponse:
    problems: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            problems = [_("The file is larger than 5 MB.")]
        else:
            try:
                result = transaction_counts_import(
                    unit=request.tenant, filename=upload.name, data=upload.read(MAX_BYTES + 1)
                )
            except ImportRejected as rejected:
                problems = [str(p) for p in rejected.problems[:200]]
                if len(rejected.problems) > 200:
                    problems.append(_("… and %(n)s more problems.") % {"n": len(rejected.problems) - 200})
            else:
                messages.success(
                    request,
                    _("%(total)s counts imported (%(created)s new, %(updated)s replaced).")
                    % {"total": result.total, "created": result.created, "updated": result.updated},
                )
                return redirect("unit:quota_counts")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "analytics/quotas/import.html", {"form": form, "problems": problems}, status=status
    )


# --------------------------------------------------------------------------- policy


def _shown(value: object) -> object:
    """A policy value as the page shows it: decimals with a comma and no trailing zeros (25, 0,25)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}".replace(".", ",")
    return value


@unit_permission_required(Action.MANAGE)
@require_http_methods(["GET", "POST"])
def policy(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                policy_update(unit=unit, **{name: form.cleaned_data.get(name) for name in FIELDS})
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, _("The policy was saved."))
                return redirect("unit:quota_policy")
    else:
        own = policy_own(unit)
        form = PolicyForm(initial={k: _shown(v) for k, v in own.items()})
    effective = policy_effective(unit)
    rows = [
        (_("Quota rule"), QUOTA_RULE_LABELS.get(str(effective.quota_rule.value)), effective.quota_rule),
        (_("Staff alert threshold"), f"{_shown(effective.threshold * 100)} %", effective.alert_threshold),
        (_("Minimum answers for an alert"), effective.minimum, effective.alert_minimum),
        (_("Rolling window (days)"), effective.window_days, effective.alert_window_days),
        (_("Minimum answers for a figure"), effective.figure_minimum_n, effective.minimum_n),
    ]
    return render(
        request,
        "analytics/quotas/policy.html",
        {"form": form, "rows": rows},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- staff alerts


@unit_permission_required(Action.MANAGE)
@require_GET
def alerts(request: UnitRequest) -> HttpResponse:
    return render(request, "analytics/alerts/list.html", {"page": staff_alerts_current(unit=request.tenant)})


# --------------------------------------------------------------------------- customer surveys and plans


class CustomerSurveyForm(forms.Form):
    received_from = DayField(label=gettext_lazy("Dossiers received from"))
    received_to = DayField(label=gettext_lazy("until"))
    mode = forms.ChoiceField(choices=CustomerSurvey.Mode.choices)
    reminder_after_days = forms.IntegerField(min_value=1, max_value=60, initial=7)
    erase_after_days = forms.IntegerField(min_value=0, max_value=365, initial=30)


@require_POST
@unit_permission_required(Action.OPERATE)
def customer_survey_start(request: UnitRequest, pk: int) -> HttpResponse:
    """Select the campaign's customers: everyone, or a sample sized by the unit's quota rule."""
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CustomerSurveyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(map(str, errors)))
        return redirect("unit:customer_survey", pk=pk)
    data = form.cleaned_data
    sizes = None
    if data["mode"] == CustomerSurvey.Mode.SAMPLE:
        sizes = customer_sample_sizes(
            unit=request.tenant, received_from=data["received_from"], received_to=data["received_to"]
        )
    try:
        survey = customer_survey_create(
            unit=request.tenant,
            campaign=campaign,
            received_from=data["received_from"],
            received_to=data["received_to"],
            created_by=request.user,
            sizes=sizes,
            reminder_after_days=data["reminder_after_days"],
            erase_after_days=data["erase_after_days"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("unit:customer_survey", pk=pk)
    messages.success(
        request,
        _("%(n)d of %(N)d customers selected; each has a one-time link.")
        % {"n": survey.sample_size, "N": survey.population},
    )
    return redirect("unit:customer_survey", pk=pk)


@require_POST
@unit_permission_required(Action.OPERATE)
def plan_draft_view(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        survey_plan_draft(unit=request.tenant, campaign=campaign, kind=request.POST.get("kind", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("unit:plan", pk=pk)
