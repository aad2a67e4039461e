"""Import transaction counts from a CSV or XLSX file: all rows or none.

Columns (English or Vietnamese headers, any order, extra columns ignored):
procedure key or national code, or empty for all procedures ("Mã TTHC"); first day, dd/mm/yyyy
("Từ ngày"); last day ("Đến ngày"); number of dossiers ("Số hồ sơ").

Every row is checked before anything is written; a problem names its row (as the spreadsheet
numbers it, the header being row 1) and its column, and a file with any problem imports nothing.
The file is a stranger's input: size, row count, zip expansion and cell types are all bounded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Final

from django.db import transaction
from django.utils.translation import gettext as _

from analytics.models import TransactionCount
from analytics.quotas.services import ALL_PROCEDURES, procedure_lookup, transaction_count_check
from tenants.models import Unit
from tenants.spreadsheets import (
    ImportRejected,
    Layout,
    Problem,
    cell_text,
    header_layout,
    row_is_blank,
    table_rows,
)

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 10_000
# Lines read at most, blank ones included: a sheet padded with a million empty styled rows is refused
# before it costs time.
MAX_LINES: Final = 2 * MAX_ROWS + 100

COLUMNS: Final = ("procedure", "start", "end", "count")
# Header spellings, compared without accents, case or punctuation ("Mã TTHC" → "ma tthc").
ALIASES: Final[dict[str, set[str]]] = {
    "procedure": {"ma tthc", "procedure", "procedure code", "procedure key", "national code", "ma thu tuc"},
    "start": {"tu ngay", "from", "start", "from date", "period start"},
    "end": {"den ngay", "to", "until", "end", "to date", "period end"},
    "count": {"so ho so", "count", "transactions", "dossiers", "number of dossiers"},
}
HEADER_NAMES: Final = {
    "procedure": "Mã TTHC",
    "start": "Từ ngày",
    "end": "Đến ngày",
    "count": "Số hồ sơ",
}
THOUSANDS: Final = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: list[TransactionCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated


# --------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(_("“%(value)s” has a time of day; give the date only.") % {"value": value})
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        raise ValueError(_("The date is missing."))
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": text}) from None


def _count(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number of dossiers.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        number = int(value)
    else:
        text = cell_text(value).replace("\u00a0", " ")
        if not text:
            raise ValueError(_("The number of dossiers is missing."))
        if text.startswith("-") and text[1:].strip().isdigit():
            raise ValueError(_("The number of dossiers cannot be negative (%(value)s).") % {"value": text})
        if THOUSANDS.match(text):
            text = re.sub(r"[.,\s]", "", text)
        if not text.isascii() or not text.isdigit():
            raise ValueError(_("“%(value)s” is not a whole number of dossiers.") % {"value": text})
        number = int(text)
    if number < 0:
        raise ValueError(_("The number of dossiers cannot be negative (%(value)s).") % {"value": number})
    return number


# --------------------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    procedure: str
    start: dt.date
    end: dt.date
    count: int


def _row_parse(
    number: int, cells: list[object], layout: Layout, lookup: dict[str, str]
) -> tuple[_Row | None, list[Problem]]:
    """One data row → (row, []) or (None, its problems), each naming its column."""
    problems: list[Problem] = []
    procedure = ALL_PROCEDURES
    code = cell_text(layout.cell(cells, "procedure"))
    if code:
        key = lookup.get(code.casefold())
        if key is None:
            message = _("“%(code)s” is not a procedure of this unit's catalog (key or national code).")
            problems.append(Problem(number, layout.where("procedure"), message % {"code": code}))
        procedure = key or code
    dates: dict[str, dt.date] = {}
    for column in ("start", "end"):
        try:
            dates[column] = _date(layout.cell(cells, column))
        except ValueError as error:
            problems.append(Problem(number, layout.where(column), str(error)))
    count = 0
    try:
        count = _count(layout.cell(cells, "count"))
    except ValueError as error:
        problems.append(Problem(number, layout.where("count"), str(error)))
    if problems:
        return None, problems
    checked = transaction_count_check(start=dates["start"], end=dates["end"], count=count)
    column_of = {"period_start": "start", "period_end": "end", "count": "count"}
    problems = [Problem(number, layout.where(column_of[name]), message) for name, message in checked.items()]
    if problems:
        return None, problems
    return _Row(number, procedure, dates["start"], dates["end"], count), []


def counts_parse(*, unit: Unit, filename: str, data: bytes) -> list[_Row]:
    """Every row of the file, checked; raises ImportRejected listing each problem (row, column)."""
    reader = table_rows(filename=filename, data=data, max_bytes=MAX_BYTES)
    lookup = procedure_lookup(unit)
    problems: list[Problem] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, dt.date, dt.date], int] = {}
    layout: Layout | None = None
    data_rows = 0
    for number, cells in reader:
        if number > MAX_LINES:
            message = _("the file has more than %(max)s lines.") % {"max": f"{MAX_LINES:,}"}
            raise ImportRejected([Problem(number, None, message)])
        if row_is_blank(cells):
            continue  # blank lines, above the header or between rows
        if layout is None:
            layout, header_problems = header_layout(
                number, cells, aliases=ALIASES, names=HEADER_NAMES, required=COLUMNS
            )
            if header_problems:
                raise ImportRejected(header_problems)
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            message = _("the file has more than %(max)s rows of counts.") % {"max": f"{MAX_ROWS:,}"}
            raise ImportRejected([Problem(number, None, message)])
        row, row_problems = _row_parse(number, cells, layout, lookup)
        problems += row_problems
        if row is None:
            continue
        key = (row.procedure, row.start, row.end)
        if key in seen:
            message = _("the same procedure and period as row %(row)s.") % {"row": seen[key]}
            problems.append(Problem(number, layout.where("procedure"), message))
        else:
            seen[key] = number
            rows.append(row)
    if layout is None:
        raise ImportRejected([Problem(None, None, _("The file has no header row."))])
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(None, None, _("The file has a header but no counts."))])
    return rows


def transaction_counts_import(*, unit: Unit, filename: str, data: bytes) -> ImportResult:
    """Check the whole file, then upsert every row on (unit, procedure, period) in one transaction."""
    rows = counts_parse(unit=unit, filename=filename, data=data)
    with transaction.atomic():
        existing = set(
            TransactionCount.objects.filter(unit=unit)
            .select_for_update()
            .values_list("procedure", "period_start", "period_end")
        )
        objects = [
            TransactionCount(
                unit=unit,
                procedure=r.procedure,
                period_start=r.start,
                period_end=r.end,
                count=r.count,
                source=TransactionCount.Source.IMPORT,
            )
            for r in rows
        ]
        stored = TransactionCount.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["unit", "procedure", "period_start", "period_end"],
            update_fields=["count", "source", "updated_at"],
            batch_size=1000,
        )
    updated = sum(1 for r in rows if (r.procedure, r.start, r.end) in existing)
    return ImportResult(created=len(rows) - updated, updated=updated, rows=stored)
