"""What every v1 view shares: key auth, scopes, per-client throttling, the audit trail, unit lookup."""

import time

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import APIView

from api.models import ApiCall
from api.permissions import client_may
from tenants.models import Level, Structure, Unit


class AuditedView(APIView):
    def initial(self, request, *args, **kwargs):
        self._started = time.perf_counter()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "user", None)
        started = getattr(self, "_started", time.perf_counter())
        ApiCall.objects.create(
            client=client if hasattr(client, "key_prefix") else None,
            method=request.method,
            path=request.get_full_path()[:500],
            status=response.status_code,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )
        return response

    def unit_in_reach(self, request, structure: str, code: str) -> Unit:
        """The unit, if the calling key reaches it for this view's scope; otherwise the same 404 as for no
        unit at all."""
        if structure not in Structure.values:
            raise exceptions.NotFound(_("No such unit."))
        unit = Unit.objects.filter(structure=structure, code=code).exclude(level=Level.NATIONAL).first()
        if unit is None or not client_may(request.user, self.required_scope, unit):
            raise exceptions.NotFound(_("No such unit."))
        return unit
