"""Refuses input PostgreSQL cannot store before any view sees it; a Content-Security-Policy on every page."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from tenants.embedding import frame_ancestors

NUL = "\x00"


class RejectNulMiddleware:
    """A NUL character in the path, the query string, a form field or a JSON body is a 400, never a 500.

    PostgreSQL text cannot hold NUL, so such input would otherwise fail deep inside a query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
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


# Pages load only what the site serves: scripts from its own files (never inline), styles from its
# files or inline, images from it or data: URIs; the API's documentation fetches the schema and runs a
# search worker. A page with a stricter policy of its own (the citizen form) keeps it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    """Every page gets a Content-Security-Policy, and every policy a frame-ancestors (tenants.embedding)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = response.get("Content-Security-Policy") or CONTENT_SECURITY_POLICY
        if "frame-ancestors" not in policy:
            policy = f"{policy}; frame-ancestors {frame_ancestors(response)}"
        response["Content-Security-Policy"] = policy
        return response
