from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.http import HttpRequest

from .menu import unit_links, unit_menu
from .models import Unit
from .permissions import Action, has_perm, membership_roots
from .selectors import unit_ancestors

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

    from .http import UnitRequest


def console(request: HttpRequest) -> dict[str, Any]:
    """The unit switcher (units where the user holds a role) and, inside a unit, its menu and ancestors."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    schema = cast("TenantDatabaseWrapper", connection).schema_name
    in_schema = tenant is not None and schema != "public"
    current = tenant if in_schema else None
    if user is None or not user.is_authenticated:
        return {"current_unit": current}
    roots = list(membership_roots(user).order_by("structure", "path")[:200])
    here = current or _registry_unit(request)
    if here is not None and not has_perm(user, Action.VIEW_FIGURES, here):
        here = None
    # The switcher names the unit you are in, also below your own units (an operator's roots are the
    # provinces): otherwise it would show the first province as if it were the one open.
    if here is not None and all(unit.pk != here.pk for unit in roots):
        roots.insert(0, here)
    context = {"switcher_units": roots, "current_unit": here}
    if current is not None:
        # Signed in, inside a unit: what a unit's own pages get (UnitRequest).
        context["unit_menu"] = unit_menu(cast("UnitRequest", request))
        context["unit_crumbs"] = unit_links(user, unit_ancestors(unit=current))
    return context


def _registry_unit(request: HttpRequest) -> Unit | None:
    """The unit a console registry page (/console/units/<structure>/<code>/…) is about, if any."""
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    if "structure" not in kwargs or "code" not in kwargs:
        return None
    return Unit.objects.filter(structure=kwargs["structure"], code=kwargs["code"]).first()
