"""Desk devices: the tablet or kiosk at a one-stop desk on which citizen after citizen answers.

An officer registers the device from the console, on the device itself; it then carries a cookie
"<device id>.<secret>" whose secret is stored hashed (like an API key). Answers sent with that cookie
through the unit's desk or civil-servant codes are paced per device instead of per address
(surveys.services, `_flags`). A withdrawn device is an ordinary browser again.
"""

import hashlib
import hmac
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.audit import audit_record
from tenants.models import AuditAction, Unit
from tenants.selectors import unit_current

from .models import DeskDevice

COOKIE_PREFIX = "sipas_device_"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
MAX_LABEL_LENGTH = 100


def device_cookie_name(unit: Unit) -> str:
    """One cookie per unit: a device registered by one unit is unknown to every other."""
    return f"{COOKIE_PREFIX}{unit.schema_name}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def desk_device_register(*, label: str, user: Any) -> tuple[DeskDevice, str]:
    """Register the device the officer is using; returns it and the cookie value (shown nowhere)."""
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError(_("Name the device, e.g. “Máy tính bảng quầy 1”."))
    if len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(_("Please keep the name under %(n)d characters.") % {"n": MAX_LABEL_LENGTH})
    secret = secrets.token_urlsafe(32)
    device = DeskDevice.objects.create(label=label, token_hash=_hash(secret), registered_by=user)
    audit_record(
        action=AuditAction.DESK_DEVICE_REGISTER,
        actor=user,
        unit=unit_current(),
        target=label,
        details={"device": device.pk},
    )
    return device, f"{device.pk}.{secret}"


@transaction.atomic
def desk_device_revoke(*, device: DeskDevice, user: Any) -> DeskDevice:
    """Withdraw a device (lost, replaced, moved away from the desk): its answers are paced by address."""
    locked = DeskDevice.objects.select_for_update().get(pk=device.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This device is already withdrawn."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action=AuditAction.DESK_DEVICE_REVOKE,
        actor=user,
        unit=unit_current(),
        target=locked.label,
        details={"device": locked.pk},
    )
    return locked


def desk_device_from_cookie(value: str | None) -> DeskDevice | None:
    """The current unit's active device this cookie proves, or None (absent, garbled, forged, withdrawn)."""
    device_id, _dot, secret = (value or "").partition(".")
    if not device_id.isdigit() or len(device_id) > 18 or not secret or len(secret) > 100:
        return None
    device = DeskDevice.objects.filter(pk=int(device_id), revoked_at__isnull=True).first()
    if device is None or not hmac.compare_digest(device.token_hash, _hash(secret)):
        return None
    return device
