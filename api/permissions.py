from rest_framework import permissions

from .models import ApiClient


class HasScope(permissions.BasePermission):
    """The view's `required_scope` (per method via `required_scopes`) must be one of the client's scopes."""

    message = "This API key does not have the scope this call needs."

    def has_permission(self, request, view):
        client = request.user
        if not isinstance(client, ApiClient) or not client.is_active:
            return False
        scopes = getattr(view, "required_scopes", {})
        needed = scopes.get(request.method, getattr(view, "required_scope", None))
        if needed is None:
            return True
        self.message = f"This API key does not have the scope “{needed}”."
        return needed in client.scopes
