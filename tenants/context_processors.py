from django.db import connection

from .menu import unit_links, unit_menu
from .permissions import membership_roots
from .selectors import unit_ancestors


def console(request):
    """The unit switcher (units where the user holds a role) and, inside a unit, its menu and ancestors."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    current = tenant if tenant is not None and connection.schema_name != "public" else None
    if user is None or not user.is_authenticated:
        return {"current_unit": current}
    context = {
        "switcher_units": membership_roots(user).order_by("structure", "path")[:200],
        "current_unit": current,
    }
    if current is not None:
        context["unit_menu"] = unit_menu(request)
        context["unit_crumbs"] = unit_links(user, unit_ancestors(unit=current))
    return context
