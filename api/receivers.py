"""Receivers of the lower apps' signals (connected in ApiConfig.ready)."""

from analytics.models import Publication
from tenants.permissions import Action, grant_covers

from .models import ApiClient, Webhook
from .tasks import event_publish
from .v1.serializers import PublicationSerializer, UnitSerializer


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
