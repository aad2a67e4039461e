"""Dossier events from one-stop systems: idempotent by dossier code; a finished dossier gets a one-time link.

The event shape follows the national portal's dossier synchronisation (MaHoSo, MaTTHC, NgayTiepNhan,
NgayHenTra, NgayKetThucXuLy, TrangThaiHoSo, KenhThucHien); the API layer checks types, this module
the business rules.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import DossierIndex, Level, Unit

from .models import Campaign, Channel, Dossier, DossierToken, Procedure
from .services import campaign_is_open, dossier_token_issue, dossier_token_sign

# TrangThaiHoSo codes after which the citizen has their result: 9 processed, 10 result returned.
FINISHED_STATUSES = frozenset({9, 10})
KNOWN_STATUSES = frozenset(range(1, 11))


@dataclass(frozen=True)
class DossierEvent:
    code: str
    procedure_code: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    status: int
    channel: int | None


@dataclass(frozen=True)
class DossierResult:
    code: str
    outcome: str  # created | updated | unchanged
    dossier: Dossier
    token: DossierToken | None = None
    signed: str | None = None


def _check(event: DossierEvent) -> None:
    if event.status not in KNOWN_STATUSES:
        raise ValidationError(
            {"TrangThaiHoSo": _("Unknown dossier status %(s)s (1–10).") % {"s": event.status}}
        )
    if event.due_at and event.due_at < event.received_at:
        raise ValidationError({"NgayHenTra": _("The due date is before the date of receipt.")})
    if event.finished_at and event.finished_at < event.received_at:
        raise ValidationError({"NgayKetThucXuLy": _("The end of processing is before the date of receipt.")})
    if event.status in FINISHED_STATUSES and event.finished_at is None:
        raise ValidationError({"NgayKetThucXuLy": _("A finished dossier needs its end-of-processing date.")})
    if event.finished_at and event.finished_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"NgayKetThucXuLy": _("The end of processing is in the future.")})


def _count_transaction(unit: Unit, procedure: Procedure, received_at: dt.datetime) -> None:
    """The first sight of a dossier adds one transaction to its procedure's month (quota denominators)."""
    day = timezone.localtime(received_at).date()
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.analytics_transactioncount"
            " (unit_id, procedure, period_start, period_end, count, source, updated_at)"
            " VALUES (%s, %s, %s, %s, 1, 'api', now())"
            " ON CONFLICT (unit_id, procedure, period_start, period_end)"
            " DO UPDATE SET count = analytics_transactioncount.count + 1, updated_at = now()",
            [unit.pk, procedure.key, first, last],
        )


def _open_dossier_campaign(day: dt.date) -> Campaign | None:
    for campaign in Campaign.objects.filter(is_active=True, channels__contains=[Channel.DOSSIER]).order_by(
        "-starts_on"
    ):
        if campaign_is_open(campaign, day):
            return campaign
    return None


def _held_elsewhere(*, code: str, unit: Unit, scope: Unit) -> bool:
    """Does another unit that the writer reaches (the subtree of `scope`) hold the code?"""
    rows = DossierIndex.objects.filter(code=code).exclude(unit=unit)
    if scope.level != Level.NATIONAL:
        rows = rows.filter(unit__path__startswith=scope.path)
    return rows.exists()


def dossier_events_ingest(
    *, unit: Unit, events: list[DossierEvent], scope: Unit | None = None
) -> list[DossierResult | ValidationError]:
    """Record events in the unit's schema, each in its own savepoint: one bad event spoils only itself.

    `scope` is the top of what the writer may write to (an API client's unit; default the unit itself).
    A code is unique inside it: held by another unit there, it is refused; held by a unit outside it,
    the answer is the same as if nobody held it, so no writer takes or probes another agency's codes.
    Returns, in order, the result of each event or the ValidationError that refused it.
    """
    scope = scope or unit
    results: list[DossierResult | ValidationError] = []
    with tenant_context(unit):
        campaign = _open_dossier_campaign(timezone.localdate())
        catalog = {}
        for listed in Procedure.objects.exclude(national_code=None):
            catalog[listed.national_code] = listed
        for listed in Procedure.objects.all():
            catalog.setdefault(listed.key, listed)
        codes = [e.code for e in events]
        known = {d.code: d for d in Dossier.objects.filter(code__in=codes)}
        tokens = {t.dossier_code: t for t in DossierToken.objects.filter(dossier_code__in=codes)}
        for event in events:
            try:
                _check(event)
                procedure = catalog.get(event.procedure_code)
                if procedure is None:
                    raise ValidationError(
                        {
                            "MaTTHC": _("Unknown procedure code “%(c)s” in this unit's catalog.")
                            % {"c": event.procedure_code}
                        }
                    )
                with transaction.atomic():
                    result = _ingest_one(
                        unit, scope, event, procedure, campaign, known.get(event.code), tokens.get(event.code)
                    )
                known[event.code] = result.dossier
                if result.token is not None:
                    tokens[event.code] = result.token
                results.append(result)
            except ValidationError as error:
                results.append(error)
    return results


def _ingest_one(
    unit: Unit,
    scope: Unit,
    event: DossierEvent,
    procedure: Procedure,
    campaign: Campaign | None,
    dossier: Dossier | None,
    token: DossierToken | None,
) -> DossierResult:
    """One event; `dossier` and `token` are what the batch already read for this code (None if new)."""
    values = {
        "procedure": procedure,
        "procedure_code": event.procedure_code,
        "received_at": event.received_at,
        "due_at": event.due_at,
        "finished_at": event.finished_at,
        "status": event.status,
        "channel": event.channel,
    }
    if dossier is None:
        # One writer at a time per code (until this event's transaction ends), so two units of the
        # same scope cannot both take it in a race.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [event.code])
        if _held_elsewhere(code=event.code, unit=unit, scope=scope):
            raise ValidationError({"MaHoSo": _("This dossier belongs to another unit.")})
        try:
            with transaction.atomic():
                DossierIndex.objects.get_or_create(code=event.code, unit=unit)
                dossier = Dossier.objects.create(code=event.code, **values)
        except IntegrityError as error:
            raise ValidationError(
                {"MaHoSo": _("This dossier is being recorded by another request.")}
            ) from error
        _count_transaction(unit, procedure, event.received_at)
        outcome = "created"
    elif any(getattr(dossier, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(dossier, k, v)
        dossier.save()
        outcome = "updated"
    else:
        outcome = "unchanged"
    signed = None
    if token is not None:
        signed = dossier_token_sign(unit=unit, token=token)
    elif dossier.status in FINISHED_STATUSES and campaign is not None:
        token, signed = dossier_token_issue(
            unit=unit, campaign=campaign, dossier_code=dossier.code, procedure=procedure
        )
    return DossierResult(event.code, outcome, dossier, token, signed)
