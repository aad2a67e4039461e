"""Spreadsheets that officials exchange with the platform: CSV exports (every app's share these two
rules) and CSV/XLSX imports, read the same way everywhere.

An imported file is a stranger's input: its size, row count, zip expansion and cell types are all
bounded, and a problem names its row (as the spreadsheet numbers it, the header being row 1) and
its column, so a file with any problem can be refused whole.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .vietnam import fold

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS: Final = 50  # columns read per row: a sheet padded with thousands of columns is cut
# An XLSX is a zip: a 5 MB file may expand a hundredfold; past this it is not a list of anything.
MAX_UNZIPPED_BYTES: Final = 100 * 1024 * 1024


def csv_cell(value: str) -> str:
    """A cell typed by someone (a comment, a name, a reason) that a spreadsheet shows and never runs."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


class _Echo:
    """A file-like sink for csv.writer: each row is returned instead of stored."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """A streaming response's body: the BOM (Excel then reads UTF-8, so Vietnamese diacritics), then each
    row as one CSV line, produced as the rows are read."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


# --------------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------------


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


def header_fold(text: str) -> str:
    """Lower case, without Vietnamese accents or punctuation: "Số hồ sơ" → "so ho so"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_is_blank(cells: list[object]) -> bool:
    return all(cell_text(c) == "" for c in cells)


def column_label(index: int, header: str) -> str:
    """ "C (“Họ tên”)": the spreadsheet's letter and the file's own header text."""
    letter = get_column_letter(index + 1)
    return f"{letter} (“{header}”)" if header else letter


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


def _xlsx_rows(data: bytes, *, formulas: bool) -> Iterator[tuple[int, list[object]]]:
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
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
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


def table_rows(
    *, filename: str, data: bytes, max_bytes: int, formulas: bool = False
) -> Iterator[tuple[int, list[object]]]:
    """(row number, cells) of the file's first sheet; raises ImportRejected for a file that is too large,
    empty or not a CSV/XLSX. `formulas` reads an XLSX formula as its text ("=A1+1") instead of its last
    computed value, so that an import that refuses formulas can see them."""
    if len(data) > max_bytes:
        raise ImportRejected(
            [Problem(None, None, _("The file is larger than %(n)s MB.") % {"n": max_bytes // (1024 * 1024)})]
        )
    if not data.strip():
        raise ImportRejected([Problem(None, None, _("The file is empty."))])
    if _kind(filename, data) == "xlsx":
        return _xlsx_rows(data, formulas=formulas)
    return _csv_rows(data)


@dataclass(frozen=True)
class Layout:
    """Where each column is, and the file's own header texts (for messages)."""

    positions: dict[str, int]
    headers: list[str]

    def cell(self, cells: list[object], column: str) -> object:
        index = self.positions.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    def where(self, column: str) -> str:
        index = self.positions[column]
        return column_label(index, self.headers[index] if index < len(self.headers) else "")


def header_layout(
    number: int,
    cells: list[object],
    *,
    aliases: Mapping[str, set[str]],
    names: Mapping[str, str],
    required: Iterable[str],
) -> tuple[Layout, list[Problem]]:
    """Read a header row: each column of `aliases` found by any of its spellings (compared folded),
    a repeated column or a missing required one being a problem; other columns are ignored."""
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        folded = header_fold(cell_text(cell))
        for column, spellings in aliases.items():
            if folded in spellings:
                if column in positions:
                    problems.append(
                        Problem(
                            number,
                            column_label(index, cell_text(cell)),
                            _("a second “%(name)s” column; keep only one.") % {"name": names[column]},
                        )
                    )
                else:
                    positions[column] = index
    wanted = [names[column] for column in required]
    for column in required:
        if column not in positions:
            problems.append(
                Problem(
                    number,
                    None,
                    _("the header has no “%(name)s” column (the first row must name the columns: %(all)s).")
                    % {"name": names[column], "all": ", ".join(wanted)},
                )
            )
    return Layout(positions, [cell_text(c) for c in cells]), problems
