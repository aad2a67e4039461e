"""Every console page as each persona reaches it by following links (issue 13, items 3 and 4).

- No dead ends: every link shown to a person works for that person (no 403, 404 or 5xx).
- No internal codes: the visible Vietnamese text of every page, and of the official PDF report, names
  elements, rules and questions in words, never by their codes (ACCESS, nam_dong_2024, seed 000 …).

The legacy province Lạng Sơn is onboarded for this module (as in the demo), so its PAR pages and the
breadcrumbs above a commune lead somewhere.
"""

import datetime as dt
import re

import pytest
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_rebuild
from analytics.publications.report import report_pdf
from analytics.publications.services import ADHOC, publication_create
from surveys.models import Response
from tenants.routing import unit_reverse
from tests.analytics.test_dashboards import answered, son_tay  # noqa: F401
from tests.analytics.test_par import _province_console  # noqa: F401
from tests.analytics.test_publications import LAST_MONTH, pdf_text
from tests.conftest import signed_in
from tests.crawl import crawl

pytestmark = pytest.mark.django_db

PERSONAS = ["commune_officer", "commune_admin", "district_viewer", "province_admin", "operator"]

# Pages of the questionnaire editor (issue 13 item 5, rebuilt apart) and the JSON editor kept for
# operators, whose text is the definition itself.
EDITOR_PAGES = re.compile(r"/questionnaires/\d+/edit/")

ELEMENT_CODES = ("ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK", "OVERALL")
INTERNAL = [
    re.compile(r"\b(" + "|".join(ELEMENT_CODES) + r")\b"),
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # snake_case keys: nam_dong_2024, hong_thai_quick, q_reasons
    re.compile(r"\bseed \d{3}\b", re.IGNORECASE),
]


def internal_codes(text: str) -> list[str]:
    return sorted({m.group(0) for pattern in INTERNAL for m in pattern.finditer(text)})


def test_the_code_finder_finds_codes_and_spares_words():
    assert internal_codes("Yếu tố ACCESS, quy tắc nam_dong_2024 (seed 004)") == [
        "ACCESS",
        "nam_dong_2024",
        "seed 004",
    ]
    assert internal_codes("Tiếp cận dịch vụ · 83,33 % · n = 12 · canbo@hongthai.test") == []


def _starts(world, persona: str) -> list[str]:
    starts = ["/console/", unit_reverse(world.commune, "unit:results")]
    if persona in ("district_viewer", "province_admin", "operator"):
        starts.append(unit_reverse(world.district, "unit:results"))
    if persona in ("province_admin", "operator"):
        starts.append(unit_reverse(world.province, "unit:par"))
    return starts


@pytest.mark.usefixtures("answered", "_province_console")
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_a_persona_is_shown_works_for_them(world, request, persona):
    result = crawl(signed_in(request.getfixturevalue(persona)), _starts(world, persona))
    assert len(result.visits) > 10
    assert result.broken() == []


@pytest.mark.usefixtures("answered", "_province_console")
@pytest.mark.parametrize("persona", ["commune_admin", "province_admin", "operator"])
def test_no_console_page_shows_an_internal_code(world, request, persona):
    result = crawl(signed_in(request.getfixturevalue(persona)), _starts(world, persona), limit=200)
    found = {
        visit.url: codes
        for visit in result.visits
        if visit.text and not EDITOR_PAGES.search(visit.url)
        for codes in [internal_codes(visit.text)]
        if codes
    }
    assert len([v for v in result.visits if v.text]) > 20
    assert found == {}


@pytest.mark.usefixtures("answered")
def test_the_official_report_shows_no_internal_code(world, tmp_path):
    # given last month's answers: the quick form's, and a Sơn Tây ballot that leaves FEEDBACK unanswered
    son_tay(world.commune, 5)
    with tenant_context(world.commune):
        Response.objects.update(answered_on=LAST_MONTH.start + dt.timedelta(days=9))
    facts_rebuild(units=[world.commune])
    publication = publication_create(unit=world.commune, kind=ADHOC, period=LAST_MONTH)
    # when the official PDF is made, then its text names every element in words
    text = pdf_text(report_pdf(publication), tmp_path)
    assert "BÁO CÁO" in text and "Tiếp nhận, xử lý góp ý" in text
    assert internal_codes(text) == []
