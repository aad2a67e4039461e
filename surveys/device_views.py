"""Desk tablets: register the device in hand as one the unit keeps at its desk, or withdraw one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.permissions import Action

from .devices import (
    COOKIE_MAX_AGE,
    desk_device_from_cookie,
    desk_device_register,
    desk_device_revoke,
    device_cookie_name,
)
from .models import DeskDevice


def _page(request: UnitRequest, *, error: str = "", label: str = "", status: int = 200) -> HttpResponse:
    this = desk_device_from_cookie(request.COOKIES.get(device_cookie_name(request.tenant)))
    context = {
        "devices": DeskDevice.objects.select_related("registered_by", "revoked_by"),
        "this_device": this,
        "error": error,
        "label": label,
    }
    return render(request, "console/devices.html", context, status=status)


@require_http_methods(["GET", "POST"])
@unit_permission_required(Action.OPERATE)
def devices(request: UnitRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    label = request.POST.get("label", "")
    try:
        device, cookie = desk_device_register(label=label, user=request.user)
    except ValidationError as error:
        return _page(request, error=" ".join(error.messages), label=label[:100], status=400)
    messages.success(request, _("This device is registered as “%(label)s”.") % {"label": device.label})
    response = redirect("unit:devices")
    # Sent with every citizen form this browser posts; unreadable by scripts, never shown.
    response.set_cookie(
        device_cookie_name(request.tenant),
        cookie,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


@require_POST
@unit_permission_required(Action.OPERATE)
def device_revoke(request: UnitRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(DeskDevice, pk=pk)
    try:
        desk_device_revoke(device=device, user=request.user)
    except ValidationError as error:
        return _page(request, error=" ".join(error.messages), status=400)
    messages.success(request, _("“%(label)s” is withdrawn.") % {"label": device.label})
    return redirect("unit:devices")
