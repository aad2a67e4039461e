"""A unit's measurement policy: its own choices, else the nearest unit above's, else the defaults.

A province can set the alert threshold once for every commune below it; a commune that wants
another value overrides it in its own UnitPolicy. Each effective value says where it came from, so
a page can show "inherited from Tỉnh Lạng Sơn" next to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.methodology import formulas as f
from analytics.models import UnitPolicy
from tenants.models import Unit
from tenants.permissions import ancestor_paths

QUOTA_RULES = f.QUOTA_RULES  # the rules a unit may choose (METHODOLOGY.md, "Sample quotas")
QUOTA_RULE_LABELS: Final = {
    "nam_dong_2024": gettext_lazy(
        "Nam Dong 2024: under 100 dossiers 50 %; 100–499: 30 %; 500–999: 20 %; 1,000 or more: 10 %"
    ),
    "son_tay_2017": gettext_lazy("Sơn Tây 2017: under 100 dossiers 30 %; 100 or more: 20 %"),
    "slovin_5_percent": gettext_lazy("Slovin, e = 5 % (Ministry of Home Affairs): n = N / (1 + N·0.05²)"),
}

# The defaults of each UnitPolicy field (METHODOLOGY.md: Nam Dong quota and alert rule, minimum n 30).
DEFAULTS: Final[dict[str, object]] = {
    "quota_rule": "nam_dong_2024",
    "alert_threshold": Decimal("0.25"),
    "alert_minimum": 10,
    "alert_window_days": 90,
    "minimum_n": f.DEFAULT_MINIMUM_N,
}
FIELDS: Final = tuple(DEFAULTS)
WINDOW_DAYS_RANGE: Final = (7, 366)
MINIMUM_N_MAX: Final = 1000
ALERT_MINIMUM_MAX: Final = 1000


class Source:
    UNIT = "unit"
    INHERITED = "inherited"
    DEFAULT = "default"


@dataclass(frozen=True)
class PolicyValue:
    """One effective value and its origin: the unit itself, an ancestor (`source_unit`) or the default."""

    value: object
    source: str
    source_unit: Unit | None = None

    @property
    def explanation(self) -> str:
        if self.source == Source.UNIT:
            return _("set by this unit")
        if self.source == Source.INHERITED and self.source_unit is not None:
            return _("inherited from %(unit)s") % {"unit": self.source_unit.name}
        return _("default")


@dataclass(frozen=True)
class Policy:
    unit: Unit
    quota_rule: PolicyValue
    alert_threshold: PolicyValue
    alert_minimum: PolicyValue
    alert_window_days: PolicyValue
    minimum_n: PolicyValue

    @property
    def rule(self) -> f.QuotaRule:
        return QUOTA_RULES[str(self.quota_rule.value)]

    @property
    def rule_label(self) -> str:
        code = str(self.quota_rule.value)
        return str(QUOTA_RULE_LABELS.get(code, code))

    @property
    def threshold(self) -> Decimal:
        return Decimal(str(self.alert_threshold.value))

    @property
    def threshold_fraction(self) -> Fraction:
        return Fraction(self.threshold)

    @property
    def minimum(self) -> int:
        return int(str(self.alert_minimum.value))

    @property
    def window_days(self) -> int:
        return int(str(self.alert_window_days.value))

    @property
    def figure_minimum_n(self) -> int:
        return int(str(self.minimum_n.value))

    def alert_window(self, *, end: dt.date) -> tuple[dt.date, dt.date]:
        """The rolling window of `window_days` days that ends on `end` (both days included)."""
        return end - dt.timedelta(days=self.window_days - 1), end


def _is_set(value: object) -> bool:
    return value not in (None, "")


def policy_effective(unit: Unit) -> Policy:
    """Each value from the unit's own policy, else the nearest ancestor that sets it, else the default."""
    paths = ancestor_paths(unit)
    # Nearest first: a longer path is deeper in the tree.
    chain = sorted(Unit.objects.filter(path__in=paths), key=lambda u: len(u.path), reverse=True)
    policies = {p.unit_id: p for p in UnitPolicy.objects.filter(unit__in=chain)}
    values: dict[str, PolicyValue] = {}
    for name in FIELDS:
        chosen = PolicyValue(DEFAULTS[name], Source.DEFAULT)
        for holder in chain:
            policy = policies.get(holder.pk)
            if policy is None:
                continue
            value = getattr(policy, name)
            # An ancestor's rule code that is no longer offered is skipped, not obeyed.
            if _is_set(value) and (name != "quota_rule" or value in QUOTA_RULES):
                source = Source.UNIT if holder.pk == unit.pk else Source.INHERITED
                chosen = PolicyValue(value, source, None if source == Source.UNIT else holder)
                break
        values[name] = chosen
    return Policy(unit=unit, **values)


def policy_own(unit: Unit) -> dict[str, object]:
    """The unit's own values (None = inherit), for an edit form's initial data."""
    policy = UnitPolicy.objects.filter(unit=unit).first()
    return {name: (getattr(policy, name) if policy else None) for name in FIELDS}


def _clean(values: dict[str, object]) -> dict[str, object]:
    """Validate the values a form or script sends; None or "" means "inherit"."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    rule = values.get("quota_rule")
    if _is_set(rule) and rule not in QUOTA_RULES:
        errors["quota_rule"] = _("Choose a quota rule from the list.")
    cleaned["quota_rule"] = rule if _is_set(rule) else ""

    threshold = values.get("alert_threshold")
    if _is_set(threshold):
        try:
            number = Decimal(str(threshold).strip().replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            errors["alert_threshold"] = _("Enter the threshold as a share, e.g. 0.25 for 25 %.")
        elif not 0 < number < 1:
            errors["alert_threshold"] = _("The threshold must be above 0 and below 1 (e.g. 0.25 for 25 %).")
        elif number != number.quantize(Decimal("0.001")):
            errors["alert_threshold"] = _("Use at most three decimals (e.g. 0.25).")
        else:
            cleaned["alert_threshold"] = number
    cleaned.setdefault("alert_threshold", None)

    bounds = {
        "alert_minimum": (1, ALERT_MINIMUM_MAX, _("The minimum must be a whole number from 1 to %(max)s.")),
        "alert_window_days": (
            WINDOW_DAYS_RANGE[0],
            WINDOW_DAYS_RANGE[1],
            _("The window must be from %(min)s to %(max)s days."),
        ),
        "minimum_n": (1, MINIMUM_N_MAX, _("The minimum n must be a whole number from 1 to %(max)s.")),
    }
    for name, (low, high, message) in bounds.items():
        raw = values.get(name)
        if not _is_set(raw):
            cleaned[name] = None
            continue
        try:
            whole: int | None = int(str(raw).strip())
        except ValueError:
            whole = None
        if whole is None or isinstance(raw, bool) or not low <= whole <= high:
            errors[name] = message % {"min": low, "max": high}
        else:
            cleaned[name] = whole
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def policy_update(*, unit: Unit, **values: object) -> UnitPolicy:
    """Set the unit's own policy; a value left empty inherits from the units above (then the default).

    Takes exactly the fields of UnitPolicy; refuses unknown names and out-of-range values as a
    ValidationError keyed by field, writing nothing.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError(_("Unknown policy setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    cleaned = _clean({name: values.get(name) for name in FIELDS})
    policy, _created = UnitPolicy.objects.select_for_update().get_or_create(unit=unit)
    for name, value in cleaned.items():
        setattr(policy, name, value)
    policy.save()
    return policy
