"""Every API error is `{"error": {"code", "message", "field"}}` (plus `details` for several fields)."""

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def _flatten(detail: object, field: str | None = None) -> Iterator[dict[str, Any]]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            # an object's own errors (not one field's) belong to the object: its path, or none at the top
            sub = field if key == "non_field_errors" else key if field is None else f"{field}.{key}"
            yield from _flatten(value, sub)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            sub = (
                field
                if not isinstance(value, dict | list)
                else f"{field}[{index}]"
                if field
                else f"[{index}]"
            )
            yield from _flatten(value, sub)
    else:
        code = getattr(detail, "code", "invalid")
        yield {"code": code, "message": str(detail), "field": field}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    # DRF's handler turns these two into its own exceptions too, but only for itself: the body below
    # is built from `exc`, so it must be a DRF exception here as well.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None
    details = list(_flatten(response.data if isinstance(exc, exceptions.ValidationError) else exc.detail))
    first = dict(details[0]) if details else {"code": "error", "message": str(exc), "field": None}
    if isinstance(exc, exceptions.Throttled):
        first["code"] = "throttled"
    body: dict[str, Any] = {"error": first}
    if len(details) > 1:
        body["error"]["details"] = details
    return Response(body, status=response.status_code, headers=_headers(response))


def _headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.items() if k in {"Retry-After", "WWW-Authenticate", "Allow"}}


def error(
    code: str, message: str, field: str | None = None, status_code: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    return Response({"error": {"code": code, "message": message, "field": field}}, status=status_code)
