from django.db import connection

from .permissions import membership_roots


def console(request):
    """The unit switcher: the units where the signed-in user holds a role, and the current unit."""
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    current = tenant if tenant is not None and connection.schema_name != "public" else None
    if user is None or not user.is_authenticated:
        return {"current_unit": current}
    return {
        "switcher_units": membership_roots(user).order_by("structure", "path")[:200],
        "current_unit": current,
    }
