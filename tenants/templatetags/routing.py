from django import template

from tenants import routing

register = template.Library()


@register.simple_tag
def public_url(name, *args):
    return routing.public_reverse(name, *args)


@register.simple_tag
def unit_url(unit, name, *args):
    return routing.unit_reverse(unit, name, *args)
