"""CSV and XLSX exports of a unit's figures and of its children's ranking."""

import csv
import io
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from analytics.dashboards import exports
from analytics.dashboards.selectors import period_from_query
from analytics.facts.services import facts_refresh
from analytics.figures.selectors import unit_figures
from analytics.methodology import formulas as f
from tenants.routing import unit_reverse
from tests.analytics.test_dashboards import SECRET_TEXT, STAFF_NAME, answer, son_tay, staff_link
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

HEADER = ["chỉ tiêu", "giá trị (%)", "cận dưới", "cận trên", "n", "kỳ", "phương pháp", "ghi chú"]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def row_of(rows: list[list], label: str) -> list:
    matches = [r for r in rows if r[0] == label]
    assert len(matches) == 1, (label, [r[0] for r in rows])
    return matches[0]


@pytest.fixture
def answered(world):
    link = staff_link(world.commune)
    for level in (3, 3, 2):
        answer(world.commune, level, link=link)
    answer(world.commune, 1, reasons=["official_attitude"], comment=SECRET_TEXT, link=link)
    for level in (5, 4, 2):
        son_tay(world.commune, level)
    answer(world.sibling, 3, comment=SECRET_TEXT)
    facts_refresh()
    return world


def test_the_results_csv_has_a_bom_vietnamese_headers_and_the_unit_figures(answered, commune_officer):
    response = signed_in(commune_officer).get(unit_reverse(answered.commune, "unit:results_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response.content)
    assert rows[0] == HEADER
    period = period_from_query(start=None, end=None)
    figures = unit_figures(unit=answered.commune, period=period)
    overall = row_of(rows, "Hài lòng chung")
    # 3 of 4 Hồng Thái answers satisfied and 2 of 3 Sơn Tây overall answers
    assert figures.overall.value == Fraction(5, 7)
    assert overall[1] == str(f.display_percent(figures.overall.value)) == "71.43"
    low, high = figures.overall.interval
    assert overall[2] == str(f.display_percent(Fraction(low)))
    assert overall[3] == str(f.display_percent(Fraction(high)))
    assert overall[4] == "7"
    assert overall[5] == str(period)
    assert "Wilson" in overall[6]
    assert overall[7] == "quá ít câu trả lời (n < 30)"
    index = row_of(rows, "Chỉ số SIPAS")
    assert index[1] == str(f.display_percent(figures.index.value))
    assert index[2] == index[3] == ""  # no interval for the mean of elements
    access = row_of(rows, "Yếu tố: Tiếp cận dịch vụ")
    assert access[4] == str(figures.elements["ACCESS"].n) == "6"
    labels = [r[0] for r in rows]
    assert any(label.startswith("Câu hỏi: ") for label in labels)
    assert any(label.startswith("Theo thủ tục hành chính: Đăng ký khai sinh") for label in labels)
    assert f"Theo cán bộ, công chức: {STAFF_NAME}" in labels
    assert any(label.startswith("Theo kênh: ") for label in labels)


def test_the_results_xlsx_holds_the_same_figures_as_numbers(answered, commune_officer):
    client = signed_in(commune_officer)
    response = client.get(unit_reverse(answered.commune, "unit:results_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    overall = row_of(rows, "Hài lòng chung")
    assert overall[1] == pytest.approx(71.43)
    assert overall[4] == 7
    csv_overall = row_of(
        csv_rows(client.get(unit_reverse(answered.commune, "unit:results_csv")).content), "Hài lòng chung"
    )
    assert f"{overall[1]:.2f}" == csv_overall[1]


def test_exports_never_contain_free_text(answered, district_viewer):
    client = signed_in(district_viewer)
    for unit in (answered.commune, answered.district):
        for name in ("unit:results_csv", "unit:results_xlsx"):
            content = client.get(unit_reverse(unit, name)).content
            assert SECRET_TEXT.encode() not in content


def test_the_ranking_csv_lists_both_communes_small_ones_unranked(answered, district_viewer):
    response = signed_in(district_viewer).get(unit_reverse(answered.district, "unit:ranking_csv"))
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert rows[0][:4] == ["hạng", "đơn vị", "mã đơn vị", "giá trị (%)"]
    by_unit = {r[1]: r for r in rows[1:]}
    assert answered.commune.name in by_unit
    assert answered.sibling.name in by_unit
    commune = by_unit[answered.commune.name]
    assert commune[0] == ""  # 7 answers: too few to be ranked
    assert commune[2] == answered.commune.code
    assert commune[3] == "71.43"
    assert commune[6] == "7"
    assert commune[9].startswith("quá ít câu trả lời")
    # every commune of the district is listed, with or without answers
    assert len(rows) - 1 == answered.district.children.count()


def test_the_ranking_xlsx_opens(answered, district_viewer):
    response = signed_in(district_viewer).get(unit_reverse(answered.district, "unit:ranking_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Xếp hạng"
    assert sheet.cell(row=1, column=1).value == "hạng"


def test_a_commune_has_no_ranking_to_export(world, commune_officer):
    for name in ("unit:ranking_csv", "unit:ranking_xlsx"):
        response = signed_in(commune_officer).get(unit_reverse(world.commune, name))
        assert response.status_code == 404
        assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize("name", ["unit:results_csv", "unit:results_xlsx", "unit:ranking_csv"])
def test_a_bad_period_is_a_400_page_not_a_file(world, district_viewer, name):
    response = signed_in(district_viewer).get(
        unit_reverse(world.district, name),
        {"from": "31/12/2025", "to": "01/01/2025"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert "starts after it ends" in response.text


def test_a_name_typed_as_a_formula_stays_text(world, commune_officer):
    link = staff_link(world.commune, name='=HYPERLINK("http://evil","x")')
    answer(world.commune, 3, link=link)
    facts_refresh()
    client = signed_in(commune_officer)
    rows = csv_rows(client.get(unit_reverse(world.commune, "unit:results_csv")).content)
    staff_rows = [r for r in rows if r[0].startswith("Theo cán bộ")]
    assert staff_rows
    assert all(not r[0].startswith("=") for r in rows)
    sheet = load_workbook(
        io.BytesIO(client.get(unit_reverse(world.commune, "unit:results_xlsx")).content)
    ).active
    cells = [
        c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_a_csv_cell_starting_like_a_formula_is_quoted():
    table = exports.Table("t", ["a", "b"], [["=1+1", "-2"], ["+x", "@y"], ["plain", None]])
    rows = csv_rows(exports.csv_bytes(table))
    assert rows[1] == ["'=1+1", "'-2"]
    assert rows[2] == ["'+x", "'@y"]
    assert rows[3] == ["plain", ""]
