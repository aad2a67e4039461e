"""Customer lists benchmark (issue 15): import of a 20,000-row one-stop export, and the letters PDF.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench_customers \\
        nice -n 10 .venv/bin/python tests/benchmarks/bench_customers.py [--rows 20000] [--letters 1000]

The database named in DATABASE_URL is dropped and created anew (its name must contain "bench"), and
dropped again at the end unless --keep. The world: Lạng Sơn's registry slice, the commune Hồng Thái
(legacy 06175) onboarded with the built-in catalog, the Hồng Thái questionnaire and a campaign with the
customer-list and phone channels. Measured, with the services the console calls:

1. customers_import of a CSV of --rows customers (every column filled), into an empty list;
2. the same file again (every row merged into an existing customer by dossier code);
3. the same rows as an XLSX (openpyxl, formulas read as text so they can be refused);
4. customer_survey_create drawing about --letters customers (per-procedure sizes scaled to that total),
   each given a one-time link;
5. invitations_letters_pdf for them: time, size, pages (four cards to an A4 page, one QR each).
"""

import argparse
import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
import time

import benchlib
from benchlib import ROOT, database_recreate

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Lường", "Nông"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Ngọc", "Hữu", "Thanh"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Hà",
    "Hải",
    "Hoa",
    "Khánh",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Sơn",
    "Thắng",
]
HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Ngày tiếp nhận",
    "Ngày trả kết quả",
    "Họ và tên",
    "Số điện thoại",
    "Email",
    "Địa chỉ",
]


def manage(*args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own manage.py


def rows_make(n: int, codes: list[str], seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    today = dt.date.today()  # noqa: DTZ011 - a benchmark's synthetic dates
    rows = []
    for i in range(n):
        received = today - dt.timedelta(days=rng.randint(5, 330))
        returned = received + dt.timedelta(days=rng.randint(0, 4))
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        rows.append(
            [
                f"000.00.20.H37-{received:%y%m%d}-{i:05d}",
                rng.choice(codes),
                f"{received:%d/%m/%Y} {rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}",
                f"{returned:%d/%m/%Y}",
                name,
                f"09{rng.randint(0, 99_999_999):08d}",
                f"khach{i}@example.vn" if rng.random() < 0.4 else "",
                f"Thôn {rng.randint(1, 20)}, xã Hồng Thái, huyện Văn Lãng, tỉnh Lạng Sơn",
            ]
        )
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f} s (load average {os.getloadavg()[0]:.1f})", flush=True)
    return result, elapsed


def run(args: argparse.Namespace) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import schema_context, tenant_context

    from surveys.customer_imports import customers_import
    from surveys.customer_services import customer_strata, customer_survey_create, invitations_letters_pdf
    from surveys.models import Procedure
    from surveys.pdf import html_to_pdf
    from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin
    from tenants.models import Structure, Unit
    from tenants.services import template_schema_ensure, unit_onboard

    template_schema_ensure()
    with schema_context(settings.TENANT_BASE_SCHEMA):
        catalog_seed()
    unit = Unit.objects.get(structure=Structure.LEGACY, code="06175")
    unit_onboard(unit=unit)
    officer = get_user_model().objects.create_user(
        username="bench@example.vn", email="bench@example.vn", password=None
    )
    today = timezone.localdate()
    with tenant_context(unit):
        version = questionnaire_install_builtin(key="hong_thai_quick").latest_published
        campaign = campaign_create(
            name="Tự khảo sát khách hàng",
            version=version,
            starts_on=today,
            ends_on=today + dt.timedelta(days=30),
            channels=["list", "phone"],
        )
        codes = list(Procedure.objects.exclude(national_code=None).values_list("national_code", flat=True))
    rows = rows_make(args.rows, codes, args.seed)
    data = csv_bytes(rows)
    print(f"CSV: {args.rows:,} rows, {len(data) / 1e6:.2f} MB", flush=True)
    result, first = timed(
        "import CSV into an empty list", lambda: customers_import(unit=unit, filename="ds.csv", data=data)
    )
    assert result.created == args.rows, result
    result, again = timed(
        "import the same CSV again (all merged)",
        lambda: customers_import(unit=unit, filename="ds.csv", data=data),
    )
    assert result.updated == args.rows, result
    workbook = xlsx_bytes(rows)
    print(f"XLSX: {len(workbook) / 1e6:.2f} MB", flush=True)
    result, xlsx = timed(
        "import the same rows as XLSX (all merged)",
        lambda: customers_import(unit=unit, filename="ds.xlsx", data=workbook),
    )
    assert result.updated == args.rows, result

    since, until = today - dt.timedelta(days=400), today
    strata = customer_strata(unit=unit, received_from=since, received_to=until)
    total = sum(strata.values())
    sizes = {key: round(n * args.letters / total) for key, n in strata.items()}
    survey, select = timed(
        "select the sample and issue one-time links",
        lambda: customer_survey_create(
            unit=unit,
            campaign=campaign,
            received_from=since,
            received_to=until,
            created_by=officer,
            sizes=sizes,
            seed=args.seed,
        ),
    )
    print(f"sample: {survey.sample_size:,} of {survey.population:,} customers", flush=True)
    timed("WeasyPrint warm-up (import, fonts)", lambda: html_to_pdf("<p>Xin chào</p>"))
    pdf, letters = timed("letters PDF", lambda: invitations_letters_pdf(unit=unit, survey=survey, by=officer))
    path = ROOT / "tests" / "benchmarks" / "results" / "customers-letters.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False).stdout  # noqa: S603, S607
    pages = next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), -1)
    if not args.save_pdf:
        path.unlink()
    print(
        f"letters PDF: {survey.sample_size:,} cards, {len(pdf) / 1e6:.2f} MB, {letters:.1f} s, "
        f"{letters / survey.sample_size * 1000:.0f} ms a card",
        flush=True,
    )
    print(
        "SUMMARY "
        + str(
            {
                "rows": args.rows,
                "csv_mb": round(len(data) / 1e6, 2),
                "import_csv_s": round(first, 2),
                "import_csv_again_s": round(again, 2),
                "import_xlsx_s": round(xlsx, 2),
                "sample": survey.sample_size,
                "select_s": round(select, 2),
                "letters_s": round(letters, 2),
                "letters_mb": round(len(pdf) / 1e6, 2),
                "letters_pages": pages,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--letters", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--save-pdf", action="store_true", help="keep the letters PDF under results/")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sipas_bench_customers")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    database_recreate(url)
    try:
        benchlib.django_start()
        manage("migrate_schemas", "--shared")
        manage("import_units", "--province", "20")
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_recreate(url, drop_only=True)


if __name__ == "__main__":
    main()
