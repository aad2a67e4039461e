"""Below the minimum n no figure reaches the public (issue 13, item 2): the public page, the desk
board, the official report and the rankings say "chưa đủ ý kiến (n = …)" instead of a rate, the units
above included; the console still shows the figure greyed with its warning."""

import re

import pytest
from django.test import Client

from analytics.facts.services import facts_refresh
from analytics.methodology.policy import policy_update
from analytics.publications.report import report_build
from analytics.publications.services import ADHOC, publication_create
from tenants.routing import unit_reverse
from tests.analytics.test_dashboards import answered  # noqa: F401
from tests.analytics.test_publications import DAY, LAST_MONTH, ballot
from tests.conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("answered")]

# A percentage as the pages print one: "75,00&nbsp;%" or "75,00 %".
PERCENT = re.compile(r"\d+,\d+(?:&nbsp;|\s)%")


def test_the_public_page_of_a_unit_and_of_its_district_shows_no_rate_below_the_minimum(world):
    commune = Client().get(f"/ket-qua/{world.commune.slug}/").text
    district = Client().get(f"/ket-qua/{world.district.slug}/").text
    assert "chưa đủ ý kiến (n = 4)" in commune
    assert "chưa đủ ý kiến (n = 6)" in district  # 4 + 2 answers pooled: still below 30
    for page in (commune, district):
        assert not PERCENT.search(page)
        assert "không có câu hỏi nào về các yếu tố SIPAS" in page  # the quick form asks none


def test_the_desk_board_shows_no_rate_below_the_minimum(world):
    board = Client().get(f"/ket-qua/{world.commune.slug}/bang/").text
    assert "chưa đủ ý kiến (n = 4)" in board
    assert not PERCENT.search(board)


def test_with_enough_answers_the_public_page_shows_the_rate(world):
    policy_update(unit=world.commune, minimum_n=4)
    page = Client().get(f"/ket-qua/{world.commune.slug}/").text
    assert "75,00&nbsp;%" in page  # 3 of 4 satisfied
    assert "chưa đủ ý kiến (n = 4)" not in page


def test_a_ranking_names_no_rate_for_a_unit_below_the_minimum(world, district_viewer):
    page = signed_in(district_viewer).get(unit_reverse(world.district, "unit:results")).text
    ranking = page[page.index('id="ranking"') :]
    ranking = ranking[: ranking.index("</section>")]
    assert "chưa đủ ý kiến (n = 4)" in ranking and "chưa đủ ý kiến (n = 2)" in ranking
    assert not PERCENT.search(ranking)


def test_the_console_greys_the_figure_and_says_the_quick_form_asks_no_element(world, commune_officer):
    page = signed_in(commune_officer).get(unit_reverse(world.commune, "unit:results")).text
    assert "75,00&nbsp;%" in page and "is-few" in page  # the officer still sees it, greyed
    assert "không có câu hỏi nào về các yếu tố SIPAS" in page
    assert "không có câu trả lời" not in page[page.index("Chỉ số SIPAS") :][:600]


def test_the_official_report_says_too_few_instead_of_a_rate(world):
    for level in (3, 3, 2):
        ballot(world.commune, DAY, level)
    ballot(world.commune, DAY, 1, reasons=["official_attitude"])
    facts_refresh()
    publication = publication_create(unit=world.commune, kind=ADHOC, period=LAST_MONTH)
    report = report_build(publication, language="vi")
    assert "chưa đủ ý kiến (n = 4)" in report.p["overall_line"]
    assert "%" not in report.p["overall_line"].split("(n = 4)")[0]
    assert report.overall.percent == "chưa đủ ý kiến" and report.overall.interval == ""
    assert "không có câu hỏi về các yếu tố" in report.p["index_line"]
