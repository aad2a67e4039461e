"""Signed webhook deliveries: `X-Sipas-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`.

A webhook URL is chosen by an outside client, so it must not become a way into our own network (SSRF):
https only; every address the host name resolves to must be a public unicast address, checked when the
webhook is registered AND at each delivery; the connection goes to the address that was checked (a name
that resolves differently a second later — DNS rebinding — changes nothing), with the right Host header
and TLS server name; redirects are not followed; timeouts are short. The delivery log keeps a coarse
outcome only, never the receiver's status line or an error text, so it cannot serve as a port scanner.

`settings.WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS` (False everywhere, never read from the environment) lets
the suite's receiver on 127.0.0.1 through, over http; nothing else is ever allowed.
"""

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import WebhookDelivery

MAX_ATTEMPTS = 6
# Seconds for the connection and for each read; the whole attempt is cut off after TOTAL_SECONDS.
TIMEOUT_SECONDS = 5
TOTAL_SECONDS = 10
# IPv6 forms that carry an IPv4 address inside (NAT64); ipaddress knows the mapped, 6to4 and Teredo ones.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

Outcome = WebhookDelivery.Outcome


class AddressRefused(Exception):
    """The URL points (or now resolves) somewhere a webhook may not go."""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(
    *, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: check the MAC and refuse old timestamps (replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret=secret, timestamp=timestamp, body=body), header)


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name has now, in the resolver's order (an IP literal gives itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped or address.sixtofour or address.teredo or any(address in n for n in NAT64)
    ):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def _is_test_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    plain = not (isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped)
    return settings.WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS and plain and address.is_loopback


def _target(url: str) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses) of a URL whose every address may be called; AddressRefused if not.

    OSError when the name does not resolve (a passing DNS failure, not a refusal).
    """
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as error:  # a port out of range
        raise AddressRefused from error
    if not host or parts.username is not None or parts.password is not None:
        raise AddressRefused
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise AddressRefused
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise OSError("no address")
    try:
        parsed = [ipaddress.ip_address(a) for a in addresses]
    except ValueError as error:
        raise AddressRefused from error
    if all(_is_test_loopback(a) for a in parsed):
        return scheme, host, port, addresses
    if scheme != "https" or not all(_is_public(a) for a in parsed):
        raise AddressRefused
    return scheme, host, port, addresses


def webhook_url_check(url: str) -> None:
    """At registration: a ValidationError unless the URL is https to a name with public addresses only."""
    try:
        _target(url)
    except AddressRefused as error:
        raise ValidationError(
            _("A webhook must use https and point to a public internet address."), code="address"
        ) from error
    except OSError as error:
        raise ValidationError(_("The webhook's host name could not be resolved."), code="dns") from error


def _connection_class(scheme: str, address: str) -> type[http.client.HTTPConnection]:
    """http.client's connection, connecting to the checked address instead of resolving the name again.

    The host name stays the connection's host, so the Host header and (for https) the TLS server name
    and certificate check use it.
    """
    base = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection

    class Pinned(base):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            self._create_connection = lambda _address, timeout, source: socket.create_connection(
                (address, self.port), timeout, source
            )
            super().connect()

    return Pinned


def _post(url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST once; the coarse outcome (never the receiver's answer or an error text)."""
    try:
        scheme, host, port, addresses = _target(url)
    except AddressRefused:
        return Outcome.REFUSED
    except OSError:
        return Outcome.UNREACHABLE
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for address in addresses:
        kwargs: dict[str, Any] = {"context": ssl.create_default_context()} if scheme == "https" else {}
        connection = _connection_class(scheme, address)(host, port, timeout=TIMEOUT_SECONDS, **kwargs)
        try:
            connection.connect()  # includes the TLS handshake and the certificate check
        except OSError:
            connection.close()
            continue  # the next checked address, as a browser would
        # A receiver trickling its answer byte by byte is cut off after TOTAL_SECONDS.
        watchdog = threading.Timer(TOTAL_SECONDS, _cut, args=(connection,))
        watchdog.start()
        try:
            connection.request("POST", path, body=body, headers=headers)
            status = connection.getresponse().status  # redirects (3xx) are not followed
        except (OSError, http.client.HTTPException):
            return Outcome.UNREACHABLE
        finally:
            watchdog.cancel()
            connection.close()
        return Outcome.DELIVERED if 200 <= status < 300 else Outcome.REJECTED
    return Outcome.UNREACHABLE


def _cut(connection: http.client.HTTPConnection) -> None:
    """Shut the socket down from the watchdog's thread: the blocked read returns at once."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)


def delivery_attempt(*, delivery: WebhookDelivery) -> bool:
    """POST the payload once and record the outcome; True when the receiver answered 2xx.

    A refused address is final (no retry); anything else is retried until MAX_ATTEMPTS.
    """
    body = json.dumps(
        {"id": str(delivery.event_id), "event": delivery.event, "data": delivery.payload},
        cls=DjangoJSONEncoder,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "sipas-webhooks/1",
        "X-Sipas-Event": delivery.event,
        "X-Sipas-Signature": signature(secret=delivery.webhook.secret, timestamp=int(time.time()), body=body),
    }
    delivery.attempts += 1
    delivery.last_outcome = _post(delivery.webhook.url, body, headers)
    ok = delivery.last_outcome == Outcome.DELIVERED
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.last_outcome == Outcome.REFUSED or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    return ok
