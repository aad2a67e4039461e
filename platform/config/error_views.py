"""The pages Django shows when a request fails: Vietnamese first, no technical wording, a way on.

They render without the request's context processors and without the database, so they still work when
the database is what failed. API addresses get the API's error shape instead of a page.
"""

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.models import Unit
from tenants.permissions import UnitRefused
from tenants.routing import public_reverse

# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30


def _page(
    request: HttpRequest,
    status: int,
    code: str,
    title: str,
    message: str,
    links: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": code, "message": f"{title}. {message}", "field": None}}, status=status
        )
    else:
        context = {
            "lang": translation.get_language() or "vi",
            "status": status,
            "title": title,
            "message": message,
            "retry": status == 503,
            "links": links or [],
        }
        response = HttpResponse(loader.render_to_string("errors/page.html", context), status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return _page(
            request, 413, "too_large", _("What was sent is too large"),
            _("Please send less at a time, or a smaller file."),
        )  # fmt: skip
    return _page(
        request, 400, "bad_request", _("This request could not be understood"),
        _("Please go back and try again."),
    )  # fmt: skip


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, UnitRefused):
        return _unit_refused(request, exception.unit)
    return _page(
        request, 403, "forbidden", _("The request was refused"),
        _("You may not do this, or the form was open for too long. Reload the page and try again."),
    )  # fmt: skip


def _unit_refused(request: HttpRequest, unit: Unit) -> HttpResponse:
    """A unit that exists, beyond the person's roles: say so, and where they can go instead."""
    links = [(public_reverse("console:home"), _("Your units"))]
    if unit.is_onboarded:
        public = public_reverse("public_results", unit.slug)
        links.append((public, _("Public results of %(unit)s") % {"unit": unit.name}))
    return _page(
        request, 403, "forbidden", _("You do not have permission to see this page"),
        _(
            "This page of %(unit)s needs a role you do not hold there. Open one of your own units, or "
            "ask an administrator of %(unit)s for access."
        ) % {"unit": unit.name},
        links,
    )  # fmt: skip


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: an expired or foreign form is a refused request like any other."""
    return permission_denied(request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 404, "not_found", _("Page not found"),
        _("The address may have been typed wrongly, or the page has been removed."),
    )  # fmt: skip


def server_error(request: HttpRequest) -> HttpResponse:
    """A database that cannot be reached is a 503 with Retry-After; anything else a plain 500."""
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        response = _page(
            request, 503, "unavailable", _("The service is temporarily unavailable"),
            _("The system cannot reach its database at the moment. Please try again in a minute."),
        )  # fmt: skip
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _page(
        request, 500, "server_error", _("Something went wrong"),
        _("The error has been recorded. Please try again later."),
    )  # fmt: skip
