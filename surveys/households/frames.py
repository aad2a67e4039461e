"""Import a village's household list from a CSV or XLSX file: the whole list or nothing.

Columns (Vietnamese or English headers, any order, extra columns ignored; an officer may also name the
file's own headers): head of household ("Họ tên chủ hộ"), address ("Địa chỉ", optional). The list's
order is the order of the rows: the systematic draw walks it. Every row is checked before anything is
stored; a problem names its row and column, and a file with any problem imports nothing. A cell that a
spreadsheet would run as a formula (=, +, -, @) is refused, in a CSV as in a workbook.
"""

from collections.abc import Mapping
from typing import Final

from django.utils.translation import gettext as _

from tenants.spreadsheets import (
    FORMULA_PREFIXES,
    ImportRejected,
    Layout,
    Problem,
    cell_text,
    header_fold,
    header_layout,
    row_is_blank,
    table_rows,
)

from .models import Village
from .services import household_list_replace

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 20_000  # households in one village's list; the largest wards have a few thousand
MAX_LINES: Final = 2 * MAX_ROWS + 100
MAX_NAME: Final = 200
MAX_ADDRESS: Final = 300
COLUMNS: Final = ("head_name", "address")
REQUIRED: Final = ("head_name",)
ALIASES: Final[dict[str, set[str]]] = {
    "head_name": {
        "ho ten chu ho",
        "chu ho",
        "ten chu ho",
        "ho va ten chu ho",
        "ho ten",
        "head of household",
        "name",
    },
    "address": {"dia chi", "noi o", "address", "so nha"},
}
HEADER_NAMES: Final = {"head_name": "Họ tên chủ hộ", "address": "Địa chỉ"}


def _aliases(mapping: Mapping[str, str] | None) -> dict[str, set[str]]:
    """The built-in spellings, or for a column the officer mapped, exactly the header they named."""
    aliases = {column: set(spellings) for column, spellings in ALIASES.items()}
    for column, header in (mapping or {}).items():
        if column in aliases and header.strip():
            aliases[column] = {header_fold(header)}
    return aliases


def _cell(
    number: int, cells: list[object], layout: Layout, column: str, limit: int
) -> tuple[str, list[Problem]]:
    raw = layout.cell(cells, column)
    if isinstance(raw, str) and raw.lstrip().startswith(FORMULA_PREFIXES[:4]):
        return "", [
            Problem(number, layout.where(column), _("a formula is not accepted; type the text itself."))
        ]
    text = " ".join(cell_text(raw).split())
    if len(text) > limit:
        return "", [Problem(number, layout.where(column), _("longer than %(n)s characters.") % {"n": limit})]
    return text, []


def household_rows_parse(
    *, filename: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Every household of the file, in order; raises ImportRejected listing each problem (row, column)."""
    reader = table_rows(filename=filename, data=data, max_bytes=MAX_BYTES, formulas=True)
    problems: list[Problem] = []
    rows: list[tuple[str, str]] = []
    layout: Layout | None = None
    for number, cells in reader:
        if number > MAX_LINES:
            raise ImportRejected(
                [Problem(number, None, _("the file has more than %(max)s lines.") % {"max": MAX_LINES})]
            )
        if row_is_blank(cells):
            continue
        if layout is None:
            layout, header_problems = header_layout(
                number, cells, aliases=_aliases(mapping), names=HEADER_NAMES, required=REQUIRED
            )
            if header_problems:
                raise ImportRejected(header_problems)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRejected(
                [Problem(number, None, _("the file has more than %(max)s households.") % {"max": MAX_ROWS})]
            )
        name, name_problems = _cell(number, cells, layout, "head_name", MAX_NAME)
        address, address_problems = (
            ("", [])
            if "address" not in layout.positions
            else _cell(number, cells, layout, "address", MAX_ADDRESS)
        )
        if not name and not name_problems:
            name_problems = [
                Problem(number, layout.where("head_name"), _("the head of household is missing."))
            ]
        problems += name_problems + address_problems
        rows.append((name, address))
    if layout is None:
        raise ImportRejected([Problem(None, None, _("The file has no header row."))])
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(None, None, _("The file has a header but no households."))])
    return rows


def household_list_import(
    *, village: Village, filename: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> int:
    """Check the whole file, then replace the village's list with it in one transaction."""
    rows = household_rows_parse(filename=filename, data=data, mapping=mapping)
    return household_list_replace(village=village, rows=rows)
