"""The menu of a unit's own pages; an entry shows only to users allowed its action."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Action, has_perm

# (url name in the "unit" namespace, label, action needed, levels that have the page or None for all)
UNIT_MENU: list[tuple[str, object, Action, set[str] | None]] = [
    ("unit:par", _("PAR Index points"), Action.MANAGE, {"province"}),
    ("unit:results", _("Results"), Action.VIEW_FIGURES, None),
    ("unit:publications", _("Publications"), Action.VIEW_FIGURES, None),
    ("unit:quotas", _("Sample quotas"), Action.VIEW_FIGURES, None),
    ("unit:alerts", _("Staff alerts"), Action.MANAGE, None),
    ("unit:responses", _("Responses"), Action.VIEW_RESPONSES, None),
    ("unit:campaigns", _("Campaigns and QR codes"), Action.OPERATE, None),
    ("unit:questionnaires", _("Questionnaires"), Action.OPERATE, None),
    ("unit:paper", _("Paper ballots"), Action.OPERATE, None),
    ("unit:staff", _("Desks and civil servants"), Action.OPERATE, None),
    ("unit:catalog", _("Fields and procedures"), Action.OPERATE, None),
]


def unit_menu(request) -> list[dict[str, str]]:
    items = []
    for name, label, action, levels in UNIT_MENU:
        if levels is not None and request.tenant.level not in levels:
            continue
        if not has_perm(request.user, action, request.tenant):
            continue
        try:
            items.append({"url": reverse(name), "label": str(label)})
        except NoReverseMatch:
            continue  # the page is not installed in this deployment
    return items
