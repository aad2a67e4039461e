"""The menu of a unit's own pages; an entry shows only to users allowed its action."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .http import UnitRequest
from .models import Level, Unit, User
from .permissions import Action, has_perm
from .routing import public_reverse

# (url name, label, action needed, levels that have the page or None for all). Names in the "unit"
# namespace are the unit's own pages; "console:" names are public pages about the unit (the activity
# log lives in the public schema and stays readable after the unit is offboarded).
UNIT_MENU: list[tuple[str, object, Action, set[str] | None]] = [
    ("unit:par", _("PAR Index points"), Action.MANAGE, {"province"}),
    ("unit:results", _("Results"), Action.VIEW_FIGURES, None),
    ("unit:household_rounds", _("Household surveys"), Action.OPERATE, {"province"}),
    ("unit:publications", _("Publications"), Action.VIEW_FIGURES, None),
    ("unit:quotas", _("Sample quotas"), Action.VIEW_FIGURES, None),
    ("unit:alerts", _("Staff alerts"), Action.MANAGE, None),
    ("unit:responses", _("Responses"), Action.VIEW_RESPONSES, None),
    ("unit:review", _("Answers held for review"), Action.VIEW_RESPONSES, None),
    ("unit:feedback", _("Feedback and complaints"), Action.OPERATE, None),
    ("unit:devices", _("Desk tablets"), Action.OPERATE, None),
    ("unit:campaigns", _("Campaigns and QR codes"), Action.OPERATE, None),
    ("unit:questionnaires", _("Questionnaires"), Action.OPERATE, None),
    ("unit:paper", _("Paper ballots"), Action.OPERATE, None),
    ("unit:customers", _("Customer lists"), Action.OPERATE, None),
    ("unit:staff", _("Desks and civil servants"), Action.OPERATE, None),
    ("unit:catalog", _("Fields and procedures"), Action.OPERATE, None),
    ("console:unit_audit", _("Activity log"), Action.MANAGE, None),
]


def _entry_url(request: UnitRequest, name: str, action: Action, levels: set[str] | None) -> str:
    """The page's address if this user may open it in the current unit, else ""."""
    if levels is not None and request.tenant.level not in levels:
        return ""
    if not has_perm(request.user, action, request.tenant):
        return ""
    if name.startswith("console:"):
        return public_reverse(name, request.tenant.structure, request.tenant.code)
    return reverse(name)


def unit_menu(request: UnitRequest) -> list[dict[str, str]]:
    items = []
    for name, label, action, levels in UNIT_MENU:
        url = _entry_url(request, name, action, levels)
        if url:
            items.append({"url": url, "label": str(label)})
    return items


def unit_links(user: User, units: Iterable[Unit]) -> list[dict[str, str]]:
    """Units named on a page (breadcrumbs, mergers), each linked only where it leads somewhere for this
    user: its registry page if they may see its figures, else its public results if it publishes any,
    else its name alone. The country has no page of its own."""
    links = []
    for unit in units:
        if unit.level == Level.NATIONAL:
            continue
        if has_perm(user, Action.VIEW_FIGURES, unit):
            url = public_reverse("console:unit", unit.structure, unit.code)
        elif unit.is_onboarded:
            url = public_reverse("public_results", unit.slug)
        else:
            url = ""
        links.append({"name": unit.name, "url": url})
    return links


def unit_page_url(request: UnitRequest, name: str) -> str:
    """A menu page's address for a link elsewhere (a results page's shortcuts): "" where the menu
    would not show it to this user, so no page links to what refuses them."""
    for entry, _label, action, levels in UNIT_MENU:
        if entry == name:
            return _entry_url(request, name, action, levels)
    raise ValueError(f"{name} is not a page of the unit menu")
