"""View guard for a unit's own pages (/u/<slug>/...): the one permission helper, applied to request.tenant."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .permissions import Action, has_perm


def unit_permission_required(action: Action) -> Callable:
    """Signed-in users only; a user without `action` in the current unit gets 404, so nothing leaks."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_perm(request.user, action, request.tenant):
                raise Http404(_("No such unit."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
