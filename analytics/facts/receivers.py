"""The facts listen to the surveys: a response stored or removed marks its unit-day for refolding."""

import datetime as dt
from typing import Any

from django.dispatch import receiver

from surveys.signals import responses_changed
from tenants.models import Unit

from .services import facts_mark_dirty


@receiver(responses_changed, dispatch_uid="analytics.facts.mark_dirty")
def mark_dirty_on_responses_changed(sender: Any, *, unit: Unit, day: dt.date, **kwargs: Any) -> None:
    facts_mark_dirty(unit=unit, day=day)
