"""Reads of publications for the pages and the report: permanent addresses, the public list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from analytics.models import Publication
from tenants.models import Unit
from tenants.routing import public_reverse, unit_reverse


def publication_public_url(publication: Publication, *, pdf: bool = False) -> str:
    """The permanent address, absolute."""
    path = public_reverse("publication_public_pdf" if pdf else "publication_public", publication.public_id)
    return settings.BASE_URL + path


def publication_console_url(publication: Publication) -> str:
    return settings.BASE_URL + unit_reverse(publication.unit, "unit:publication_detail", publication.pk)


# Reads for the pages
# --------------------------------------------------------------------------------------------------


def publications_public(*, unit: Unit) -> QuerySet[Publication]:
    """What anyone may read: the unit's published, non-internal publications, newest period first."""
    return Publication.objects.filter(unit=unit, status=Publication.Status.PUBLISHED, internal=False).defer(
        "pdf", "snapshot"
    )


def publication_public_get(*, public_id: Any) -> Publication | None:
    return (
        Publication.objects.select_related("unit")
        .filter(public_id=public_id, status=Publication.Status.PUBLISHED, internal=False)
        .first()
    )


# --------------------------------------------------------------------------------------------------
