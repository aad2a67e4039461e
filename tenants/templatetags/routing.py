from django import template

from tenants import routing
from tenants.models import Unit

register = template.Library()


@register.simple_tag
def public_url(name: str, *args: object) -> str:
    return routing.public_reverse(name, *args)


@register.simple_tag
def unit_url(unit: Unit, name: str, *args: object) -> str:
    return routing.unit_reverse(unit, name, *args)
