"""The activity log: every action that changes or hides data leaves a record (who, when, unit, what, why).

The lowest layer, so that every app's services can call `audit_record` inside their own transaction;
the log is read by the admins of a unit and of the units above it, and exported by platform operators.
"""

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import AuditAction, AuditEvent, Role, Unit, User
from .spreadsheets import csv_cell

MAX_TARGET_LENGTH = 300


def audit_record(
    *,
    action: AuditAction,
    actor: User | None,
    unit: Unit | None,
    target: str = "",
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one record, in the caller's transaction: the action and its record commit together.

    `actor` None is the platform itself (a schedule, a command); `target` names what was acted on as
    its actor saw it (an e-mail, a key's name, a period); `details` holds counts and ids.
    """
    person = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=person,
        actor_email=person.email if person is not None else "",
        unit=unit,
        action=AuditAction(action),
        target=target[:MAX_TARGET_LENGTH],
        reason=reason,
        details=dict(details or {}),
    )


def audit_events(
    *,
    unit: Unit | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str = "",
) -> QuerySet[AuditEvent]:
    """Records of the unit and every unit below it (None: every record), newest first.

    Days are Vietnamese calendar days: `date_to` includes the whole of that day.
    """
    qs = AuditEvent.objects.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-at", "-id")


def audit_actor(event: AuditEvent) -> str:
    if event.actor_email:
        return event.actor_email
    if event.details.get("via") == "command":
        return _("Platform operator (command line)")
    return _("The platform (automatic)")


def audit_describe(event: AuditEvent) -> str:
    """What was acted on, in the reader's language: the target and the details that matter."""
    d = event.details
    parts = [event.target] if event.target else []
    if "role" in d and d["role"] in Role.values:
        parts.append(str(Role(d["role"]).label))
    if "count" in d:
        count = int(d["count"])
        parts.append(ngettext("%(n)d answer", "%(n)d answers", count) % {"n": count})
    if "version" in d:
        parts.append(_("version %(n)s") % {"n": d["version"]})
    if d.get("internal"):
        parts.append(_("internal report"))
    return " · ".join(parts)


CSV_HEADERS = {
    "at": {"vi": "Thời gian", "en": "Time"},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "unit_code": {"vi": "Mã đơn vị", "en": "Unit code"},
    "actor": {"vi": "Người thực hiện", "en": "By"},
    "action": {"vi": "Thao tác", "en": "Action"},
    "what": {"vi": "Đối tượng", "en": "What"},
    "reason": {"vi": "Lý do", "en": "Reason"},
}


def audit_csv_rows(
    *, events: QuerySet[AuditEvent], language: str, chunk_size: int = 2000
) -> Iterator[list[str]]:
    """The header, then one row per record, read in chunks; labels in the reader's language."""
    yield [CSV_HEADERS[key][language] for key in CSV_HEADERS]
    tz = timezone.get_current_timezone()
    for event in events.iterator(chunk_size=chunk_size):
        unit = event.unit
        yield [
            csv_cell(value)
            for value in (
                event.at.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S"),
                unit.name if unit is not None else "",
                unit.code if unit is not None else "",
                audit_actor(event),
                str(AuditAction(event.action).label),
                audit_describe(event),
                event.reason,
            )
        ]
