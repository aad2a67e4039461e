"""Signed webhook deliveries: `X-Sipas-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from .models import WebhookDelivery

MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10


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


def delivery_attempt(*, delivery: WebhookDelivery) -> bool:
    """POST the payload once; records the outcome; True when the receiver answered 2xx."""
    body = json.dumps(
        {"id": str(delivery.event_id), "event": delivery.event, "data": delivery.payload},
        cls=DjangoJSONEncoder,
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the client's own https endpoint
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "sipas-webhooks/1",
            "X-Sipas-Event": delivery.event,
            "X-Sipas-Signature": signature(
                secret=delivery.webhook.secret, timestamp=int(time.time()), body=body
            ),
        },
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            delivery.last_status_code = answer.status
            ok = 200 <= answer.status < 300
    except urllib.error.HTTPError as error:
        delivery.last_status_code, delivery.last_error, ok = error.code, str(error)[:300], False
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        delivery.last_error, ok = str(error)[:300], False
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    return ok
