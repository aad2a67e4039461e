"""What an API key may do: the scope it holds, reaching as far as the one rule lets a grant in its unit.

Each scope stands for a console action (tenants.permissions.Action), and a key reaches a unit for it
exactly as a role held in the key's unit would: figures and feeds down the subtree, raw responses only
in the key's own unit. Keys are issued by a province's admins (or an operator), who hold every action
in the province itself, so no key reads what its issuer's console refuses them.
"""

from typing import TYPE_CHECKING

from rest_framework import permissions

from tenants.models import Unit
from tenants.permissions import Action, grant_covers

from .models import ApiClient, Scope

# Types only: DRF's settings import this module while rest_framework.views is still loading.
if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

SCOPE_ACTIONS = {
    Scope.READ_FIGURES: Action.VIEW_FIGURES,
    Scope.READ_RESPONSES: Action.VIEW_RESPONSES,
    Scope.WRITE_DOSSIERS: Action.FEED,
    Scope.WRITE_TRANSACTIONS: Action.FEED,
    Scope.WRITE_FEEDBACK: Action.FEED,
}


def client_may(client: ApiClient, scope: Scope, unit: Unit) -> bool:
    """Does the key hold `scope`, and does it reach `unit` for it?"""
    return scope in client.scopes and grant_covers(holder=client.unit, action=SCOPE_ACTIONS[scope], unit=unit)


class HasScope(permissions.BasePermission):
    """The view's `required_scope` must be one of the client's scopes."""

    message = "This API key does not have the scope this call needs."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        client = request.user
        if not isinstance(client, ApiClient) or not client.is_active:
            return False
        needed = getattr(view, "required_scope", None)
        if needed is None:
            return True
        self.message = f"This API key does not have the scope “{needed}”."
        return needed in client.scopes
