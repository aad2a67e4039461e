"""The menu of a unit's own pages; an entry shows only to users allowed its action."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Action, has_perm

# (url name in the "unit" namespace, label, action needed)
UNIT_MENU = [
    ("unit:results", _("Results"), Action.VIEW_FIGURES),
    ("unit:publications", _("Publications"), Action.VIEW_FIGURES),
    ("unit:quotas", _("Sample quotas"), Action.VIEW_FIGURES),
    ("unit:alerts", _("Staff alerts"), Action.MANAGE),
    ("unit:responses", _("Responses"), Action.VIEW_RESPONSES),
    ("unit:campaigns", _("Campaigns and QR codes"), Action.OPERATE),
    ("unit:questionnaires", _("Questionnaires"), Action.OPERATE),
    ("unit:paper", _("Paper ballots"), Action.OPERATE),
    ("unit:staff", _("Desks and civil servants"), Action.OPERATE),
    ("unit:catalog", _("Fields and procedures"), Action.OPERATE),
]


def unit_menu(request) -> list[dict[str, str]]:
    items = []
    for name, label, action in UNIT_MENU:
        if not has_perm(request.user, action, request.tenant):
            continue
        try:
            items.append({"url": reverse(name), "label": str(label)})
        except NoReverseMatch:
            continue  # the page is not installed in this deployment
    return items
