"""Reads the dashboards, exports and public pages need on top of `analytics.figures`.

Labels for breakdown values come from the unit's own schema (its procedures, fields, civil servants and
desks), because the facts only hold keys and ids. Everything else is read from the public fact tables.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists, tenant_context

from analytics.figures.selectors import (
    Period,
    contributing_units,
    overall_tallies,
    period_parse,
    rollup_counts,
)
from analytics.methodology import formulas as f
from analytics.methodology.methods import method_description, method_name
from analytics.methodology.policy import policy_effective
from analytics.models import Dimension, DirtyDay
from surveys.builtin.catalog import FIELDS_BY_KEY, PROCEDURES_BY_KEY
from surveys.builtin.questionnaires import BUILTIN_BY_KEY, ELEMENTS
from surveys.models import Channel, Desk, Field, Procedure, Questionnaire, StaffMember
from tenants.models import Unit
from tenants.vietnam import language_of, localized_name

# Query strings a stranger controls are cut before they reach a parser or an error message.
MAX_DATE_INPUT = 40
# How many unit schemas a pooled unit searches for the name of a procedure it does not know itself.
MAX_LABEL_SCHEMAS = 30

# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodPreset:
    key: str
    label: str
    period: Period

    @property
    def query(self) -> str:
        return f"from={self.period.start:%d/%m/%Y}&to={self.period.end:%d/%m/%Y}"


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the last day of that month when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def period_presets(*, today: dt.date) -> list[PeriodPreset]:
    """This month, this quarter, this year and the last 12 months, all ending today."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        PeriodPreset("month", _("This month"), Period(today.replace(day=1), today)),
        PeriodPreset("quarter", _("This quarter"), Period(quarter_start, today)),
        PeriodPreset("year", _("This year"), Period(dt.date(today.year, 1, 1), today)),
        PeriodPreset(
            "last12",
            _("Last 12 months"),
            Period(_months_back(today, 12) + dt.timedelta(days=1), today),
        ),
    ]


def period_from_query(*, start: str | None, end: str | None, today: dt.date | None = None) -> Period:
    """The period a dashboard asks for (`from`, `to` as dd/mm/yyyy); none given: the last 12 months.

    Raises ValidationError with a message fit for the page.
    """
    today = today or timezone.localdate()
    start = (start or "").strip()[:MAX_DATE_INPUT]
    end = (end or "").strip()[:MAX_DATE_INPUT]
    if not start and not end:
        return period_presets(today=today)[-1].period
    if start and not end:
        end = f"{today:%d/%m/%Y}"
    if end and not start:
        # one end given: the twelve months up to it
        end_day = period_parse(start=None, end=end, default_days=1).end
        start = f"{_months_back(end_day, 12) + dt.timedelta(days=1):%d/%m/%Y}"
    return period_parse(start=start, end=end)


def year_to_date(*, today: dt.date) -> Period:
    return Period(dt.date(today.year, 1, 1), today)


def month_to_date(*, today: dt.date) -> Period:
    return Period(today.replace(day=1), today)


# --------------------------------------------------------------------------- policy and shape


def unit_minimum_n(*, unit: Unit) -> int:
    """The minimum n below which a figure is "too few answers", from the unit's effective policy."""
    return policy_effective(unit).figure_minimum_n


def unit_is_pooled(*, unit: Unit) -> bool:
    """A unit with units below it: its figures pool theirs."""
    return unit.children.exists()


def breakdown_dimensions(*, unit: Unit) -> list[str]:
    """The breakdowns that mean something for this unit, in display order.

    A district or province gets procedure and channel only: its communes' fields, civil servants and
    desks are their own. A commune gets all five; its civil servants and desks are counted on its own
    answers (ids are per schema), while procedures, fields and channels also pool the legacy communes
    merged into it.
    """
    if unit_is_pooled(unit=unit):
        return [Dimension.PROCEDURE, Dimension.CHANNEL]
    return [Dimension.PROCEDURE, Dimension.FIELD, Dimension.STAFF, Dimension.DESK, Dimension.CHANNEL]


def breakdown_check(*, unit: Unit, dim: str) -> str:
    """The dimension if this unit offers it; otherwise a ValidationError for a 400 page."""
    if dim not in Dimension.values or dim == Dimension.TOTAL:
        raise ValidationError(_("Unknown breakdown “%(dim)s”.") % {"dim": dim[:40]})
    if dim not in breakdown_dimensions(unit=unit):
        raise ValidationError(
            _("The breakdown by %(dim)s is not available for %(unit)s.")
            % {"dim": Dimension(dim).label.lower(), "unit": unit.name}
        )
    return dim


# --------------------------------------------------------------------------- labels


def element_label(code: str, language: str) -> str:
    text = ELEMENTS.get(code)
    return text[language_of(language)] if text else code


def _catalog_names(model: type[Procedure] | type[Field], keys: set[str], language: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for key, name_vi, name_en in model.objects.filter(key__in=keys).values_list("key", "name_vi", "name_en"):
        names[key] = localized_name(name_vi, name_en, language)
    return names


def _schema_units(unit: Unit) -> list[Unit]:
    """The unit itself first, then the other onboarded units whose facts it pools."""
    units = [unit] if unit.is_onboarded else []
    others = contributing_units(unit).filter(onboarded_at__isnull=False).exclude(pk=unit.pk).order_by("path")
    return [u for u in [*units, *others[:MAX_LABEL_SCHEMAS]] if schema_exists(u.schema_name)]


def dimension_labels(*, unit: Unit, dim: str, values: list[str], language: str) -> dict[str, str]:
    """Human names for breakdown values (procedure key → name, staff id → name, …), in `language`."""
    lang = language_of(language)
    labels: dict[str, str] = {}
    if dim == Dimension.CHANNEL:
        choices = dict(Channel.choices)
        return {v: str(choices.get(v, v)) for v in values}
    missing = {v for v in values if v}
    if "" in values:
        not_stated: dict[str, str] = {
            Dimension.PROCEDURE: _("Procedure not stated"),
            Dimension.FIELD: _("Field not stated"),
            Dimension.STAFF: _("No civil servant named"),
            Dimension.DESK: _("No desk named"),
        }
        labels[""] = not_stated.get(dim, _("Not stated"))
    if "other" in missing and dim in (Dimension.PROCEDURE, Dimension.FIELD):
        labels["other"] = _("Other (written in)")
        missing.discard("other")
    if dim in (Dimension.PROCEDURE, Dimension.FIELD):
        model = Procedure if dim == Dimension.PROCEDURE else Field
        builtin = PROCEDURES_BY_KEY if dim == Dimension.PROCEDURE else FIELDS_BY_KEY
        for schema_unit in _schema_units(unit):
            if not missing:
                break
            with tenant_context(schema_unit):
                found = _catalog_names(model, missing, lang)
            labels.update(found)
            missing -= found.keys()
            if schema_unit.pk == unit.pk:
                # the unit's own names first, then the built-in catalog, then its merged or lower units
                for key in list(missing):
                    if key in builtin:
                        labels[key] = builtin[key]["name"][lang]
                        missing.discard(key)
        for key in list(missing):
            if key in builtin:
                labels[key] = builtin[key]["name"][lang]
                missing.discard(key)
    elif dim in (Dimension.STAFF, Dimension.DESK) and unit.is_onboarded and schema_exists(unit.schema_name):
        ids = {int(v) for v in missing if v.isdigit()}
        with tenant_context(unit):
            if dim == Dimension.STAFF:
                by_pk = dict(StaffMember.objects.filter(pk__in=ids).values_list("pk", "full_name"))
            else:
                by_pk = dict(Desk.objects.filter(pk__in=ids).values_list("pk", "name"))
        for pk, name in by_pk.items():
            labels[str(pk)] = name
            missing.discard(str(pk))
    for value in missing:
        labels[value] = _("Unknown (%(value)s)") % {"value": value}
    return labels


def questionnaire_titles(*, unit: Unit, keys: set[str], language: str) -> dict[str, str]:
    """Questionnaire key → title: the unit's own copy if it has one, else the built-in template."""
    lang = language_of(language)
    titles = {}
    if unit.is_onboarded and schema_exists(unit.schema_name):
        with tenant_context(unit):
            for key, vi, en in Questionnaire.objects.filter(key__in=keys).values_list(
                "key", "title_vi", "title_en"
            ):
                titles[key] = (en or vi) if lang == "en" else vi
    for key in keys - titles.keys():
        builtin = BUILTIN_BY_KEY.get(key)
        titles[key] = builtin["title"][lang] if builtin else key
    return titles


def note_text(note: f.Note, language: str) -> str:
    """A figure's caveat in words; the element codes it lists become element names."""
    if note.code in ("elements_without_answers", "elements_too_few"):
        codes = note.text.split(":", 1)[-1].split(",")
        names = ", ".join(element_label(code.strip(), language) for code in codes if code.strip())
        if note.code == "elements_without_answers":
            return _("Elements without answers, left out: %(names)s") % {"names": names}
        return _("Elements under the minimum n: %(names)s") % {"names": names}
    return note.text


# --------------------------------------------------------------------------- figures, ready to show


@dataclass(frozen=True)
class FigureView:
    """A figure rounded for display (percentages, 2 decimals) with what must travel with it."""

    percent: Decimal | None
    low: Decimal | None
    high: Decimal | None
    n: int
    too_few: bool
    minimum_n: int
    method_code: str
    method_name: str
    method_description: str
    notes: tuple[str, ...] = ()
    score: Decimal | None = None  # mean scores only

    @property
    def rate(self) -> float | None:
        return None if self.percent is None else float(self.percent) / 100

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.low is None or self.high is None:
            return None
        return float(self.low) / 100, float(self.high) / 100


def _percent(value: float | Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return f.display_percent(Fraction(value))


def figure_view(figure: f.Figure, *, language: str = "vi") -> FigureView:
    is_score = figure.method.code == "mean_score"
    low, high = figure.interval if figure.interval else (None, None)
    return FigureView(
        percent=None if is_score else _percent(figure.value),
        low=_percent(low),
        high=_percent(high),
        n=figure.n,
        too_few=figure.too_few,
        minimum_n=figure.minimum_n,
        method_code=figure.method.code,
        method_name=method_name(figure.method.code),
        method_description=method_description(figure.method.code, figure.method.description),
        notes=tuple(note_text(note, language) for note in figure.notes),
        score=f.display(figure.value) if is_score and figure.value is not None else None,
    )


# --------------------------------------------------------------------------- the desk board


def response_count(*, unit: Unit, period: Period) -> int:
    """Responses counted in the period (honeypot hits excluded, as in every figure)."""
    return sum(row["n"] for row in rollup_counts(nodes=[unit.pk], period=period, only="responses"))


def overall_rate(*, unit: Unit, period: Period, minimum_n: int) -> f.Figure:
    """Overall satisfaction of the unit in the period, without the rest of `unit_figures`."""
    tally = overall_tallies(nodes=[unit.pk], period=period).get(unit.pk, f.Tally())
    return f.rate_figure(tally, minimum_n=minimum_n)


def facts_pending(*, unit: Unit) -> bool:
    """True while answers of the unit's subtree wait for the next fact refresh (about a minute)."""
    ids = list(contributing_units(unit).values_list("pk", flat=True))
    return DirtyDay.objects.filter(unit_id__in=ids).exists()


def public_unit_get(*, slug: str) -> Unit | None:
    """An onboarded unit by the slug of its pages, for the public results pages; None if there is none."""
    if not slug or len(slug) > 63 or not all(c.isascii() and (c.isalnum() or c == "_") for c in slug):
        return None
    return Unit.objects.filter(schema_name=slug, onboarded_at__isnull=False).exclude(level="national").first()
