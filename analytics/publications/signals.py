"""Signals other apps listen to (the API sends webhooks on them); analytics imports no API code."""

from django.dispatch import Signal

# Sent inside the transaction that publishes; receivers should act on commit. kwargs: publication.
publication_published = Signal()
