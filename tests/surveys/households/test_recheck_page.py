"""The re-check (phúc tra) page of a round: a subsample of the collected households drawn from a recorded
seed, the outcome of each re-check, the discrepancy rate per enumerator; for the round's managers only,
with every bad input refused whole."""

import random
import uuid

import pytest
from django.http import QueryDict

from surveys.households.models import HouseholdRound, Recheck, Slot, Village
from surveys.households.services import enumerator_assign, household_answer_submit, households_draw
from tenants.models import Role, User
from tests.conftest import signed_in
from tests.crawl import crawl
from tests.surveys.households.conftest import seed_round, seed_villages
from tests.test_console_crawl import internal_codes

pytestmark = pytest.mark.django_db


def _answers() -> QueryDict:
    data = QueryDict(mutable=True)
    for key in ("access", "procedure", "official", "result", "feedback"):
        data[f"q_assess_{key}"] = "agree"
    data["q_overall"] = "4"
    return data


@pytest.fixture
def collected(in_quang_tri, round_manager) -> HouseholdRound:
    """A round whose first two villages returned their two questionnaires each, from two enumerators."""
    survey_round = seed_round(in_quang_tri, round_manager, households_per_village=2, reserves_per_village=1)
    seed_villages(survey_round, households=4)
    households_draw(survey_round=survey_round, seed=8)
    villages = list(
        Village.objects.filter(round_commune__round=survey_round).order_by(
            "round_commune__commune__path", "position"
        )
    )
    for village, email in zip(
        villages[:2], ("buudien1@quangtri.test", "buudien2@quangtri.test"), strict=True
    ):
        enumerator = enumerator_assign(village=village, email=email)
        for slot in village.slots.filter(kind=Slot.Kind.MAIN):
            household_answer_submit(slot=slot, data=_answers(), submission_key=uuid.uuid4(), user=enumerator)
    return survey_round


def page(unit, survey_round) -> str:
    return f"/u/{unit.slug}/ho-gia-dinh/{survey_round.pk}/phuc-tra/"


def _collected_serials(survey_round) -> list[str]:
    return list(
        Slot.objects.filter(village__round_commune__round=survey_round, status=Slot.Status.COLLECTED)
        .order_by("serial")
        .values_list("serial", flat=True)
    )


def test_the_round_page_links_to_the_recheck(collected, round_manager, quang_tri):
    text = signed_in(round_manager).get(f"/u/{quang_tri.slug}/ho-gia-dinh/{collected.pk}/").content.decode()
    assert page(quang_tri, collected) in text and "Phúc tra" in text


def test_a_manager_draws_the_sample_records_each_recheck_and_reads_the_rates(
    collected, round_manager, quang_tri
):
    client = signed_in(round_manager)
    before = client.get(page(quang_tri, collected))
    assert before.status_code == 200
    assert "Chọn mẫu phúc tra" in before.content.decode()
    # when: 3 of the 4 collected households, seed 42
    assert (
        client.post(page(quang_tri, collected), {"action": "draw", "size": "3", "seed": "42"}).status_code
        == 302
    )
    # then: the seed is recorded, and the draw is the hand-made one: the collected slots by serial,
    # random.Random(42).sample of 3, in drawn order
    collected.refresh_from_db()
    assert collected.recheck_seed == 42 and collected.recheck_drawn_at is not None
    slots = dict(Slot.objects.filter(village__round_commune__round=collected).values_list("serial", "pk"))
    expected = random.Random(42).sample([slots[s] for s in _collected_serials(collected)], 3)  # noqa: S311
    drawn = list(Recheck.objects.order_by("draw_order"))
    assert [r.slot_id for r in drawn] == expected
    shown = client.get(page(quang_tri, collected)).content.decode()
    assert "42" in shown and "ngẫu nhiên đơn giản" in shown  # the seed beside the method
    for r in drawn:
        assert r.slot.serial in shown and r.slot.household.head_name in shown  # to find the household
    assert "Chọn mẫu phúc tra" not in shown  # drawn once
    # when: the first re-check finds answers that disagree, the others find all in order
    outcomes = [
        {
            "handed_out": "yes",
            "collected": "yes",
            "answers_match": "no",
            "note": "Hộ nói  đã chọn “rất  hài lòng”",
        },
        {"handed_out": "yes", "collected": "yes", "answers_match": "yes", "note": ""},
        {"handed_out": "yes", "collected": "yes", "answers_match": "unknown", "note": ""},
    ]
    for r, outcome in zip(drawn, outcomes, strict=True):
        posted = {"action": "record", "serial": r.slot.serial} | outcome
        assert client.post(page(quang_tri, collected), posted).status_code == 302
    # then
    stored = list(Recheck.objects.order_by("draw_order"))
    assert [(r.handed_out_confirmed, r.collected_confirmed, r.answers_match) for r in stored] == [
        (True, True, False),
        (True, True, True),
        (True, True, None),
    ]
    assert stored[0].discrepant and not stored[1].discrepant and not stored[2].discrepant
    assert stored[0].note == "Hộ nói đã chọn “rất hài lòng”" and stored[0].checked_by == round_manager
    first = stored[0].slot.village.enumerator.email
    per_enumerator = {r.slot.village.enumerator.email for r in stored}
    text = client.get(page(quang_tri, collected)).content.decode()
    assert "Tỷ lệ sai lệch theo điều tra viên" in text
    for email in per_enumerator:
        assert email in text
    checked_first = sum(1 for r in stored if r.slot.village.enumerator.email == first)
    assert f"{100 / checked_first:.1f}".replace(".", ",") + " %" in text  # that enumerator's rate
    assert "33,3 %" in text  # all enumerators: 1 of 3
    assert "q_overall" not in text.replace('name="q_', "")  # no answer on the page


def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_stored(collected, round_manager, quang_tri):
    client = signed_in(round_manager)
    url = page(quang_tri, collected)
    for bad, message in (
        ({"size": "0"}, "Từ 1 đến 4 hộ đã thu phiếu"),
        ({"size": "5"}, "Từ 1 đến 4 hộ đã thu phiếu"),
        ({"size": "ba"}, "không phải là số nguyên"),
        ({"size": "-2"}, "không phải là số nguyên"),
        ({"size": "1,5"}, "không phải là số nguyên"),
        ({"size": ""}, "Hãy nhập số hộ cần phúc tra"),
        ({"size": "2", "seed": "abc"}, "không phải là số nguyên"),
        ({"action": "nonsense", "size": "2"}, "Thao tác không hợp lệ"),
    ):
        response = client.post(url, {"action": "draw"} | bad)
        assert response.status_code == 400, bad
        assert message in response.content.decode(), (bad, message)
        assert not Recheck.objects.exists()
        collected.refresh_from_db()
        assert collected.recheck_seed is None and collected.recheck_drawn_at is None
    assert client.post(url, {"action": "draw", "size": "2", "seed": "7"}).status_code == 302
    again = client.post(url, {"action": "draw", "size": "1", "seed": "9"})
    assert again.status_code == 400 and "Đã chọn mẫu phúc tra" in again.content.decode()
    collected.refresh_from_db()
    assert collected.recheck_seed == 7 and Recheck.objects.count() == 2
    # re-check outcomes: a slot not drawn, a serial of no round, answers that are not yes or no
    drawn = {r.slot.serial for r in Recheck.objects.all()}
    not_drawn = next(s for s in _collected_serials(collected) if s not in drawn)
    serial = sorted(drawn)[0]
    good = {
        "action": "record",
        "serial": serial,
        "handed_out": "yes",
        "collected": "yes",
        "answers_match": "yes",
    }
    for bad, message in (
        ({"serial": not_drawn}, "không nằm trong mẫu phúc tra"),
        ({"serial": "0-00-00"}, "không nằm trong mẫu phúc tra"),
        ({"handed_out": "maybe"}, "Phiếu đã được phát chưa?"),
        ({"collected": ""}, "Phiếu đã được thu chưa?"),
        ({"answers_match": "1"}, "Các câu trả lời chính có khớp không?"),
        ({"note": "x" * 301}, "300"),
    ):
        response = client.post(url, good | bad)
        assert response.status_code == 400, bad
        assert message in response.content.decode(), (bad, message)
    assert not Recheck.objects.filter(checked_at__isnull=False).exists()


def test_nothing_to_recheck_before_any_questionnaire_is_collected(in_quang_tri, round_manager, quang_tri):
    survey_round = seed_round(in_quang_tri, round_manager, households_per_village=2, reserves_per_village=1)
    seed_villages(survey_round, households=4)
    households_draw(survey_round=survey_round, seed=8)
    response = signed_in(round_manager).post(page(quang_tri, survey_round), {"action": "draw", "size": "1"})
    assert response.status_code == 400
    assert "Chưa thu được phiếu nào" in response.content.decode()
    assert not Recheck.objects.exists()


def test_only_the_rounds_managers_use_the_recheck(collected, round_manager, quang_tri):
    enumerator = User.objects.get(email="buudien1@quangtri.test")
    viewer = User.objects.create_user(username="xem@quangtri.test", email="xem@quangtri.test", password="x")
    viewer.memberships.create(unit=quang_tri, role=Role.VIEWER)
    outsider = User.objects.create_user(username="o@o.test", email="o@o.test", password="x")
    for user in (enumerator, viewer, outsider):
        client = signed_in(user)
        assert client.get(page(quang_tri, collected)).status_code == 403
        assert client.post(page(quang_tri, collected), {"action": "draw", "size": "2"}).status_code == 403
    assert not Recheck.objects.exists()
    admin = User.objects.create_user(username="qt@quangtri.test", email="qt@quangtri.test", password="x")
    admin.memberships.create(unit=quang_tri, role=Role.ADMIN)
    assert signed_in(admin).get(page(quang_tri, collected)).status_code == 200


def test_the_managers_pages_of_a_round_show_no_internal_code(collected, round_manager, quang_tri):
    client = signed_in(round_manager)
    client.post(page(quang_tri, collected), {"action": "draw", "size": "2", "seed": "5"})
    drawn = Recheck.objects.order_by("draw_order").first()
    outcome = {"handed_out": "yes", "collected": "no", "answers_match": "unknown"}
    client.post(page(quang_tri, collected), {"action": "record", "serial": drawn.slot.serial} | outcome)
    base = f"/u/{quang_tri.slug}/ho-gia-dinh/"
    starts = [f"{base}{collected.pk}/{path}" for path in ("", "phuc-tra/", "ket-qua/", "nhap-phieu/")]
    result = crawl(client, starts, limit=len(starts))
    assert [v.status for v in result.visits] == [200] * len(starts)
    assert {v.url: internal_codes(v.text) for v in result.visits} == {url: [] for url in starts}
