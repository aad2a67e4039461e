"""The figures of a unit and the ranking of its children as CSV (UTF-8 with BOM) and XLSX tables.

The files are a data contract read by spreadsheets and report templates, so their headers, row labels
and method names are fixed here in both languages rather than left to a translation catalogue. Rates
are percentages rounded half away from zero to 2 decimals (formulas.display_percent); the CSV writes
them with a decimal point, the XLSX as numbers.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import cast

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.figures.selectors import Period, RankRow, UnitFigures
from analytics.methodology import formulas as f
from analytics.methodology.methods import method_description_in
from surveys.builtin.questionnaires import ELEMENTS
from tenants.vietnam import language_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters that make a spreadsheet read a cell as a formula (CSV injection): unit, procedure and
# staff names are typed by people.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | None

RESULT_HEADERS = {
    "vi": ["chỉ tiêu", "giá trị (%)", "cận dưới", "cận trên", "n", "kỳ", "phương pháp", "ghi chú"],
    "en": ["indicator", "value (%)", "lower bound", "upper bound", "n", "period", "method", "note"],
}
RANKING_HEADERS = {
    "vi": [
        "hạng",
        "đơn vị",
        "mã đơn vị",
        "giá trị (%)",
        "cận dưới",
        "cận trên",
        "n",
        "kỳ",
        "phương pháp",
        "ghi chú",
    ],
    "en": [
        "rank",
        "unit",
        "unit code",
        "value (%)",
        "lower bound",
        "upper bound",
        "n",
        "period",
        "method",
        "note",
    ],
}
LABELS = {
    "overall": {"vi": "Hài lòng chung", "en": "Overall satisfaction"},
    "index": {"vi": "Chỉ số SIPAS", "en": "SIPAS index"},
    "element": {"vi": "Yếu tố", "en": "Element"},
    "question": {"vi": "Câu hỏi", "en": "Question"},
    "procedure": {"vi": "Theo thủ tục hành chính", "en": "By procedure"},
    "field": {"vi": "Theo lĩnh vực", "en": "By field"},
    "staff": {"vi": "Theo cán bộ, công chức", "en": "By civil servant"},
    "desk": {"vi": "Theo quầy", "en": "By desk"},
    "channel": {"vi": "Theo kênh", "en": "By channel"},
    "reason": {"vi": "Lý do chưa hài lòng", "en": "Reason for dissatisfaction"},
    "too_few": {"vi": "quá ít câu trả lời (n < {minimum})", "en": "too few answers (n < {minimum})"},
    "no_answers": {"vi": "không có câu trả lời", "en": "no answers"},
    "results_sheet": {"vi": "Kết quả", "en": "Results"},
    "ranking_sheet": {"vi": "Xếp hạng", "en": "Ranking"},
}


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]


def _percent(value: float | Fraction | None) -> Decimal | None:
    return None if value is None else f.display_percent(Fraction(value))


def _note(figure: f.Figure, lang: str) -> str:
    if figure.n == 0:
        return LABELS["no_answers"][lang]
    if figure.too_few:
        return LABELS["too_few"][lang].format(minimum=figure.minimum_n)
    return ""


def _method(method: f.Method, lang: str) -> str:
    return method_description_in(method.code, lang, method.description)


def figure_cells(figure: f.Figure, period: Period, lang: str) -> list[Cell]:
    """value (%), lower, upper, n, period, method, note."""
    low, high = figure.interval or (None, None)
    return [
        _percent(figure.value),
        _percent(low),
        _percent(high),
        figure.n,
        str(period),
        _method(figure.method, lang),
        _note(figure, lang),
    ]


def results_table(
    *,
    figures: UnitFigures,
    breakdowns: Mapping[str, Sequence[tuple[str, f.Figure]]],
    titles: Mapping[str, str],
    language: str = "vi",
    feedback: Sequence[tuple[str, f.Figure]] = (),
) -> Table:
    """Rows: overall, index, each element, each question, each breakdown value, each reason, then the
    feedback figures (on-time rate, satisfaction with handling) already labelled."""
    lang = language_of(language)
    period = figures.period
    rows: list[list[Cell]] = [
        [LABELS["overall"][lang], *figure_cells(figures.overall, period, lang)],
        [LABELS["index"][lang], *figure_cells(figures.index, period, lang)],
    ]
    for code, figure in figures.elements.items():
        if code in f.INDEX_ELEMENTS:
            text = ELEMENTS.get(code)
            name = text[lang] if text else code
            rows.append([f"{LABELS['element'][lang]}: {name}", *figure_cells(figure, period, lang)])
    for q in figures.questions:
        label = f"{LABELS['question'][lang]}: {q.label} [{titles.get(q.questionnaire, q.questionnaire)}]"
        rows.append([label, *figure_cells(q.figure, period, lang)])
    for dim, values in breakdowns.items():
        for label, figure in values:
            rows.append([f"{LABELS[dim][lang]}: {label}", *figure_cells(figure, period, lang)])
    for share in figures.profile.shares:
        label = figures.profile_labels.get(share.reason, share.reason)
        rows.append([f"{LABELS['reason'][lang]}: {label}", *figure_cells(share.figure, period, lang)])
    for label, figure in feedback:
        rows.append([label, *figure_cells(figure, period, lang)])
    return Table(LABELS["results_sheet"][lang], RESULT_HEADERS[lang], rows)


def ranking_table(*, ranking: Sequence[RankRow], period: Period, language: str = "vi") -> Table:
    lang = language_of(language)
    rows: list[list[Cell]] = [
        [row.rank, row.unit.name, row.unit.code, *figure_cells(row.figure, period, lang)] for row in ranking
    ]
    return Table(LABELS["ranking_sheet"][lang], RANKING_HEADERS[lang], rows)


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(table: Table) -> bytes:
    """UTF-8 with a BOM, so that Excel opens Vietnamese text correctly; empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)  # a new workbook starts with one worksheet
    sheet.title = table.title
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
            elif cell.data_type == "f":
                cell.data_type = "s"  # a name typed as "=…" stays text, never a formula
    widths = [max(len(str(c.value or "")) for c in column) for column in sheet.iter_cols()]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
