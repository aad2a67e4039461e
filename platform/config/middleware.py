"""Refuses input PostgreSQL cannot store, before any view or lookup sees it."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


class RejectNulMiddleware:
    """A NUL character in the path, the query string, a form field or a JSON body is a 400, never a 500.

    PostgreSQL text cannot hold NUL, so such input would otherwise fail deep inside a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = _("The request contains a character that is not allowed (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "invalid_character", "message": message, "field": None}}, status=400
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if NUL in request.path:
            return True
        if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
            return True
        content_type = request.content_type or ""
        if request.method in {"POST", "PUT", "PATCH"}:
            if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                if content_type == "application/x-www-form-urlencoded" and (
                    _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                ):
                    # Too large to read here: whoever reads it refuses it with a 413 (the citizen form
                    # with its own page), which reading it now would turn into a bare 400.
                    return False
                return any(
                    NUL in key or any(NUL in str(v) for v in values) for key, values in request.POST.lists()
                )
            if content_type == "application/json":
                return b"\\u0000" in request.body or b"\x00" in request.body
        return False


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
