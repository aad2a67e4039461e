"""Dossier events from one-stop systems: idempotent by dossier code; a finished dossier gets a one-time link.

The event shape follows the national portal's dossier synchronisation (MaHoSo, MaTTHC, NgayTiepNhan,
NgayHenTra, NgayKetThucXuLy, TrangThaiHoSo, KenhThucHien); the API layer checks types, this module
the business rules.

A batch (up to 1,000 events) is written with a fixed number of statements whatever its size: one read
each for the procedures, the campaign, the known dossiers and their links and the codes held elsewhere,
one lock statement, and one bulk statement per table written. Events are judged one by one in Python,
in order, so a code sent twice in a batch is created by the first and updated (or unchanged) by the
next, exactly as if they had been sent one after another.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import DossierIndex, Level, Unit

from .models import Campaign, Channel, Dossier, DossierToken, Procedure
from .services import campaign_is_open, dossier_link_sign, dossier_link_url, dossier_token_defaults

# TrangThaiHoSo codes after which the citizen has their result: 9 processed, 10 result returned.
FINISHED_STATUSES = frozenset({9, 10})
KNOWN_STATUSES = frozenset(range(1, 11))
# The columns an event sets, in the order of Dossier's own fields.
EVENT_FIELDS = ("procedure_id", "procedure_code", "received_at", "due_at", "finished_at", "status", "channel")


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
class DossierLink:
    """A dossier's one-time survey link, for the receipt."""

    url: str
    expires_at: dt.datetime
    used: bool


@dataclass(frozen=True)
class DossierResult:
    """What became of one event: created, updated or unchanged, and the dossier's link if it has one."""

    code: str
    outcome: str  # created | updated | unchanged
    link: DossierLink | None = None


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


def _catalog(codes: Iterable[str]) -> dict[str, Procedure]:
    """The procedures the batch names, by national code (MaTTHC) first, else by the unit's own key."""
    codes = set(codes)
    found = list(Procedure.objects.filter(Q(national_code__in=codes) | Q(key__in=codes)))
    catalog = {p.national_code: p for p in found if p.national_code in codes}
    for procedure in found:
        catalog.setdefault(procedure.key, procedure)
    return catalog


def _open_dossier_campaign(day: dt.date) -> Campaign | None:
    for campaign in Campaign.objects.filter(is_active=True, channels__contains=[Channel.DOSSIER]).order_by(
        "-starts_on"
    ):
        if campaign_is_open(campaign, day):
            return campaign
    return None


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


# The reads and writes below take the batch's values as arrays (one parameter each, `= ANY(%s)` and
# `unnest`), not as one placeholder per value or one model instance per row: for 1,000 events the ORM's
# per-row work cost more than the statements themselves.


def _codes_lock(codes: list[str]) -> None:
    """One writer at a time per code until this transaction ends, so two units that one writer reaches
    cannot both take a code in a race, and two batches cannot update one dossier at once. The locks are
    taken in one statement in a fixed order (by hash), so two batches sharing codes cannot deadlock.
    Each lock takes a slot of the server's shared lock table (max_locks_per_transaction × connections,
    6,400 with PostgreSQL's defaults) until the batch commits: about six batches of 1,000 at once."""
    _rows(
        "SELECT count(pg_advisory_xact_lock(h)) FROM"
        " (SELECT DISTINCT hashtextextended(c, 0) AS h FROM unnest(%s::text[]) AS c ORDER BY h) AS locks",
        [codes],
    )


def _stored(codes: list[str]) -> dict[str, tuple[Any, ...]]:
    """The known dossiers' values (EVENT_FIELDS) by code."""
    rows = _rows(
        f"SELECT code, {', '.join(EVENT_FIELDS)} FROM {Dossier._meta.db_table} WHERE code = ANY(%s)",  # noqa: S608
        [codes],
    )
    return {code: tuple(values) for code, *values in rows}


def _links(codes: list[str]) -> dict[str, tuple[int, str, dt.datetime, bool]]:
    """The dossiers' existing links: (token id, nonce, expiry, used) by code."""
    rows = _rows(
        f"SELECT dossier_code, id, nonce, expires_at, used_at IS NOT NULL"  # noqa: S608
        f" FROM {DossierToken._meta.db_table} WHERE dossier_code = ANY(%s)",
        [codes],
    )
    return {code: tuple(values) for code, *values in rows}


def _held_elsewhere(*, codes: list[str], unit: Unit, scope: Unit) -> set[str]:
    """The codes that another unit the writer reaches (the subtree of `scope`) holds."""
    if not codes:
        return set()
    sql = (
        f"SELECT DISTINCT i.code FROM public.{DossierIndex._meta.db_table} AS i"  # noqa: S608
        f" JOIN public.{Unit._meta.db_table} AS u ON u.id = i.unit_id"
        " WHERE i.code = ANY(%s) AND i.unit_id <> %s"
    )
    params: list[Any] = [codes, unit.pk]
    if scope.level != Level.NATIONAL:
        sql += " AND starts_with(u.path, %s)"
        params.append(scope.path)
    return {code for (code,) in _rows(sql, params)}


def _dossiers_insert(unit: Unit, rows: dict[str, tuple[Any, ...]]) -> None:
    """The new dossiers and their entries in the public index of codes, one INSERT each."""
    codes, *columns = (
        list(column) for column in zip(*((code, *values) for code, values in rows.items()), strict=True)
    )
    _rows(
        f"INSERT INTO public.{DossierIndex._meta.db_table} (code, unit_id, created_at)"  # noqa: S608
        " SELECT c, %s, now() FROM unnest(%s::text[]) AS c ON CONFLICT DO NOTHING",
        [unit.pk, codes],
    )
    _rows(
        f"INSERT INTO {Dossier._meta.db_table} (code, {', '.join(EVENT_FIELDS)}, created_at, updated_at)"  # noqa: S608
        " SELECT *, now(), now() FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::timestamptz[],"
        " %s::timestamptz[], %s::timestamptz[], %s::smallint[], %s::smallint[])",
        [codes, *columns],
    )


def _dossiers_update(rows: dict[str, tuple[Any, ...]]) -> None:
    """The changed dossiers' new values in one UPDATE."""
    columns = [list(column) for column in zip(*rows.values(), strict=True)]
    _rows(
        f"UPDATE {Dossier._meta.db_table} AS d SET "  # noqa: S608
        + ", ".join(f"{f} = v.{f}" for f in EVENT_FIELDS)
        + ", updated_at = now()"
        " FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[],"
        f" %s::timestamptz[], %s::smallint[], %s::smallint[]) AS v(code, {', '.join(EVENT_FIELDS)})"
        " WHERE d.code = v.code",
        [list(rows), *columns],
    )


def _links_insert(
    new: dict[str, tuple[Campaign, Procedure]],
) -> dict[str, tuple[int, str, dt.datetime, bool]]:
    """New links for these codes (campaign, procedure) in one INSERT; returns them as _links does."""
    codes, campaigns, procedures, nonces, expiries = [], [], [], [], []
    for code, (campaign, procedure) in new.items():
        fields = dossier_token_defaults(campaign=campaign, procedure=procedure)
        codes.append(code)
        campaigns.append(fields["campaign"].pk)
        procedures.append(fields["procedure"].pk)
        nonces.append(fields["nonce"])
        expiries.append(fields["expires_at"])
    rows = _rows(
        f"INSERT INTO {DossierToken._meta.db_table}"  # noqa: S608
        " (dossier_code, campaign_id, procedure_id, nonce, expires_at, channel, created_at)"
        " SELECT *, %s, now()"
        " FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::timestamptz[])"
        " RETURNING dossier_code, id, nonce, expires_at",
        [Channel.DOSSIER, codes, campaigns, procedures, nonces, expiries],
    )
    return {code: (pk, nonce, expires_at, False) for code, pk, nonce, expires_at in rows}


def _month(moment: dt.datetime) -> tuple[dt.date, dt.date]:
    first = timezone.localtime(moment).date().replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _transactions_count(unit: Unit, months: Counter[tuple[str, dt.date, dt.date]]) -> None:
    """The first sight of a dossier adds one transaction to its procedure's month (quota denominators):
    one upsert for the whole batch, the new dossiers summed per procedure and month first (an upsert
    may not touch one row twice)."""
    keys, starts, ends = (list(column) for column in zip(*months, strict=True))
    _rows(
        "INSERT INTO public.analytics_transactioncount"
        " (unit_id, procedure, period_start, period_end, count, source, updated_at)"
        " SELECT %s, p, s, e, n, 'api', now()"
        " FROM unnest(%s::text[], %s::date[], %s::date[], %s::int[]) AS t(p, s, e, n)"
        " ON CONFLICT (unit_id, procedure, period_start, period_end)"
        " DO UPDATE SET count = analytics_transactioncount.count + EXCLUDED.count, updated_at = now()",
        [unit.pk, keys, starts, ends, list(months.values())],
    )


def _judge(event: DossierEvent, catalog: dict[str, Procedure]) -> Procedure:
    """The event's procedure, once the event passes the rules that need no stored state."""
    _check(event)
    procedure = catalog.get(event.procedure_code)
    if procedure is None:
        raise ValidationError(
            {
                "MaTTHC": _("Unknown procedure code “%(c)s” in this unit's catalog.")
                % {"c": event.procedure_code}
            }
        )
    return procedure


def dossier_events_ingest(
    *, unit: Unit, events: list[DossierEvent], scope: Unit | None = None
) -> list[DossierResult | ValidationError]:
    """Record a batch of events in the unit's schema; returns, in order, each event's result or the
    ValidationError that refused it.

    A refused event (bad dates or status, an unknown procedure, a code held elsewhere) stores nothing
    and does not stop the others; the accepted ones are written in one transaction, all or none.
    Idempotent by dossier code: an event already recorded is "unchanged" and gets the same link back.
    `scope` is the top of what the writer may write to (an API client's unit; default the unit itself).
    A code is unique inside it: held by another unit there, it is refused; held by a unit outside it,
    the answer is the same as if nobody held it, so no writer takes or probes another agency's codes.
    """
    scope = scope or unit
    results: dict[int, DossierResult | ValidationError] = {}
    with tenant_context(unit), transaction.atomic():
        catalog = _catalog(e.procedure_code for e in events)
        accepted: list[tuple[int, DossierEvent, Procedure]] = []
        for index, event in enumerate(events):
            try:
                accepted.append((index, event, _judge(event, catalog)))
            except ValidationError as error:
                results[index] = error
        codes = sorted({event.code for _index, event, _procedure in accepted})
        stored: dict[str, tuple[Any, ...]] = {}
        links: dict[str, tuple[int, str, dt.datetime, bool]] = {}
        held: set[str] = set()
        campaign = None
        if codes:
            _codes_lock(codes)
            # Read after the locks: whatever another batch wrote for these codes has committed.
            stored, links = _stored(codes), _links(codes)
            held = _held_elsewhere(codes=[c for c in codes if c not in stored], unit=unit, scope=scope)
            campaign = _open_dossier_campaign(timezone.localdate())

        # Each event in order against the state the ones before it left: its outcome, and what to write.
        state: dict[str, tuple[Any, ...]] = {}
        created: set[str] = set()
        months: Counter[tuple[str, dt.date, dt.date]] = Counter()
        new_links: dict[str, tuple[Campaign, Procedure]] = {}
        outcomes: dict[int, tuple[str, bool]] = {}  # outcome, and whether the code had a link by then
        for index, event, procedure in accepted:
            values = (
                procedure.pk,
                event.procedure_code,
                event.received_at,
                event.due_at,
                event.finished_at,
                event.status,
                event.channel,
            )
            before = state.get(event.code, stored.get(event.code))
            if before is None:
                if event.code in held:
                    results[index] = ValidationError({"MaHoSo": _("This dossier belongs to another unit.")})
                    continue
                created.add(event.code)
                months[(procedure.key, *_month(event.received_at))] += 1
                outcome = "created"
            else:
                outcome = "unchanged" if before == values else "updated"
            state[event.code] = values
            finished = event.status in FINISHED_STATUSES
            if finished and campaign is not None and event.code not in links and event.code not in new_links:
                new_links[event.code] = (campaign, procedure)
            outcomes[index] = (outcome, event.code in links or event.code in new_links)

        if created:
            _dossiers_insert(unit, {code: state[code] for code in sorted(created)})
            _transactions_count(unit, months)
        changed = {c: v for c, v in state.items() if c not in created and v != stored[c]}
        if changed:
            _dossiers_update(changed)
        if new_links:
            links.update(_links_insert(new_links))

        for index, (outcome, linked) in outcomes.items():
            code = events[index].code
            link = None
            if linked:
                token_id, nonce, expires_at, used = links[code]
                signed = dossier_link_sign(unit_id=unit.pk, token_id=token_id, nonce=nonce)
                link = DossierLink(dossier_link_url(signed), expires_at, used)
            results[index] = DossierResult(code, outcome, link)
    return [results[index] for index in range(len(events))]
