"""API clients, their audit trail and webhooks (public schema)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Unit


class Scope(models.TextChoices):
    READ_FIGURES = "read:figures", _("Read units, figures, rankings, quotas, publications")
    READ_RESPONSES = "read:responses", _("Read the responses of the key's own unit (free text masked)")
    WRITE_DOSSIERS = "write:dossiers", _("Send dossier events, get one-time survey links")
    WRITE_TRANSACTIONS = "write:transactions", _("Send transaction counts")
    WRITE_FEEDBACK = "write:feedback", _("Send feedback and complaints, read their handling status")
    MANAGE_WEBHOOKS = "manage:webhooks", _("Manage webhooks")


class ApiClient(models.Model):
    """A machine (national portal, provincial one-stop system) with a key, a subtree and scopes."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text=_("the top of the subtree the client may read or write"),
    )
    scopes = ArrayField(models.CharField(max_length=30, choices=Scope.choices))
    # The key is shown once; only its prefix (to find it) and a SHA-256 of the secret are stored.
    key_prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF treats request.user as "authenticated" through this flag.
    is_authenticated = True


class ApiCall(models.Model):
    """The audit trail: who called what, when, and how it ended."""

    client = models.ForeignKey(ApiClient, null=True, on_delete=models.SET_NULL, related_name="calls")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class Webhook(models.Model):
    """A client's subscription to events, delivered signed (HMAC-SHA256 over timestamp and body)."""

    class Event(models.TextChoices):
        PUBLICATION = "publication.published", _("A publication was published")
        DAILY_FIGURES = "figures.daily", _("Daily figures of the subtree")
        FEEDBACK_STATUS = "feedback.status_changed", _("A piece of feedback changed status")

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = ArrayField(models.CharField(max_length=40, choices=Event.choices))
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    class Outcome(models.TextChoices):
        """How the last attempt ended, coarsely: never the receiver's answer or an error text."""

        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused: the address is not a public internet address")
        UNREACHABLE = "unreachable", _("No connection, no TLS or no answer in time")
        REJECTED = "rejected", _("The receiver answered with an error or a redirect")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField()
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="one_delivery_per_event")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
