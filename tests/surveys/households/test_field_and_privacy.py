"""Field work progress, the re-check, design-weighted figures and the erasure of household names."""

import datetime as dt
import uuid
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from analytics.figures.households import household_round_figures
from surveys.households.models import Household, Slot, Village
from surveys.households.selectors import enumerator_slots, recheck_rates, round_progress, slot_for_enumerator
from surveys.households.services import (
    enumerator_assign,
    household_answer_submit,
    household_round_close,
    households_draw,
    recheck_draw,
    recheck_record,
    slot_record,
)
from surveys.households.tasks import unit_household_erasure
from surveys.models import Answer, Response
from tenants.models import AuditAction, AuditEvent
from tests.surveys.households.conftest import COLLECT, HANDOUT, overall_answers, seed_round, seed_villages

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(in_quang_tri, round_manager):
    survey_round = seed_round(in_quang_tri, round_manager, households_per_village=3, reserves_per_village=2)
    seed_villages(survey_round, households=10)
    households_draw(survey_round=survey_round, seed=3)
    return survey_round


def _villages(survey_round) -> list[Village]:
    return list(
        Village.objects.filter(round_commune__round=survey_round).order_by(
            "round_commune__commune__path", "position"
        )
    )


def test_progress_per_village_commune_and_enumerator_with_late_villages(drawn):
    first, second = _villages(drawn)[:2]
    enumerator_assign(village=first, email="buudien1@quangtri.test")
    enumerator_assign(village=second, email="buudien1@quangtri.test")
    a, b, c = first.slots.filter(kind="main").order_by("draw_order")
    slot_record(slot=a, status=Slot.Status.HANDED_OUT, day=HANDOUT[0])
    slot_record(slot=a, status=Slot.Status.COLLECTED, day=COLLECT[0])
    slot_record(slot=b, status=Slot.Status.REFUSED, day=HANDOUT[0])
    slot_record(slot=c, status=Slot.Status.HANDED_OUT, day=HANDOUT[0])
    # when: read the day after the collection days
    progress = round_progress(survey_round=drawn, today=COLLECT[1] + dt.timedelta(days=1))
    # then
    village = progress["villages"][0]
    assert (village.target, village.collected, village.refused, village.handed_out, village.pending) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert village.reserves_used == 1 and village.reserves_left == 1  # the refusal brought in reserve 1
    assert village.response_rate == Fraction(1, 3)
    assert village.late  # a questionnaire still out, a household still to hand out
    assert progress["villages"][1].late  # nothing handed out at all
    assert progress["communes"][0].villages == [first.name, second.name]
    assert len(progress["communes"]) == 9  # two of them are called Phường 2
    by_enumerator = {p.label: p for p in progress["enumerators"]}
    assert by_enumerator["buudien1@quangtri.test"].target == 6
    assert progress["total"].target == 18 * 3


def test_an_enumerator_sees_only_the_households_of_their_villages_in_that_round(
    drawn, in_quang_tri, round_manager
):
    first, second = _villages(drawn)[:2]
    enumerator = enumerator_assign(village=first, email="buudien1@quangtri.test")
    enumerator_assign(village=second, email="buudien2@quangtri.test")
    other_round = seed_round(in_quang_tri, round_manager, name="Vòng khác", households_per_village=2)
    seed_villages(other_round, households=5)
    households_draw(survey_round=other_round, seed=4)
    enumerator_assign(village=_villages(other_round)[0], email="buudien1@quangtri.test")
    # when
    visible = list(enumerator_slots(user=enumerator, survey_round=drawn))
    # then: their village's slots in use, nothing of the other village or of the other round
    assert {s.village_id for s in visible} == {first.pk}
    assert len(visible) == 3
    other_village_serial = second.slots.first().serial
    assert slot_for_enumerator(user=enumerator, serial=other_village_serial) is None
    assert slot_for_enumerator(user=enumerator, serial=visible[0].serial) is not None


def test_recheck_is_drawn_from_its_seed_and_gives_discrepancy_rates(drawn, round_manager):
    enumerator_assign(village=_villages(drawn)[0], email="buudien1@quangtri.test")
    slots = list(Slot.objects.filter(village__round_commune__round=drawn, kind="main").order_by("serial")[:6])
    for slot in slots:
        household_answer_submit(
            slot=slot, data=overall_answers("5"), submission_key=uuid.uuid4(), user=round_manager
        )
    rechecks = recheck_draw(survey_round=drawn, size=4, seed=77)
    assert [r.slot_id for r in rechecks] == [
        s.pk for s in __import__("random").Random(77).sample(sorted(slots, key=lambda s: s.serial), 4)
    ]
    with pytest.raises(ValidationError):
        recheck_draw(survey_round=drawn, size=2, seed=1)
    for i, r in enumerate(rechecks):
        recheck_record(
            recheck=r, handed_out=True, collected=i != 0, answers_match=True, note="", user=round_manager
        )
    rates = {r.enumerator: r for r in recheck_rates(survey_round=drawn)}
    assert sum(r.checked for r in rates.values()) == 4
    assert sum(r.discrepant for r in rates.values()) == 1


def test_weighted_figures_stand_beside_the_unweighted_ones(drawn, round_manager):
    # every village answers: 2 satisfied of 3 in the first village, all satisfied elsewhere
    for village in _villages(drawn):
        for i, slot in enumerate(village.slots.filter(kind="main").order_by("draw_order")):
            overall = "2" if village == _villages(drawn)[0] and i == 0 else "5"
            household_answer_submit(
                slot=slot, data=overall_answers(overall), submission_key=uuid.uuid4(), user=round_manager
            )
    figures = household_round_figures(survey_round=drawn)
    overall = next(f for f in figures["figures"] if f.question_key == "overall")
    # equal villages and equal respondents: equal weights, so the weighted rate is the unweighted one
    assert overall.result.rate == overall.result.unweighted == Fraction(53, 54)
    assert (
        overall.result.psus == 18 and overall.result.strata == 3 and overall.result.degrees_of_freedom == 15
    )
    assert overall.result.low < overall.result.rate < overall.result.high <= 1
    assert figures["response_rate"] == 1


def test_erasure_after_closing_blanks_names_and_keeps_answers_and_figures(drawn, round_manager, quang_tri):
    for slot in Slot.objects.filter(village__round_commune__round=drawn, kind="main").order_by("serial")[:9]:
        household_answer_submit(
            slot=slot, data=overall_answers("4"), submission_key=uuid.uuid4(), user=round_manager
        )
    before = household_round_figures(survey_round=drawn)
    answers_before = Answer.objects.filter(response__campaign=drawn.campaign).count()
    # not yet: the round is open, then closed but not long enough
    assert unit_household_erasure.apply(args=(quang_tri.pk,)).get() == {"rounds": 0, "households": 0}
    household_round_close(survey_round=drawn)
    assert unit_household_erasure.apply(args=(quang_tri.pk,)).get() == {"rounds": 0, "households": 0}
    # when: the erasure day has come
    drawn.closed_at = timezone.now() - dt.timedelta(days=drawn.erase_after_days)
    drawn.save(update_fields=["closed_at"])
    result = unit_household_erasure.apply(args=(quang_tri.pk,)).get()
    # then
    assert result == {"rounds": 1, "households": 18 * 10}
    assert not Household.objects.filter(village__round_commune__round=drawn).exclude(head_name="").exists()
    assert not Household.objects.filter(village__round_commune__round=drawn).exclude(address="").exists()
    assert Answer.objects.filter(response__campaign=drawn.campaign).count() == answers_before
    assert Response.objects.filter(campaign=drawn.campaign).count() == 9
    assert household_round_figures(survey_round=drawn) == before
    event = AuditEvent.objects.get(action=AuditAction.HOUSEHOLD_NAMES_ERASE)
    assert (event.unit_id, event.details["households"]) == (quang_tri.pk, 180)
    # and only once
    assert unit_household_erasure.apply(args=(quang_tri.pk,)).get() == {"rounds": 0, "households": 0}
