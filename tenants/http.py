"""What every app's views need to know about the HTTP request itself."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from .models import Unit, User


class SignedInRequest(HttpRequest):
    """A request that `login_required` (or a guard built on it) let through: `user` is an account.

    An annotation only, so views are checked against what their guard guarantees; at run time the
    request is Django's own.
    """

    user: User


class UnitRequest(SignedInRequest):
    """A signed-in request to a unit's own pages (/u/<slug>/...), where django-tenants' middleware
    has put the unit on the request."""

    tenant: Unit


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the X-Real-IP set by a trusted reverse proxy.

    Behind nginx every request comes from the proxy's address, so all callers would share one address
    (one burst of citizens, one rate limit). `settings.TRUSTED_PROXY_NETWORKS` (e.g. ["127.0.0.1/32"])
    names the proxies whose X-Real-IP is believed; the header of anyone else is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    networks = settings.TRUSTED_PROXY_NETWORKS
    if not networks:
        return remote
    try:
        proxied = any(ipaddress.ip_address(remote) in ipaddress.ip_network(n) for n in networks)
        real = str(ipaddress.ip_address(request.META.get("HTTP_X_REAL_IP", "").strip()))
    except ValueError:
        return remote
    return real if proxied else remote
