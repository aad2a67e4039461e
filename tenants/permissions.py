"""The one place that decides who may do what in which unit — people in the console and API keys alike.

A grant held in a unit (a person's role, an API client's key) applies to its whole subtree for the
actions in INHERITED; raw responses and desk work stay with the unit itself (DESIGN.md, Roles: "the
API obeys the same rule as the console"). `grant_covers` is that rule; `has_perm` applies it to a
person's memberships, api.permissions to a key's unit and scopes.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import Level, Membership, Role, Unit, User

RANK = {Role.VIEWER: 1, Role.OFFICER: 2, Role.ADMIN: 3}


class Action(StrEnum):
    VIEW_FIGURES = "view_figures"  # aggregates and dashboards
    VIEW_RESPONSES = "view_responses"  # raw responses and free text
    OPERATE = "operate"  # desks, staff, QR codes, campaigns, paper entry
    MANAGE = "manage"  # the unit's settings, onboarding and users
    # Dossier events and transaction counts that the one-stop system of a province (or district) sends
    # for every unit below it: what an admin authorises when they issue that system its key.
    FEED = "feed"


REQUIRED = {
    Action.VIEW_FIGURES: Role.VIEWER,
    Action.VIEW_RESPONSES: Role.OFFICER,
    Action.OPERATE: Role.OFFICER,
    Action.MANAGE: Role.ADMIN,
    Action.FEED: Role.ADMIN,
}
INHERITED = {Action.VIEW_FIGURES, Action.MANAGE, Action.FEED}


class UnitRefused(PermissionDenied):
    """A signed-in person asked for a page of a unit that exists but is beyond their roles.

    The registry of units is public, so the refusal says so (a 403 naming the unit and where to go)
    rather than pretending the unit does not exist; objects inside a unit (drafts) still answer 404.
    """

    def __init__(self, unit: Unit) -> None:
        super().__init__(unit.name)
        self.unit = unit


def unit_perm_required(user: User | None, action: Action, unit: Unit) -> None:
    """Raises UnitRefused unless the user may do `action` in `unit`."""
    if not has_perm(user, action, unit):
        raise UnitRefused(unit)


def ancestor_paths(unit: Unit) -> list[str]:
    """The paths of the unit and of every unit above it, from the materialized path."""
    prefix, _, rest = unit.path.partition(":")
    segments = [s for s in rest.split("/") if s]
    return [f"{prefix}:" + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]


def grant_covers(*, holder: Unit, action: Action, unit: Unit) -> bool:
    """Does a grant held in `holder` reach `unit` for `action`?

    Inherited actions reach the holder's subtree (from the national root, every unit); the others only
    the holder itself. Whether the grant is strong enough for the action is the caller's part.
    """
    if action in INHERITED:
        return holder.level == Level.NATIONAL or unit.path.startswith(holder.path)
    return holder.pk == unit.pk


def has_perm(user: User | None, action: Action, unit: Unit) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    needed = RANK[REQUIRED[action]]
    memberships = Membership.objects.filter(user=user, unit__path__in=ancestor_paths(unit)).select_related(
        "unit"
    )
    return any(
        RANK[Role(m.role)] >= needed and grant_covers(holder=m.unit, action=action, unit=unit)
        for m in memberships
    )


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
