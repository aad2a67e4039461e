"""Receivers of the lower apps' signals (connected in ApiConfig.ready)."""

import uuid

from analytics.models import Publication
from surveys.feedback_selectors import feedback_status_view
from tenants.permissions import Action, grant_covers

from .models import ApiClient, Scope, Webhook
from .tasks import event_publish
from .v1.serializers import FeedbackStatusSerializer, PublicationSerializer, UnitSerializer


def on_publication_published(sender: object, publication: Publication, **kwargs: object) -> None:
    """A public report went out: tell the clients whose subtree holds its unit."""
    if publication.internal:
        return
    clients = [
        c.pk
        for c in ApiClient.objects.filter(revoked_at__isnull=True).select_related("unit")
        if grant_covers(holder=c.unit, action=Action.VIEW_FIGURES, unit=publication.unit)
    ]
    if clients:
        event_publish(
            event=Webhook.Event.PUBLICATION,
            client_ids=clients,
            event_id=publication.public_id,
            payload={
                "unit": UnitSerializer(publication.unit).data,
                **PublicationSerializer(publication).data,
            },
        )


def on_feedback_status_changed(sender, unit, feedback, **kwargs) -> None:
    """A piece of feedback was received, assigned or replied: tell the clients that feed the unit with
    feedback (the portal) and subscribed. Status and dates only, never the content or the sender."""
    clients = [
        c.pk
        for c in ApiClient.objects.filter(
            revoked_at__isnull=True, scopes__contains=[Scope.WRITE_FEEDBACK]
        ).select_related("unit")
        if grant_covers(holder=c.unit, action=Action.FEED, unit=unit)
    ]
    if clients:
        event_publish(
            event=Webhook.Event.FEEDBACK_STATUS,
            client_ids=clients,
            # One event per status change (a second assignment is a new one), the same on a retry.
            event_id=uuid.uuid5(
                uuid.NAMESPACE_URL, f"sipas:feedback:{feedback.public_id}:{feedback.history.count()}"
            ),
            payload={
                "unit": UnitSerializer(unit).data,
                **FeedbackStatusSerializer(feedback_status_view(feedback)).data,
            },
        )
