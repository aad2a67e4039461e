"""What every v1 view shares: key auth, scopes, throttling (per client, and per address without a key),
the audit trail, unit lookup."""

import time
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ApiRequest
from api.models import ApiCall, Scope
from api.permissions import client_may
from api.throttling import address_rate_take
from tenants.models import Level, Structure, Unit


class AuditedView(APIView):
    audited = True
    required_scope: Scope  # set by each view: what the calling key must hold
    # The query parameters the view documents (and uses); any other one is refused, so a typo such as
    # ?form= does not silently answer for the default period.
    query_parameters: list[OpenApiParameter] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self._started = time.perf_counter()
        # A call with no key or a wrong one is limited by its address first: past the limit it is
        # answered 429 and leaves no audit row, so nobody fills the trail without a key.
        try:
            client = request.user
        except exceptions.AuthenticationFailed:
            self._address_throttle(request)
            raise
        if client is None:
            self._address_throttle(request)
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - {p.name for p in self.query_parameters})
        if unknown:
            raise serializers.ValidationError({name: _("Unknown query parameter.") for name in unknown})

    def _address_throttle(self, request: Request) -> None:
        seconds = address_rate_take(request)
        if seconds is not None:
            self.audited = False
            raise exceptions.Throttled(seconds)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if not self.audited:
            return response
        client = getattr(request, "user", None)
        started = getattr(self, "_started", time.perf_counter())
        ApiCall.objects.create(
            client=client if hasattr(client, "key_prefix") else None,
            method=request.method or "",
            path=request.get_full_path()[:500],
            status=response.status_code,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
        return response

    def unit_in_reach(self, request: ApiRequest, structure: str, code: str) -> Unit:
        """The unit, if the calling key reaches it for this view's scope; otherwise the same 404 as for no
        unit at all."""
        if structure not in Structure.values:
            raise exceptions.NotFound(_("No such unit."))
        unit = Unit.objects.filter(structure=structure, code=code).exclude(level=Level.NATIONAL).first()
        if unit is None or not client_may(request.user, self.required_scope, unit):
            raise exceptions.NotFound(_("No such unit."))
        return unit
