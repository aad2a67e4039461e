"""The province's PAR table: live and frozen contributions side by side, and its CSV/XLSX export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext_lazy

from analytics.dashboards.exports import Table
from analytics.figures.selectors import EARLIEST_DAY, Period
from analytics.methodology import formulas as f
from analytics.methodology import points as pts
from analytics.methodology.design import METHOD_CODE
from analytics.methodology.methods import method_description, method_description_in, method_name
from analytics.models import ParContribution, ParRuleSet, ParYearFreeze
from analytics.par.rules import (
    Kind,
    _check_year,
    is_platform_default,
    par_rule_set_for,
    par_units,
    rule_set_label,
    rule_summary,
    year_period,
    year_scope,
)
from analytics.par.services import fraction_from, not_applicable_text
from tenants.models import Unit

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
        method = self.inputs.get("method") or {}
        return method_description(method.get("code", ""), method.get("description", ""))

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

    @property
    def criteria(self) -> list[dict[str, Any]]:
        """Decision 766's criteria one by one: points of 6, or why not applicable."""
        rows = []
        for code, c in (self.inputs.get("criteria") or {}).items():
            points = fraction_from(c.get("points"))
            rows.append(
                {
                    "code": code,
                    "name": str(CRITERION_NAMES.get(code, code)),
                    "points": None if points is None else f.display(points),
                    "maximum": f.display(fraction_from(c.get("maximum")) or 0),
                    "reason": str(
                        CRITERION_NOT_APPLICABLE.get(c.get("not_applicable"), c.get("not_applicable") or "")
                    ),
                }
            )
        return rows


CRITERION_NAMES: Final = {
    "5.2": gettext_lazy("5.2 Feedback and complaints handled on time"),
    "5.3": gettext_lazy("5.3 Satisfaction with how feedback was handled"),
    "5.4": gettext_lazy("5.4 Satisfaction with dossier handling"),
}
CRITERION_NOT_APPLICABLE: Final = {
    "no feedback due in the period": gettext_lazy("not applicable: no feedback due in the period"),
    "no ratings of the handling in the period": gettext_lazy("not applicable: no ratings of the handling"),
    "no dossiers handled in the period": gettext_lazy("not applicable: no dossiers handled in the period"),
}


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
            return method_name(pts.DECISION_766_5_4.method.code)
        figure = self.rule_set.params.get("figure")
        return method_name(
            {"index": "mean_of_elements", "household": METHOD_CODE}.get(figure or "", "satisfaction_rate")
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
        "vi": "không áp dụng: không có hồ sơ được giải quyết, không có phản ánh đến hạn "
        "hay được đánh giá trong kỳ",
        "en": "not applicable: no dossiers handled and no feedback due or rated in the period",
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


def _export_reason(reason: Mapping[str, Any] | None, lang: str) -> str:
    if not reason:
        return ""
    label = EXPORT_LABELS.get(str(reason.get("code")), {"vi": "không áp dụng", "en": "not applicable"})
    return label[lang].format(n=reason.get("n"), minimum=reason.get("minimum"))


def par_export_table(*, table: ParTable, language: str = "vi") -> Any:
    """The contributions table as rows for exports.csv_bytes / xlsx_bytes; points rounded to 2 decimals."""
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
        method = method_description_in(
            method_code, lang, (side.inputs.get("method") or {}).get("description", "")
        )
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
