"""The menu of a unit's own pages; an entry shows only to users allowed its action."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Action, has_perm
from .routing import public_reverse

# (url name, label, action needed, levels that have the page or None for all). Names in the "unit"
# namespace are the unit's own pages; "console:" names are public pages about the unit (the activity
# log lives in the public schema and stays readable after the unit is offboarded).
UNIT_MENU: list[tuple[str, object, Action, set[str] | None]] = [
    ("unit:par", _("PAR Index points"), Action.MANAGE, {"province"}),
    ("unit:results", _("Results"), Action.VIEW_FIGURES, None),
    ("unit:publications", _("Publications"), Action.VIEW_FIGURES, None),
    ("unit:quotas", _("Sample quotas"), Action.VIEW_FIGURES, None),
    ("unit:alerts", _("Staff alerts"), Action.MANAGE, None),
    ("unit:responses", _("Responses"), Action.VIEW_RESPONSES, None),
    ("unit:review", _("Answers held for review"), Action.VIEW_RESPONSES, None),
    ("unit:devices", _("Desk tablets"), Action.OPERATE, None),
    ("unit:campaigns", _("Campaigns and QR codes"), Action.OPERATE, None),
    ("unit:questionnaires", _("Questionnaires"), Action.OPERATE, None),
    ("unit:paper", _("Paper ballots"), Action.OPERATE, None),
    ("unit:staff", _("Desks and civil servants"), Action.OPERATE, None),
    ("unit:catalog", _("Fields and procedures"), Action.OPERATE, None),
    ("console:unit_audit", _("Activity log"), Action.MANAGE, None),
]


def unit_menu(request) -> list[dict[str, str]]:
    items = []
    for name, label, action, levels in UNIT_MENU:
        if levels is not None and request.tenant.level not in levels:
            continue
        if not has_perm(request.user, action, request.tenant):
            continue
        try:
            if name.startswith("console:"):
                url = public_reverse(name, request.tenant.structure, request.tenant.code)
            else:
                url = reverse(name)
            items.append({"url": url, "label": str(label)})
        except NoReverseMatch:
            continue  # the page is not installed in this deployment
    return items
