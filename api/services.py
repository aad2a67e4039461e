"""API clients: keys shown once and stored hashed, rotation, revocation."""

import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.audit import audit_record
from tenants.models import AuditAction, Level, Unit, User
from tenants.permissions import Action, has_perm

from .models import ApiClient, Scope

KEY_PREFIX_LENGTH = 8


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{prefix}.{secret}"


@transaction.atomic
def api_client_create(
    *, creator: User, unit: Unit, name: str, scopes: list[str], rate_per_minute: int = 600
) -> tuple[ApiClient, str]:
    """A new client; returns it and its full key, which is never stored and cannot be shown again."""
    if not (
        creator.is_superuser or (unit.level == Level.PROVINCE and has_perm(creator, Action.MANAGE, unit))
    ):
        raise ValidationError(
            _("Only a province administrator or a platform operator can create API clients.")
        )
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValidationError(_("Choose the scopes from the list."))
    if not 1 <= rate_per_minute <= 100_000:
        raise ValidationError(_("The rate limit must be between 1 and 100,000 requests per minute."))
    prefix, secret, key = _new_key()
    client = ApiClient.objects.create(
        name=name.strip(),
        unit=unit,
        scopes=sorted(set(scopes)),
        key_prefix=prefix,
        key_hash=_hash(secret),
        rate_per_minute=rate_per_minute,
        created_by=creator,
    )
    _audit(AuditAction.API_KEY_ISSUE, client, creator)
    return client, key


def _audit(action: AuditAction, client: ApiClient, actor: User | None) -> None:
    audit_record(
        action=action,
        actor=actor,
        unit=client.unit,
        target=f"{client.name} ({client.key_prefix}…)",
        details={"client": client.pk, "scopes": list(client.scopes)},
    )


@transaction.atomic
def api_client_rotate(*, client: ApiClient, actor: User | None = None) -> str:
    """A new key for the client; the old one stops working at once."""
    old_prefix = client.key_prefix
    prefix, secret, key = _new_key()
    client.key_prefix, client.key_hash, client.rotated_at = prefix, _hash(secret), timezone.now()
    client.save(update_fields=["key_prefix", "key_hash", "rotated_at"])
    audit_record(
        action=AuditAction.API_KEY_ROTATE,
        actor=actor,
        unit=client.unit,
        target=f"{client.name} ({old_prefix}… → {prefix}…)",
        details={"client": client.pk},
    )
    return key


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: User | None = None) -> None:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        _audit(AuditAction.API_KEY_REVOKE, client, actor)


def api_client_for_key(key: str) -> ApiClient | None:
    prefix, _, secret = key.partition(".")
    if not prefix or not secret:
        return None
    client = ApiClient.objects.select_related("unit").filter(key_prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(secret)):
        return None
    return client
