"""View guard for a unit's own pages (/u/<slug>/...): the one permission helper, applied to request.tenant."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase

from .http import UnitRequest
from .permissions import Action, unit_perm_required


def unit_permission_required(
    action: Action,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Signed-in users only; a user without `action` in the current unit gets the 403 naming it."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: UnitRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            unit_perm_required(request.user, action, request.tenant)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
