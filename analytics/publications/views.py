"""Publications: a unit's pages (/u/<slug>/publications/...) and the permanent public pages (/cong-bo/...).

Thin: analytics.publications does the work, analytics.report_pdf builds the report from the snapshot.
Who may do what in a unit:
  - VIEW_FIGURES (viewers, and every role above, inherited down the tree): the published public
    reports, as anyone can read them;
  - OPERATE in the unit itself (its officers) or MANAGE (its admins, and admins above): also drafts,
    publications on their way out and internal reports (which name civil servants);
  - MANAGE: create ad hoc reports, refresh, delete or publish drafts, schedules and subscribers.
Anyone else gets a 404, so nothing tells a stranger that a draft exists. No view renders a PDF: the
PDF is made by Celery when a publication is published, and only served here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from analytics.figures.selectors import Period
from analytics.models import Publication, PublicationSchedule, PublicationSubscriber
from analytics.publications.report import report_build
from analytics.publications.selectors import (
    publication_public_get,
    publication_public_url,
    publications_public,
)
from analytics.publications.services import (
    ADHOC,
    publication_create,
    publication_delete,
    publication_publish,
    publication_refresh,
    publication_schedule_set,
    publication_schedules,
    publication_subscriber_add,
    publication_subscriber_remove,
    semiannual_periods,
)
from tenants.confirmation import confirmation_step
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import Unit, User
from tenants.permissions import Action, has_perm
from tenants.replica import reads_from_replica
from tenants.vietnam import language_of

DATE_FORMATS = ["%d/%m/%Y"]
KIND_LABELS = {
    PublicationSchedule.Kind.MONTHLY: gettext_lazy("Monthly"),
    PublicationSchedule.Kind.SEMIANNUAL: gettext_lazy("Every six months"),
    PublicationSchedule.Kind.ANNUAL: gettext_lazy("Yearly"),
    ADHOC: gettext_lazy("Ad hoc"),
}


def can_review(user: User, unit: Unit) -> bool:
    """Drafts and internal reports: the unit's own officers, and admins of the unit or above."""
    return has_perm(user, Action.OPERATE, unit) or has_perm(user, Action.MANAGE, unit)


def _visible(request: UnitRequest) -> QuerySet[Publication]:
    publications = Publication.objects.filter(unit=request.tenant)
    if can_review(request.user, request.tenant):
        return publications
    return publications.filter(status=Publication.Status.PUBLISHED, internal=False)


def _get(request: UnitRequest, pk: int) -> Publication:
    publication = _visible(request).select_related("unit", "published_by").filter(pk=pk).first()
    if publication is None:
        raise Http404(_("No such publication."))
    return publication


def _pdf_name(publication: Publication) -> str:
    internal = "-noi-bo" if publication.internal else ""
    return (
        f"bao-cao-hai-long-{publication.unit.slug}-{publication.period_start:%Y%m%d}-"
        f"{publication.period_end:%Y%m%d}{internal}.pdf"
    )


def _pdf_response(publication: Publication, pdf: bytes | memoryview, *, public: bool) -> HttpResponse:
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_pdf_name(publication)}"'
    response["ETag"] = f'"{publication.pdf_sha256}"'
    # A published PDF never changes: cache it for a year where it is public, nowhere where it is not.
    response["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- forms


class AdhocForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("From (dd/mm/yyyy)"), input_formats=DATE_FORMATS, widget=forms.TextInput
    )
    period_end = forms.DateField(
        label=gettext_lazy("To (dd/mm/yyyy)"), input_formats=DATE_FORMATS, widget=forms.TextInput
    )
    internal = forms.BooleanField(
        label=gettext_lazy("Internal report (names civil servants; never public)"), required=False
    )


class SubscriberForm(forms.Form):
    email = forms.CharField(label=gettext_lazy("E-mail address"), max_length=254)


def _attach(form: forms.Form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


# --------------------------------------------------------------------------- the unit's pages


@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def publications(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    rows = _visible(request).defer("pdf", "snapshot").order_by("-period_end", "-created_at")
    schedules = [
        (KIND_LABELS[kind], schedule)
        for kind, schedule in publication_schedules(unit=unit).items()
        if schedule is not None and schedule.is_active
    ]
    context = {
        "unit": unit,
        "rows": [(p, KIND_LABELS.get(p.kind, p.kind)) for p in rows[:200]],
        "can_review": can_review(request.user, unit),
        "can_manage": has_perm(request.user, Action.MANAGE, unit),
        "schedules": schedules,
    }
    return render(request, "analytics/publications/list.html", context)


@unit_permission_required(Action.MANAGE)
@require_http_methods(["GET", "POST"])
def publication_new(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    form = AdhocForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                publication = publication_create(
                    unit=unit,
                    kind=ADHOC,
                    period=Period(data["period_start"], data["period_end"]),
                    internal=data["internal"],
                    user=request.user,
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, _("Draft created: review it, then publish it."))
                return redirect("unit:publication_detail", publication.pk)
        return render(request, "analytics/publications/new.html", {"form": form}, status=400)
    return render(request, "analytics/publications/new.html", {"form": form})


def _detail(
    request: UnitRequest, publication: Publication, *, errors: list[str] | None = None
) -> HttpResponse:
    unit = request.tenant
    report = report_build(publication, language=language_of())
    context = {
        "unit": unit,
        "publication": publication,
        "kind_label": KIND_LABELS.get(publication.kind, publication.kind),
        "r": report,
        "t": report.t,
        "public_url": "" if publication.internal else publication_public_url(publication),
        "can_manage": has_perm(request.user, Action.MANAGE, unit),
        "errors": errors or [],
    }
    return render(request, "analytics/publications/detail.html", context, status=400 if errors else 200)


@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def publication_detail(request: UnitRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(request, pk))


@unit_permission_required(Action.VIEW_FIGURES)
@require_safe
def publication_pdf(request: UnitRequest, pk: int) -> HttpResponse:
    publication = _get(request, pk)
    if not publication.pdf:
        raise Http404(_("The PDF is made when the publication is published."))
    return _pdf_response(publication, publication.pdf, public=False)


def _manage(request: UnitRequest, pk: int, action: Callable[[Publication], str | None]) -> HttpResponse:
    publication = _get(request, pk)
    try:
        message = action(publication)
    except ValidationError as error:
        return _detail(request, publication, errors=error.messages)
    if message:
        messages.success(request, message)
    return redirect("unit:publication_detail", publication.pk)


@unit_permission_required(Action.MANAGE)
@require_POST
def publication_publish_view(request: UnitRequest, pk: int) -> HttpResponse:
    publication = _get(request, pk)
    if publication.status != Publication.Status.PUBLISHED:
        consequences = [
            _("Its figures are fixed at their cut-off for good: the report cannot be changed or deleted."),
        ]
        if not publication.internal:
            consequences.append(
                _("It goes public at a permanent address and is sent to the unit's subscribers.")
            )
        asked = confirmation_step(
            request,
            title=_("Publish the report for %(period)s?")
            % {"period": f"{publication.period_start:%d/%m/%Y} – {publication.period_end:%d/%m/%Y}"},
            consequences=consequences,
            button=_("Publish (internal)") if publication.internal else _("Publish"),
            cancel_url=reverse("unit:publication_detail", args=[pk]),
        )
        if asked is not None:
            return asked

    def publish(publication: Publication) -> str:
        if publication_publish(publication=publication, user=request.user):
            return _("Publishing: the PDF is being made; the report goes public as soon as it is ready.")
        messages.warning(
            request,
            _(
                "The publication is recorded, but the task queue is not answering right now. Nothing is "
                "lost: it is sent again automatically within the hour and goes public once its PDF is "
                "made. You do not need to publish again."
            ),
        )
        return ""

    return _manage(request, pk, publish)


@unit_permission_required(Action.MANAGE)
@require_POST
def publication_refresh_view(request: UnitRequest, pk: int) -> HttpResponse:
    def refresh(publication: Publication) -> str:
        publication_refresh(publication=publication)
        return _("The draft's figures were computed again.")

    return _manage(request, pk, refresh)


@unit_permission_required(Action.MANAGE)
@require_POST
def publication_delete_view(request: UnitRequest, pk: int) -> HttpResponse:
    publication = _get(request, pk)
    try:
        publication_delete(publication=publication)
    except ValidationError as error:
        return _detail(request, publication, errors=error.messages)
    messages.success(request, _("The draft was deleted."))
    return redirect("unit:publications")


@unit_permission_required(Action.MANAGE)
@require_http_methods(["GET", "POST"])
def publication_schedules_view(request: UnitRequest) -> HttpResponse:
    unit = request.tenant
    if request.method == "POST":
        for kind in PublicationSchedule.Kind.values:
            publication_schedule_set(
                unit=unit,
                kind=kind,
                active=request.POST.get(f"{kind}_active") == "on",
                review_first=request.POST.get(f"{kind}_review") == "on",
            )
        messages.success(request, _("Publication schedule saved."))
        return redirect("unit:publication_schedules")
    spring, autumn = semiannual_periods(timezone.localdate().year)
    rows = [
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "schedule": schedule,
            "active": bool(schedule and schedule.is_active),
            "review": schedule.review_first if schedule else True,
        }
        for kind, schedule in publication_schedules(unit=unit).items()
    ]
    context = {"unit": unit, "rows": rows, "spring": spring, "autumn": autumn}
    return render(request, "analytics/publications/schedules.html", context)


def _subscribers_page(request: UnitRequest, form: SubscriberForm, *, status: int = 200) -> HttpResponse:
    unit = request.tenant
    context = {
        "unit": unit,
        "form": form,
        "subscribers": PublicationSubscriber.objects.filter(unit=unit).order_by("email"),
    }
    return render(request, "analytics/publications/subscribers.html", context, status=status)


@unit_permission_required(Action.MANAGE)
@require_http_methods(["GET", "POST"])
def publication_subscribers(request: UnitRequest) -> HttpResponse:
    if request.method != "POST":
        return _subscribers_page(request, SubscriberForm())
    form = SubscriberForm(request.POST)
    if form.is_valid():
        try:
            subscriber = publication_subscriber_add(unit=request.tenant, email=form.cleaned_data["email"])
        except ValidationError as error:
            form.add_error("email", error.messages)
        else:
            messages.success(
                request, _("%(email)s will be told of each publication.") % {"email": subscriber.email}
            )
            return redirect("unit:publication_subscribers")
    return _subscribers_page(request, form, status=400)


@unit_permission_required(Action.MANAGE)
@require_POST
def publication_subscriber_delete(request: UnitRequest, pk: int) -> HttpResponse:
    if not publication_subscriber_remove(unit=request.tenant, pk=pk):
        raise Http404(_("No such subscriber."))
    messages.success(request, _("Removed from the list."))
    return redirect("unit:publication_subscribers")


# --------------------------------------------------------------------------- public, no sign-in


def _public(public_id: Any) -> Publication:
    publication = publication_public_get(public_id=public_id)
    if publication is None:
        raise Http404(_("No such publication."))
    return publication


@reads_from_replica
@require_safe
@cache_control(public=True, max_age=3600)
def publication_public(request: HttpRequest, public_id: Any) -> HttpResponse:
    publication = _public(public_id)
    # The public page: feedback counts and the on-time rate; the official PDF carries all three figures.
    report = report_build(publication, language=language_of(), public=True)
    others = publications_public(unit=publication.unit).exclude(pk=publication.pk)[:20]
    context = {
        "unit": publication.unit,
        "publication": publication,
        "kind_label": KIND_LABELS.get(publication.kind, publication.kind),
        "r": report,
        "t": report.t,
        "others": others,
        "has_pdf": bool(publication.pdf_sha256),
    }
    return render(request, "analytics/publications/public.html", context)


@reads_from_replica
@require_safe
def publication_public_pdf(request: HttpRequest, public_id: Any) -> HttpResponse:
    publication = _public(public_id)
    if not publication.pdf:
        raise Http404(_("No such publication."))
    if request.headers.get("If-None-Match") == f'"{publication.pdf_sha256}"':
        response = HttpResponse(status=304)
        response["ETag"] = f'"{publication.pdf_sha256}"'
        return response
    return _pdf_response(publication, publication.pdf, public=True)
