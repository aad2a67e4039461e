"""`Authorization: Api-Key <prefix>.<secret>`; the client becomes request.user."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiClient
from .services import api_client_for_key


class ApiRequest(Request):
    """A request that ApiKeyAuthentication let through: `user` is the calling client (an annotation only)."""

    user: ApiClient  # type: ignore[assignment]


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiClient, None] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, key = header.partition(" ")
        if keyword != self.keyword or not key.strip():
            raise exceptions.AuthenticationFailed(_("Use the header “Authorization: Api-Key <key>”."))
        client = api_client_for_key(key.strip())
        if client is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if not client.is_active:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        return client, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`, shown once when the client is created.",
        }
