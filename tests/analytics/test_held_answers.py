"""Ballot stuffing cannot move an official figure: flagged answers are held out of every figure (dashboard,
ranking, API) until someone of the unit accepts them, and the held count is shown beside the figure;
voided paper ballots leave the figures too.

The audit found 611 answers from one address moving a commune's 12-month rate from 87.0 % to 94.7 %;
here 40 from one address, through the citizen form, against 20 genuine ones.
"""

import uuid

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_refresh
from api.services import api_client_create
from surveys.models import Campaign, Response
from surveys.paper import paper_ballot_enter, paper_batch_open
from surveys.services import client_hash, response_submit
from tenants.models import AuditEvent
from tenants.routing import public_reverse, unit_reverse
from tests.api.conftest import Api
from tests.conftest import post
from tests.surveys.test_citizen_form import first_procedure, make_link, open_form, qr_url, send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

STUFFER = "203.0.113.9"
GENUINE = (3,) * 17 + (1,) * 3  # 17 very satisfied, 3 dissatisfied: 85 %
STUFFED = 40


def answer(client: Client, link, procedure, satisfaction: int, address: str) -> None:
    """One Hồng Thái quick-form answer through the printed code (3 = very satisfied … 1 = dissatisfied)."""
    url = qr_url(link.code)
    _page, token = open_form(client, url)
    fields = {"q_procedure": procedure.pk, "q_satisfaction": str(satisfaction)}
    if satisfaction == 1:
        fields["q_reasons"] = ["official_attitude"]
    assert send(client, url, fields, token, REMOTE_ADDR=address).status_code == 303


@pytest.fixture
def stuffed(world):
    """20 genuine answers from 20 phones, then 40 "very satisfied" from one address; facts folded."""
    link = make_link(world.commune, "hong_thai_quick")
    procedure = first_procedure(world.commune)
    client = Client()
    for i, satisfaction in enumerate(GENUINE):
        answer(client, link, procedure, satisfaction, f"198.51.100.{i + 1}")
    for _ in range(STUFFED):
        answer(client, link, procedure, 3, STUFFER)
    facts_refresh()
    return world


@pytest.fixture
def few_held(world):
    """Four identical answers from one address, stored by the service: the last three are held."""
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        procedure = first_procedure(world.commune)
        for _ in range(4):
            response_submit(
                campaign=campaign,
                version_id=campaign.version_id,
                data=post(q_procedure=procedure.pk, q_satisfaction=3),
                submission_key=uuid.uuid4(),
                channel="qr",
                client=client_hash(STUFFER),
            )
        assert Response.objects.filter(review="held").count() == 3
    return world


def figures(api: Api, unit) -> dict:
    response = api.get(f"/api/v1/units/{unit.structure}/{unit.code}/figures/")
    assert response.status_code == 200, response.content
    return response.json()


def ranking_row(api: Api, parent, unit) -> dict:
    response = api.get(f"/api/v1/units/{parent.structure}/{parent.code}/ranking/")
    assert response.status_code == 200, response.content
    return next(row for row in response.json() if row["unit"]["code"] == unit.code)


@pytest.fixture
def api(world, operator) -> Api:
    _client, key = api_client_create(
        creator=operator, unit=world.province, name="portal", scopes=["read:figures"]
    )
    return Api(key)


def test_stuffed_answers_are_held_out_of_the_api_dashboard_and_ranking(stuffed, api, commune_officer):
    world = stuffed
    # The first answer from the stuffer's address looks like anyone's; every later one is flagged.
    counted_rate = round(18 / 21, 6)
    data = figures(api, world.commune)
    assert data["overall"]["value"] == counted_rate
    assert data["overall"]["n"] == 21
    assert data["responses"] == 21
    assert data["held_for_review"] == STUFFED - 1
    assert ranking_row(api, world.district, world.commune)["overall"]["value"] == counted_rate
    # the district pools the commune's counted answers only, and says how many are held below it
    district = figures(api, world.district)
    assert (district["overall"]["n"], district["held_for_review"]) == (21, STUFFED - 1)
    # the dashboard shows the same rate, with the held answers beside it and a way to review them
    client = Client()
    client.force_login(commune_officer)
    page = client.get(unit_reverse(world.commune, "unit:results"))
    assert page.status_code == 200
    assert page.context["d"].overall.n == 21
    assert "39 answers held for review, not counted" in page.text
    assert unit_reverse(world.commune, "unit:review") in page.text


def test_rejecting_held_answers_keeps_the_figure_and_the_record(stuffed, api, commune_officer):
    world = stuffed
    before = figures(api, world.commune)["overall"]
    client = Client()
    client.force_login(commune_officer)
    queue = client.get(unit_reverse(world.commune, "unit:review"))
    assert queue.status_code == 200
    summary = queue.context["summary"]
    # counts per flag: every later answer repeats the earlier ones; from the 21st the address bursts
    assert summary.held == STUFFED - 1
    assert dict((flag, n) for flag, _label, n in summary.by_flag) == {"duplicate": 39, "burst": 20}
    assert "Many answers from one address or device" in queue.text
    # reject every held answer at once, with a reason
    answer_ = client.post(
        unit_reverse(world.commune, "unit:review"),
        {"scope": "all", "decision": "reject", "reason": "40 phiếu từ một máy trong 2 phút"},
    )
    assert answer_.status_code == 302
    assert "39 answers rejected" in client.get(answer_["Location"]).text
    facts_refresh()
    after = figures(api, world.commune)
    assert after["overall"] == before and after["held_for_review"] == 0
    with tenant_context(world.commune):
        assert Response.objects.filter(review="rejected").count() == STUFFED - 1
        assert Response.objects.count() == len(GENUINE) + STUFFED  # kept, not deleted
    event = AuditEvent.objects.get(action="responses_reject")
    assert (event.actor, event.unit, event.reason) == (
        commune_officer,
        world.commune,
        "40 phiếu từ một máy trong 2 phút",
    )
    assert event.details["count"] == STUFFED - 1


def test_accepting_held_answers_counts_them_from_the_next_refresh(stuffed, api, commune_officer):
    world = stuffed
    with tenant_context(world.commune):
        chosen = [str(r.public_id) for r in Response.objects.filter(review="held").order_by("pk")[:9]]
    client = Client()
    client.force_login(commune_officer)
    answer_ = client.post(
        unit_reverse(world.commune, "unit:review"),
        {"ids": chosen, "scope": "selected", "decision": "accept", "reason": "Khách đoàn, đã kiểm tra"},
    )
    assert answer_.status_code == 302
    facts_refresh()
    data = figures(api, world.commune)
    assert data["overall"]["n"] == 30
    assert data["overall"]["value"] == round(27 / 30, 6)
    assert data["held_for_review"] == STUFFED - 1 - 9


def test_an_officer_holds_a_counted_answer_from_its_page(few_held, api, commune_officer):
    world = few_held
    facts_refresh()
    assert figures(api, world.commune)["overall"]["n"] == 1
    with tenant_context(world.commune):
        counted = Response.objects.get(review="")
    client = Client()
    client.force_login(commune_officer)
    page = client.get(unit_reverse(world.commune, "unit:response", counted.public_id))
    assert 'value="hold"' in page.text and 'value="accept"' not in page.text
    held = client.post(
        unit_reverse(world.commune, "unit:review"),
        {
            "ids": str(counted.public_id),
            "next": "detail",
            "decision": "hold",
            "reason": "Cùng máy với 3 phiếu kia",
        },
    )
    assert held.status_code == 302
    facts_refresh()
    data = figures(api, world.commune)
    assert (data["overall"]["n"], data["held_for_review"]) == (0, 4)
    event = AuditEvent.objects.get(action="responses_hold")
    assert (event.actor, event.details["count"], event.reason) == (
        commune_officer,
        1,
        "Cùng máy với 3 phiếu kia",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decision": "accept", "reason": "ok"}, "Tick the answers"),
        ({"decision": "accept", "scope": "all", "reason": " "}, "Say why"),
        ({"decision": "accept", "scope": "all", "reason": "x" * 301}, "under 300"),
        ({"decision": "delete", "scope": "all", "reason": "x"}, "not in the list"),
        ({"decision": "accept", "scope": "everything", "reason": "x"}, "not in the list"),
        ({"decision": "accept", "ids": "not-a-uuid", "reason": "x"}, "damaged"),
        ({"decision": "accept", "scope": "all", "flag": "honeypot2", "reason": "x"}, "not in the list"),
        ({"decision": "accept", "scope": "all", "date_from": "31/02/2026", "reason": "x"}, "dd/mm/yyyy"),
    ],
)
def test_a_bad_decision_is_a_clear_400_and_changes_nothing(few_held, commune_officer, fields, message):
    client = Client()
    client.force_login(commune_officer)
    answer_ = client.post(unit_reverse(few_held.commune, "unit:review"), fields)
    assert answer_.status_code == 400
    assert message in answer_.text
    with tenant_context(few_held.commune):
        assert Response.objects.filter(review="held").count() == 3
    assert not AuditEvent.objects.filter(action__startswith="responses_").exists()


@pytest.mark.parametrize("persona", ["district_viewer", "province_admin", "sibling_officer", "outsider"])
def test_only_the_units_own_staff_see_and_decide_on_held_answers(request, few_held, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    address = unit_reverse(few_held.commune, "unit:review")
    assert client.get(address).status_code == 403
    assert client.post(address, {"scope": "all", "decision": "accept", "reason": "x"}).status_code == 403
    with tenant_context(few_held.commune):
        assert Response.objects.filter(review="held").count() == 3


def test_the_public_page_counts_no_held_answer(stuffed):
    page = Client().get(public_reverse("public_results", stuffed.commune.slug))
    assert page.status_code == 200
    assert page.context["responses"] == 21


def test_a_voided_paper_ballot_leaves_the_figures_but_stays_stored(world, api, commune_officer):
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        today = timezone.localdate()
        batch = paper_batch_open(
            campaign=campaign,
            desk=None,
            box_label="Hòm phiếu quầy 1",
            collected_from=today,
            collected_to=today,
            declared_count=2,
            opened_by=commune_officer,
        )
        procedure = first_procedure(world.commune)
        ballots = [
            paper_ballot_enter(
                batch=batch,
                data=post(q_procedure=procedure.pk, q_satisfaction=level, **reasons),
                submission_key=uuid.uuid4(),
                entered_by=commune_officer,
            )[0]
            for level, reasons in ((3, {}), (1, {"q_reasons": ["official_attitude"]}))
        ]
    facts_refresh()
    assert figures(api, world.commune)["overall"]["n"] == 2
    client = Client()
    client.force_login(commune_officer)
    voided = client.post(
        unit_reverse(world.commune, "unit:paper_void", batch.pk, ballots[1].public_id),
        {"reason": "Nhập nhầm"},
    )
    assert voided.status_code == 302
    facts_refresh()
    data = figures(api, world.commune)
    assert (data["overall"]["n"], data["overall"]["value"], data["held_for_review"]) == (1, 1.0, 0)
    with tenant_context(world.commune):
        assert Response.objects.filter(paper_batch=batch).count() == 2
