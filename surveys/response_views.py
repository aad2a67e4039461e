"""The officers' view of a unit's responses (list, detail, CSV) and the paper-ballot entry screens."""

import uuid
from collections.abc import Iterator, Mapping
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tenants.utils import tenant_context

from tenants.decorators import unit_permission_required
from tenants.forms import ListFilterForm, day_field
from tenants.http import UnitRequest
from tenants.permissions import Action, has_perm
from tenants.spreadsheets import csv_lines
from tenants.vietnam import language_of, localized_name

from .answers import NO_ANSWER, OTHER, field_name
from .builtin.questionnaires import OTHER_CHOICE
from .definition import SCALE_BY_KEY, Definition
from .models import (
    Bucket,
    Campaign,
    Channel,
    Desk,
    Field,
    PaperBatch,
    Procedure,
    Response,
    StaffMember,
)
from .paper import (
    MAX_DECLARED_COUNT,
    paper_ballot_enter,
    paper_ballot_void,
    paper_batch_close,
    paper_batch_entered,
    paper_batch_open,
    paper_batch_reopen,
)
from .response_selectors import (
    FLAG_LABELS,
    REVIEW_FILTERS,
    STATUS_LABELS,
    ResponseFilter,
    filter_choices,
    held_count,
    overall_answers_prefetch,
    response_csv_rows,
    response_detail,
    response_get,
    response_list,
    response_rows,
    review_queue,
    review_summary,
    status_label,
)
from .response_services import responses_review
from .services import HELD_FLAGS, SubmissionError

PAGE_SIZE = 50
MAX_SELECTED = PAGE_SIZE  # ticked on one page of the review queue; "all" goes through the filter


# --------------------------------------------------------------------------- responses


def _choice(queryset: Any, label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        required=False,
        label=label[:1].upper() + label[1:],
        error_messages={"invalid_choice": _("Unknown %(what)s: choose one from the list.") % {"what": label}},
    )


class ResponseFilterForm(ListFilterForm):
    """The responses list's query string."""

    channel = forms.ChoiceField(
        required=False, choices=[("", ""), *Channel.choices], label=gettext_lazy("Channel")
    )
    satisfaction = forms.ChoiceField(
        required=False, choices=[("", ""), *Bucket.choices], label=gettext_lazy("Overall satisfaction")
    )
    review = forms.ChoiceField(
        required=False,
        choices=[("", ""), *((k, k) for k in REVIEW_FILTERS)],
        label=gettext_lazy("Counted in the figures"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request: the querysets belong to the current unit's schema.
        self.fields["campaign"] = _choice(Campaign.objects.all(), _("campaign"))
        self.fields["procedure"] = _choice(Procedure.objects.all(), _("procedure"))
        self.fields["staff"] = _choice(StaffMember.objects.all(), _("civil servant"))
        self.fields["desk"] = _choice(Desk.objects.all(), _("desk"))

    def filters(self) -> ResponseFilter:
        d = self.cleaned_data
        return ResponseFilter(
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            campaign=d.get("campaign"),
            procedure=d.get("procedure"),
            staff=d.get("staff"),
            desk=d.get("desk"),
            channel=d.get("channel") or "",
            satisfaction=d.get("satisfaction") or "",
            review=d.get("review") or "",
        )


def _list_context(request: UnitRequest, form: ResponseFilterForm) -> dict[str, Any]:
    return {
        "form": form,
        "q": request.GET,
        "choices": filter_choices(),
        "channels": Channel.choices,
        "buckets": Bucket.choices,
        "reviews": [(key, STATUS_LABELS[key][language_of()]) for key in REVIEW_FILTERS],
    }


def _filter_error(request: UnitRequest, form: ResponseFilterForm, message: str = "") -> HttpResponse:
    context = _list_context(request, form)
    context["filter_errors"] = [
        f"{form.fields[name].label or name}: {' '.join(map(str, errs))}"
        if name != "__all__"
        else " ".join(map(str, errs))
        for name, errs in form.errors.items()
    ] + ([message] if message else [])
    return render(request, "console/responses/list.html", context, status=400)


@require_GET
@unit_permission_required(Action.VIEW_RESPONSES)
def responses(request: UnitRequest) -> HttpResponse:
    form = ResponseFilterForm(request.GET)
    if not form.is_valid():
        return _filter_error(request, form)
    filters = form.filters()
    paginator = Paginator(
        response_list(filters=filters).prefetch_related(overall_answers_prefetch()), PAGE_SIZE
    )
    number = form.cleaned_data.get("page") or 1
    if number > paginator.num_pages:
        return _filter_error(
            request,
            form,
            _("There is no page %(n)d: the list has %(pages)d.")
            % {"n": number, "pages": paginator.num_pages},
        )
    page = paginator.page(number)
    context = _list_context(request, form)
    context.update(
        {
            "filters": filters,
            "page": page,
            "rows": response_rows(responses=list(page.object_list), language=language_of()),
            "total": paginator.count,
            "can_manage": has_perm(request.user, Action.MANAGE, request.tenant),
            "held": held_count(),
        }
    )
    return render(request, "console/responses/list.html", context)


def _csv_stream(unit: Any, filters: ResponseFilter, language: str) -> Iterator[str]:
    # Runs after the view has returned, while the server sends the body: hold the unit's schema and the
    # language for the whole stream.
    with tenant_context(unit), translation.override(language):
        yield from csv_lines(response_csv_rows(filters=filters, language=language))


@require_GET
@unit_permission_required(Action.VIEW_RESPONSES)
def responses_csv(request: UnitRequest) -> HttpResponseBase:
    form = ResponseFilterForm(request.GET)
    if not form.is_valid():
        return _filter_error(request, form)
    unit = request.tenant
    filename = f"phieu-khao-sat-{unit.code}-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(
        _csv_stream(unit, form.filters(), language_of()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # raw responses must not sit in shared caches
    return response


@require_GET
@unit_permission_required(Action.VIEW_RESPONSES)
def response(request: UnitRequest, public_id: uuid.UUID) -> HttpResponse:
    found = response_get(public_id=public_id)
    if found is None:
        raise Http404(_("No such response."))
    full = has_perm(request.user, Action.MANAGE, request.tenant)
    detail = response_detail(response=found, language=language_of(), full_text=full)
    context = {
        "detail": detail,
        "r": found,
        "can_manage": full,
        "status": status_label(found, language_of()),
        "reviewable": not found.is_void and not found.is_bot,
    }
    return render(request, "console/responses/detail.html", context)


# --------------------------------------------------------------------------- review of held answers


class ReviewFilterForm(ListFilterForm):
    """Which held answers the queue shows, and which a decision "for all" applies to."""

    flag = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in sorted(HELD_FLAGS))])

    def queue(self) -> Any:
        d = self.cleaned_data
        return review_queue(flag=d.get("flag") or "", date_from=d.get("date_from"), date_to=d.get("date_to"))


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject"), ("hold", "hold")])
    reason = forms.CharField(required=False, max_length=1000)
    scope = forms.ChoiceField(required=False, choices=[("selected", "selected"), ("all", "all")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("decision", "scope"):
            self.fields[name].error_messages["invalid_choice"] = _("This choice is not in the list.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        # Any well-formed id: the service acts only on this unit's responses that can change.
        ids = [_uuid(raw) for raw in cast(QueryDict, self.data).getlist("ids")[:MAX_SELECTED]]
        if None in ids:
            raise ValidationError(_("This form is damaged; reload the page."))
        data["ids"] = ids
        return data


def _review_page(
    request: UnitRequest, form: ReviewFilterForm, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    language = language_of()
    context: dict[str, Any] = {
        "form": form,
        "q": request.GET if request.method == "GET" else request.POST,
        "summary": review_summary(language=language),
        "flags": [(key, FLAG_LABELS[key][language]) for key in sorted(HELD_FLAGS)],
        "errors": errors or [],
    }
    if form.is_valid():
        paginator = Paginator(form.queue().prefetch_related(overall_answers_prefetch()), PAGE_SIZE)
        number = min(form.cleaned_data.get("page") or 1, paginator.num_pages)
        page = paginator.page(number)
        context.update(
            page=page,
            total=paginator.count,
            rows=response_rows(responses=list(page.object_list), language=language),
        )
    else:
        context["errors"] += [" ".join(map(str, e)) for e in form.errors.values()]
        status = 400
    return render(request, "console/responses/review.html", context, status=status)


@require_http_methods(["GET", "POST"])
@unit_permission_required(Action.VIEW_RESPONSES)
def review(request: UnitRequest) -> HttpResponse:
    """The answers held out of the figures: counts per flag, and accept or reject them with a reason,
    a selection or every held answer matching the filter at once."""
    if request.method == "GET":
        return _review_page(request, ReviewFilterForm(request.GET))
    filters = ReviewFilterForm(request.POST)
    decision = ReviewDecisionForm(request.POST)
    if not filters.is_valid() or not decision.is_valid():
        problems = [" ".join(map(str, e)) for e in decision.errors.values()]
        return _review_page(request, filters, errors=problems, status=400)
    d = decision.cleaned_data
    if d.get("scope") == "all":
        chosen = filters.queue()
    elif d.get("ids"):
        chosen = Response.objects.filter(public_id__in=d["ids"])
    else:
        return _review_page(request, filters, errors=[_("Tick the answers to decide on.")], status=400)
    try:
        changed = responses_review(
            responses=chosen, decision=d["decision"], reason=d["reason"], user=request.user
        )
    except ValidationError as error:
        return _review_page(request, filters, errors=error.messages, status=400)
    done = {
        "accept": ngettext(
            "%(n)d answer accepted: it counts in the figures from the next refresh (about a minute).",
            "%(n)d answers accepted: they count in the figures from the next refresh (about a minute).",
            changed,
        ),
        "reject": ngettext(
            "%(n)d answer rejected: it stays out of the figures.",
            "%(n)d answers rejected: they stay out of the figures.",
            changed,
        ),
        "hold": ngettext(
            "%(n)d answer held for review: it leaves the figures at the next refresh.",
            "%(n)d answers held for review: they leave the figures at the next refresh.",
            changed,
        ),
    }
    messages.success(request, done[d["decision"]] % {"n": changed})
    back = request.POST.get("next", "")
    if len(d.get("ids") or []) == 1 and back == "detail":
        return redirect("unit:response", public_id=d["ids"][0])
    query = {k: v for k, v in request.POST.items() if k in ("flag", "date_from", "date_to") and v}
    return redirect(reverse("unit:review") + (f"?{urlencode(query)}" if query else ""))


# --------------------------------------------------------------------------- paper ballots


class PaperBatchForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=gettext_lazy("Campaign"))
    desk = forms.ModelChoiceField(queryset=Desk.objects.none(), required=False, label=gettext_lazy("Desk"))
    box_label = forms.CharField(max_length=100, label=gettext_lazy("Ballot box"))
    collected_from = day_field(gettext_lazy("Collected from"), required=True)
    collected_to = day_field(gettext_lazy("Collected until"), required=True)
    declared_count = forms.IntegerField(
        min_value=1, max_value=MAX_DECLARED_COUNT, label=gettext_lazy("Valid ballots in the box")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Campaign]", self.fields["campaign"]).queryset = Campaign.objects.filter(
            is_active=True, channels__contains=[Channel.PAPER]
        ).order_by("-starts_on", "name")
        desks = Desk.objects.filter(is_active=True).order_by("name")
        cast("forms.ModelChoiceField[Desk]", self.fields["desk"]).queryset = desks


def _batches() -> Any:
    return PaperBatch.objects.select_related("campaign", "desk", "opened_by").annotate(
        entered=Count("responses", filter=Q(responses__voided_at__isnull=True))
    )


@require_http_methods(["GET", "POST"])
@unit_permission_required(Action.OPERATE)
def paper(request: UnitRequest) -> HttpResponse:
    form = PaperBatchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = paper_batch_open(**form.cleaned_data, opened_by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("unit:paper_batch", batch_id=batch.pk)
    status = 400 if form.is_bound else 200
    return render(request, "console/paper/list.html", {"form": form, "batches": _batches()}, status=status)


def ballot_questions(definition: Definition, data: Mapping[str, Any] | None, language: str) -> list[dict]:
    """The questions as the entry screen draws them, with what was typed kept after an error."""

    def posted(name: str) -> list[str]:
        return data.getlist(name) if data is not None else []  # type: ignore[attr-defined]

    numbers = {q["key"]: n for n, q in enumerate(definition.questions, start=1)}
    questions = []
    for number, q in enumerate(definition.questions, start=1):
        name = field_name(q)
        item: dict[str, Any] = {
            "number": number,
            "key": q["key"],
            "kind": q["kind"],
            "name": name,
            "text": Definition.text(q["text"], language),
            "required": bool(q.get("required")),
            "value": (posted(name) or [""])[0],
        }
        if q.get("show_if"):
            # The ballot prints every question; the form stores this one only after that answer.
            item["condition"] = _(
                "Only when question %(n)d is answered “%(bucket)s”; otherwise left out."
            ) % {
                "n": numbers.get(q["show_if"]["question"], 0),
                "bucket": Bucket(q["show_if"]["bucket"]).label,
            }
        if q["kind"] == "rating":
            scale = SCALE_BY_KEY[q["scale"]]
            # Lowest first, as typed: 1 … 5; the Sơn Tây ballot prints its levels in this order too.
            levels = sorted(scale.levels, key=lambda lv: lv.value)
            item["options"] = [
                {
                    "value": str(lv.value),
                    "key": str(lv.value),
                    "label": lv.label_en if language == "en" else lv.label_vi,
                }
                for lv in levels
            ]
            if not q.get("required"):
                item["options"].append({"value": NO_ANSWER, "key": "0", "label": _("No answer")})
        elif q["kind"] == "choice":
            item["options"] = [
                {"value": o["key"], "key": str(i), "label": Definition.text(o["text"], language)}
                for i, o in enumerate(q["options"], start=1)
            ]
            if not q.get("required"):
                item["options"].append({"value": NO_ANSWER, "key": "0", "label": _("No answer")})
        elif q["kind"] == "reasons":
            chosen = set(posted(name))
            item["options"] = [
                {
                    "value": o["key"],
                    "label": Definition.text(o["text"], language),
                    "checked": o["key"] in chosen,
                }
                for o in q["options"]
            ]
        elif q["kind"] in ("procedure", "field"):
            item["other_name"] = field_name(q, "other")
            item["other_value"] = (posted(item["other_name"]) or [""])[0]
            item["other_label"] = Definition.text(OTHER_CHOICE["text"], language)
            item["other_key"] = OTHER
            if q["kind"] == "procedure":
                item["groups"] = _procedure_groups(language)
            else:
                item["groups"] = [
                    (
                        "",
                        [
                            (str(f.pk), localized_name(f.name_vi, f.name_en, language))
                            for f in Field.objects.filter(is_active=True)
                        ],
                    )
                ]
        elif q["kind"] == "text":
            item["max_length"] = q["max_length"]
        elif q["kind"] == "contact":
            item["parts"] = [
                {
                    "name": field_name(q, part),
                    "label": label,
                    "value": (posted(field_name(q, part)) or [""])[0],
                }
                for part, label in (("name", _("Name")), ("phone", _("Phone")), ("email", _("E-mail")))
            ]
            item["consent_name"] = field_name(q, "consent")
            item["consent"] = posted(field_name(q, "consent")) == ["yes"]
        questions.append(item)
    return questions


def _procedure_groups(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for p in Procedure.objects.filter(is_active=True).select_related("field"):
        groups.setdefault(localized_name(p.field.name_vi, p.field.name_en, language), []).append(
            (str(p.pk), localized_name(p.name_vi, p.name_en, language))
        )
    return list(groups.items())


def _batch_page(
    request: UnitRequest,
    batch: PaperBatch,
    *,
    data: Any = None,
    errors: Mapping[str, str] | None = None,
    submission_key: uuid.UUID | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    language = language_of()
    definition = Definition(batch.campaign.version.definition)
    ballots = list(
        response_list(filters=ResponseFilter())
        .filter(paper_batch=batch)
        .select_related("entered_by", "voided_by")
        .prefetch_related(overall_answers_prefetch())
    )
    errors = dict(errors or {})
    questions = ballot_questions(definition, data, language)
    for q in questions:
        q["error"] = errors.pop(q["key"], "")
    first_error = next((q["key"] for q in questions if q["error"]), None)
    if first_error:
        numbers = ", ".join(str(q["number"]) for q in questions if q["error"])
        errors.setdefault(
            "__questions__", _("Check the questions marked in red: %(numbers)s.") % {"numbers": numbers}
        )
    context = {
        "batch": batch,
        "entered": sum(1 for ballot in ballots if not ballot.is_void),
        "voided": any(ballot.is_void for ballot in ballots),
        "is_open": batch.status == PaperBatch.Status.OPEN,
        "questions": questions,
        "focus": first_error or (questions[0]["key"] if questions else None),
        "form_errors": list(errors.values()) + ([error] if error else []),
        "submission_key": submission_key or uuid.uuid4(),
        "version_id": batch.campaign.version_id,
        "ballots": response_rows(responses=ballots, language=language),
        "can_manage": has_perm(request.user, Action.MANAGE, request.tenant),
        "can_view_responses": has_perm(request.user, Action.VIEW_RESPONSES, request.tenant),
    }
    return render(request, "console/paper/batch.html", context, status=status)


def _batch(batch_id: int) -> PaperBatch:
    return get_object_or_404(PaperBatch.objects.select_related("campaign__version", "desk"), pk=batch_id)


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@unit_permission_required(Action.OPERATE)
def paper_batch(request: UnitRequest, batch_id: int) -> HttpResponse:
    batch = _batch(batch_id)
    if request.method == "GET":
        return _batch_page(request, batch)
    key = _uuid(request.POST.get("submission_key"))
    version = request.POST.get("version", "")
    if key is None or not version.isdigit():
        return _batch_page(request, batch, error=_("This form is damaged; reload the page."), status=400)
    try:
        ballot, created = paper_ballot_enter(
            batch=batch,
            data=request.POST,
            submission_key=key,
            entered_by=request.user,
            version_id=int(version),
        )
    except SubmissionError as problem:
        batch.refresh_from_db()
        return _batch_page(
            request,
            batch,
            data=request.POST,
            errors=problem.errors,
            submission_key=key,
            status=problem.status,
        )
    count = paper_batch_entered(batch)
    if created:
        messages.success(
            request,
            _("Ballot saved: %(entered)d of %(declared)d.")
            % {"entered": count, "declared": batch.declared_count},
        )
    else:
        messages.info(request, _("This ballot was already saved; it is stored once."))
    return redirect("unit:paper_batch", batch_id=batch.pk)


@require_POST
@unit_permission_required(Action.OPERATE)
def paper_close(request: UnitRequest, batch_id: int) -> HttpResponse:
    batch = _batch(batch_id)
    try:
        paper_batch_close(batch=batch, user=request.user)
    except ValidationError as error:
        return _batch_page(request, batch, error=" ".join(error.messages), status=400)
    messages.success(request, _("The batch is closed."))
    return redirect("unit:paper_batch", batch_id=batch.pk)


@require_POST
@unit_permission_required(Action.OPERATE)
def paper_reopen(request: UnitRequest, batch_id: int) -> HttpResponse:
    batch = _batch(batch_id)
    if not has_perm(request.user, Action.MANAGE, request.tenant):
        return HttpResponse(_("Only the unit's admin can reopen a batch."), status=403)
    try:
        paper_batch_reopen(batch=batch, user=request.user)
    except ValidationError as error:
        return _batch_page(request, batch, error=" ".join(error.messages), status=400)
    messages.success(request, _("The batch is open again."))
    return redirect("unit:paper_batch", batch_id=batch.pk)


@require_POST
@unit_permission_required(Action.OPERATE)
def paper_void(request: UnitRequest, batch_id: int, public_id: uuid.UUID) -> HttpResponse:
    batch = _batch(batch_id)
    ballot = get_object_or_404(Response, public_id=public_id, paper_batch=batch)
    try:
        paper_ballot_void(
            batch=batch, response=ballot, reason=request.POST.get("reason", ""), user=request.user
        )
    except ValidationError as error:
        return _batch_page(request, batch, error=" ".join(error.messages), status=400)
    messages.success(request, _("The ballot is voided."))
    return redirect("unit:paper_batch", batch_id=batch.pk)
