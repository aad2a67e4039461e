"""The facts listen to the surveys: a response stored, changed or removed marks its unit-day for refolding."""

import datetime as dt
from typing import Any

from django.dispatch import receiver

from surveys.signals import response_storing, responses_changed
from tenants.models import Unit

from .services import facts_mark_dirty, facts_mark_dirty_statement


@receiver(responses_changed, dispatch_uid="analytics.facts.mark_dirty")
def mark_dirty_on_responses_changed(sender: Any, *, unit: Unit, day: dt.date, **kwargs: Any) -> None:
    facts_mark_dirty(unit=unit, day=day)


@receiver(response_storing, dispatch_uid="analytics.facts.mark_dirty_with_new")
def mark_dirty_with_new_response(
    sender: Any, *, unit: Unit, day: dt.date, **kwargs: Any
) -> tuple[str, list[Any]]:
    return facts_mark_dirty_statement(unit=unit, day=day)
