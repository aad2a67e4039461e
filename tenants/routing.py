"""URLs across the two URLconfs: public pages (/...) and a unit's pages (/u/<slug>/...)."""

from django.conf import settings
from django.urls import reverse

from .models import Unit


def public_reverse(name: str, *args: object, **kwargs: object) -> str:
    return reverse(name, urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=args or None, kwargs=kwargs or None)


def unit_reverse(unit: Unit, name: str, *args: object, **kwargs: object) -> str:
    path = reverse(name, urlconf=settings.ROOT_URLCONF, args=args or None, kwargs=kwargs or None)
    return f"/{settings.TENANT_SUBFOLDER_PREFIX}/{unit.slug}{path}"
