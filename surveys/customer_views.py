"""The officer console's pages of customer surveys (seed 003) and of every campaign's plan.

Thin: a form parses, a service in surveys.customer_services / customer_imports / plan_services writes.
Every page needs OPERATE in the current unit. Starting a survey's sample and drafting a plan need the
unit's quota rule, so those two forms post to analytics.quotas.views.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import Membership, User
from tenants.permissions import Action, ancestor_paths
from tenants.spreadsheets import ImportRejected, csv_cell, csv_lines

from .customer_imports import COLUMNS, HEADER_NAMES, MAX_BYTES, customers_from_dossiers, customers_import
from .customer_selectors import customer_by_dossier_code, customer_contact_history, customer_survey_progress
from .customer_services import (
    LETTERS_PER_FILE,
    OUTCOMES,
    customer_contact_erase,
    invitation_outcome,
    invitation_phone_answer,
    invitations_email_send,
    invitations_letters_pdf,
    invitations_messages_export,
    invitations_to_reach,
    letters_parts,
)
from .definition import Definition
from .forms import DayField
from .models import (
    Campaign,
    Channel,
    Customer,
    CustomerColumns,
    CustomerContact,
    CustomerSurvey,
    Invitation,
    PlanStep,
    SurveyPlan,
)
from .plan_selectors import plan_checklist
from .plan_services import (
    EDITABLE,
    StepInput,
    plan_issue,
    plan_pdf,
    plan_step_done,
    plan_steps_set,
    plan_update,
)
from .response_views import ballot_questions
from .services import SubmissionError

operate = unit_permission_required(Action.OPERATE)
PHONE_LIST_MAX = 200


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Export of the one-stop system (.csv or .xlsx)"))


class PeriodForm(forms.Form):
    received_from = DayField(label=gettext_lazy("Dossiers received from"))
    received_to = DayField(label=gettext_lazy("until"))


class EraseForm(forms.Form):
    dossier_code = forms.CharField(label=gettext_lazy("Dossier code"), max_length=60)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class FindForm(forms.Form):
    dossier_code = forms.CharField(label=gettext_lazy("Dossier code"), max_length=60)


class SurveyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Invitation) -> str:
        return obj.survey.campaign.name


class AttemptForm(forms.Form):
    """An officer's attempt to reach the customer for one of their open invitations."""

    invitation = SurveyChoiceField(queryset=Invitation.objects.none(), label=gettext_lazy("Survey"))
    method = forms.ChoiceField(choices=Invitation.Method.choices, label=gettext_lazy("How"))
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in OUTCOMES], label=gettext_lazy("Outcome"))

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_invitations = Invitation.objects.filter(
            customer=customer, status__in=[Invitation.Status.PENDING, *OUTCOMES]
        ).select_related("survey__campaign")
        field = self.fields["invitation"]
        assert isinstance(field, SurveyChoiceField)  # noqa: S101 - declared above
        field.queryset = self.open_invitations


class PlanForm(forms.ModelForm):
    class Meta:
        model = SurveyPlan
        fields = list(EDITABLE)
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in EDITABLE
            if name not in ("kind", "number", "subject", "signer_title", "signer_name")
        }


def _customers_page(
    request: UnitRequest, *, problems: list[str] | None = None, status: int = 200
) -> HttpResponse:
    saved = CustomerColumns.objects.first()
    remembered = saved.mapping if saved else {}
    campaigns = Campaign.objects.filter(channels__contains=[Channel.LIST]).select_related("customer_survey")
    context = {
        "total": Customer.objects.count(),
        "with_contact": Customer.objects.filter(contact__isnull=False).count(),
        "erased": Customer.objects.filter(contact_erased_at__isnull=False).count(),
        "import_form": ImportForm(),
        "period_form": PeriodForm(),
        "erase_form": EraseForm(),
        "find_form": FindForm(auto_id="find_%s"),
        "columns": [(c, HEADER_NAMES[c], remembered.get(c, "")) for c in COLUMNS],
        "campaigns": campaigns,
        "problems": problems or [],
    }
    return render(request, "console/customers/customers.html", context, status=status)


def _form_refused(request: UnitRequest, form: forms.Form) -> HttpResponse:
    """The customer lists page with every problem of a refused form (400)."""
    return _customers_page(request, problems=[str(m) for ms in form.errors.values() for m in ms], status=400)


@operate
@require_GET
def customers(request: UnitRequest) -> HttpResponse:
    return _customers_page(request)


@operate
@require_POST
def customers_upload(request: UnitRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _customers_page(request, problems=[_("Choose a file to import.")], status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_BYTES:
        return _customers_page(request, problems=[_("The file is larger than 10 MB.")], status=400)
    mapping = {c: request.POST.get(f"map_{c}", "").strip() for c in COLUMNS}
    mapping = {c: header for c, header in mapping.items() if header}
    try:
        result = customers_import(
            unit=request.tenant,
            filename=upload.name,
            data=upload.read(MAX_BYTES + 1),
            mapping=mapping or None,
        )
    except ImportRejected as rejected:
        return _customers_page(request, problems=[str(p) for p in rejected.problems[:100]], status=400)
    messages.success(
        request,
        _("Imported: %(created)d new customers, %(updated)d updated.")
        % {"created": result.created, "updated": result.updated},
    )
    return redirect("unit:customers")


@operate
@require_POST
def customers_from_api(request: UnitRequest) -> HttpResponse:
    form = PeriodForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, form)
    result = customers_from_dossiers(unit=request.tenant, **form.cleaned_data)
    messages.success(request, _("%(n)d dossiers received through the API added.") % {"n": result.created})
    return redirect("unit:customers")


@operate
@require_POST
def customer_erase(request: UnitRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, form)
    customer = customer_by_dossier_code(form.cleaned_data["dossier_code"])
    if customer is None:
        return _customers_page(request, problems=[_("No customer has this dossier code.")], status=400)
    try:
        customer_contact_erase(
            unit=request.tenant, customer=customer, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return _customers_page(request, problems=error.messages, status=400)
    messages.success(request, _("The customer's contact data was erased."))
    return redirect("unit:customers")


@operate
@require_GET
def customer_find(request: UnitRequest) -> HttpResponse:
    form = FindForm(request.GET)
    if not form.is_valid():
        return _form_refused(request, form)
    customer = customer_by_dossier_code(form.cleaned_data["dossier_code"])
    if customer is None:
        return _customers_page(request, problems=[_("No customer has this dossier code.")], status=404)
    return redirect("unit:customer_history", pk=customer.pk)


@operate
@require_http_methods(["GET", "POST"])
def customer_history(request: UnitRequest, pk: int) -> HttpResponse:
    """Every attempt to reach one customer, survey by survey; an officer records a call here."""
    customer = get_object_or_404(Customer.objects.select_related("procedure"), pk=pk)
    form = AttemptForm(request.POST if request.method == "POST" else None, customer=customer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation_outcome(
                    unit=request.tenant,
                    invitation=form.cleaned_data["invitation"],
                    status=form.cleaned_data["status"],
                    method=form.cleaned_data["method"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The attempt was recorded."))
                return redirect("unit:customer_history", pk=pk)
        status = 400
    context = {
        "customer": customer,
        "contact": CustomerContact.objects.filter(customer=customer).first(),
        "history": customer_contact_history(customer=customer),
        "form": form,
        "can_record": customer.contact_erased_at is None and form.open_invitations.exists(),
    }
    return render(request, "console/customers/history.html", context, status=status)


# --------------------------------------------------------------------------------------------------
# One campaign's customers
# --------------------------------------------------------------------------------------------------


def _survey(campaign_pk: int) -> CustomerSurvey:
    return get_object_or_404(
        CustomerSurvey.objects.select_related("campaign__version"), campaign_id=campaign_pk
    )


@operate
@require_GET
def customer_survey(request: UnitRequest, pk: int) -> HttpResponse:
    return _survey_page(request, pk)


def _survey_page(request: UnitRequest, pk: int, *, errors: list[str] | None = None) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk, channels__contains=[Channel.LIST])
    survey = CustomerSurvey.objects.filter(campaign=campaign).first()
    context: dict[str, Any] = {"campaign": campaign, "survey": survey, "errors": errors or []}
    if survey is None:
        context["period_form"] = PeriodForm()
        context["modes"] = CustomerSurvey.Mode.choices
    else:
        context["progress"] = customer_survey_progress(survey=survey)
        context["letter_parts"] = letters_parts(survey=survey)
        context["per_file"] = LETTERS_PER_FILE
        context["phone_list"] = list(
            invitations_to_reach(survey=survey, method=Invitation.Method.PHONE)[:PHONE_LIST_MAX]
        )
    return render(request, "console/customers/survey.html", context, status=400 if errors else 200)


def _download(rows: list[list[str]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines([[csv_cell(cell) for cell in row] for row in rows]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operate
@require_POST
def customer_messages(request: UnitRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    """The SMS or Zalo texts as CSV; the customers in it are counted as contacted now."""
    survey = _survey(pk)
    method = request.POST.get("method", "")
    reminders = request.POST.get("reminders") == "1"
    try:
        rows = invitations_messages_export(
            unit=request.tenant, survey=survey, method=method, by=request.user, reminders=reminders
        )
    except ValidationError:
        return HttpResponse(status=400)
    return _download(
        rows, f"tin-nhan-{method}{'-nhac' if reminders else ''}-{timezone.localdate():%Y%m%d}.csv"
    )


@operate
@require_POST
def customer_letters(request: UnitRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    raw = request.POST.get("part", "1")
    try:
        pdf = invitations_letters_pdf(
            unit=request.tenant, survey=survey, by=request.user, part=int(raw) if raw.isdigit() else 0
        )
    except ValidationError as error:
        return _survey_page(request, pk, errors=error.messages)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"thu-moi-{timezone.localdate():%Y%m%d}-phan-{raw}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@operate
@require_POST
def customer_emails(request: UnitRequest, pk: int) -> HttpResponse:
    reminders = request.POST.get("reminders") == "1"
    sent = invitations_email_send(
        unit=request.tenant, survey=_survey(pk), by=request.user, reminders=reminders
    )
    messages.success(request, _("%(n)d e-mails sent.") % {"n": sent})
    return redirect("unit:customer_survey", pk=pk)


@operate
@require_http_methods(["GET", "POST"])
def invitation_phone(request: UnitRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """An officer calls the customer and records their answers: channel "phone", the officer as
    interviewer. The questionnaire's contact question is left out: the caller knows who answers,
    the answer must not."""
    survey = _survey(pk)
    invitation = get_object_or_404(
        Invitation.objects.select_related("customer__contact", "customer__procedure"),
        pk=invitation_pk,
        survey=survey,
    )
    if invitation.token_id is None:
        messages.info(request, _("This customer has already answered."))
        return redirect("unit:customer_survey", pk=pk)
    definition = Definition(survey.campaign.version.definition)
    errors: dict[str, str] = {}
    status = 200
    key = uuid.uuid4()
    if request.method == "POST":
        try:
            key = uuid.UUID(request.POST.get("submission_key", ""))
            invitation_phone_answer(
                unit=request.tenant,
                invitation=invitation,
                data=request.POST,
                submission_key=key,
                officer=request.user,
            )
        except ValueError:
            errors = {"__all__": _("This form is damaged; reload the page.")}
        except (SubmissionError, ValidationError) as problem:
            errors = (
                dict(problem.errors)
                if isinstance(problem, SubmissionError)
                else {"__all__": " ".join(problem.messages)}
            )
        if not errors:
            messages.success(request, _("The answers were recorded; the customer is marked as answered."))
            return redirect("unit:customer_survey", pk=pk)
        status = 400
    language = "en" if (get_language() or "vi").startswith("en") else "vi"
    questions = [
        q
        for q in ballot_questions(definition, request.POST if request.method == "POST" else None, language)
        if q["kind"] != "contact" and not (q["kind"] == "procedure" and invitation.customer.procedure_id)
    ]
    for q in questions:
        q["error"] = errors.pop(q["key"], "")
    context = {
        "survey": survey,
        "invitation": invitation,
        "questions": questions,
        "form_errors": list(errors.values()),
        "submission_key": key,
    }
    return render(request, "console/customers/phone.html", context, status=status)


@operate
@require_POST
def invitation_mark(request: UnitRequest, pk: int, invitation_pk: int) -> HttpResponse:
    survey = _survey(pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, survey=survey)
    try:
        invitation_outcome(
            unit=request.tenant,
            invitation=invitation,
            status=request.POST.get("status", ""),
            method=request.POST.get("method", Invitation.Method.PHONE),
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("unit:customer_survey", pk=pk)


# --------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------


def _plan_page(
    request: UnitRequest,
    campaign: Campaign,
    *,
    form: PlanForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    plan = SurveyPlan.objects.filter(campaign=campaign).first()
    members = User.objects.filter(
        # Roles are inherited down the tree: the members of the units above may be responsible too.
        pk__in=Membership.objects.filter(unit__path__in=ancestor_paths(request.tenant)).values("user")
    ).order_by("email")
    context = {
        "campaign": campaign,
        "plan": plan,
        "kinds": SurveyPlan.Kind.choices,
        "form": form or (PlanForm(instance=plan) if plan and not plan.is_issued else None),
        "checklist": plan_checklist(plan=plan) if plan else [],
        "members": members,
        "errors": errors or [],
    }
    return render(request, "console/customers/plan.html", context, status=status)


@operate
@require_GET
def plan(request: UnitRequest, pk: int) -> HttpResponse:
    return _plan_page(request, get_object_or_404(Campaign, pk=pk))


@operate
@require_POST
def plan_edit(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    plan = get_object_or_404(SurveyPlan, campaign=campaign)
    form = PlanForm(request.POST, instance=plan)
    if not form.is_valid():
        return _plan_page(request, campaign, form=form, status=400)
    try:
        plan_update(unit=request.tenant, plan=plan, values={k: str(form.cleaned_data[k]) for k in EDITABLE})
    except ValidationError as error:
        return _plan_page(request, campaign, form=form, errors=error.messages, status=400)
    messages.success(request, _("The plan was saved."))
    return redirect("unit:plan", pk=pk)


@operate
@require_POST
def plan_timetable(request: UnitRequest, pk: int) -> HttpResponse:
    """The timetable posted as parallel lists (one entry per row); empty rows are dropped."""
    campaign = get_object_or_404(Campaign, pk=pk)
    plan = get_object_or_404(SurveyPlan, campaign=campaign)
    day = DayField(required=False)
    steps = []
    post = request.POST
    try:
        rows = zip(
            post.getlist("task"),
            post.getlist("responsible"),
            post.getlist("user"),
            post.getlist("starts_on"),
            post.getlist("due_on"),
            strict=True,
        )
        for task, responsible, user, starts_on, due_on in rows:
            if not task.strip() and not due_on.strip():
                continue
            due = day.clean(due_on)
            if due is None:
                raise ValidationError(_("Each step needs its due date."))
            person = User.objects.filter(pk=int(user)).first() if user.isdigit() else None
            steps.append(StepInput(task, responsible, due, day.clean(starts_on), person))
        plan_steps_set(unit=request.tenant, plan=plan, steps=steps)
    except ValueError:
        return _plan_page(request, campaign, errors=[_("This form is damaged; reload the page.")], status=400)
    except ValidationError as error:
        return _plan_page(request, campaign, errors=error.messages, status=400)
    messages.success(request, _("The timetable was saved."))
    return redirect("unit:plan", pk=pk)


@operate
@require_POST
def plan_issue_view(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    plan = get_object_or_404(SurveyPlan, campaign=campaign)
    try:
        plan_issue(
            unit=request.tenant, plan=plan, by=request.user, number=request.POST.get("number", "")[:20]
        )
    except ValidationError as error:
        return _plan_page(request, campaign, errors=error.messages, status=400)
    messages.success(request, _("The plan was issued; it can no longer be changed."))
    return redirect("unit:plan", pk=pk)


@operate
@require_GET
def plan_pdf_view(request: UnitRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SurveyPlan, campaign_id=pk)
    response = HttpResponse(plan_pdf(unit=request.tenant, plan=plan), content_type="application/pdf")
    name = "ke-hoach" if plan.is_issued else "ke-hoach-du-thao"
    response["Content-Disposition"] = f'inline; filename="{name}-{pk}.pdf"'
    return response


@operate
@require_POST
def plan_step_toggle(request: UnitRequest, pk: int, step_pk: int) -> HttpResponse:
    step = get_object_or_404(PlanStep, pk=step_pk, plan__campaign_id=pk)
    plan_step_done(unit=request.tenant, step=step, done=request.POST.get("done") == "1")
    return redirect("unit:plan", pk=pk)
