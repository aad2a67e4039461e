"""Which pages one-stop systems may show inside their own pages (iframes), and who may.

Only pages marked `embeddable` (the citizen form, the public results and the desk's board) may be framed,
and only by the origins of settings.FRAME_ANCESTORS (none by default); config's ContentSecurityPolicy
middleware writes the rule into every page's Content-Security-Policy.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# A mark on the response object (Django's own xframe_options_exempt works the same way).
EMBEDDABLE = "embeddable"


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, EMBEDDABLE, True)
        if settings.FRAME_ANCESTORS:
            # X-Frame-Options cannot name origins; the CSP's frame-ancestors does, and browsers obey it.
            response.xframe_options_exempt = True
        return response

    return wrapped


def frame_ancestors(response: HttpResponse) -> str:
    """The CSP frame-ancestors source list for a response."""
    origins = settings.FRAME_ANCESTORS if getattr(response, EMBEDDABLE, False) else []
    return " ".join(origins) or "'none'"
