"""Working days of Vietnamese civil servants: Monday to Friday, minus the official days off, plus the
weekend days worked in exchange (tenants.models.CalendarDay). Feedback due dates count over them
(METHODOLOGY.md, "Feedback and complaints")."""

import datetime as dt
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import CalendarDay, FeedbackDeadlineRule, Level, Unit
from .permissions import ancestor_paths

#: A local choice, configurable per province (FeedbackDeadlineRule): ten working days to reply.
DEFAULT_FEEDBACK_WORKING_DAYS = 10
MAX_WORKING_DAYS = 90


def is_working_day(day: dt.date, *, days_off: Collection[dt.date], workdays: Collection[dt.date]) -> bool:
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in days_off


def add_working_days(
    start: dt.date, count: int, *, days_off: Collection[dt.date], workdays: Collection[dt.date] = ()
) -> dt.date:
    """The `count`-th working day after `start` (the day of receipt itself never counts)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_WORKING_DAYS:
        raise ValueError(f"count must be a whole number from 1 to {MAX_WORKING_DAYS}, got {count!r}")
    day, left = start, count
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day, days_off=days_off, workdays=workdays):
            left -= 1
    return day


def calendar_between(first: dt.date, last: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    """(days off, weekend days worked) of the stored calendar between two days."""
    rows = CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "kind")
    days_off = {d for d, k in rows if k == CalendarDay.Kind.DAY_OFF}
    workdays = {d for d, k in rows if k == CalendarDay.Kind.WORKDAY}
    return days_off, workdays


def feedback_working_days(unit: Unit) -> int:
    """The number of working days the unit's province gives to reply."""
    root = unit.path if unit.level == Level.PROVINCE else ancestor_paths(unit)[0]
    rule = FeedbackDeadlineRule.objects.filter(province__path=root).first()
    return rule.working_days if rule else DEFAULT_FEEDBACK_WORKING_DAYS


def feedback_due_on(*, unit: Unit, received_on: dt.date) -> dt.date:
    """The day by which feedback received on `received_on` must be answered, by the province's rule."""
    count = feedback_working_days(unit)
    # A generous window: even 90 working days and a long Tết fit in 200 calendar days.
    days_off, workdays = calendar_between(received_on, received_on + dt.timedelta(days=200))
    return add_working_days(received_on, count, days_off=days_off, workdays=workdays)


def feedback_deadline_set(*, province: Unit, working_days: object) -> FeedbackDeadlineRule:
    """Set the province's number of working days to reply (ValidationError when it is not 1–90)."""
    if province.level != Level.PROVINCE:
        raise ValidationError(_("Only a province sets the feedback deadline."))
    if isinstance(working_days, bool) or not isinstance(working_days, int) or not 1 <= working_days <= 90:
        raise ValidationError({"working_days": _("Give a whole number of working days from 1 to 90.")})
    rule, _created = FeedbackDeadlineRule.objects.update_or_create(
        province=province, defaults={"working_days": working_days}
    )
    return rule
