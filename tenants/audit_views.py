"""The activity log in the console: a unit's admins (and those of the units above) read it; platform
operators read every unit's and export it as CSV."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .audit import audit_actor, audit_csv_rows, audit_describe, audit_events
from .forms import ListFilterForm
from .http import SignedInRequest
from .models import AuditAction, AuditEvent, Level, Structure, Unit
from .permissions import Action, unit_perm_required
from .spreadsheets import csv_lines
from .vietnam import language_of

PAGE_SIZE = 100


class AuditFilterForm(ListFilterForm):
    """The log's query string."""

    action = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Every action")), *AuditAction.choices]
    )

    def events(self, unit: Unit | None) -> QuerySet[AuditEvent]:
        d = self.cleaned_data
        return audit_events(
            unit=unit, date_from=d.get("date_from"), date_to=d.get("date_to"), action=d.get("action") or ""
        )


def _unit_for_log(request: SignedInRequest, structure: str, code: str) -> Unit:
    """The unit whose log the user may read: its admins and those of every unit above it."""
    unit = Unit.objects.filter(structure=structure, code=code).exclude(level=Level.NATIONAL).first()
    if structure not in Structure.values or unit is None:
        raise Http404(_("No such unit."))
    unit_perm_required(request.user, Action.MANAGE, unit)
    return unit


def _page(request: SignedInRequest, unit: Unit | None) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    context: dict[str, Any] = {
        "unit": unit,
        "form": form,
        "q": request.GET,
        "can_export": request.user.is_superuser,
    }
    if not form.is_valid():
        context["filter_errors"] = [" ".join(map(str, errors)) for errors in form.errors.values()]
        return render(request, "console/audit.html", context, status=400)
    paginator = Paginator(form.events(unit), PAGE_SIZE)
    number = form.cleaned_data.get("page") or 1
    if number > paginator.num_pages:
        context["filter_errors"] = [
            _("There is no page %(n)d: the list has %(pages)d.") % {"n": number, "pages": paginator.num_pages}
        ]
        return render(request, "console/audit.html", context, status=400)
    page = paginator.page(number)
    context.update(
        {
            "page": page,
            "total": paginator.count,
            "rows": [
                {
                    "event": event,
                    "actor": audit_actor(event),
                    "action": AuditAction(event.action).label,
                    "what": audit_describe(event),
                }
                for event in page.object_list
            ],
        }
    )
    return render(request, "console/audit.html", context)


def _csv(request: SignedInRequest, unit: Unit | None) -> HttpResponseBase:
    if not request.user.is_superuser:
        return HttpResponse(_("Only platform operators can export the activity log."), status=403)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _page(request, unit)
    language = language_of()
    events = form.events(unit)

    def stream() -> Iterator[str]:
        with translation.override(language):  # the body is produced after the view has returned
            yield from csv_lines(audit_csv_rows(events=events, language=language))

    name = f"nhat-ky-thao-tac-{unit.code if unit else 'tat-ca'}-{timezone.localdate():%Y%m%d}.csv"
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def unit_audit(request: SignedInRequest, structure: str, code: str) -> HttpResponse:
    return _page(request, _unit_for_log(request, structure, code))


@login_required
@require_GET
def unit_audit_csv(request: SignedInRequest, structure: str, code: str) -> HttpResponseBase:
    return _csv(request, _unit_for_log(request, structure, code))


@login_required
@require_GET
def audit(request: SignedInRequest) -> HttpResponse:
    """Every unit's records, for platform operators."""
    if not request.user.is_superuser:
        raise Http404
    return _page(request, None)


@login_required
@require_GET
def audit_csv(request: SignedInRequest) -> HttpResponseBase:
    if not request.user.is_superuser:
        raise Http404
    return _csv(request, None)
