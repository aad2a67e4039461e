"""The household round's results as an input of the province's PAR contribution: a rule set of the
province may score the household satisfaction index (design-weighted overall satisfaction of the
households in the unit's villages, from the province's rounds of the year)."""

import uuid
from fractions import Fraction

import pytest

from analytics.methodology.policy import policy_update
from analytics.par.rules import par_rule_set_create, rule_summary
from analytics.par.services import fraction_from, par_contribution_compute
from surveys.households.models import Slot, Village
from surveys.households.services import household_answer_submit
from tenants.models import Level, Role, Structure, Unit, User
from tests.conftest import TODAY, signed_in
from tests.crawl import page_parse
from tests.surveys.households.conftest import SEED_COMMUNES, overall_answers
from tests.test_console_crawl import internal_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(drawn, villages, round_manager, quang_tri):
    """The first commune's two villages answer: the first counts 40 households (its two respondents weigh
    20 each: one satisfied, one not), the second 4 (two satisfied, weighing 2 each)."""
    Village.objects.filter(pk=villages[0].pk).update(household_count=40)
    for village, overall in ((villages[0], ("5", "2")), (villages[1], ("4", "4"))):
        slots = village.slots.filter(kind=Slot.Kind.MAIN).order_by("draw_order")
        for slot, value in zip(slots, overall, strict=True):
            household_answer_submit(
                slot=slot, data=overall_answers(value), submission_key=uuid.uuid4(), user=round_manager
            )
    policy_update(unit=quang_tri, minimum_n=2)
    return villages[0].round_commune.commune


def household_rule(province):
    return par_rule_set_create(
        owner=province,
        name="Bộ tiêu chí CCHC",
        kind="linear",
        params={"maximum": "6", "threshold": "0.9", "figure": "household"},
        year_from=TODAY.year,
    )


def test_a_rule_set_scores_the_household_satisfaction_index(answered, quang_tri):
    rule = household_rule(quang_tri)
    assert rule_summary(rule).startswith("chỉ số hài lòng của hộ gia đình")
    row = par_contribution_compute(unit=answered, year=TODAY.year, scope="ytd")
    # by hand: (20 + 2 + 2) / (20 + 20 + 2 + 2) = 6/11, linear to 90 %: 6 × (6/11) / (9/10) = 40/11
    assert row.inputs["figure"] == "household"
    assert fraction_from(row.inputs["rate"]) == Fraction(6, 11)
    assert row.inputs["n"] == 4
    assert row.inputs["method"]["code"] == "weighted_clustered_taylor"
    low, high = row.inputs["interval"]  # one stratum, two villages: one degree of freedom
    assert low < 6 / 11 < high
    assert fraction_from(row.inputs["points"]) == Fraction(40, 11)
    # the index is part of what the contribution read, so a new answer makes it stale
    assert row.inputs["sources"]["household"] == [4, "6/11", 2]
    # the province's page of the contribution names the input and its method
    admin = User.objects.create_user(username="qt@quangtri.test", email="qt@quangtri.test", password="x")
    admin.memberships.create(unit=quang_tri, role=Role.ADMIN)
    detail = signed_in(admin).get(f"/u/{quang_tri.slug}/par/{TODAY.year}/units/{answered.pk}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Có trọng số, khoảng tin cậy theo cụm thôn" in text and "54,55" in text  # 6/11
    assert "chỉ số hài lòng của hộ gia đình" in text
    assert internal_codes(page_parse(text)[1]) == []


def test_units_without_household_answers_are_not_applicable(answered, quang_tri, villages):
    household_rule(quang_tri)
    # a commune of the round whose villages have not answered, and one outside the round
    quiet = villages[2].round_commune.commune
    outside = (
        Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE, path__startswith=quang_tri.path)
        .exclude(code__in=SEED_COMMUNES)
        .first()
    )
    for unit in (quiet, outside):
        row = par_contribution_compute(unit=unit, year=TODAY.year, scope="ytd")
        assert row.points is None and row.inputs["not_applicable"] == {"code": "no_answers"}
    # last year's contribution does not read this year's round
    row = par_contribution_compute(unit=answered, year=TODAY.year - 1, scope="year")
    assert row.points is None and row.inputs["not_applicable"] == {"code": "no_answers"}


def test_too_few_household_answers_are_not_applicable(answered, quang_tri):
    household_rule(quang_tri)
    policy_update(unit=quang_tri, minimum_n=30)
    row = par_contribution_compute(unit=answered, year=TODAY.year, scope="ytd")
    assert row.points is None
    assert row.inputs["not_applicable"] == {"code": "too_few", "n": 4, "minimum": 30}


def test_the_provinces_rule_editor_offers_the_household_index(quang_tri):
    admin = User.objects.create_user(username="qt@quangtri.test", email="qt@quangtri.test", password="x")
    admin.memberships.create(unit=quang_tri, role=Role.ADMIN)
    client = signed_in(admin)
    new = f"/u/{quang_tri.slug}/par/rules/new/?kind=linear"
    page = client.get(new)
    assert page.status_code == 200 and 'value="household"' in page.content.decode()
    assert "Chỉ số hài lòng của hộ gia đình" in page.content.decode()
    data = {
        "name": "Bộ tiêu chí CCHC",
        "year_from": str(TODAY.year),
        "quota_condition": "none",
        "figure": "household",
        "maximum": "6",
        "threshold": "90",
    }
    assert client.post(new, data).status_code == 302
    bad = client.post(new, data | {"name": "Khác", "figure": "households"})
    assert bad.status_code == 400
