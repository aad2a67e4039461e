"""The staff console shell: the units a user may act in, their subtree, members and onboarding."""

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .forms import MembershipForm
from .http import SignedInRequest
from .menu import unit_links
from .models import Membership, Role, Structure, Unit
from .permissions import Action, has_perm, membership_roots, unit_perm_required
from .replica import replica_configured, replica_health
from .routing import public_reverse, unit_reverse
from .selectors import unit_ancestors
from .services import member_invite, membership_revoke, unit_onboard


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the database, the broker and the read replica, each reported.

    Only a database failure makes the web unhealthy (503): citizen answers are written to
    PostgreSQL in the request, so a broker outage delays figures but loses nothing ("degraded").
    """
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as error:
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        checks["broker"] = "ok"
    except redis.RedisError as error:
        checks["broker"] = f"error: {error.__class__.__name__}"
    if replica_configured():
        # Reported, never failing the check: replica reads fall back to the primary on their own.
        checks["replica"] = replica_health().status
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", **checks}, status=503)
    return JsonResponse({"status": "ok" if checks["broker"] == "ok" else "degraded", **checks})


def _visible_unit(request: SignedInRequest, structure: str, code: str) -> Unit:
    unit = Unit.objects.filter(structure=structure, code=code).exclude(level="national").first()
    if unit is None:
        raise Http404(_("No such unit."))
    unit_perm_required(request.user, Action.VIEW_FIGURES, unit)
    return unit


@login_required
def console_home(request: SignedInRequest) -> HttpResponse:
    roots = list(membership_roots(request.user).order_by("structure", "path"))
    roles = {
        unit_id: Role(role).label
        for unit_id, role in Membership.objects.filter(user=request.user).values_list("unit_id", "role")
    }
    entries = [
        {"unit": unit, "role": roles.get(unit.pk), "children": list(unit.children.order_by("path")[:500])}
        for unit in roots
    ]
    return render(request, "console/home.html", {"entries": entries})


@login_required
def console_switch(request: SignedInRequest) -> HttpResponse:
    """The unit switcher posts or links here; onboarded units open their own console."""
    raw = request.GET.get("unit") or request.POST.get("unit") or ""
    if not raw.isdigit():
        return redirect("console:home")
    unit = get_object_or_404(Unit.objects.exclude(level="national"), pk=int(raw))
    unit_perm_required(request.user, Action.VIEW_FIGURES, unit)
    if unit.is_onboarded:
        return redirect(unit_reverse(unit, "unit:home"))
    return redirect("console:unit", structure=unit.structure, code=unit.code)


def _unit_context(
    request: SignedInRequest, unit: Unit, form: MembershipForm | None = None
) -> dict[str, object]:
    can_manage = has_perm(request.user, Action.MANAGE, unit)
    children = unit.children.order_by("path")
    return {
        "unit": unit,
        "ancestors": unit_links(request.user, unit_ancestors(unit=unit)),
        "children": children,
        "onboarded_children": children.filter(onboarded_at__isnull=False).count(),
        "successors": unit_links(request.user, unit.successors.order_by("path")),
        "predecessors": unit_links(request.user, unit.predecessors.order_by("path")),
        "can_manage": can_manage,
        "memberships": unit.memberships.select_related("user").order_by("role", "user__email")
        if can_manage
        else [],
        "form": form or MembershipForm(),
    }


@login_required
def console_unit(request: SignedInRequest, structure: str, code: str) -> HttpResponse:
    if structure not in Structure.values:
        raise Http404
    unit = _visible_unit(request, structure, code)
    return render(request, "console/unit.html", _unit_context(request, unit))


@login_required
@require_POST
def console_member_add(request: SignedInRequest, structure: str, code: str) -> HttpResponse:
    unit = _visible_unit(request, structure, code)
    if not has_perm(request.user, Action.MANAGE, unit):
        return HttpResponse(_("You cannot change roles in %(unit)s.") % {"unit": unit.name}, status=403)
    form = MembershipForm(request.POST)
    if form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        try:
            invitation = member_invite(granter=request.user, email=email, unit=unit, role=role)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if invitation.password_link_sent:
                note = _("%(email)s was invited: the e-mail carries a link to choose a password.")
            else:
                note = _("%(email)s was told of the new role by e-mail.")
            messages.success(request, note % {"email": invitation.membership.user.email})
            return redirect("console:unit", structure=structure, code=code)
    return render(request, "console/unit.html", _unit_context(request, unit, form), status=400)


@login_required
@require_POST
def console_member_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("unit"), pk=pk)
    if not has_perm(request.user, Action.VIEW_FIGURES, membership.unit):
        raise Http404
    try:
        membership_revoke(granter=request.user, membership=membership)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=403)
    return redirect("console:unit", structure=membership.unit.structure, code=membership.unit.code)


@login_required
@require_POST
def console_onboard(request: SignedInRequest, structure: str, code: str) -> HttpResponse:
    """Platform operators onboard a unit from its registry page."""
    unit = _visible_unit(request, structure, code)
    if not request.user.is_superuser:
        return HttpResponse(_("Only platform operators can onboard units."), status=403)
    try:
        unit_onboard(unit=unit)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=409)
    return redirect(public_reverse("console:unit", unit.structure, unit.code))
