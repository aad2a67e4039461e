"""PAR Index contributions: a province's rule sets (versioned data) turned into each unit's points.

METHODOLOGY.md, "PAR Index contribution". A province owns its rule sets; for a year, a unit's rule is
the province's most recently created rule set whose years cover it, else a platform rule set (owner
empty), else the in-memory platform default (linear, 6 points at 90 %). A version is never edited:
`par_rule_set_revise` adds the next version. A rule set may not start to apply to a year the province
has frozen, so a frozen year's rule never changes.

A contribution keeps every input (rate, n, period, method, quota attainment, rule version, formula
inputs) beside its points, exact as fractions in `inputs` (the `points` column holds them to 6
decimals; pages round to 2). "Not applicable" (no answers, too few answers, no dossiers) is NULL
points with a reason, never 0. Only the live row is ever written; `par_year_freeze` copies the live
rows of an ended year to frozen rows that the database refuses to change, and later recomputes of the
live row show the difference beside them.

Late responses: each live row stores a fingerprint of what it read (`inputs["sources"]`: the rule
version, the policy values, a checksum of the daily facts of every unit it pools over the period,
the transaction counts, the dossier counts for Decision 766). Refolding a past day changes the facts
checksum of that unit and of every unit above it, so `par_stale` (run daily) finds exactly the
contributions whose inputs moved and recomputes those; unchanged years are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from analytics.feedback.selectors import FeedbackCounts, feedback_counts, handling_figure
from analytics.figures.households import household_index, household_index_figure
from analytics.figures.selectors import (
    Period,
    contributing_units,
    local_bounds,
    schemas_present,
    unit_figures,
)
from analytics.methodology import formulas as f
from analytics.methodology import points as pts
from analytics.methodology.policy import Policy, policy_effective
from analytics.models import ParContribution, ParRuleSet, ParYearFreeze, TransactionCount
from analytics.par.rules import (
    Kind,
    QuotaCondition,
    Scope,
    _check_year,
    _materialize,
    is_platform_default,
    par_rule_set_for,
    par_units,
    points_rule,
    rule_maximum,
    year_period,
    year_scope,
)
from analytics.quotas.services import own_units, quota_status
from tenants.audit import audit_record
from tenants.models import AuditAction, Level, Unit, User

# --------------------------------------------------------------------------------------------------
# Inputs of a contribution
# --------------------------------------------------------------------------------------------------

FACTS_CHECKSUM_SQL = """
SELECT count(*), COALESCE(sum(count), 0),
       COALESCE(sum(count::numeric * hashtext(concat_ws('|', unit_id, day, kind, questionnaire, question,
                element, scale, COALESCE(value::text, '~'), option, bucket))), 0)
FROM public.analytics_dailyfact
WHERE unit_id = ANY(%s) AND day BETWEEN %s AND %s AND dim = ''
"""


def dossier_counts(*, unit: Unit, period: Period) -> dict[str, int]:
    """Decision 766 inputs (criteria 5.2, 5.3 and 5.4), pooled over the unit's own and lower units' schemas.

    Dossiers = those whose processing ended in the period (NgayKetThucXuLy); late = ended after the
    due date (NgayHenTra); disliked = their one-time survey answered "unsatisfied" overall; complained =
    named by at least one feedback record; complained_or_disliked counts a dossier once. The feedback
    counts of 5.2 and 5.3 come from analytics.feedback.
    """
    from surveys.models import Dossier, DossierToken, Feedback

    start, end = local_bounds(period)
    totals = {
        "dossiers": 0,
        "late": 0,
        "disliked": 0,
        "complained": 0,
        "complained_or_disliked": 0,
        "schemas": 0,
    }
    for source in schemas_present(contributing_units(unit).order_by("path")):
        with tenant_context(source):
            handled = Dossier.objects.filter(finished_at__gte=start, finished_at__lt=end)
            disliked = Q(
                code__in=DossierToken.objects.filter(response__overall_bucket="unsatisfied").values(
                    "dossier_code"
                )
            )
            complained = Q(code__in=Feedback.objects.exclude(dossier_code="").values("dossier_code"))
            counts = handled.aggregate(
                dossiers=Count("pk"),
                late=Count("pk", filter=Q(due_at__isnull=False, finished_at__gt=F("due_at"))),
                disliked=Count("pk", filter=disliked),
                complained=Count("pk", filter=complained),
                complained_or_disliked=Count("pk", filter=disliked | complained),
            )
        for key, value in counts.items():
            totals[key] += value
        totals["schemas"] += 1
    return {**totals, **feedback_counts(unit=unit, period=period).as_inputs()}


def _fingerprint(*, unit: Unit, period: Period) -> dict[str, list[Any]]:
    """Checksums of the facts the unit's figures pool and of the transaction counts its quota reads."""
    ids = sorted(contributing_units(unit).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(FACTS_CHECKSUM_SQL, [ids, period.start, period.end])
        rows, total, checksum = cursor.fetchone()
    counts = TransactionCount.objects.filter(
        unit__in=[u.pk for u in own_units(unit)], period_start__lte=period.end, period_end__gte=period.start
    ).aggregate(rows=Count("pk"), total=Sum("count"), changed=Max("updated_at"))
    return {
        "facts": [rows, int(total), str(checksum)],
        "counts": [
            counts["rows"],
            counts["total"] or 0,
            counts["changed"].isoformat() if counts["changed"] else None,
        ],
    }


def par_sources(
    *,
    unit: Unit,
    period: Period,
    rule_set: ParRuleSet,
    policy: Policy,
    dossiers: dict[str, int] | None,
    fingerprint: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """The fingerprint of everything a contribution reads; equal fingerprints give equal points."""
    fingerprint = fingerprint or _fingerprint(unit=unit, period=period)
    sources = {
        "rule_set": rule_set.pk if rule_set.pk is not None else "default",
        "minimum_n": policy.figure_minimum_n,
        "quota_rule": str(policy.quota_rule.value),
        **fingerprint,
        "dossiers": dossiers,
    }
    if rule_set.kind != Kind.DECISION_766 and (rule_set.params or {}).get("figure") == "household":
        # Household answers are not daily facts: the index itself says whether they moved.
        index = household_index(unit=unit, period=period)
        sources["household"] = [index.n, _fraction_text(index.rate), index.psus]
    return sources


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def fraction_from(text: object) -> Fraction | None:
    return Fraction(str(text)) if text not in (None, "") else None


def _method(method: f.Method) -> dict[str, str]:
    return {"code": method.code, "description": method.description}


def _quota(unit: Unit, period: Period, policy: Policy) -> dict[str, Any]:
    status = quota_status(unit=unit, period=period, labels=False)
    row = status.unit_wide
    base = {"rule": policy.rule.code, "not_used": len(status.not_used)}
    if row is None:
        return {**base, "available": False}
    attainment = row.attainment
    return {
        **base,
        "available": True,
        "transactions": attainment.transactions,
        "required": attainment.required,
        "collected": attainment.collected,
        "ratio": _fraction_text(attainment.ratio),
        "met": attainment.met,
        "margin_of_error": attainment.margin_of_error,
        "from_procedures": status.unit_wide_from_procedures,
    }


@dataclass(frozen=True)
class Outcome:
    points: Fraction | None
    maximum: Fraction
    reason: dict[str, Any] | None  # {"code": ..., ...} when not applicable
    inputs: dict[str, Any]


def _empty_figures(minimum_n: int) -> tuple[f.Figure, f.Figure]:
    """(overall, index) of a unit without any answer in the period, as unit_figures would give them."""
    return (
        f.rate_figure(f.Tally(), minimum_n=minimum_n),
        f.sipas_index({}, method="mean_of_elements", minimum_n=minimum_n),
    )


def _evaluate(
    *,
    unit: Unit,
    period: Period,
    rule_set: ParRuleSet,
    policy: Policy,
    dossiers: dict[str, int] | None,
    has_facts: bool = True,
    has_counts: bool = True,
) -> Outcome:
    """Points of one unit for a period under one rule set, with the inputs that produced them.

    `has_facts` / `has_counts` False (known from the fingerprint) skip the figure and quota queries
    for a unit with no answers or no counts: the result is the same, and most units of a province
    have none in a given year.
    """
    inputs: dict[str, Any] = {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "rule": {
            "id": rule_set.pk,
            "name": rule_set.name,
            "version": rule_set.version,
            "kind": rule_set.kind,
            "params": rule_set.params,
            "quota_condition": rule_set.quota_condition,
            "platform_default": is_platform_default(rule_set),
        },
        "minimum_n": policy.figure_minimum_n,
    }
    reason: dict[str, Any] | None = None
    if rule_set.kind == Kind.DECISION_766:
        assert dossiers is not None  # noqa: S101 - computed by the caller for this kind
        result, inputs_766, reason = _decision_766(dossiers, policy.figure_minimum_n)
        inputs.update(inputs_766)
    else:
        figure_name = rule_set.params.get("figure") or "overall"
        if figure_name == "household":
            figure = household_index_figure(unit=unit, period=period, minimum_n=policy.figure_minimum_n)
        else:
            if has_facts:
                figures = unit_figures(unit=unit, period=period, minimum_n=policy.figure_minimum_n)
                overall, index = figures.overall, figures.index
            else:
                overall, index = _empty_figures(policy.figure_minimum_n)
            figure = index if figure_name == "index" else overall
        rule = points_rule(rule_set)
        result = pts.figure_points(rule, figure)
        overall_tally_satisfied = None
        if figure_name == "overall" and figure.value is not None:
            overall_tally_satisfied = int(figure.value * figure.n)
        inputs.update(
            figure=figure_name,
            n=figure.n,
            satisfied=overall_tally_satisfied,
            rate=_fraction_text(figure.value),
            interval=list(figure.interval) if figure.interval else None,
            too_few=figure.too_few,
            method=_method(figure.method),
            points_method=_method(rule.method),
            formula=dict(rule_set.params),
        )
        if isinstance(result, pts.NotApplicable):
            reason = (
                {"code": "no_answers"}
                if figure.n == 0 or figure.value is None
                else {"code": "too_few", "n": figure.n, "minimum": policy.figure_minimum_n}
            )
    maximum = result.maximum if isinstance(result, pts.Points) else rule_maximum(rule_set)
    points = result.value if isinstance(result, pts.Points) else None
    inputs["base_points"] = _fraction_text(points)

    quota = (
        _quota(unit, period, policy)
        if has_counts
        else {"rule": policy.rule.code, "not_used": 0, "available": False}
    )
    quota["condition"] = rule_set.quota_condition
    inputs["quota"] = quota
    if points is not None and rule_set.quota_condition != QuotaCondition.NONE:
        if not quota["available"]:
            points, reason = None, {"code": "no_counts"}
        elif rule_set.quota_condition == QuotaCondition.ZERO:
            if not quota["met"]:
                points = Fraction(0)
        else:  # scaled
            ratio = fraction_from(quota["ratio"])
            points = points * min(Fraction(1), ratio if ratio is not None else Fraction(1))
    inputs["points"] = _fraction_text(points)
    inputs["not_applicable"] = reason
    return Outcome(points=points, maximum=maximum, reason=reason, inputs=inputs)


def _criterion(result: pts.Points | pts.NotApplicable) -> dict[str, Any]:
    if isinstance(result, pts.Points):
        return {
            "points": _fraction_text(result.value),
            "maximum": _fraction_text(result.maximum),
            "rate": _fraction_text(result.rate),
            "not_applicable": None,
            "method": _method(result.method),
        }
    return {
        "points": None,
        "maximum": None,
        "rate": None,
        "not_applicable": result.reason,
        "method": _method(result.method),
    }


def _decision_766(
    counts: Mapping[str, int], minimum_n: int
) -> tuple[pts.Points | pts.NotApplicable, dict[str, Any], dict[str, Any] | None]:
    """The Decision 766 group: 5.2 on time, 5.3 satisfaction with handling, 5.4 dossiers (late, complained
    or disliked). The unit earns the sum of the applicable criteria out of their maxima; a criterion
    with a zero denominator is not applicable and named so, never 0 points; with none applicable, the
    group is not applicable."""
    five_four = pts.decision_766_dossier_score(
        dossiers=counts["dossiers"],
        late=counts["late"],
        complained_or_disliked=counts["complained_or_disliked"],
    )
    feedback = FeedbackCounts(
        due=counts["feedback_due"],
        on_time=counts["feedback_on_time"],
        ratings=f.Tally(
            satisfied=counts["ratings_satisfied"],
            neutral=counts["ratings_neutral"],
            unsatisfied=counts["ratings_unsatisfied"],
        ),
    )
    handling = handling_figure(feedback, minimum_n=minimum_n)
    five_two = pts.decision_766_on_time_score(due=feedback.due, on_time=feedback.on_time)
    five_three = pts.decision_766_handling_score(handling)
    criteria = {"5.2": five_two, "5.3": five_three, "5.4": five_four}
    earned = [r for r in criteria.values() if isinstance(r, pts.Points)]
    rate = (
        max(Fraction(0), 1 - Fraction(counts["late"] + counts["complained_or_disliked"], counts["dossiers"]))
        if counts["dossiers"]
        else None
    )
    inputs = {
        "figure": "decision_766",
        "n": counts["dossiers"],
        "rate": _fraction_text(rate),
        "interval": None,
        "too_few": False,
        "method": _method(pts.DECISION_766_5_4.method),
        "formula": {
            **counts,
            "dossiers_definition": "dossiers whose processing ended in the period; late = ended after "
            "the due date; complained = named by a feedback record; a dossier complained about and "
            "disliked counts once",
        },
        "criteria": {code: _criterion(r) for code, r in criteria.items()},
        "handling": {
            "n": handling.n,
            "rate": _fraction_text(handling.value),
            "interval": list(handling.interval) if handling.interval else None,
            "too_few": handling.too_few,
            "unrateable": counts["feedback_unrateable"],
        },
    }
    if not earned:
        return (
            pts.NotApplicable("no criterion applicable", pts.DECISION_766_5_4.method),
            inputs,
            {"code": "no_dossiers"},
        )
    total = pts.Points(
        value=sum((r.value for r in earned), Fraction(0)),
        maximum=sum((r.maximum for r in earned), Fraction(0)),
        rate=rate if rate is not None else earned[0].rate,
        method=pts.DECISION_766_5_4.method,
    )
    return total, inputs, None


def not_applicable_text(reason: Mapping[str, Any] | None) -> str:
    """Why a unit earns no points, in the page's language."""
    if not reason:
        return ""
    code = reason.get("code")
    if code == "no_answers":
        return _("not applicable: no valid answers in the period")
    if code == "too_few":
        return _("not applicable: too few answers (%(n)s, minimum %(minimum)s)") % {
            "n": reason.get("n"),
            "minimum": reason.get("minimum"),
        }
    if code == "no_dossiers":
        return _("not applicable: no dossiers handled and no feedback due or rated in the period")
    if code == "no_counts":
        return _("not applicable: no transaction counts, so the quota condition cannot be checked")
    return _("not applicable")


NOT_APPLICABLE_ENGLISH: Final = {
    "no_answers": "no valid answers in the period",
    "too_few": "too few answers",
    "no_dossiers": "no dossiers handled and no feedback due or rated in the period",
    "no_counts": "no transaction counts: the quota condition cannot be checked",
}


def _stored_points(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return f.display(value, 6)


# --------------------------------------------------------------------------------------------------
# Compute, freeze
# --------------------------------------------------------------------------------------------------


def _check_scope(*, year: int, scope: str, today: dt.date) -> None:
    if scope not in Scope.values:
        raise ValidationError(_("Unknown scope “%(scope)s”: whole year or year to date.") % {"scope": scope})
    _check_year(year, today=today)
    if scope == Scope.YEAR and year >= today.year:
        raise ValidationError(
            _("The year %(year)s has not ended: compute the year to date instead.") % {"year": year}
        )


def par_contribution_compute(
    *, unit: Unit, year: int, scope: str, rule_set: ParRuleSet | None = None
) -> ParContribution:
    """Compute the unit's points for the year (or year to date) and upsert its LIVE row.

    Frozen rows are never touched: they are another row of the same key. `rule_set` lets a caller
    scoring a whole province look the rule up once (it must be par_rule_set_for's answer).
    """
    today = timezone.localdate()
    _check_scope(year=year, scope=scope, today=today)
    if unit.level in (Level.NATIONAL, Level.PROVINCE):
        raise ValidationError(_("A province scores the units below it, not itself."))
    period = year_period(year=year, scope=scope, today=today)
    rule_set = _materialize(rule_set or par_rule_set_for(unit=unit, year=year))
    policy = policy_effective(unit)
    # The fingerprint is read before the figures: data arriving in between makes the stored
    # fingerprint older than the points, so the next check recomputes rather than missing it.
    fingerprint = _fingerprint(unit=unit, period=period)
    dossiers = dossier_counts(unit=unit, period=period) if rule_set.kind == Kind.DECISION_766 else None
    sources = par_sources(
        unit=unit, period=period, rule_set=rule_set, policy=policy, dossiers=dossiers, fingerprint=fingerprint
    )
    outcome = _evaluate(
        unit=unit,
        period=period,
        rule_set=rule_set,
        policy=policy,
        dossiers=dossiers,
        has_facts=fingerprint["facts"][0] > 0,
        has_counts=fingerprint["counts"][0] > 0,
    )
    outcome.inputs["sources"] = sources
    outcome.inputs["scope"] = scope
    reason = (outcome.reason or {}).get("code", "")
    row, _created = ParContribution.objects.update_or_create(
        unit=unit,
        year=year,
        scope=scope,
        frozen=False,
        defaults={
            "rule_set": rule_set,
            "inputs": outcome.inputs,
            "points": _stored_points(outcome.points),
            "maximum": f.display(outcome.maximum, 6),
            "not_applicable": NOT_APPLICABLE_ENGLISH.get(reason, "not applicable") if reason else "",
            "computed_at": timezone.now(),
        },
    )
    return row


@transaction.atomic
def par_province_recompute(*, province: Unit, year: int) -> int:
    """Recompute every unit of the province for the year in its scope; returns the rows written.

    One transaction: the table never shows half a recompute, and one commit instead of hundreds.
    """
    scope = year_scope(year=year)
    rule_set = _materialize(par_rule_set_for(unit=province, year=year))
    written = 0
    for unit in par_units(province=province, year=year):
        par_contribution_compute(unit=unit, year=year, scope=scope, rule_set=rule_set)
        written += 1
    return written


def par_freeze_refusal(*, province: Unit, year: int, today: dt.date | None = None) -> str | None:
    """Why the province cannot freeze the year now (None when it can): shown before and checked at."""
    today = today or timezone.localdate()
    if province.level != Level.PROVINCE:
        return _("Only a province freezes PAR Index contributions.")
    try:
        _check_year(year, today=today, allow_next=True)
    except ValidationError as problem:
        return problem.messages[0]
    existing = ParYearFreeze.objects.filter(province=province, year=year).select_related("frozen_by").first()
    if existing is not None:
        return _already_frozen(existing)
    if year >= today.year:
        return _("%(year)s has not ended: it can be frozen from 01/01/%(next)s.") % {
            "year": year,
            "next": year + 1,
        }
    if not par_units(province=province, year=year):
        return _("No unit of this province was in force in %(year)s: there is nothing to freeze.") % {
            "year": year
        }
    return None


def par_year_freeze(*, province: Unit, year: int, user: User) -> ParYearFreeze:
    """Freeze an ended year: copy each unit's live whole-year row to a frozen row (computing a live row
    first for a unit that has none). A year can be frozen once; frozen rows never change."""
    refusal = par_freeze_refusal(province=province, year=year)
    if refusal:
        raise ValidationError(refusal)
    units = par_units(province=province, year=year)
    try:
        with transaction.atomic():
            freeze = ParYearFreeze.objects.create(province=province, year=year, frozen_by=user)
            live = {
                row.unit_id: row
                for row in ParContribution.objects.filter(
                    unit__in=units, year=year, scope=Scope.YEAR, frozen=False
                )
            }
            rule_set = _materialize(par_rule_set_for(unit=province, year=year))
            for unit in units:
                if unit.pk not in live:
                    live[unit.pk] = par_contribution_compute(
                        unit=unit, year=year, scope=Scope.YEAR, rule_set=rule_set
                    )
            ParContribution.objects.bulk_create(
                [
                    ParContribution(
                        unit_id=row.unit_id,
                        year=row.year,
                        scope=row.scope,
                        frozen=True,
                        rule_set_id=row.rule_set_id,
                        inputs=row.inputs,
                        points=row.points,
                        maximum=row.maximum,
                        not_applicable=row.not_applicable,
                        computed_at=row.computed_at,
                    )
                    for row in live.values()
                ],
                batch_size=1000,
            )
            audit_record(
                action=AuditAction.PAR_YEAR_FREEZE,
                actor=user,
                unit=province,
                target=str(year),
                details={"year": year, "units": len(live)},
            )
    except IntegrityError:
        # Another request froze the year at the same moment.
        existing = (
            ParYearFreeze.objects.filter(province=province, year=year).select_related("frozen_by").first()
        )
        raise ValidationError(
            _already_frozen(existing) if existing else _("This year is already frozen.")
        ) from None
    return freeze


def _already_frozen(freeze: ParYearFreeze) -> str:
    return _(
        "%(year)s was frozen on %(day)s by %(who)s; a frozen year cannot be frozen again or changed."
    ) % {
        "year": freeze.year,
        "day": timezone.localtime(freeze.frozen_at).strftime("%d/%m/%Y"),
        "who": freeze.frozen_by.email,
    }


# --------------------------------------------------------------------------------------------------
# Late responses: what needs recomputing
# --------------------------------------------------------------------------------------------------


def par_stale(*, province: Unit, today: dt.date | None = None) -> list[tuple[int, int, str]]:
    """(unit id, year, scope) to recompute today, for the province's units.

    - the current year to date, every unit (the period grows each day);
    - last year as a whole, every unit that has no live whole-year row yet;
    - every earlier year with live whole-year rows, the rows whose sources fingerprint changed
      (a late response refolded a past day, a count was corrected, the rule was revised), frozen
      years included: their live row then shows the difference beside the frozen one.
    """
    today = today or timezone.localdate()
    last = today.year - 1
    work: list[tuple[int, int, str]] = [
        (u.pk, today.year, Scope.YEAR_TO_DATE) for u in par_units(province=province, year=today.year)
    ]
    live = (
        ParContribution.objects.filter(
            unit__path__startswith=province.path, scope=Scope.YEAR, frozen=False, year__lt=today.year
        )
        .select_related("unit")
        .order_by("year", "unit__path")
    )
    have: set[tuple[int, int]] = set()
    for row in live:
        have.add((row.unit_id, row.year))
        if par_sources_now(unit=row.unit, year=row.year) != (row.inputs or {}).get("sources"):
            work.append((row.unit_id, row.year, Scope.YEAR))
    work += [
        (u.pk, last, Scope.YEAR) for u in par_units(province=province, year=last) if (u.pk, last) not in have
    ]
    return work


def par_sources_now(*, unit: Unit, year: int) -> dict[str, Any]:
    """The fingerprint a whole-year contribution would store if computed now."""
    period = year_period(year=year, scope=Scope.YEAR)
    rule_set = par_rule_set_for(unit=unit, year=year)
    if rule_set.pk is None:
        rule_set = ParRuleSet.objects.filter(owner__isnull=True, name=rule_set.name).first() or rule_set
    policy = policy_effective(unit)
    dossiers = dossier_counts(unit=unit, period=period) if rule_set.kind == Kind.DECISION_766 else None
    return par_sources(unit=unit, period=period, rule_set=rule_set, policy=policy, dossiers=dossiers)


def par_provinces_active() -> list[Unit]:
    """Provinces with at least one unit that has (or had) a schema, or a successor of such a unit:
    only they can have answers or dossiers to score."""
    paths = set(
        Unit.objects.filter(onboarded_at__isnull=False)
        .exclude(level=Level.NATIONAL)
        .values_list("path", flat=True)
    )
    paths |= set(Unit.objects.filter(predecessors__onboarded_at__isnull=False).values_list("path", flat=True))
    roots = {path.split("/", 1)[0] + "/" for path in paths}
    return list(Unit.objects.filter(path__in=roots, level=Level.PROVINCE).order_by("path"))
