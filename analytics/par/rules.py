"""PAR rule sets: versioned data owned by a province, validated, resolved per unit and year.

A province owns its rule sets; for a year, a unit's rule is the province's most recently created rule
set whose years cover it, else a platform rule set (owner empty), else the in-memory platform default
(linear, 6 points at 90 %). A version is never edited: `par_rule_set_revise` adds the next version. A
rule set may not start to apply to a year the province has frozen, so a frozen year's rule never changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.figures.selectors import EARLIEST_DAY, Period
from analytics.methodology import formulas as f
from analytics.methodology import points as pts
from analytics.models import ParContribution, ParRuleSet, ParYearFreeze
from tenants.audit import audit_record
from tenants.models import AuditAction, Level, Unit, User
from tenants.permissions import ancestor_paths

Kind = ParRuleSet.Kind
Scope = ParContribution.Scope
QuotaCondition = ParRuleSet.QuotaCondition

#: The name under which the platform default is stored once a contribution uses it (the
#: contribution's rule_set column cannot be empty); shown through `rule_set_label`.
PLATFORM_DEFAULT_NAME: Final = "platform-default"
PLATFORM_DEFAULT_PARAMS: Final = {"maximum": "6", "threshold": "0.9", "figure": "overall"}

#: Which satisfaction figure a band or linear rule scores (a local choice; "overall" by default):
#: the overall rate of the answers received, the SIPAS index, or the household satisfaction index of
#: the province's household survey rounds (analytics.figures.households, design-weighted).
FIGURES: Final = ("overall", "index", "household")
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
        error(
            "figure",
            _(
                "Choose the figure to score: overall satisfaction, the SIPAS index or the household "
                "satisfaction index."
            ),
        )
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


def points_rule(rule_set: ParRuleSet) -> pts.BandPointsRule | pts.LinearPointsRule:
    """The formulas' rule for a band or linear rule set (Decision 766 is DECISION_766_5_4)."""
    code = f"{rule_set.name} v{rule_set.version}"
    params = rule_set.params
    if rule_set.kind == Kind.BAND:
        return pts.BandPointsRule.from_table(code, params["maximum"], [(r, p) for r, p in params["bands"]])
    if rule_set.kind == Kind.LINEAR:
        return pts.LinearPointsRule.from_values(code, params["maximum"], params["threshold"])
    return pts.DECISION_766_5_4


def rule_maximum(rule_set: ParRuleSet) -> Fraction:
    """The most a rule set can give; Decision 766's group is three criteria of 6 points (5.2, 5.3, 5.4)."""
    if rule_set.kind == Kind.DECISION_766:
        return pts.DECISION_766_5_2.maximum + pts.DECISION_766_5_3.maximum + pts.DECISION_766_5_4.maximum
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
            rule_set = ParRuleSet.objects.create(owner=owner, version=1, created_by=created_by, **values)
    except IntegrityError:
        raise ValidationError(
            {
                "name": _("A rule set named “%(name)s” exists already: revise it instead.")
                % {"name": values["name"]}
            }
        ) from None
    _audit(AuditAction.PAR_RULE_SET_CREATE, rule_set)
    return rule_set


def _audit(action: AuditAction, rule_set: ParRuleSet) -> None:
    audit_record(
        action=action,
        actor=rule_set.created_by,
        unit=rule_set.owner,
        target=rule_set.name,
        details={"rule_set": rule_set.pk, "version": rule_set.version, "kind": rule_set.kind},
    )


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
            revised = ParRuleSet.objects.create(
                owner=rule_set.owner, version=latest + 1, created_by=created_by, **values
            )
    except IntegrityError:
        # Another revision took the number between our read and our write (a new row is not locked).
        raise ValidationError(_("Someone revised this rule set at the same moment: open it again.")) from None
    _audit(AuditAction.PAR_RULE_SET_REVISE, revised)
    return revised


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
            _(
                "5.2 feedback handled on time, 5.3 satisfaction with the handling, 5.4 R = 100 %% − "
                "(%% late + %% complained or disliked): 6 points each from 90 %%, else R × 6 / 90"
            )
            % {}
        )
    what = {
        "index": _("SIPAS index"),
        "household": _("household satisfaction index (household survey, design-weighted)"),
    }.get(params.get("figure") or "overall", _("overall satisfaction"))
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
