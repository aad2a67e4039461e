"""Sample quotas: how many responses a unit must collect, how many it has, and what precision that buys.

N (transactions, i.e. dossiers) comes from TransactionCount rows typed in, imported or sent by a
one-stop system; the responses collected come from the daily facts. The quota rule is the unit's
effective policy (analytics.policy). METHODOLOGY.md, "Sample quotas".

Which counts are used for a period: the rows lying wholly inside it. Rows that straddle an edge of
the period cannot be split honestly, so they are listed as not used. When rows of one procedure of
one unit overlap (a yearly count and monthly counts), the longest are kept and the others are listed
as not added, so no dossier is counted twice. Responses are counted on the days the kept rows cover.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from analytics.figures.selectors import EARLIEST_DAY, Period
from analytics.methodology import formulas as f
from analytics.methodology.policy import Policy, policy_effective
from analytics.models import DailyFact, Dimension, FactKind, TransactionCount
from surveys.customer_services import customer_strata
from surveys.models import Campaign, SurveyPlan
from surveys.plan_services import plan_draft
from tenants.models import Level, Structure, Unit
from tenants.vietnam import localized_name

ALL_PROCEDURES = ""
MAX_COUNT = 10_000_000  # more dossiers than any unit handles in five years: a typing slip


@dataclass(frozen=True)
class CountSpan:
    """One TransactionCount row as used (or not) by a quota."""

    unit_id: int
    procedure: str
    start: dt.date
    end: dt.date
    count: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def overlaps(self, other: CountSpan) -> bool:
        return self.start <= other.end and other.start <= self.end

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}: {self.count}"


@dataclass(frozen=True)
class QuotaRow:
    """The quota of one procedure ("" = the whole unit) in the period."""

    procedure: str
    label: str
    attainment: f.QuotaAttainment
    spans: tuple[CountSpan, ...]

    @property
    def transactions(self) -> int:
        return self.attainment.transactions

    @property
    def collected(self) -> int:
        return self.attainment.collected

    @property
    def required(self) -> int:
        return self.attainment.required

    @property
    def met(self) -> bool:
        return self.attainment.met

    @property
    def percent(self) -> object:
        """Attainment in % for display (collected / required), None when nothing is required."""
        ratio = self.attainment.ratio
        return None if ratio is None else f.display_percent(ratio, 1)

    @property
    def margin_percent(self) -> object:
        """The 95 % margin of error (finite-population corrected) in percentage points, for display."""
        moe = self.attainment.margin_of_error
        return None if moe is None else f.display_percent(Fraction(moe), 1)

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.collected)


@dataclass
class QuotaStatus:
    unit: Unit
    period: Period
    policy: Policy
    unit_wide: QuotaRow | None
    procedures: list[QuotaRow]
    not_used: list[CountSpan] = field(default_factory=list)  # straddle an edge of the period
    not_added: list[CountSpan] = field(default_factory=list)  # overlap a longer row of the same procedure
    unit_wide_from_procedures: bool = False

    @property
    def rule(self) -> f.QuotaRule:
        return self.policy.rule

    @property
    def below(self) -> list[QuotaRow]:
        return [row for row in self.procedures if not row.met]

    @property
    def has_counts(self) -> bool:
        return self.unit_wide is not None


def quota_method() -> str:
    return _(
        "Required responses = the quota rule applied to the transactions (dossiers) counted in the period; "
        "collected = responses received on the days those counts cover; attainment = collected / required. "
        "Margin of error: 95 %, worst case p = 50 %, finite-population corrected."
    )


def small_unit_note() -> str:
    return _(
        "A quota met is not a precise figure: with the band rules a small commune's rate is only known "
        "to within about ±10–20 percentage points (the margin of error beside each quota)."
    )


# --------------------------------------------------------------------------------------------------
# Units whose counts and responses make a unit's quota
# --------------------------------------------------------------------------------------------------


def own_units(unit: Unit) -> list[Unit]:
    """The unit and, for a unit of the current structure, the legacy units merged into it.

    Not the subtree: a district's quota is about its own one-stop desk; its communes have their own.
    """
    units = [unit]
    if unit.structure == Structure.CURRENT:
        units += list(unit.predecessors.filter(structure=Structure.LEGACY).order_by("path"))
    return units


def _select(rows: list[CountSpan]) -> tuple[list[CountSpan], list[CountSpan]]:
    """(kept, not added): longest rows first, a row overlapping a kept one is left out."""
    kept: list[CountSpan] = []
    left_out: list[CountSpan] = []
    for row in sorted(rows, key=lambda r: (-r.days, r.start)):
        if any(row.overlaps(k) for k in kept):
            left_out.append(row)
        else:
            kept.append(row)
    return sorted(kept, key=lambda r: r.start), sorted(left_out, key=lambda r: r.start)


def _in_spans(day: dt.date, spans: list[CountSpan]) -> bool:
    return any(s.start <= day <= s.end for s in spans)


def procedure_labels(unit: Unit, keys: set[str]) -> dict[str, str]:
    """Names of procedures of the unit's catalog, in the page's language; unknown keys stay keys."""
    keys = {k for k in keys if k}
    if not keys or not unit.is_onboarded:
        return {}
    from surveys.models import Procedure

    with tenant_context(unit):
        rows = Procedure.objects.filter(key__in=keys).values_list("key", "name_vi", "name_en")
        return {key: localized_name(name_vi, name_en) for key, name_vi, name_en in rows}


def quota_status(*, unit: Unit, period: Period, labels: bool = True) -> QuotaStatus:
    """Per procedure and unit-wide: N, required n under the effective rule, collected, attainment, margin."""
    policy = policy_effective(unit)
    rule = policy.rule
    units = own_units(unit)
    unit_ids = [u.pk for u in units]

    rows = TransactionCount.objects.filter(
        unit_id__in=unit_ids, period_start__lte=period.end, period_end__gte=period.start
    ).values_list("unit_id", "procedure", "period_start", "period_end", "count")
    inside: dict[tuple[int, str], list[CountSpan]] = defaultdict(list)
    not_used: list[CountSpan] = []
    for unit_id, procedure, start, end, count in rows:
        span = CountSpan(unit_id, procedure, start, end, count)
        if start < period.start or end > period.end:
            not_used.append(span)
        else:
            inside[(unit_id, procedure)].append(span)
    kept: dict[tuple[int, str], list[CountSpan]] = {}
    not_added: list[CountSpan] = []
    for key, spans in inside.items():
        kept[key], left_out = _select(spans)
        not_added += left_out

    # Responses per (unit, dim, procedure, day); filtered to the kept spans in Python.
    facts = (
        DailyFact.objects.filter(
            unit_id__in=unit_ids,
            kind=FactKind.RESPONSE,
            dim__in=[Dimension.TOTAL, Dimension.PROCEDURE],
            day__range=(period.start, period.end),
        )
        .values_list("unit_id", "dim", "dim_value", "day")
        .annotate(n=Sum("count"))
    )
    responses: dict[tuple[int, str, str], list[tuple[dt.date, int]]] = defaultdict(list)
    for unit_id, dim, value, day, n in facts:
        responses[(unit_id, dim, value)].append((day, n))

    def collected(unit_id: int, dim: str, value: str, spans: list[CountSpan]) -> int:
        return sum(n for day, n in responses.get((unit_id, dim, value), []) if _in_spans(day, spans))

    # Per procedure, pooled over the unit and its merged predecessors.
    per_procedure: dict[str, tuple[int, int, list[CountSpan]]] = {}
    for (unit_id, procedure), spans in kept.items():
        if procedure == ALL_PROCEDURES:
            continue
        n, c, used = per_procedure.get(procedure, (0, 0, []))
        per_procedure[procedure] = (
            n + sum(s.count for s in spans),
            c + collected(unit_id, Dimension.PROCEDURE, procedure, spans),
            used + spans,
        )

    # Unit-wide: the "all procedures" rows where given, else the sum of the procedures' rows.
    wide_n = wide_c = 0
    wide_spans: list[CountSpan] = []
    from_procedures = False
    for unit_id in unit_ids:
        spans = kept.get((unit_id, ALL_PROCEDURES)) or []
        if not spans:
            spans = [s for (u, p), ss in kept.items() if u == unit_id and p for s in ss]
            if not spans:
                continue
            from_procedures = True
        wide_n += sum(s.count for s in spans)
        wide_c += collected(unit_id, Dimension.TOTAL, "", spans)
        wide_spans += spans

    names = procedure_labels(unit, set(per_procedure)) if labels else {}
    procedure_rows = [
        QuotaRow(
            procedure=key,
            label=names.get(key, key),
            attainment=f.quota_attainment(rule, transactions=n, collected=c),
            spans=tuple(sorted(used, key=lambda s: (s.start, s.unit_id))),
        )
        for key, (n, c, used) in per_procedure.items()
    ]
    # Worst first: the procedures furthest from their quota lead the table.
    procedure_rows.sort(
        key=lambda r: (r.met, r.attainment.ratio if r.attainment.ratio is not None else 1, r.label)
    )
    unit_wide = (
        QuotaRow(
            procedure=ALL_PROCEDURES,
            label=_("All procedures"),
            attainment=f.quota_attainment(rule, transactions=wide_n, collected=wide_c),
            spans=tuple(sorted(wide_spans, key=lambda s: (s.start, s.unit_id))),
        )
        if wide_spans
        else None
    )
    return QuotaStatus(
        unit=unit,
        period=period,
        policy=policy,
        unit_wide=unit_wide,
        procedures=procedure_rows,
        not_used=sorted(not_used, key=lambda s: (s.procedure, s.start)),
        not_added=not_added,
        unit_wide_from_procedures=from_procedures,
    )


@dataclass(frozen=True)
class BelowQuota:
    unit: Unit
    status: QuotaStatus

    @property
    def row(self) -> QuotaRow:
        assert self.status.unit_wide is not None  # noqa: S101 - only units with counts are listed
        return self.status.unit_wide


def units_below_quota(*, unit: Unit, period: Period) -> list[BelowQuota]:
    """The communes under a district or province that have counts in the period and miss their quota.

    Worst first (lowest collected / required), then by path. Legacy communes merged into a current
    commune are counted under their successor, as in every figure.
    """
    communes = Unit.objects.filter(path__startswith=unit.path, level=Level.COMMUNE).exclude(pk=unit.pk)
    with_counts = set(
        TransactionCount.objects.filter(period_start__gte=period.start, period_end__lte=period.end)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    candidates: QuerySet[Unit] = communes.filter(
        Q(pk__in=with_counts) | Q(predecessors__pk__in=with_counts, structure=Structure.CURRENT)
    ).distinct()
    below = []
    for commune in candidates.order_by("path"):
        status = quota_status(unit=commune, period=period, labels=False)
        if status.unit_wide is not None and not status.unit_wide.met:
            below.append(BelowQuota(commune, status))
    below.sort(key=lambda b: (b.row.attainment.ratio or Fraction(0), b.unit.path))
    return below


# --------------------------------------------------------------------------------------------------
# Transaction counts: typed in per procedure and period
# --------------------------------------------------------------------------------------------------


def procedure_lookup(unit: Unit) -> dict[str, str]:
    """Every way a file may name a procedure of the unit's catalog (key or national code) → its key."""
    from surveys.models import Procedure

    with tenant_context(unit):
        rows = list(Procedure.objects.values_list("key", "national_code"))
    lookup: dict[str, str] = {}
    for key, code in rows:
        lookup[key.casefold()] = key
        if code:
            lookup[code.strip().casefold()] = key
    return lookup


def procedure_choices(unit: Unit) -> list[tuple[str, str]]:
    """("", all procedures) then the unit's active procedures, for the typed-in form."""
    from surveys.models import Procedure

    with tenant_context(unit):
        rows = list(Procedure.objects.filter(is_active=True).values_list("key", "name_vi", "name_en"))
    return [(ALL_PROCEDURES, _("All procedures (whole unit)"))] + [
        (key, localized_name(name_vi, name_en)) for key, name_vi, name_en in rows
    ]


def transaction_count_check(*, start: dt.date, end: dt.date, count: int) -> dict[str, str]:
    """What is wrong with one count, by field (empty when nothing is)."""
    errors: dict[str, str] = {}
    if end < start:
        errors["period_end"] = _("The period ends before it starts.")
    latest = timezone.localdate() + dt.timedelta(days=366)
    if start < EARLIEST_DAY or end > latest:
        errors.setdefault("period_start", _("The period must lie between 01/01/2015 and next year."))
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        errors["count"] = _("The number of dossiers must be a whole number, 0 or more.")
    elif count > MAX_COUNT:
        errors["count"] = _("%(count)s dossiers is more than any unit handles: please check.") % {
            "count": count
        }
    return errors


@transaction.atomic
def transaction_count_set(
    *,
    unit: Unit,
    procedure: str,
    start: dt.date,
    end: dt.date,
    count: int,
    source: str = TransactionCount.Source.MANUAL,
) -> TransactionCount:
    """Create or replace the count of (unit, procedure, period); procedure "" = all procedures."""
    errors = transaction_count_check(start=start, end=end, count=count)
    key = procedure.strip()
    if key:
        resolved = procedure_lookup(unit).get(key.casefold())
        if resolved is None:
            errors["procedure"] = _("“%(code)s” is not a procedure of this unit's catalog.") % {"code": key}
        key = resolved or key
    if errors:
        raise ValidationError(errors)
    row, _created = TransactionCount.objects.update_or_create(
        unit=unit,
        procedure=key,
        period_start=start,
        period_end=end,
        defaults={"count": count, "source": source},
    )
    return row


def transaction_count_delete(*, unit: Unit, pk: int) -> bool:
    deleted, _detail = TransactionCount.objects.filter(unit=unit, pk=pk).delete()
    return bool(deleted)


def transaction_count_list(*, unit: Unit, limit: int = 500) -> list[TransactionCount]:
    return list(
        TransactionCount.objects.filter(unit=unit).order_by("-period_end", "procedure", "-period_start")[
            :limit
        ]
    )


def customer_sample_sizes(*, unit: Unit, received_from: dt.date, received_to: dt.date) -> dict[str, int]:
    """How many listed customers to ask per procedure: the unit's quota rule applied to each
    procedure's customers in the period (surveys draws them; it may not read the rule itself)."""
    rule = policy_effective(unit).rule
    strata = customer_strata(unit=unit, received_from=received_from, received_to=received_to)
    return {key: rule.required(count) for key, count in strata.items()}


def survey_plan_draft(*, unit: Unit, campaign: Campaign, kind: str) -> SurveyPlan:
    """Draft a campaign's plan with the unit's quota rule in words (surveys may not read the rule)."""
    with translation.override("vi"):
        quota = str(policy_effective(unit).rule_label)
    return plan_draft(unit=unit, campaign=campaign, kind=kind, quota=quota)
