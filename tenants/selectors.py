"""Reads of the unit registry."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Level, Structure, Unit


def unit_get(*, code: str, structure: str = Structure.CURRENT) -> Unit:
    """A unit by official code, e.g. "20" (province), "280" (district), "10300" (commune)."""
    text = code.strip()
    matches = [
        u
        for u in Unit.objects.filter(
            structure=structure, code__in={text, text.zfill(2), text.zfill(3), text.zfill(5)}
        )
        if u.level != Level.NATIONAL
    ]
    exact = [u for u in matches if u.code == text]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            _("No unit with code %(code)s in the %(structure)s structure.")
            % {"code": code, "structure": Structure(structure).label}
        )
    raise ValidationError(
        _("The code %(code)s is ambiguous; give it with its leading zeros.") % {"code": code}
    )


def unit_subtree(*, unit: Unit):
    return Unit.objects.filter(path__startswith=unit.path)


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    from .permissions import ancestor_paths

    return list(Unit.objects.filter(path__in=ancestor_paths(unit)).exclude(pk=unit.pk).order_by("path"))
