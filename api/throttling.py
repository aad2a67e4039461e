"""Per-client rate limits (requests per minute, set on each client)."""

import contextlib

from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def get_rate(self):
        return None  # set per request from the client, in allow_request

    def allow_request(self, request, view):
        client = request.user
        if not getattr(client, "is_authenticated", False) or not hasattr(client, "rate_per_minute"):
            return True
        self.num_requests, self.duration = client.rate_per_minute, 60
        self.key = f"api-throttle:{client.pk}"
        try:
            self.history = self.cache.get(self.key, [])
        except Exception:  # noqa: BLE001 - a cache outage must not take the API down
            return True
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def throttle_success(self):
        self.history.insert(0, self.now)
        with contextlib.suppress(Exception):  # see allow_request
            self.cache.set(self.key, self.history, self.duration)
        return True
