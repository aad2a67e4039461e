"""The one place that decides who may do what in which unit.

A role held in a unit applies to its whole subtree for the actions in INHERITED; raw
responses and desk work stay with the unit itself (DESIGN.md, Roles).
"""

from enum import StrEnum

from django.db.models import Q, QuerySet

from .models import Membership, Role, Unit, User

RANK = {Role.VIEWER: 1, Role.OFFICER: 2, Role.ADMIN: 3}


class Action(StrEnum):
    VIEW_FIGURES = "view_figures"  # aggregates and dashboards
    VIEW_RESPONSES = "view_responses"  # raw responses and free text
    OPERATE = "operate"  # desks, staff, QR codes, campaigns, paper entry
    MANAGE = "manage"  # the unit's settings, onboarding and users


REQUIRED = {
    Action.VIEW_FIGURES: Role.VIEWER,
    Action.VIEW_RESPONSES: Role.OFFICER,
    Action.OPERATE: Role.OFFICER,
    Action.MANAGE: Role.ADMIN,
}
INHERITED = {Action.VIEW_FIGURES, Action.MANAGE}


def ancestor_paths(unit: Unit) -> list[str]:
    """The paths of the unit and of every unit above it, from the materialized path."""
    prefix, _, rest = unit.path.partition(":")
    segments = [s for s in rest.split("/") if s]
    return [f"{prefix}:" + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]


def _roles(user: User, unit: Unit) -> tuple[Role | None, Role | None]:
    """(role held in the unit itself, best role inherited from it or any ancestor)."""
    own: Role | None = None
    best: Role | None = None
    rows = Membership.objects.filter(user=user, unit__path__in=ancestor_paths(unit)).values_list(
        "unit_id", "role"
    )
    for unit_id, raw in rows:
        role = Role(raw)
        if unit_id == unit.pk:
            own = role
        if best is None or RANK[role] > RANK[best]:
            best = role
    return own, best


def has_perm(user: User | None, action: Action, unit: Unit) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    own, inherited = _roles(user, unit)
    role = inherited if action in INHERITED else own
    return role is not None and RANK[role] >= RANK[REQUIRED[action]]


def visible_units(user: User) -> QuerySet[Unit]:
    """Every unit whose figures the user may see: the subtrees of their memberships."""
    if user.is_superuser:
        return Unit.objects.exclude(level="national")
    paths = list(Membership.objects.filter(user=user).values_list("unit__path", flat=True))
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def membership_roots(user: User) -> QuerySet[Unit]:
    """The units where the user holds a role directly: the tops of what they may act in."""
    if user.is_superuser:
        return Unit.objects.filter(level="province", parent__isnull=True)
    return Unit.objects.filter(memberships__user=user).distinct()
