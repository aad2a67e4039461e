"""Rate limits of the API: each client's own requests per minute and, before anything is written, a
limit per address on calls that bring no valid key.

Calls are counted atomically in the cache (an INCR in Redis), over a sliding window: this minute's count
plus the previous minute's, weighted by the share of it still inside the last 60 seconds. Parallel calls
each get a count of their own, so 40 simultaneous calls on a 5-a-minute key give 5 answers, not 6. A
cache outage lets calls through rather than taking the API down (logged; the cache's own timeouts keep
a hung Redis from holding a request).
"""

import logging
import math
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from tenants.http import client_address

from .models import ApiClient

# Types only: DRF's settings import this module while rest_framework.views is still loading.
if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

WINDOW = 60
logger = logging.getLogger(__name__)


def rate_take(key: str, limit: int, *, now: float | None = None) -> float | None:
    """Count one call against `limit` a minute: None if it may go, else the seconds to wait."""
    minute, elapsed = divmod(time.time() if now is None else now, WINDOW)
    current, previous = f"{key}:{int(minute)}", f"{key}:{int(minute) - 1}"
    try:
        cache.add(current, 0, timeout=2 * WINDOW)
        count = cache.incr(current)
        before = cache.get(previous, 0)
        if before * (1 - elapsed / WINDOW) + count <= limit:
            return None
        cache.decr(current)  # a refused call does not count
    except Exception:  # noqa: BLE001 - a cache outage must not take the API down
        logger.warning("API rate limit not counted: the cache is unavailable", exc_info=True)
        return None
    return _wait(before=before, allowed=count - 1, limit=limit, elapsed=elapsed)


def _wait(*, before: int, allowed: int, limit: int, elapsed: float) -> float:
    """Seconds until one more call fits, if no other comes meanwhile."""
    room = limit - allowed - 1
    if room >= 0:  # this minute has room once enough of the previous one has slid out
        seconds = WINDOW * (1 - room / before) - elapsed
    else:  # next minute, once enough of this one has slid out
        seconds = WINDOW - elapsed + WINDOW * max(0.0, 1 - (limit - 1) / allowed)
    return max(1, math.ceil(seconds))


class ClientRateThrottle(BaseThrottle):
    """The calling client's own rate (ApiClient.rate_per_minute)."""

    seconds: float | None = None

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True  # calls without a key are limited by address, before authentication fails
        self.seconds = rate_take(f"api-rate:client:{client.pk}", client.rate_per_minute)
        return self.seconds is None

    def wait(self) -> float | None:
        return self.seconds


def address_rate_take(request: HttpRequest) -> float | None:
    """A call without a valid key: counted against its address (API_ANONYMOUS_RATE_PER_MINUTE)."""
    return rate_take(f"api-rate:address:{client_address(request)}", settings.API_ANONYMOUS_RATE_PER_MINUTE)
