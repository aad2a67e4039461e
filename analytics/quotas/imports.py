"""Import transaction counts from a CSV or XLSX file: all rows or none.

Columns (English or Vietnamese headers, any order, extra columns ignored):
procedure key or national code, or empty for all procedures ("Mã TTHC"); first day, dd/mm/yyyy
("Từ ngày"); last day ("Đến ngày"); number of dossiers ("Số hồ sơ").

Every row is checked before anything is written; a problem names its row (as the spreadsheet
numbers it, the header being row 1) and its column, and a file with any problem imports nothing.
The file is a stranger's input: size, row count, zip expansion and cell types are all bounded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from analytics.models import TransactionCount
from analytics.quotas.services import ALL_PROCEDURES, procedure_lookup, transaction_count_check
from tenants.models import Unit

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_ROWS: Final = 10_000
# Lines read at most, blank ones included, and columns read per row: a sheet padded with a million
# empty styled rows or thousands of columns is refused or cut before it costs time.
MAX_LINES: Final = 2 * MAX_ROWS + 100
MAX_COLUMNS: Final = 50
# An XLSX is a zip: a 5 MB file may expand a hundredfold; past this it is not a list of counts.
MAX_UNZIPPED_BYTES: Final = 100 * 1024 * 1024

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


@dataclass(frozen=True)
class Problem:
    """One reason the file was refused: where (row as numbered in the spreadsheet, column) and what."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ImportRejected(Exception):
    """The file was refused; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: list[TransactionCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated


def _fold(text: str) -> str:
    """Lower case, without Vietnamese accents or punctuation: "Số hồ sơ" → "so ho so"."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# --------------------------------------------------------------------------------------------------
# Reading: bytes → rows of cells (row number, cells)
# --------------------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    if b"\x00" in data[:4096]:
        raise ImportRejected([Problem(None, None, _("This is not a CSV text file."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected(
            [Problem(line, None, _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."))]
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as error:
        raise ImportRejected(
            [Problem(reader.line_num, None, _("Unreadable CSV: %(e)s") % {"e": error})]
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    not_xlsx = ImportRejected(
        [Problem(None, None, _("This is not a real XLSX workbook (Excel 2007 or later)."))]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise not_xlsx
    if expanded > MAX_UNZIPPED_BYTES:
        raise ImportRejected([Problem(None, None, _("This workbook is too large once unpacked."))])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types on a damaged file; all mean "not a workbook"
        raise not_xlsx from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise not_xlsx
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            yield number, list(values)
    except ImportRejected:
        raise
    except Exception:  # a damaged sheet part surfaces only while reading rows
        raise not_xlsx from None
    finally:
        workbook.close()


def _kind(filename: str, data: bytes) -> str:
    name = filename.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".csv"):
        if is_zip:
            raise ImportRejected(
                [Problem(None, None, _("This file is a workbook, not a CSV: name it .xlsx."))]
            )
        return "csv"
    raise ImportRejected(
        [Problem(None, None, _("Upload a .csv or .xlsx file (an old .xls must be saved as .xlsx first)."))]
    )


# --------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(_("“%(value)s” has a time of day; give the date only.") % {"value": value})
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
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
        text = _text(value).replace("\u00a0", " ")
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


def _header(number: int, cells: list[object]) -> tuple[dict[str, int], list[Problem]]:
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        folded = _fold(_text(cell))
        for column, aliases in ALIASES.items():
            if folded in aliases:
                if column in positions:
                    problems.append(
                        Problem(
                            number,
                            _label(index, _text(cell)),
                            _("a second “%(name)s” column; keep only one.") % {"name": HEADER_NAMES[column]},
                        )
                    )
                else:
                    positions[column] = index
    for column in COLUMNS:
        if column not in positions:
            problems.append(
                Problem(
                    number,
                    None,
                    _("the header has no “%(name)s” column (the first row must name the columns: %(all)s).")
                    % {"name": HEADER_NAMES[column], "all": ", ".join(HEADER_NAMES.values())},
                )
            )
    return positions, problems


def _label(index: int, header: str) -> str:
    letter = get_column_letter(index + 1)
    return f"{letter} (“{header}”)" if header else letter


@dataclass(frozen=True)
class _Layout:
    """Where each column is, and the file's own header texts (for messages)."""

    positions: dict[str, int]
    headers: list[str]

    def cell(self, cells: list[object], column: str) -> object:
        index = self.positions[column]
        return cells[index] if index < len(cells) else None

    def where(self, column: str) -> str:
        index = self.positions[column]
        return _label(index, self.headers[index] if index < len(self.headers) else "")


def _row_parse(
    number: int, cells: list[object], layout: _Layout, lookup: dict[str, str]
) -> tuple[_Row | None, list[Problem]]:
    """One data row → (row, []) or (None, its problems), each naming its column."""
    problems: list[Problem] = []
    procedure = ALL_PROCEDURES
    code = _text(layout.cell(cells, "procedure"))
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


def _blank(cells: list[object]) -> bool:
    return all(_text(c) == "" for c in cells)


def counts_parse(*, unit: Unit, filename: str, data: bytes) -> list[_Row]:
    """Every row of the file, checked; raises ImportRejected listing each problem (row, column)."""
    if len(data) > MAX_BYTES:
        raise ImportRejected([Problem(None, None, _("The file is larger than 5 MB."))])
    if not data.strip():
        raise ImportRejected([Problem(None, None, _("The file is empty."))])
    reader = _xlsx_rows(data) if _kind(filename, data) == "xlsx" else _csv_rows(data)
    lookup = procedure_lookup(unit)
    problems: list[Problem] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, dt.date, dt.date], int] = {}
    layout: _Layout | None = None
    data_rows = 0
    for number, cells in reader:
        if number > MAX_LINES:
            message = _("the file has more than %(max)s lines.") % {"max": f"{MAX_LINES:,}"}
            raise ImportRejected([Problem(number, None, message)])
        if _blank(cells):
            continue  # blank lines, above the header or between rows
        if layout is None:
            positions, header_problems = _header(number, cells)
            if header_problems:
                raise ImportRejected(header_problems)
            layout = _Layout(positions, [_text(c) for c in cells])
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
