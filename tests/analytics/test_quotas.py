"""Sample quotas: the rules at their band edges, policy inheritance, transaction counts typed in and
imported (all rows or none), and who may see or change what."""

import csv
import datetime as dt
import io
import zipfile
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client
from django.utils import timezone, translation
from openpyxl import Workbook

from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period
from analytics.methodology import formulas as f
from analytics.methodology.policy import Source, policy_effective, policy_update
from analytics.models import DailyFact, TransactionCount, UnitPolicy
from analytics.quotas.imports import MAX_LINES, MAX_ROWS, ImportRejected, transaction_counts_import
from analytics.quotas.services import quota_status, transaction_count_set, units_below_quota
from tenants.models import Level, Role, Unit, User
from tenants.routing import unit_reverse
from tests.conftest import answer, signed_in

# Messages are checked in English; pages are Vietnamese by default (checked where it matters).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


YEAR = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
BIRTH, BIRTH_CODE = "dang_ky_khai_sinh", "1.001193"
MARRIAGE, MARRIAGE_CODE = "dang_ky_ket_hon", "1.000894"


# --------------------------------------------------------------------------- helpers


def client_for(user: User) -> Client:
    """Signed in, asking for English pages."""
    return signed_in(user, HTTP_ACCEPT_LANGUAGE="en")


def responses(unit: Unit, day: dt.date, count: int, procedure: str | None = None) -> None:
    """Response facts as the refresh writes them: the total, and the procedure breakdown ("" = none)."""
    for dim, value in (("", ""), ("procedure", procedure or "")):
        fact, created = DailyFact.objects.get_or_create(
            unit=unit,
            day=day,
            kind="response",
            questionnaire="q",
            bucket="satisfied",
            dim=dim,
            dim_value=value,
            defaults={"count": count},
        )
        if not created:
            DailyFact.objects.filter(pk=fact.pk).update(count=F("count") + count)


def count(unit, n, procedure="", start=YEAR.start, end=YEAR.end) -> TransactionCount:
    return TransactionCount.objects.create(
        unit=unit, procedure=procedure, period_start=start, period_end=end, count=n
    )


def third_commune(world) -> Unit:
    """A commune of the same district that is not onboarded: counts live in the public schema anyway."""
    return (
        Unit.objects.filter(parent=world.district, level=Level.COMMUNE)
        .exclude(pk__in=[world.commune.pk, world.sibling.pk])
        .order_by("path")
        .first()
    )


# --------------------------------------------------------------------------- quota arithmetic

EDGES = [
    # (rule, N, required): ceil(N × band fraction), or ceil(N / (1 + N·0.05²)) for Slovin
    ("nam_dong_2024", 1, 1),
    ("nam_dong_2024", 99, 50),
    ("nam_dong_2024", 100, 30),
    ("nam_dong_2024", 499, 150),
    ("nam_dong_2024", 500, 100),
    ("nam_dong_2024", 999, 200),
    ("nam_dong_2024", 1000, 100),
    ("son_tay_2017", 99, 30),
    ("son_tay_2017", 100, 20),
    ("son_tay_2017", 1001, 201),
    ("slovin_5_percent", 99, 80),
    ("slovin_5_percent", 100, 80),
    ("slovin_5_percent", 1000, 286),
]


@pytest.mark.parametrize(("rule", "transactions", "required"), EDGES)
def test_the_quota_is_met_at_exactly_the_required_responses(world, rule, transactions, required):
    # given the commune's rule and its dossiers for 2024, one response short of the quota
    policy_update(unit=world.commune, quota_rule=rule)
    count(world.commune, transactions)
    responses(world.commune, dt.date(2024, 6, 1), required - 1)
    # when
    short = quota_status(unit=world.commune, period=YEAR).unit_wide
    # then
    assert (short.transactions, short.required, short.collected, short.met) == (
        transactions,
        required,
        required - 1,
        False,
    )
    assert short.attainment.ratio == Fraction(required - 1, required)
    assert short.attainment.rule_code == rule
    # and with one more response the quota is met
    responses(world.commune, dt.date(2024, 6, 2), 1)
    met = quota_status(unit=world.commune, period=YEAR).unit_wide
    assert met.met
    assert met.collected == required
    assert met.attainment.margin_of_error == f.margin_of_error(required, transactions)


def test_a_small_commune_meeting_its_quota_still_has_a_wide_margin_of_error(world):
    # 80 dossiers, 40 answers: the Nam Dong quota is met, and the rate is known to about ±11 points
    count(world.commune, 80)
    responses(world.commune, dt.date(2024, 3, 1), 40)
    row = quota_status(unit=world.commune, period=YEAR).unit_wide
    assert row.met
    assert 0.10 < row.attainment.margin_of_error < 0.12
    assert str(row.margin_percent) == "11.0"


def test_each_procedure_has_its_quota_and_the_furthest_behind_comes_first(world):
    count(world.commune, 80, BIRTH)  # 50 % → 40
    count(world.commune, 150, MARRIAGE)  # 30 % → 45
    responses(world.commune, dt.date(2024, 2, 1), 40, BIRTH)
    responses(world.commune, dt.date(2024, 2, 1), 9, MARRIAGE)
    status = quota_status(unit=world.commune, period=YEAR)
    assert [(r.procedure, r.transactions, r.required, r.collected, r.met) for r in status.procedures] == [
        (MARRIAGE, 150, 45, 9, False),
        (BIRTH, 80, 40, 40, True),
    ]
    assert status.procedures[0].label == "Marriage registration"
    with translation.override("vi"):
        assert quota_status(unit=world.commune, period=YEAR).procedures[0].label == "Đăng ký kết hôn"
    # no count for all procedures: the unit-wide N is the sum of the procedures', and says so
    assert status.unit_wide_from_procedures
    assert (status.unit_wide.transactions, status.unit_wide.required, status.unit_wide.collected) == (
        230,
        69,
        49,
    )


def test_counts_straddling_the_period_or_overlapping_a_longer_count_are_not_added(world):
    count(world.commune, 300)  # the year
    count(world.commune, 40, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))  # inside the year
    count(world.commune, 500, start=dt.date(2023, 7, 1), end=dt.date(2024, 6, 30))  # straddles
    status = quota_status(unit=world.commune, period=YEAR)
    assert status.unit_wide.transactions == 300
    assert [s.count for s in status.not_added] == [40]
    assert [s.count for s in status.not_used] == [500]


def test_responses_count_only_on_the_days_the_counts_cover(world):
    count(world.commune, 60, BIRTH, start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31))
    responses(world.commune, dt.date(2024, 2, 10), 7, BIRTH)
    responses(world.commune, dt.date(2024, 5, 10), 11, BIRTH)  # after the counted quarter
    row = quota_status(unit=world.commune, period=YEAR).procedures[0]
    assert (row.transactions, row.collected, row.required) == (60, 7, 30)


def test_collected_comes_from_real_responses_folded_into_facts(world):
    today = timezone.localdate()
    this_year = Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    transaction_count_set(
        unit=world.commune, procedure=BIRTH_CODE, start=this_year.start, end=this_year.end, count=10
    )
    for satisfaction in (3, 2, 1):
        reasons = ["official_attitude"] if satisfaction == 1 else ()
        answer(world.commune, satisfaction, reasons=reasons, procedure_key=BIRTH)
    facts_refresh()
    status = quota_status(unit=world.commune, period=this_year)
    row = status.procedures[0]
    assert (row.procedure, row.transactions, row.required, row.collected) == (BIRTH, 10, 5, 3)
    assert status.unit_wide.collected == 3


def test_a_district_lists_its_communes_below_quota_worst_first(world):
    third = third_commune(world)
    count(world.commune, 100)  # needs 30
    responses(world.commune, dt.date(2024, 5, 5), 10)  # 1/3
    count(world.sibling, 50)  # needs 25
    responses(world.sibling, dt.date(2024, 5, 5), 5)  # 1/5: worst
    count(third, 20)  # needs 10
    responses(third, dt.date(2024, 5, 5), 10)  # met: not listed
    below = units_below_quota(unit=world.district, period=YEAR)
    assert [b.unit for b in below] == [world.sibling, world.commune]
    assert [(b.row.required, b.row.collected) for b in below] == [(25, 5), (30, 10)]
    assert units_below_quota(unit=world.commune, period=YEAR) == []


def test_a_district_quota_status_is_its_own_desk_not_the_sum_of_its_communes(world):
    count(world.commune, 100)
    assert quota_status(unit=world.district, period=YEAR).unit_wide is None


# --------------------------------------------------------------------------- policy


def test_a_commune_inherits_the_provinces_threshold_then_overrides_it(world):
    # nothing set: defaults
    policy = policy_effective(world.commune)
    assert (policy.threshold, policy.minimum, policy.window_days, policy.rule.code) == (
        f.Decimal("0.25"),
        10,
        90,
        "nam_dong_2024",
    )
    assert policy.alert_threshold.source == Source.DEFAULT
    # the province sets a threshold, the district a quota rule
    policy_update(unit=world.province, alert_threshold="0.3")
    policy_update(unit=world.district, quota_rule="son_tay_2017")
    policy = policy_effective(world.commune)
    assert policy.threshold == f.Decimal("0.3")
    assert policy.alert_threshold.source == Source.INHERITED
    assert policy.alert_threshold.source_unit == world.province
    assert policy.alert_threshold.explanation == f"inherited from {world.province.name}"
    assert policy.rule.code == "son_tay_2017"
    assert policy.quota_rule.source_unit == world.district
    assert policy.minimum == 10
    # the commune overrides the threshold; the rule is still the district's
    policy_update(unit=world.commune, alert_threshold="0.2")
    policy = policy_effective(world.commune)
    assert (policy.threshold, policy.alert_threshold.source) == (f.Decimal("0.2"), Source.UNIT)
    assert policy.quota_rule.source == Source.INHERITED
    # the sibling still follows the province
    assert policy_effective(world.sibling).threshold == f.Decimal("0.3")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alert_threshold", "0"),
        ("alert_threshold", "1"),
        ("alert_threshold", "1.5"),
        ("alert_threshold", "-0.1"),
        ("alert_threshold", "0.2555"),
        ("alert_threshold", "many"),
        ("alert_threshold", "NaN"),
        ("alert_minimum", 0),
        ("alert_minimum", "ten"),
        ("alert_window_days", 6),
        ("alert_window_days", 367),
        ("minimum_n", 0),
        ("quota_rule", "half_of_everything"),
    ],
)
def test_an_out_of_range_policy_value_is_refused_and_nothing_is_stored(world, field, value):
    with pytest.raises(ValidationError) as refused:
        policy_update(unit=world.commune, **{field: value})
    assert field in refused.value.message_dict
    assert not UnitPolicy.objects.filter(unit=world.commune).exists()


def test_policy_values_at_their_limits_are_accepted(world):
    policy_update(
        unit=world.commune,
        alert_threshold="0.001",
        alert_minimum=1,
        alert_window_days=7,
        minimum_n=1,
        quota_rule="slovin_5_percent",
    )
    policy_update(unit=world.sibling, alert_threshold="0,999", alert_window_days=366)
    assert policy_effective(world.commune).window_days == 7
    assert policy_effective(world.sibling).threshold == f.Decimal("0.999")


def test_the_admin_edits_the_policy_in_the_console(world, commune_admin):
    client = client_for(commune_admin)
    url = unit_reverse(world.commune, "unit:quota_policy")
    page = client.get(url)
    assert page.status_code == 200
    assert "default" in page.content.decode() or "mặc định" in page.content.decode()
    saved = client.post(url, {"alert_threshold": "0.3", "alert_window_days": "30", "quota_rule": ""})
    assert saved.status_code == 302
    policy = policy_effective(world.commune)
    assert (policy.threshold, policy.window_days, policy.quota_rule.source) == (
        f.Decimal("0.3"),
        30,
        Source.DEFAULT,
    )
    refused = client.post(url, {"alert_threshold": "25", "alert_window_days": "3"})
    assert refused.status_code == 400
    assert policy_effective(world.commune).threshold == f.Decimal("0.3")
    # Shown as Vietnamese numbers: a comma, no trailing zeros, in the summary and in the field.
    shown = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "30\xa0%" in shown and 'value="0,3"' in shown
    assert "30.0" not in shown and "0.30" not in shown and "0.3" not in shown


def test_a_district_viewer_or_an_officer_cannot_edit_a_communes_policy(
    world, district_viewer, commune_officer
):
    url = unit_reverse(world.commune, "unit:quota_policy")
    for user in (district_viewer, commune_officer):
        client = client_for(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"alert_threshold": "0.9"}).status_code == 403
    assert not UnitPolicy.objects.filter(unit=world.commune).exists()


def test_a_province_admin_may_set_a_communes_policy(world, province_admin):
    url = unit_reverse(world.commune, "unit:quota_policy")
    response = client_for(province_admin).post(url, {"alert_minimum": "20"})
    assert response.status_code == 302
    assert policy_effective(world.commune).minimum == 20


# --------------------------------------------------------------------------- typed-in counts


def test_an_officer_types_in_a_count_and_typing_it_again_replaces_it(world, commune_officer):
    client = client_for(commune_officer)
    url = unit_reverse(world.commune, "unit:quota_counts")
    assert client.get(url).status_code == 200
    form = {"procedure": BIRTH, "period_start": "01/01/2024", "period_end": "31/12/2024", "count": "120"}
    assert client.post(url, form).status_code == 302
    assert client.post(url, {**form, "count": "130"}).status_code == 302
    row = TransactionCount.objects.get(unit=world.commune)
    assert (row.procedure, row.count, row.source) == (BIRTH, 130, "manual")


@pytest.mark.parametrize(
    "change",
    [
        {"period_end": "31/12/2023"},  # ends before it starts
        {"period_start": "2024-01-01"},  # not dd/mm/yyyy
        {"count": "-1"},
        {"count": "many"},
        {"procedure": "nhung_nhieu"},  # not in the catalog
    ],
)
def test_a_bad_typed_in_count_is_refused_with_nothing_stored(world, commune_officer, change):
    form = {"procedure": BIRTH, "period_start": "01/01/2024", "period_end": "31/12/2024", "count": "120"}
    response = client_for(commune_officer).post(
        unit_reverse(world.commune, "unit:quota_counts"), {**form, **change}
    )
    assert response.status_code == 400
    assert not TransactionCount.objects.exists()


def test_counts_are_the_units_own_work(world, district_viewer, sibling_officer):
    url = unit_reverse(world.commune, "unit:quota_counts")
    for user in (district_viewer, sibling_officer):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).post(url, {"count": "1"}).status_code == 403


def test_a_count_is_deleted_only_in_its_own_unit(world, commune_officer):
    mine = count(world.commune, 5)
    theirs = count(world.sibling, 7)
    client = client_for(commune_officer)
    client.post(unit_reverse(world.commune, "unit:quota_count_delete", theirs.pk))
    assert TransactionCount.objects.filter(pk=theirs.pk).exists()
    client.post(unit_reverse(world.commune, "unit:quota_count_delete", mine.pk))
    assert not TransactionCount.objects.filter(pk=mine.pk).exists()


# --------------------------------------------------------------------------- imports

VI_HEADER = ["Mã TTHC", "Từ ngày", "Đến ngày", "Số hồ sơ"]


def csv_bytes(rows, header=VI_HEADER, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=VI_HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored():
    return sorted(
        TransactionCount.objects.values_list("unit_id", "procedure", "period_start", "period_end", "count")
    )


def test_a_csv_with_vietnamese_headers_is_imported(world):
    data = csv_bytes(
        [
            [BIRTH_CODE, "01/01/2024", "31/12/2024", "120"],
            [MARRIAGE, "01/01/2024", "30/06/2024", "1.250"],  # a key, and a Vietnamese thousands dot
            ["", "01/01/2024", "31/12/2024", "900"],  # all procedures
        ],
        delimiter=";",
    )
    result = transaction_counts_import(unit=world.commune, filename="so_ho_so.csv", data=data)
    assert (result.created, result.updated) == (3, 0)
    assert stored() == [
        (world.commune.pk, "", YEAR.start, YEAR.end, 900),
        (world.commune.pk, MARRIAGE, YEAR.start, dt.date(2024, 6, 30), 1250),
        (world.commune.pk, BIRTH, YEAR.start, YEAR.end, 120),
    ]
    assert set(TransactionCount.objects.values_list("source", flat=True)) == {"import"}


def test_importing_again_replaces_the_counts_of_the_same_procedure_and_period(world):
    count(world.commune, 5, BIRTH)
    data = csv_bytes([[BIRTH_CODE, "01/01/2024", "31/12/2024", "120"]])
    result = transaction_counts_import(unit=world.commune, filename="a.csv", data=data)
    assert (result.created, result.updated) == (0, 1)
    assert stored() == [(world.commune.pk, BIRTH, YEAR.start, YEAR.end, 120)]


def test_an_xlsx_with_english_headers_and_date_cells_is_imported(world):
    data = xlsx_bytes(
        [
            [BIRTH, dt.date(2024, 1, 1), dt.date(2024, 12, 31), 80],
            [MARRIAGE_CODE, "01/01/2024", "31/12/2024", 150.0],
            [None, None, None, None],  # a blank row is skipped
        ],
        header=["Procedure", "From", "To", "Count", "Notes"],
    )
    result = transaction_counts_import(unit=world.commune, filename="Counts.XLSX", data=data)
    assert result.created == 2
    assert stored() == [
        (world.commune.pk, MARRIAGE, YEAR.start, YEAR.end, 150),
        (world.commune.pk, BIRTH, YEAR.start, YEAR.end, 80),
    ]


GOOD = [BIRTH_CODE, "01/01/2024", "31/12/2024", "120"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([GOOD, [MARRIAGE, "31/02/2024", "31/12/2024", "5"]], "Row 3, column B (“Từ ngày”)"),
        ([GOOD, [MARRIAGE, "01/01/2024", "31/12/2024", "-5"]], "Row 3, column D (“Số hồ sơ”)"),
        ([GOOD, [MARRIAGE, "01/01/2024", "31/12/2024", "12.5"]], "Row 3, column D (“Số hồ sơ”)"),
        ([GOOD, [MARRIAGE, "01/01/2024", "31/12/2024", "nhiều"]], "Row 3, column D (“Số hồ sơ”)"),
        ([GOOD, ["9.999999", "01/01/2024", "31/12/2024", "5"]], "Row 3, column A (“Mã TTHC”)"),
        ([GOOD, [MARRIAGE, "31/12/2024", "01/01/2024", "5"]], "Row 3, column C (“Đến ngày”)"),
        ([GOOD, [MARRIAGE, "01/01/2024", "", "5"]], "Row 3, column C (“Đến ngày”)"),
        ([GOOD, [MARRIAGE, "01/01/1999", "31/12/1999", "5"]], "Row 3, column B (“Từ ngày”)"),
        ([GOOD, GOOD], "Row 3, column A (“Mã TTHC”): the same procedure and period as row 2"),
        ([GOOD, [BIRTH, "01/01/2024", "31/12/2024", "7"]], "the same procedure and period as row 2"),
    ],
)
def test_a_bad_row_names_its_row_and_column_and_nothing_is_imported(world, rows, expected):
    count(world.commune, 5, BIRTH)  # already stored: must stay as it was
    before = stored()
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename="counts.csv", data=csv_bytes(rows))
    assert any(expected in str(p) for p in rejected.value.problems), rejected.value.problems
    assert stored() == before


def test_every_bad_row_is_reported_at_once(world):
    rows = [[MARRIAGE, "x", "31/12/2024", "-1"], GOOD, ["nope", "01/01/2024", "31/12/2024", "1"]]
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename="counts.csv", data=csv_bytes(rows))
    assert [(p.row, p.column[0]) for p in rejected.value.problems] == [(2, "B"), (2, "D"), (4, "A")]
    assert not TransactionCount.objects.exists()


def test_a_bad_cell_in_an_xlsx_names_its_row_and_column(world):
    data = xlsx_bytes([[BIRTH, dt.date(2024, 1, 1), dt.date(2024, 12, 31), -3]])
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename="c.xlsx", data=data)
    assert str(rejected.value.problems[0]).startswith("Row 2, column D (“Số hồ sơ”)")
    assert not TransactionCount.objects.exists()


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("counts.pdf", b"%PDF-1.4", ".csv or .xlsx"),
        ("counts.xls", b"\xd0\xcf\x11\xe0 old excel", ".csv or .xlsx"),
        ("counts.xlsx", b"this is text, not a workbook", "not a real XLSX"),
        ("counts.xlsx", _zip({"hello.txt": b"hi"}), "not a real XLSX"),
        (
            "counts.xlsx",
            _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"garbage"}),
            "not a real XLSX",
        ),
        ("counts.csv", _zip({"a": b"b"}), "not a CSV"),
        ("counts.csv", "Mã TTHC,Từ ngày\n".encode("cp1258", errors="replace"), "UTF-8"),
        ("counts.csv", b"", "empty"),
        ("counts.csv", csv_bytes([GOOD], header=["Mã TTHC", "Từ ngày", "Số hồ sơ"]), "“Đến ngày”"),
        ("counts.csv", csv_bytes([GOOD], header=[*VI_HEADER, "count"]), "a second “Số hồ sơ” column"),
        ("counts.csv", csv_bytes([]), "no counts"),
        ("counts.csv", b"x" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
)
def test_a_file_that_is_not_a_counts_table_is_refused(world, filename, data, expected):
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename=filename, data=data)
    assert expected in str(rejected.value), rejected.value.problems
    assert not TransactionCount.objects.exists()


def test_more_than_ten_thousand_rows_are_refused(world):
    rows = [[BIRTH, "01/01/2024", "31/12/2024", "1"]] * (MAX_ROWS + 1)
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename="big.csv", data=csv_bytes(rows))
    problem = rejected.value.problems[0]
    assert problem.row == MAX_ROWS + 2
    assert "more than 10,000 rows" in str(problem)
    assert not TransactionCount.objects.exists()


def test_a_file_padded_with_blank_lines_is_refused_early(world):
    data = csv_bytes([GOOD]) + b",,,\n" * (MAX_LINES + 5)
    with pytest.raises(ImportRejected) as rejected:
        transaction_counts_import(unit=world.commune, filename="padded.csv", data=data)
    assert rejected.value.problems[0].row == MAX_LINES + 1
    assert not TransactionCount.objects.exists()


def test_the_import_page_reports_the_row_and_column_and_stores_nothing(world, commune_officer):
    client = client_for(commune_officer)
    url = unit_reverse(world.commune, "unit:quota_import")
    assert client.get(url).status_code == 200
    bad = csv_bytes([GOOD, [MARRIAGE, "31/02/2024", "31/12/2024", "5"]])
    response = client.post(url, {"file": SimpleUploadedFile("counts.csv", bad, "text/csv")})
    assert response.status_code == 400
    assert (
        "Row 3, column B (“Từ ngày”)" in response.content.decode() or "Từ ngày" in response.content.decode()
    )
    assert not TransactionCount.objects.exists()
    good = csv_bytes([GOOD])
    response = client.post(url, {"file": SimpleUploadedFile("counts.csv", good, "text/csv")})
    assert response.status_code == 302
    assert TransactionCount.objects.filter(unit=world.commune, procedure=BIRTH, count=120).exists()


def test_the_import_page_refuses_a_missing_file(world, commune_officer):
    response = client_for(commune_officer).post(unit_reverse(world.commune, "unit:quota_import"), {})
    assert response.status_code == 400
    assert not TransactionCount.objects.exists()


# --------------------------------------------------------------------------- the quota page


def test_the_quota_page_shows_n_the_quota_and_the_margin_of_error(world, commune_officer):
    count(world.commune, 80, BIRTH)
    responses(world.commune, dt.date(2024, 3, 1), 12, BIRTH)
    client = client_for(commune_officer)
    page = client.get(unit_reverse(world.commune, "unit:quotas"), {"from": "01/01/2024", "to": "31/12/2024"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Birth registration" in html
    # 12 of 80 answered: the quota (40) is far off, and the rate would be known to ±26.2 points
    assert f.margin_of_error(12, 80) == pytest.approx(0.2624, abs=1e-4)
    assert "± 26.2 %" in html
    assert "01/01/2024" in html


def test_the_district_page_lists_the_communes_below_quota(world, district_viewer):
    count(world.sibling, 50)
    responses(world.sibling, dt.date(2024, 5, 5), 5)
    page = client_for(district_viewer).get(
        unit_reverse(world.district, "unit:quotas"), {"from": "01/01/2024", "to": "31/12/2024"}
    )
    assert page.status_code == 200
    assert world.sibling.name in page.content.decode()


def test_a_bad_period_is_a_400_not_a_500(world, commune_officer):
    page = client_for(commune_officer).get(unit_reverse(world.commune, "unit:quotas"), {"from": "32/13/2024"})
    assert page.status_code == 400


def test_an_outsider_sees_no_quota(world, outsider):
    assert client_for(outsider).get(unit_reverse(world.commune, "unit:quotas")).status_code == 403


def test_the_admins_membership_is_what_counts(world):
    # a viewer of the commune sees the quotas but no link to change the policy
    viewer = User.objects.create_user(username="v@x.test", email="v@x.test", password="x")
    viewer.memberships.create(unit=world.commune, role=Role.VIEWER)
    page = client_for(viewer).get(unit_reverse(world.commune, "unit:quotas"))
    assert page.status_code == 200
    assert unit_reverse(world.commune, "unit:quota_policy") not in page.content.decode()
