"""Import the desk's customer list from the one-stop system's export (CSV or XLSX): all rows or none.

Columns, any order, extra columns ignored: dossier code ("Mã hồ sơ"), procedure — its national code
(MaTTHC), key or name ("Thủ tục"), date received ("Ngày tiếp nhận"), date the result was returned
("Ngày trả kết quả", optional), name ("Họ tên"), phone, e-mail and address (optional). Headers are
recognised in Vietnamese or English; a unit whose system names them otherwise maps them once and the
mapping is remembered for its next import.

Every row is checked before anything is written; a problem names its row and column, and a file with
any problem imports nothing. A cell that a spreadsheet would run as a formula is refused, not
neutralised: the list comes back out as message files and letters. A dossier already known (an
earlier import, or a dossier sent through the API) is merged: its fields and contact are updated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Unit
from tenants.spreadsheets import (
    FORMULA_PREFIXES,
    ImportRejected,
    Layout,
    Problem,
    cell_text,
    row_is_blank,
    table_rows,
)
from tenants.spreadsheets import header_fold as fold

from .models import Customer, CustomerColumns, CustomerContact, Dossier, Procedure

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 50_000
MAX_LINES: Final = 2 * MAX_ROWS + 100

COLUMNS: Final = ("dossier", "procedure", "received", "returned", "name", "phone", "email", "address")
REQUIRED: Final = ("dossier", "procedure", "received", "name")
ALIASES: Final[dict[str, set[str]]] = {
    "dossier": {"ma ho so", "so ho so", "ma hs", "dossier", "dossier code", "mahoso"},
    "procedure": {
        "ma tthc",
        "matthc",
        "thu tuc",
        "ten thu tuc",
        "thu tuc hanh chinh",
        "ten tthc",
        "procedure",
        "procedure code",
        "national code",
    },
    "received": {"ngay tiep nhan", "ngay nhan", "ngay nop", "received", "received on", "date received"},
    "returned": {
        "ngay tra ket qua",
        "ngay tra",
        "ngay tra kq",
        "ngay ket thuc xu ly",
        "returned",
        "returned on",
        "date returned",
    },
    "name": {"ho ten", "ho va ten", "chu ho so", "nguoi nop", "ten nguoi nop", "to chuc ca nhan", "name"},
    "phone": {"so dien thoai", "dien thoai", "sdt", "so dt", "phone", "phone number"},
    "email": {"email", "e mail", "thu dien tu", "dia chi email"},
    "address": {"dia chi", "dia chi lien he", "address"},
}
HEADER_NAMES: Final = {
    "dossier": "Mã hồ sơ",
    "procedure": "Thủ tục (mã TTHC)",
    "received": "Ngày tiếp nhận",
    "returned": "Ngày trả kết quả",
    "name": "Họ tên",
    "phone": "Số điện thoại",
    "email": "Thư điện tử",
    "address": "Địa chỉ",
}
DATE_TEXT: Final = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
PHONE_TEXT: Final = re.compile(r"^\+?[\d .()-]+$")
NOT_DIGIT: Final = re.compile(r"\D")
LIMITS: Final[tuple[tuple[Literal["dossier", "name", "address"], int], ...]] = (
    ("dossier", 60),
    ("name", 200),
    ("address", 400),
)


@dataclass(frozen=True)
class CustomerRow:
    number: int
    dossier_code: str
    procedure: Procedure | None
    procedure_code: str
    received_on: dt.date
    returned_on: dt.date | None
    name: str
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class CustomerImport:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


# --------------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------------


def _formula(text: str) -> bool:
    """Would a spreadsheet run it? A phone number's leading + is not a formula."""
    if not text.startswith(FORMULA_PREFIXES):
        return False
    return not (text[0] in "+-" and PHONE_TEXT.match(text) and any(c.isdigit() for c in text))


def _day(value: object, *, required: bool) -> dt.date | None:
    """A date from a date cell or dd/mm/yyyy text; exports often add the time of day, which is dropped."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        if required:
            raise ValueError(_("The date is missing."))
        return None
    match = DATE_TEXT.match(text)
    try:
        if match is None:
            raise ValueError
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": text}) from None


def _phone(value: object) -> str:
    """Digits with an optional leading +; a number cell lost its leading 0, which is put back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = cell_text(value)
        return "0" + digits if len(digits) == 9 else digits
    text = cell_text(value)
    if not text:
        return ""
    if not PHONE_TEXT.match(text):
        raise ValueError(_("“%(value)s” is not a phone number.") % {"value": text})
    digits = NOT_DIGIT.sub("", text)
    if not 9 <= len(digits) <= 15:
        raise ValueError(_("“%(value)s” is not a phone number.") % {"value": text})
    return ("+" if text.startswith("+") else "") + digits


# --------------------------------------------------------------------------------------------------
# Header and rows
# --------------------------------------------------------------------------------------------------


def _header(number: int, cells: list[object], remembered: Mapping[str, str]) -> tuple[Layout, list[Problem]]:
    """Where each column is: first the unit's remembered headers, then the usual spellings."""
    texts = [cell_text(c) for c in cells]
    folded = [fold(t) for t in texts]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    ambiguous: set[str] = set()
    for column in COLUMNS:
        wanted = fold(remembered.get(column, ""))
        matches = [
            i for i, f in enumerate(folded) if f and (f == wanted or (not wanted and f in ALIASES[column]))
        ]
        if not matches and wanted:
            matches = [i for i, f in enumerate(folded) if f in ALIASES[column]]
        if len(matches) > 1:
            ambiguous.add(column)
            problems.append(
                Problem(
                    number,
                    None,
                    _("two columns could be “%(name)s” (%(a)s and %(b)s); keep only one.")
                    % {"name": HEADER_NAMES[column], "a": texts[matches[0]], "b": texts[matches[1]]},
                )
            )
        elif matches:
            positions[column] = matches[0]
    for column in REQUIRED:
        if column not in positions and column not in ambiguous:
            problems.append(
                Problem(
                    number,
                    None,
                    _("the header has no “%(name)s” column (the first row must name the columns: %(all)s).")
                    % {"name": HEADER_NAMES[column], "all": ", ".join(HEADER_NAMES[c] for c in REQUIRED)},
                )
            )
    return Layout(positions, texts), problems


class _Catalog:
    """The unit's procedures by national code, key or name, as an export may give them."""

    def __init__(self) -> None:
        self.by: dict[str, Procedure] = {}
        for procedure in Procedure.objects.all():
            self.by.setdefault(fold(procedure.name_vi), procedure)
            self.by[procedure.key.casefold()] = procedure
            if procedure.national_code:
                self.by[procedure.national_code.strip().casefold()] = procedure

    def get(self, text: str) -> Procedure | None:
        return self.by.get(text.casefold()) or self.by.get(fold(text))


def _row(
    number: int, cells: list[object], layout: Layout, catalog: _Catalog, today: dt.date
) -> tuple[CustomerRow | None, list[Problem]]:
    problems: list[Problem] = []
    texts = {c: cell_text(layout.cell(cells, c)) for c in layout.positions}
    for column, text in texts.items():
        if _formula(text):
            problems.append(
                Problem(number, layout.where(column), _("a formula or command is not allowed in a cell."))
            )
    if problems:
        return None, problems
    for column in ("dossier", "name"):
        if not texts[column]:
            problems.append(Problem(number, layout.where(column), _("this cell is empty.")))
    for limited, limit in LIMITS:
        if len(texts.get(limited, "")) > limit:
            problems.append(
                Problem(number, layout.where(limited), _("longer than %(n)s characters.") % {"n": limit})
            )
    procedure = catalog.get(texts["procedure"]) if texts["procedure"] else None
    if not texts["procedure"]:
        problems.append(Problem(number, layout.where("procedure"), _("this cell is empty.")))
    elif procedure is None:
        message = _("“%(code)s” is not a procedure of this unit's catalog (national code, key or name).")
        problems.append(Problem(number, layout.where("procedure"), message % {"code": texts["procedure"]}))
    days: dict[str, dt.date | None] = {}
    for column in ("received", "returned"):
        if column not in layout.positions:
            days[column] = None
            continue
        try:
            day = days[column] = _day(layout.cell(cells, column), required=column == "received")
        except ValueError as error:
            problems.append(Problem(number, layout.where(column), str(error)))
            continue
        if day is not None and day > today:
            problems.append(Problem(number, layout.where(column), _("the date is in the future.")))
    received, returned = days.get("received"), days.get("returned")
    if received and returned and returned < received:
        problems.append(Problem(number, layout.where("returned"), _("returned before it was received.")))
    phone = ""
    if "phone" in layout.positions:
        try:
            phone = _phone(layout.cell(cells, "phone"))
        except ValueError as error:
            problems.append(Problem(number, layout.where("phone"), str(error)))
    email = texts.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(
                    number,
                    layout.where("email"),
                    _("“%(value)s” is not an e-mail address.") % {"value": email},
                )
            )
    if problems:
        return None, problems
    assert received is not None  # noqa: S101 - checked above: a missing date is a problem
    return (
        CustomerRow(
            number=number,
            dossier_code=texts["dossier"],
            procedure=procedure,
            procedure_code=texts["procedure"],
            received_on=received,
            returned_on=returned,
            name=" ".join(texts["name"].split()),
            phone=phone,
            email=email.lower(),
            address=" ".join(texts.get("address", "").split()),
        ),
        [],
    )


def customers_parse(
    *, filename: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> tuple[list[CustomerRow], dict[str, str]]:
    """Every row of the file, checked, and the headers it used; raises ImportRejected listing each
    problem. Runs in the unit's schema (the catalog is the unit's)."""
    if mapping is None:
        saved = CustomerColumns.objects.first()
        mapping = saved.mapping if saved else {}
    unknown = set(mapping) - set(COLUMNS)
    if unknown:
        raise ImportRejected(
            [
                Problem(
                    None,
                    None,
                    _("Unknown columns in the mapping: %(c)s.") % {"c": ", ".join(sorted(unknown))},
                )
            ]
        )
    reader = table_rows(filename=filename, data=data, max_bytes=MAX_BYTES, formulas=True)
    catalog = _Catalog()
    today = timezone.localdate()
    problems: list[Problem] = []
    rows: list[CustomerRow] = []
    seen: dict[str, int] = {}
    layout: Layout | None = None
    data_rows = 0
    for number, cells in reader:
        if number > MAX_LINES:
            raise ImportRejected(
                [
                    Problem(
                        number, None, _("the file has more than %(max)s lines.") % {"max": f"{MAX_LINES:,}"}
                    )
                ]
            )
        if row_is_blank(cells):
            continue
        if layout is None:
            layout, header_problems = _header(number, cells, mapping)
            if header_problems:
                raise ImportRejected(header_problems)
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            message = _("the file has more than %(max)s customers.") % {"max": f"{MAX_ROWS:,}"}
            raise ImportRejected([Problem(number, None, message)])
        row, row_problems = _row(number, cells, layout, catalog, today)
        problems += row_problems
        if row is None:
            continue
        if row.dossier_code in seen:
            message = _("the same dossier code as row %(row)s.") % {"row": seen[row.dossier_code]}
            problems.append(Problem(number, layout.where("dossier"), message))
        else:
            seen[row.dossier_code] = number
            rows.append(row)
    if layout is None:
        raise ImportRejected([Problem(None, None, _("The file has no header row."))])
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(None, None, _("The file has a header but no customers."))])
    used = {column: layout.headers[index] for column, index in layout.positions.items()}
    return rows, used


# The checked rows go to PostgreSQL by COPY into a temporary table, then two set-based upserts: no
# model per row, no 20,000-item IN lists, no arrays quoted by the client (the three took most of the
# writing time of a 20,000-row import).
STAGE_COLUMNS: Final = (
    "dossier_code text, procedure_id bigint, procedure_code text, received_on date, returned_on date,"
    " name text, phone text, email text, address text"
)


def _merge(rows: list[CustomerRow]) -> tuple[int, int]:
    """Upsert the customers and their contacts by dossier code; (created, updated). A contact given
    again after an erasure is a new, current purpose: the customer is no longer marked erased."""
    customer, contact = Customer._meta.db_table, CustomerContact._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE customer_stage ({STAGE_COLUMNS}) ON COMMIT DROP")
        with cursor.copy("COPY customer_stage FROM STDIN") as copy:
            for r in rows:
                copy.write_row(
                    (
                        r.dossier_code,
                        r.procedure.pk if r.procedure else None,
                        r.procedure_code,
                        r.received_on,
                        r.returned_on,
                        r.name,
                        r.phone,
                        r.email,
                        r.address,
                    )
                )
        # xmax = 0 on a row this statement inserted, not on one it updated.
        cursor.execute(
            f"WITH merged AS (INSERT INTO {customer}"  # noqa: S608 - our own table names
            " (dossier_code, procedure_id, procedure_code, received_on, returned_on, source, created_at,"
            "  updated_at)"
            " SELECT dossier_code, procedure_id, procedure_code, received_on, returned_on, %s, %s, %s"
            " FROM customer_stage"
            " ON CONFLICT (dossier_code) DO UPDATE SET procedure_id = EXCLUDED.procedure_id,"
            "  procedure_code = EXCLUDED.procedure_code, received_on = EXCLUDED.received_on,"
            "  returned_on = EXCLUDED.returned_on, updated_at = EXCLUDED.updated_at, contact_erased_at = NULL"
            " RETURNING xmax = 0 AS created)"
            " SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM merged",
            [Customer.Source.IMPORT, now, now],
        )
        created, updated = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {contact} (customer_id, name, phone, email, address)"  # noqa: S608
            f" SELECT c.id, s.name, s.phone, s.email, s.address FROM customer_stage s"
            f" JOIN {customer} c USING (dossier_code)"
            " ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone,"
            "  email = EXCLUDED.email, address = EXCLUDED.address"
        )
        cursor.execute("DROP TABLE customer_stage")
    return created, updated


def customers_import(
    *, unit: Unit, filename: str, data: bytes, mapping: Mapping[str, str] | None = None
) -> CustomerImport:
    """Check the whole file, then merge every row by dossier code in one transaction. `mapping`
    (column → the file's header text) overrides the remembered one and is remembered on success."""
    with tenant_context(unit):
        rows, used = customers_parse(filename=filename, data=data, mapping=mapping)
        with transaction.atomic():
            created, updated = _merge(rows)
            CustomerColumns.objects.update_or_create(pk=1, defaults={"mapping": used})
    return CustomerImport(created=created, updated=updated)


def customers_from_dossiers(*, unit: Unit, received_from: dt.date, received_to: dt.date) -> CustomerImport:
    """The dossiers the one-stop system already sent through the API become customers (without contact:
    the API carries none; an export imported later fills it in, merged by dossier code)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(received_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(received_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    with tenant_context(unit), transaction.atomic():
        dossiers = list(Dossier.objects.filter(received_at__gte=start, received_at__lt=end))
        known = set(
            Customer.objects.filter(dossier_code__in=[d.code for d in dossiers]).values_list(
                "dossier_code", flat=True
            )
        )
        Customer.objects.bulk_create(
            [
                Customer(
                    dossier_code=d.code,
                    procedure_id=d.procedure_id,
                    procedure_code=d.procedure_code,
                    received_on=timezone.localtime(d.received_at, tz).date(),
                    returned_on=timezone.localtime(d.finished_at, tz).date() if d.finished_at else None,
                    source=Customer.Source.API,
                )
                for d in dossiers
                if d.code not in known
            ],
            batch_size=2000,
        )
    return CustomerImport(created=len(dossiers) - len(known), updated=0)
