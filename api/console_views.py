"""Console pages where a province admin or a platform operator manages API clients.

Keys are shown once, on the page that follows creation or rotation, and never stored in clear.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tenants.confirmation import confirmation_step
from tenants.http import SignedInRequest
from tenants.models import Level, Structure, Unit
from tenants.permissions import Action, unit_perm_required

from .models import ApiCall, ApiClient, Scope
from .services import api_client_create, api_client_revoke, api_client_rotate


class ApiClientForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    rate_per_minute = forms.IntegerField(
        label=gettext_lazy("Requests per minute"), min_value=1, max_value=100_000, initial=600
    )


def _managed_unit(request: SignedInRequest, structure: str, code: str) -> Unit:
    unit = Unit.objects.filter(structure=structure, code=code).exclude(level=Level.NATIONAL).first()
    if structure not in Structure.values or unit is None:
        raise Http404(_("No such unit."))
    unit_perm_required(request.user, Action.MANAGE, unit)
    if unit.level != Level.PROVINCE and not request.user.is_superuser:
        raise Http404(_("API clients are managed by provinces."))
    return unit


def _page(
    request: SignedInRequest, unit: Unit, form: ApiClientForm, *, key: str | None = None, status: int = 200
) -> HttpResponse:
    clients = ApiClient.objects.filter(unit=unit).order_by("-created_at")
    calls = ApiCall.objects.filter(client__unit=unit).select_related("client").order_by("-at")[:50]
    return render(
        request,
        "console/api_clients.html",
        {"unit": unit, "clients": clients, "calls": calls, "form": form, "new_key": key},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_clients(request: SignedInRequest, structure: str, code: str) -> HttpResponse:
    unit = _managed_unit(request, structure, code)
    form = ApiClientForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                _client, key = api_client_create(creator=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _page(request, unit, ApiClientForm(), key=key, status=201)
        return _page(request, unit, form, status=400)
    return _page(request, unit, form)


@login_required
@require_POST
def api_client_action(
    request: SignedInRequest, structure: str, code: str, pk: int, action: str
) -> HttpResponse:
    unit = _managed_unit(request, structure, code)
    client = get_object_or_404(ApiClient, pk=pk, unit=unit)
    key = None
    if action == "rotate" and client.is_active:
        asked = confirmation_step(
            request,
            title=_("Issue a new key for “%(name)s”?") % {"name": client.name},
            consequences=[
                _("The current key stops working at once; the new one is shown once, on the next page."),
                _("Every system calling the API with the current key is refused until it gets the new one."),
            ],
            button=_("Issue a new key"),
            cancel_url=reverse("console:api_clients", args=[unit.structure, unit.code]),
            in_unit=False,
        )
        if asked is not None:
            return asked
        key = api_client_rotate(client=client, actor=request.user)
    elif action == "revoke":
        if client.is_active:
            asked = confirmation_step(
                request,
                title=_("Revoke the key of “%(name)s”?") % {"name": client.name},
                consequences=[
                    _("The key stops working at once and can never be turned on again."),
                    _("Every system calling the API with it is refused; it will need a new client and key."),
                ],
                button=_("Revoke"),
                cancel_url=reverse("console:api_clients", args=[unit.structure, unit.code]),
                in_unit=False,
            )
            if asked is not None:
                return asked
        api_client_revoke(client=client, actor=request.user)
    else:
        raise Http404
    return _page(request, unit, ApiClientForm(), key=key)
