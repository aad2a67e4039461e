"""CSV files that officials open in a spreadsheet: every app's exports share these two rules."""

import csv
from collections.abc import Iterable, Iterator

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
