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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Level, Unit, User
from tenants.permissions import ancestor_paths

from . import formulas as f
from .figures import EARLIEST_DAY, Period, contributing_units, unit_figures
from .models import ParContribution, ParRuleSet, ParYearFreeze, TransactionCount
from .policy import Policy, policy_effective
from .quotas import own_units, quota_status

Kind = ParRuleSet.Kind
Scope = ParContribution.Scope
QuotaCondition = ParRuleSet.QuotaCondition

#: The name under which the platform default is stored once a contribution uses it (the
#: contribution's rule_set column cannot be empty); shown through `rule_set_label`.
PLATFORM_DEFAULT_NAME: Final = "platform-default"
PLATFORM_DEFAULT_PARAMS: Final = {"maximum": "6", "threshold": "0.9", "figure": "overall"}

#: Which satisfaction figure a band or linear rule scores (a local choice; "overall" by default).
FIGURES: Final = ("overall", "index")
MAX_BANDS: Final = 20
MAX_POINTS: Final = Decimal(100)  # the whole PAR Index is out of 100 points
LAST_YEAR_OFFSET: Final = 1  # rule sets may be written for next year already
POINTS_PLACES: Final = Decimal("0.000001")


# --------------------------------------------------------------------------------------------------
# Units and years
# --------------------------------------------------------------------------------------------------


def par_units(*, province: Unit, year: int) -> list[Unit]:
    """The units a province scores for a year: every unit below it (districts and communes) that was
    in force at some time in the year, by path. A figure is computed over the hierarchy in force in
    its period (METHODOLOGY.md), so the merged three-tier units are not scored after 2025, and the
    two-tier communes carry their predecessors' counts (figures.contributing_units)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return list(
        Unit.objects.filter(path__startswith=province.path)
        .exclude(pk=province.pk)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("path")
    )


def year_period(*, year: int, scope: str, today: dt.date | None = None) -> Period:
    """Whole year, or 1 January to today for the year to date (clipped to the year)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if scope == Scope.YEAR_TO_DATE:
        end = min(end, today or timezone.localdate())
    return Period(start, end)


def year_scope(*, year: int, today: dt.date | None = None) -> str:
    """The scope a year is scored in: the whole year once it has ended, else the year to date."""
    return Scope.YEAR if year < (today or timezone.localdate()).year else Scope.YEAR_TO_DATE


def _check_year(year: object, *, today: dt.date, allow_next: bool = False) -> int:
    last = today.year + (LAST_YEAR_OFFSET if allow_next else 0)
    if isinstance(year, bool) or not isinstance(year, int) or not EARLIEST_DAY.year <= year <= last:
        raise ValidationError(
            _("The year must be a whole number from %(first)s to %(last)s.")
            % {"first": EARLIEST_DAY.year, "last": last}
        )
    return year


def year_is_frozen(*, province: Unit, year: int) -> bool:
    return ParYearFreeze.objects.filter(province=province, year=year).exists()


# --------------------------------------------------------------------------------------------------
# Rule sets
# --------------------------------------------------------------------------------------------------


def _number(value: object) -> Decimal | None:
    """A decimal from a stored or typed value ("0,9" accepted); None when it is not a finite number.

    Floats are refused, as in the formulas: 0.1 as a float is not the decimal the province wrote.
    """
    if isinstance(value, bool | float) or value is None:
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str) and len(value.strip()) <= 20:
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _text(number: Decimal) -> str:
    """Canonical decimal text for params: no exponent, no trailing zeros ("0.90" → "0.9")."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _pct(rate: Decimal) -> str:
    return _text(rate * 100)


def _band_name(index: int, rate: Decimal | None) -> str:
    if rate is None:
        return _("Band %(n)s") % {"n": index}
    return _("Band %(n)s (from %(rate)s %%)") % {"n": index, "rate": _pct(rate)}


def _clean_params(kind: str, params: object) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validated, canonical params of a kind, and the errors by field (empty when none)."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not isinstance(params, Mapping):
        return {}, {"params": [_("The rule's parameters are missing.")]}
    if kind == Kind.DECISION_766:
        # The criterion is built in (6 points, 90 %); nothing to choose.
        return {}, {}

    cleaned: dict[str, Any] = {}
    figure = params.get("figure") or "overall"
    if figure not in FIGURES:
        error("figure", _("Choose the figure to score: overall satisfaction or the SIPAS index."))
    cleaned["figure"] = figure

    maximum = _number(params.get("maximum"))
    if maximum is None:
        error("maximum", _("Enter the maximum points as a number, e.g. 6."))
    elif not 0 < maximum <= MAX_POINTS:
        error("maximum", _("The maximum must be above 0 and at most %(max)s points.") % {"max": MAX_POINTS})
    else:
        cleaned["maximum"] = _text(maximum)

    if kind == Kind.LINEAR:
        threshold = _number(params.get("threshold"))
        if threshold is None:
            error("threshold", _("Enter the threshold as a share of 1, e.g. 0.9 for 90 %%.") % {})
        elif not 0 < threshold <= 1:
            error("threshold", _("The threshold must be above 0 %% and at most 100 %%.") % {})
        else:
            cleaned["threshold"] = _text(threshold)
    elif kind == Kind.BAND:
        bands = params.get("bands")
        if not isinstance(bands, list | tuple) or not bands:
            error("bands", _("Add at least one band: a minimum rate and the points it earns."))
        elif len(bands) > MAX_BANDS:
            error("bands", _("A table has at most %(max)s bands.") % {"max": MAX_BANDS})
        else:
            rows: list[tuple[Decimal, Decimal]] = []
            for index, band in enumerate(bands, start=1):
                if not isinstance(band, list | tuple) or len(band) != 2:
                    error(
                        "bands",
                        _("%(band)s must be a minimum rate and points.") % {"band": _band_name(index, None)},
                    )
                    continue
                rate, points = _number(band[0]), _number(band[1])
                name = _band_name(index, rate)
                if rate is None:
                    error("bands", _("%(band)s: the minimum rate is not a number.") % {"band": name})
                    continue
                if not 0 <= rate <= 1:
                    error(
                        "bands",
                        _("%(band)s: the minimum rate must be between 0 %% and 100 %%.") % {"band": name},
                    )
                    continue
                if points is None:
                    error("bands", _("%(band)s: the points are not a number.") % {"band": name})
                    continue
                if points < 0:
                    error("bands", _("%(band)s: the points must not be negative.") % {"band": name})
                    continue
                if maximum is not None and points > maximum:
                    error(
                        "bands",
                        _("%(band)s: %(points)s points exceed the maximum of %(max)s.")
                        % {"band": name, "points": _text(points), "max": _text(maximum)},
                    )
                    continue
                if rows:
                    previous_rate, previous_points = rows[-1]
                    previous = _band_name(len(rows), previous_rate)
                    if rate == previous_rate:
                        error(
                            "bands",
                            _("%(band)s overlaps %(previous)s: two bands start at the same rate.")
                            % {"band": name, "previous": previous},
                        )
                        continue
                    if rate < previous_rate:
                        error(
                            "bands",
                            _("%(band)s starts below %(previous)s: list the bands from the lowest rate up.")
                            % {"band": name, "previous": previous},
                        )
                        continue
                    if points < previous_points:
                        error(
                            "bands",
                            _("%(band)s earns fewer points than %(previous)s for a higher rate.")
                            % {"band": name, "previous": previous},
                        )
                        continue
                rows.append((rate, points))
            cleaned["bands"] = [[_text(r), _text(p)] for r, p in rows]
    if not errors:
        # The formulas are the last word: whatever they refuse is refused here too.
        try:
            points_rule(ParRuleSet(kind=kind, params=cleaned, name="check"))
        except f.RuleError as problem:
            error("params", str(problem))
    return cleaned, errors


def points_rule(rule_set: ParRuleSet) -> f.BandPointsRule | f.LinearPointsRule:
    """The formulas' rule for a band or linear rule set (Decision 766 is DECISION_766_5_4)."""
    code = f"{rule_set.name} v{rule_set.version}"
    params = rule_set.params
    if rule_set.kind == Kind.BAND:
        return f.BandPointsRule.from_table(code, params["maximum"], [(r, p) for r, p in params["bands"]])
    if rule_set.kind == Kind.LINEAR:
        return f.LinearPointsRule.from_values(code, params["maximum"], params["threshold"])
    return f.DECISION_766_5_4


def rule_maximum(rule_set: ParRuleSet) -> Fraction:
    return points_rule(rule_set).maximum


def _check_rule_set(
    *,
    owner: Unit | None,
    name: str,
    kind: str,
    params: object,
    quota_condition: str,
    year_from: object,
    year_to: object,
) -> dict[str, Any]:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if owner is not None and owner.level != Level.PROVINCE:
        errors.setdefault("__all__", []).append(_("Only a province owns PAR Index rule sets."))
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the rule set a name, e.g. “Bộ tiêu chí CCHC 2026”.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is too long (at most 200 characters).")]
    if kind not in Kind.values:
        errors["kind"] = [_("Choose a kind of rule: band table, linear to a threshold or Decision 766.")]
        cleaned: dict[str, Any] = {}
    else:
        cleaned, params_errors = _clean_params(kind, params)
        for key, messages in params_errors.items():
            errors.setdefault(key, []).extend(messages)
    if quota_condition not in QuotaCondition.values:
        errors["quota_condition"] = [_("Choose how the sample quota counts.")]
    try:
        year_from = _check_year(year_from, today=today, allow_next=True)
    except ValidationError as problem:
        errors["year_from"] = problem.messages
    if year_to is not None:
        if (
            isinstance(year_to, bool)
            or not isinstance(year_to, int)
            or not EARLIEST_DAY.year <= year_to <= 2100
        ):
            errors["year_to"] = [_("The last year must be a whole number, or empty for no end.")]
        elif isinstance(year_from, int) and year_to < year_from:
            errors["year_to"] = [_("The last year is before the first year.")]
    if owner is not None and "year_from" not in errors and "year_to" not in errors:
        frozen = (
            ParYearFreeze.objects.filter(province=owner, year__gte=year_from)
            .filter(Q() if year_to is None else Q(year__lte=year_to))
            .order_by("-year")
            .values_list("year", flat=True)
        )
        frozen_years = list(frozen)
        if frozen_years:
            errors.setdefault("year_from", []).append(
                _(
                    "%(years)s is frozen: its rule and contributions can no longer change. "
                    "Let this rule set start in %(next)s or later."
                )
                % {
                    "years": ", ".join(str(y) for y in sorted(frozen_years)),
                    "next": max(frozen_years) + 1,
                }
            )
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "kind": kind,
        "params": cleaned,
        "quota_condition": quota_condition,
        "year_from": year_from,
        "year_to": year_to,
    }


@transaction.atomic
def par_rule_set_create(
    *,
    owner: Unit | None,
    name: str,
    kind: str,
    params: Mapping[str, Any],
    quota_condition: str = QuotaCondition.NONE,
    year_from: int,
    year_to: int | None = None,
    created_by: User | None = None,
) -> ParRuleSet:
    """Version 1 of a new rule set; params are checked by the formulas (ValidationError by field)."""
    values = _check_rule_set(
        owner=owner,
        name=name,
        kind=kind,
        params=params,
        quota_condition=quota_condition,
        year_from=year_from,
        year_to=year_to,
    )
    if ParRuleSet.objects.filter(owner=owner, name=values["name"]).exists():
        raise ValidationError(
            {
                "name": _("A rule set named “%(name)s” exists already: revise it instead.")
                % {"name": values["name"]}
            }
        )
    try:
        with transaction.atomic():
            return ParRuleSet.objects.create(owner=owner, version=1, created_by=created_by, **values)
    except IntegrityError:
        raise ValidationError(
            {
                "name": _("A rule set named “%(name)s” exists already: revise it instead.")
                % {"name": values["name"]}
            }
        ) from None


_UNCHANGED: Final = object()


@transaction.atomic
def par_rule_set_revise(
    *,
    rule_set: ParRuleSet,
    params: Mapping[str, Any],
    kind: str | None = None,
    quota_condition: str | None = None,
    year_from: int | None = None,
    year_to: Any = _UNCHANGED,
    created_by: User | None = None,
) -> ParRuleSet:
    """The next version of a rule set (the old one stays, with the contributions computed under it).

    Omitted fields keep the revised version's values. Refused when the new version would apply to a
    year the province has frozen.
    """
    if rule_set.pk is None or (rule_set.owner_id is None and rule_set.name == PLATFORM_DEFAULT_NAME):
        raise ValidationError(_("The platform default cannot be revised; create a rule set of the province."))
    # Lock the lineage so two revisions cannot both take the next number.
    lineage = ParRuleSet.objects.select_for_update().filter(owner_id=rule_set.owner_id, name=rule_set.name)
    latest = max(lineage.values_list("version", flat=True), default=rule_set.version)
    values = _check_rule_set(
        owner=rule_set.owner,
        name=rule_set.name,
        kind=kind or rule_set.kind,
        params=params,
        quota_condition=quota_condition or rule_set.quota_condition,
        year_from=rule_set.year_from if year_from is None else year_from,
        year_to=rule_set.year_to if year_to is _UNCHANGED else year_to,
    )
    try:
        with transaction.atomic():
            return ParRuleSet.objects.create(
                owner=rule_set.owner, version=latest + 1, created_by=created_by, **values
            )
    except IntegrityError:
        # Another revision took the number between our read and our write (a new row is not locked).
        raise ValidationError(_("Someone revised this rule set at the same moment: open it again.")) from None


def par_rule_set_default() -> ParRuleSet:
    """The platform default, in memory: linear, 6 points at a rate of 90 % or more, no quota condition."""
    return ParRuleSet(
        owner=None,
        name=PLATFORM_DEFAULT_NAME,
        version=1,
        kind=Kind.LINEAR,
        params=dict(PLATFORM_DEFAULT_PARAMS),
        quota_condition=QuotaCondition.NONE,
        year_from=EARLIEST_DAY.year,
        year_to=None,
    )


def is_platform_default(rule_set: ParRuleSet) -> bool:
    return rule_set.owner_id is None and rule_set.name == PLATFORM_DEFAULT_NAME


def rule_set_label(rule_set: ParRuleSet) -> str:
    """How a rule set is named on pages and exports; the platform default says what it is."""
    if is_platform_default(rule_set):
        return _("Platform default (no rule set of the province): linear, 6 points at 90 %% or more") % {}
    return f"{rule_set.name} v{rule_set.version}"


def _covering(year: int) -> Q:
    return Q(year_from__lte=year) & (Q(year_to__isnull=True) | Q(year_to__gte=year))


def par_rule_set_for(*, unit: Unit, year: int) -> ParRuleSet:
    """The rule that scores the unit in `year`: its province's newest rule set covering the year,
    else the newest platform rule set covering it, else the in-memory platform default (unsaved)."""
    root = unit.path if unit.level == Level.PROVINCE else ancestor_paths(unit)[0]
    candidates = ParRuleSet.objects.filter(_covering(year)).filter(
        Q(owner__path=root, owner__level=Level.PROVINCE) | Q(owner__isnull=True)
    )
    chosen = candidates.order_by(F("owner_id").asc(nulls_last=True), "-pk").first()
    return chosen or par_rule_set_default()


def _materialize(rule_set: ParRuleSet) -> ParRuleSet:
    """Store the in-memory default the first time a contribution refers to it."""
    if rule_set.pk is not None:
        return rule_set
    stored, _created = ParRuleSet.objects.get_or_create(
        owner=None,
        name=rule_set.name,
        version=rule_set.version,
        defaults={
            "kind": rule_set.kind,
            "params": rule_set.params,
            "quota_condition": rule_set.quota_condition,
            "year_from": rule_set.year_from,
            "year_to": rule_set.year_to,
        },
    )
    return stored


def rule_summary(rule_set: ParRuleSet) -> str:
    """The rule in one line, rates in percent: "≥ 50 % → 2; ≥ 90 % → 6 (of 6)"."""
    params = rule_set.params or {}
    if rule_set.kind == Kind.DECISION_766:
        return (
            _("R5.4 = 100 %% − (%% late + %% complained or disliked); 6 points from 90 %%, else R × 6 / 90")
            % {}
        )
    what = _("SIPAS index") if params.get("figure") == "index" else _("overall satisfaction")
    if rule_set.kind == Kind.BAND:
        bands = "; ".join(f"≥ {rate_percent_text(r)} % → {p}" for r, p in params.get("bands", []))
        return _("%(what)s: %(bands)s (of %(max)s; below the first band 0)") % {
            "what": what,
            "bands": bands,
            "max": params.get("maximum"),
        }
    return _("%(what)s: %(max)s × min(1, rate / %(threshold)s %%)") % {
        "what": what,
        "max": params.get("maximum"),
        "threshold": rate_percent_text(params.get("threshold", "")),
    }


@dataclass(frozen=True)
class RuleSetRow:
    rule_set: ParRuleSet
    label: str
    summary: str
    in_force: list[int]  # the years (up to next year) for which it is the province's rule
    frozen: list[int]  # frozen years it governs
    latest: bool  # the newest version of its name


def par_rule_sets(*, province: Unit) -> list[RuleSetRow]:
    """The province's rule sets, newest first, each with the years it currently governs."""
    today = timezone.localdate()
    rows = list(ParRuleSet.objects.filter(owner=province).select_related("created_by").order_by("-pk"))
    frozen = set(ParYearFreeze.objects.filter(province=province).values_list("year", flat=True))
    first = min((r.year_from for r in rows), default=today.year)
    governs: dict[int, list[int]] = {}
    for year in range(first, today.year + LAST_YEAR_OFFSET + 1):
        for rule in rows:  # newest first: the first that covers the year governs it
            if rule.year_from <= year and (rule.year_to is None or year <= rule.year_to):
                governs.setdefault(rule.pk, []).append(year)
                break
    latest: dict[str, int] = {}
    for rule in rows:
        latest[rule.name] = max(latest.get(rule.name, 0), rule.version)
    return [
        RuleSetRow(
            rule_set=rule,
            label=rule_set_label(rule),
            summary=rule_summary(rule),
            in_force=governs.get(rule.pk, []),
            frozen=[y for y in governs.get(rule.pk, []) if y in frozen],
            latest=rule.version == latest[rule.name],
        )
        for rule in rows
    ]


def par_params_parse(*, kind: str, data: Mapping[str, Any], rows: int) -> dict[str, Any]:
    """Params from a form where rates are typed in percent ("90" or "90,5") and points as decimals.

    Band rows are `band_<i>_rate` / `band_<i>_points`; a row with both cells empty is skipped. A cell
    that is not a number is refused here, naming its band; the rest is checked by the service.
    """
    errors: dict[str, list[str]] = {}
    params: dict[str, Any] = {}
    if kind == Kind.DECISION_766:
        return params
    params["figure"] = (data.get("figure") or "overall").strip()
    params["maximum"] = (data.get("maximum") or "").strip()
    if kind == Kind.LINEAR:
        raw = (data.get("threshold") or "").strip()
        number = _number(raw)
        if raw and number is None:
            errors["threshold"] = [_("“%(value)s” is not a number.") % {"value": raw}]
        params["threshold"] = _text(number / 100) if number is not None else ""
    elif kind == Kind.BAND:
        bands: list[list[str]] = []
        for index in range(rows):
            raw_rate = (data.get(f"band_{index}_rate") or "").strip()
            raw_points = (data.get(f"band_{index}_points") or "").strip()
            if not raw_rate and not raw_points:
                continue
            position = len(bands) + 1
            rate, points = _number(raw_rate), _number(raw_points)
            if rate is None or points is None:
                bad = raw_rate if rate is None else raw_points
                errors.setdefault("bands", []).append(
                    _("%(band)s: “%(value)s” is not a number.")
                    % {
                        "band": _band_name(position, None if rate is None else rate / 100),
                        "value": bad or "—",
                    }
                )
                continue
            bands.append([_text(rate / 100), _text(points)])
        params["bands"] = bands
    if errors:
        raise ValidationError(errors)
    return params


def rate_percent_text(value: str) -> str:
    """A stored share of 1 as the percent a form shows ("0.9" → "90")."""
    number = _number(value)
    return "" if number is None else _pct(number)


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


def _schemas_present(units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [[u.schema_name for u in units]]
        )
        present = {row[0] for row in cursor.fetchall()}
    return [u for u in units if u.schema_name in present]


def _local_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def dossier_counts(*, unit: Unit, period: Period) -> dict[str, int]:
    """Decision 766, criterion 5.4 inputs, pooled over the unit's own and lower units' schemas.

    Dossiers = those whose processing ended in the period (NgayKetThucXuLy); late = ended after the
    due date (NgayHenTra); disliked = their one-time survey answered "unsatisfied" overall.
    """
    from surveys.models import Dossier, DossierToken

    start, end = _local_bounds(period)
    totals = {"dossiers": 0, "late": 0, "disliked": 0, "schemas": 0}
    for source in _schemas_present(contributing_units(unit).order_by("path")):
        with tenant_context(source):
            handled = Dossier.objects.filter(finished_at__gte=start, finished_at__lt=end)
            counts = handled.aggregate(
                dossiers=Count("pk"),
                late=Count("pk", filter=Q(due_at__isnull=False, finished_at__gt=F("due_at"))),
            )
            disliked = handled.filter(
                code__in=DossierToken.objects.filter(response__overall_bucket="unsatisfied").values(
                    "dossier_code"
                )
            ).count()
        totals["dossiers"] += counts["dossiers"]
        totals["late"] += counts["late"]
        totals["disliked"] += disliked
        totals["schemas"] += 1
    return totals


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
    return {
        "rule_set": rule_set.pk if rule_set.pk is not None else "default",
        "minimum_n": policy.figure_minimum_n,
        "quota_rule": str(policy.quota_rule.value),
        **fingerprint,
        "dossiers": dossiers,
    }


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
        result = f.decision_766_dossier_score(
            dossiers=dossiers["dossiers"], late=dossiers["late"], complained_or_disliked=dossiers["disliked"]
        )
        rate = (
            max(Fraction(0), 1 - Fraction(dossiers["late"] + dossiers["disliked"], dossiers["dossiers"]))
            if dossiers["dossiers"]
            else None
        )
        inputs.update(
            figure="decision_766_5_4",
            n=dossiers["dossiers"],
            rate=_fraction_text(rate),
            interval=None,
            too_few=False,
            method=_method(f.DECISION_766_5_4.method),
            formula={
                "dossiers": dossiers["dossiers"],
                "late": dossiers["late"],
                "disliked": dossiers["disliked"],
                "complaints": None,
                "complaints_note": "complaints are not recorded yet: only dislikes (a dossier whose "
                "one-time survey was answered unsatisfied) are counted",
                "schemas": dossiers["schemas"],
                "dossiers_definition": "dossiers whose processing ended in the period; late = ended after "
                "the due date",
            },
        )
        if isinstance(result, f.NotApplicable):
            reason = {"code": "no_dossiers"}
    else:
        figure_name = rule_set.params.get("figure") or "overall"
        if has_facts:
            figures = unit_figures(unit=unit, period=period, minimum_n=policy.figure_minimum_n)
            overall, index = figures.overall, figures.index
        else:
            overall, index = _empty_figures(policy.figure_minimum_n)
        figure = index if figure_name == "index" else overall
        rule = points_rule(rule_set)
        result = f.figure_points(rule, figure)
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
        if isinstance(result, f.NotApplicable):
            reason = (
                {"code": "no_answers"}
                if figure.n == 0 or figure.value is None
                else {"code": "too_few", "n": figure.n, "minimum": policy.figure_minimum_n}
            )
    maximum = rule_maximum(rule_set)
    points = result.value if isinstance(result, f.Points) else None
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
        return _("not applicable: no dossiers handled in the period")
    if code == "no_counts":
        return _("not applicable: no transaction counts, so the quota condition cannot be checked")
    return _("not applicable")


NOT_APPLICABLE_ENGLISH: Final = {
    "no_answers": "no valid answers in the period",
    "too_few": "too few answers",
    "no_dossiers": "no dossiers handled in the period",
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
            "maximum": _stored_points(outcome.maximum),
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


# --------------------------------------------------------------------------------------------------
# The table: live and frozen side by side
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One contribution as shown: exact points, 2-decimal display, and its inputs."""

    row: ParContribution

    @property
    def inputs(self) -> dict[str, Any]:
        return self.row.inputs or {}

    @property
    def exact(self) -> Fraction | None:
        return fraction_from(self.inputs.get("points"))

    @property
    def shown(self) -> Decimal | None:
        exact = self.exact
        return None if exact is None else f.display(exact)

    @property
    def maximum_shown(self) -> Decimal:
        return f.display(Fraction(self.row.maximum))

    @property
    def rate(self) -> Fraction | None:
        return fraction_from(self.inputs.get("rate"))

    @property
    def rate_shown(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else f.display_percent(rate)

    @property
    def interval_shown(self) -> tuple[Decimal, Decimal] | None:
        interval = self.inputs.get("interval")
        if not interval:
            return None
        return (
            f.display_percent(Fraction(str(interval[0]))),
            f.display_percent(Fraction(str(interval[1]))),
        )

    @property
    def n(self) -> int:
        return int(self.inputs.get("n") or 0)

    @property
    def reason(self) -> str:
        return not_applicable_text(self.inputs.get("not_applicable"))

    @property
    def method_name(self) -> str:
        return method_name((self.inputs.get("method") or {}).get("code", ""))

    @property
    def method_description(self) -> str:
        from .dashboard_selectors import METHOD_DESCRIPTIONS

        method = self.inputs.get("method") or {}
        code = method.get("code", "")
        if code == f.DECISION_766_5_4.method.code:
            return decision_766_text()
        return str(METHOD_DESCRIPTIONS.get(code, method.get("description", "")))

    @property
    def rule_label(self) -> str:
        return rule_set_label(self.row.rule_set)

    @property
    def rule_summary(self) -> str:
        return rule_summary(self.row.rule_set)

    @property
    def period(self) -> Period | None:
        period = self.inputs.get("period")
        if not period:
            return None
        return Period(dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"]))

    @property
    def quota(self) -> dict[str, Any]:
        return self.inputs.get("quota") or {}

    @property
    def formula(self) -> dict[str, Any]:
        return self.inputs.get("formula") or {}


def decision_766_text() -> str:
    return (
        _(
            "Decision 766/QĐ-TTg criterion 5.4: R = 100 %% − (%% dossiers handled late + %% dossiers with a "
            "complaint or a dislike), from the dossiers whose processing ended in the period; 6 points if "
            "R ≥ 90 %%, else R × 6 / 90. Complaints are not recorded yet: only dislikes count."
        )
        % {}
    )


def method_name(code: str) -> str:
    """A figure's method in a few words, in the page's language."""
    from .dashboard_selectors import METHOD_NAMES

    if code == f.DECISION_766_5_4.method.code:
        return _("Decision 766/QĐ-TTg, criterion 5.4 (dossiers)")
    return str(METHOD_NAMES.get(code, code))


@dataclass(frozen=True)
class TableRow:
    unit: Unit
    live: Side | None
    frozen: Side | None
    in_force_label: str = ""

    @property
    def difference(self) -> Fraction | None:
        """Live minus frozen points, when both have points."""
        if self.live is None or self.frozen is None:
            return None
        live, frozen = self.live.exact, self.frozen.exact
        if live is None or frozen is None:
            return None
        return live - frozen

    @property
    def difference_shown(self) -> Decimal | None:
        diff = self.difference
        return None if diff is None else f.display(diff)

    @property
    def silent(self) -> bool:
        def quiet(side: Side | None) -> bool:
            return side is None or (side.inputs.get("not_applicable") or {}).get("code") == "no_answers"

        return self.live is not None and quiet(self.live) and quiet(self.frozen)

    @property
    def rule_differs(self) -> bool:
        """Computed under another rule than the one in force now (e.g. before a revision)."""
        return self.live is not None and self.live.rule_label != self.in_force_label

    @property
    def changed(self) -> bool:
        """The live row no longer says what was frozen (points, or applicability)."""
        if self.live is None or self.frozen is None:
            return False
        return self.live.exact != self.frozen.exact or self.live.reason != self.frozen.reason


@dataclass
class ParTable:
    province: Unit
    year: int
    scope: str
    period: Period
    freeze: ParYearFreeze | None
    rule_set: ParRuleSet
    rows: list[TableRow] = field(default_factory=list)

    @property
    def computed(self) -> int:
        return sum(1 for r in self.rows if r.live is not None)

    @property
    def changed(self) -> int:
        return sum(1 for r in self.rows if r.changed)

    @property
    def rule_label(self) -> str:
        return rule_set_label(self.rule_set)

    @property
    def rule_summary(self) -> str:
        return rule_summary(self.rule_set)

    @property
    def method_name(self) -> str:
        """The method of the figure the rule in force scores."""
        if self.rule_set.kind == Kind.DECISION_766:
            return method_name(f.DECISION_766_5_4.method.code)
        return method_name(
            "mean_of_elements" if self.rule_set.params.get("figure") == "index" else "satisfaction_rate"
        )

    @property
    def listed(self) -> list[TableRow]:
        """Rows worth a line: points, a reason other than "no answers", or a frozen value beside."""
        return [r for r in self.rows if not r.silent and r.live is not None]

    @property
    def silent(self) -> list[TableRow]:
        """Units without any answer in the period (and nothing frozen to compare): named in one line."""
        return [r for r in self.rows if r.silent]

    @property
    def not_computed(self) -> list[TableRow]:
        return [r for r in self.rows if r.live is None and not r.silent]


def par_table(*, province: Unit, year: int) -> ParTable:
    """Each unit of the province for the year: its live contribution, its frozen one, the difference."""
    today = timezone.localdate()
    _check_year(year, today=today)
    scope = year_scope(year=year, today=today)
    units = par_units(province=province, year=year)
    rows = ParContribution.objects.filter(unit__in=units, year=year, scope=scope).select_related(
        "rule_set", "rule_set__owner"
    )
    live: dict[int, ParContribution] = {}
    frozen: dict[int, ParContribution] = {}
    for row in rows:
        (frozen if row.frozen else live)[row.unit_id] = row
    rule_set = par_rule_set_for(unit=province, year=year)
    in_force = rule_set_label(rule_set)
    return ParTable(
        province=province,
        year=year,
        scope=scope,
        period=year_period(year=year, scope=scope, today=today),
        freeze=ParYearFreeze.objects.filter(province=province, year=year).select_related("frozen_by").first(),
        rule_set=rule_set,
        rows=[
            TableRow(
                unit=u,
                live=Side(live[u.pk]) if u.pk in live else None,
                frozen=Side(frozen[u.pk]) if u.pk in frozen else None,
                in_force_label=in_force,
            )
            for u in units
        ],
    )


def par_years(*, province: Unit) -> list[int]:
    """Years worth offering: this year, the last two, and any year with contributions; newest first."""
    this = timezone.localdate().year
    years = {this, this - 1, this - 2}
    years |= set(
        ParContribution.objects.filter(unit__path__startswith=province.path)
        .values_list("year", flat=True)
        .distinct()
    )
    years |= set(ParYearFreeze.objects.filter(province=province).values_list("year", flat=True))
    return sorted((y for y in years if EARLIEST_DAY.year <= y <= this), reverse=True)


# --------------------------------------------------------------------------------------------------
# Export: the table as CSV/XLSX (fixed bilingual headers, a data contract like analytics.exports)
# --------------------------------------------------------------------------------------------------

EXPORT_HEADERS: Final = {
    "vi": [
        "mã đơn vị",
        "đơn vị",
        "loại",
        "năm",
        "phạm vi",
        "kỳ",
        "n",
        "tỷ lệ (%)",
        "cận dưới (%)",
        "cận trên (%)",
        "điểm",
        "điểm tối đa",
        "không áp dụng",
        "điểm đã chốt",
        "chênh lệch (hiện tại − đã chốt)",
        "bộ tiêu chí",
        "phương pháp",
        "điều kiện mẫu",
        "đạt chỉ tiêu mẫu",
        "tính lúc",
    ],
    "en": [
        "unit code",
        "unit",
        "type",
        "year",
        "scope",
        "period",
        "n",
        "rate (%)",
        "lower bound (%)",
        "upper bound (%)",
        "points",
        "maximum points",
        "not applicable",
        "frozen points",
        "difference (live − frozen)",
        "rule set",
        "method",
        "quota condition",
        "quota met",
        "computed at",
    ],
}
EXPORT_LABELS: Final = {
    "year": {"vi": "cả năm", "en": "whole year"},
    "ytd": {"vi": "từ đầu năm đến nay", "en": "year to date"},
    "no_answers": {
        "vi": "không áp dụng: không có câu trả lời hợp lệ trong kỳ",
        "en": "not applicable: no valid answers in the period",
    },
    "too_few": {
        "vi": "không áp dụng: quá ít câu trả lời ({n}, tối thiểu {minimum})",
        "en": "not applicable: too few answers ({n}, minimum {minimum})",
    },
    "no_dossiers": {
        "vi": "không áp dụng: không có hồ sơ được giải quyết trong kỳ",
        "en": "not applicable: no dossiers handled in the period",
    },
    "no_counts": {
        "vi": "không áp dụng: chưa có số hồ sơ nên không kiểm tra được chỉ tiêu mẫu",
        "en": "not applicable: no transaction counts, so the quota condition cannot be checked",
    },
    "not_computed": {"vi": "chưa tính", "en": "not computed"},
    "default_rule": {
        "vi": "Mặc định của nền tảng: tuyến tính, 6 điểm khi tỷ lệ từ 90 %",
        "en": "Platform default: linear, 6 points at 90 % or more",
    },
    "none": {"vi": "không", "en": "none"},
    "zero": {"vi": "0 điểm nếu không đạt chỉ tiêu mẫu", "en": "0 points when the quota is missed"},
    "scaled": {"vi": "nhân với tỷ lệ đạt chỉ tiêu mẫu", "en": "scaled by quota attainment"},
    "yes": {"vi": "đạt", "en": "yes"},
    "no": {"vi": "không đạt", "en": "no"},
}
EXPORT_METHODS: Final = {
    "decision_766_5_4": {
        "vi": "Quyết định 766/QĐ-TTg, tiêu chí 5.4: R = 100 % − (% hồ sơ trễ hạn + % hồ sơ bị phản ánh, "
        "không hài lòng); 6 điểm nếu R ≥ 90 %, nếu không R × 6 / 90",
        "en": "Decision 766/QĐ-TTg criterion 5.4: R = 100 % − (% late + % complained or disliked); "
        "6 points if R ≥ 90 %, else R × 6 / 90",
    },
}


def _export_reason(reason: Mapping[str, Any] | None, lang: str) -> str:
    if not reason:
        return ""
    label = EXPORT_LABELS.get(str(reason.get("code")), {"vi": "không áp dụng", "en": "not applicable"})
    return label[lang].format(n=reason.get("n"), minimum=reason.get("minimum"))


def par_export_table(*, table: ParTable, language: str = "vi") -> Any:
    """The contributions table as rows for exports.csv_bytes / xlsx_bytes; points rounded to 2 decimals."""
    from .exports import METHOD_NAMES, Table

    lang = "en" if language.startswith("en") else "vi"
    rows: list[list[Any]] = []
    for row in table.rows:
        side = row.live
        if side is None:
            rows.append(
                [row.unit.code, row.unit.name, row.unit.get_division_type_display(), table.year]
                + [EXPORT_LABELS[table.scope][lang], str(table.period)]
                + [None] * 6
                + [EXPORT_LABELS["not_computed"][lang]]
                + [row.frozen.shown if row.frozen else None, None, None, None, None, None, None]
            )
            continue
        interval = side.interval_shown or (None, None)
        method_code = (side.inputs.get("method") or {}).get("code", "")
        names = METHOD_NAMES.get(method_code) or EXPORT_METHODS.get(method_code)
        method = names[lang] if names else (side.inputs.get("method") or {}).get("description", "")
        rule = side.row.rule_set
        rule_name = (
            EXPORT_LABELS["default_rule"][lang]
            if is_platform_default(rule)
            else f"{rule.name} v{rule.version}"
        )
        quota = side.quota
        met = quota.get("met") if quota.get("available") else None
        rows.append(
            [
                row.unit.code,
                row.unit.name,
                row.unit.get_division_type_display(),
                table.year,
                EXPORT_LABELS[side.row.scope][lang],
                str(side.period or table.period),
                side.n,
                side.rate_shown,
                interval[0],
                interval[1],
                side.shown,
                side.maximum_shown,
                _export_reason(side.inputs.get("not_applicable"), lang),
                row.frozen.shown if row.frozen else None,
                row.difference_shown,
                rule_name,
                method,
                EXPORT_LABELS[quota.get("condition") or "none"][lang],
                None if met is None else EXPORT_LABELS["yes" if met else "no"][lang],
                timezone.localtime(side.row.computed_at).strftime("%d/%m/%Y %H:%M"),
            ]
        )
    title = {"vi": f"Điểm CCHC {table.year}", "en": f"PAR points {table.year}"}[lang]
    return Table(title, EXPORT_HEADERS[lang], rows)
