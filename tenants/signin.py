"""Sign-in throttling: django-axes' database handler, with one limit per account and another per address."""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class SignInThrottle(AxesDatabaseHandler):
    """Locks an account after AXES_FAILURE_LIMIT failures, an address after SIGN_IN_ADDRESS_FAILURE_LIMIT.

    Axes counts failures for each of AXES_LOCKOUT_PARAMETERS (["username", "ip_address"]) over the
    cool-off and locks when the largest count reaches one limit. A whole commune office signs in from one
    address, so an address is allowed more failures than an account: its count is scaled to the account
    limit, reaching it exactly at the address limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = by_address * settings.AXES_FAILURE_LIMIT // settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
        return max(by_account, scaled)
