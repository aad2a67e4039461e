"""Household survey (seed 002): the frame, the draws and the reserves."""

import random
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from surveys.households.models import HouseholdRound, Slot, Village
from surveys.households.sampling import (
    household_draw,
    pps_systematic_draw,
    random_start,
    systematic_positions,
)
from surveys.households.services import households_draw, slot_record, village_add, villages_draw
from tests.surveys.households.conftest import HANDOUT, seed_round, seed_villages

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- pure draws


def test_systematic_draw_matches_the_hand_computed_one():
    # k = 10 / 4 = 2.5, start U = 0.48 → u = 1.2: ⌊1.2⌋+1, ⌊3.7⌋+1, ⌊6.2⌋+1, ⌊8.7⌋+1
    assert systematic_positions(population=10, size=4, start=Fraction(48, 100)) == [2, 4, 7, 9]
    # k = 60 / 27 = 20/9, U = 0: ⌊0⌋+1, ⌊20/9⌋+1 = 3, ⌊40/9⌋+1 = 5, ⌊60/9⌋+1 = 7, ⌊80/9⌋+1 = 9, ⌊100/9⌋+1 = 12
    assert systematic_positions(population=60, size=27, start=Fraction(0))[:6] == [1, 3, 5, 7, 9, 12]


def test_household_draw_is_reproducible_from_its_seed_and_explains_its_start():
    first = household_draw(population=60, size=27, reserves=5, rng=random.Random(2024))
    again = household_draw(population=60, size=27, reserves=5, rng=random.Random(2024))
    other = household_draw(population=60, size=27, reserves=5, rng=random.Random(2025))
    assert first == again
    assert first.selected != other.selected
    # The same walk by hand: the two starts are the first two draws of the seeded generator.
    rng = random.Random(2024)
    start, reserve_start = random_start(rng), random_start(rng)
    assert (first.start, first.reserve_start) == (start, reserve_start)
    assert first.selected == systematic_positions(population=60, size=27, start=start)
    rest = [p for p in range(1, 61) if p not in first.selected]
    assert first.reserves == [
        rest[p - 1] for p in systematic_positions(population=33, size=5, start=reserve_start)
    ]
    assert len(set(first.selected) | set(first.reserves)) == 32


def test_small_village_gives_every_household_and_what_is_left_as_reserves():
    draw = household_draw(population=29, size=27, reserves=5, rng=random.Random(1))
    assert sorted(draw.selected + draw.reserves) == list(range(1, 30))
    assert len(draw.reserves) == 2


def test_pps_draw_matches_the_hand_computed_one():
    # sizes 50, 30, 120, 100, 200 (total 500), 2 villages: 200 and 120 are below the interval 250.
    # U = 0.2 → points 50 and 300; cumulated 50, 80, 200, 300, 500 → villages 1 (50 < 80) and 4 (300 < 500).
    rng = random.Random(7)
    u = random_start(random.Random(7))
    draw = pps_systematic_draw(sizes=[50, 30, 120, 100, 200], count=2, rng=rng)
    points = [u * 250, u * 250 + 250]
    cumulated = [50, 80, 200, 300, 500]
    expected = [next(i for i, c in enumerate(cumulated) if p < c) for p in points]
    assert draw.selected == sorted(expected)
    assert draw.inclusion[4] == Fraction(2 * 200, 500)
    assert sum(draw.inclusion.values()) == 2


def test_pps_takes_a_village_larger_than_the_interval_with_certainty():
    draw = pps_systematic_draw(sizes=[900, 30, 40, 30], count=2, rng=random.Random(3))
    assert 0 in draw.selected and draw.inclusion[0] == 1
    assert draw.inclusion[1] == Fraction(30, 100)
    assert len(draw.selected) == 2


# --------------------------------------------------------------------------- the seed's design


def test_the_seeds_design_draws_18_villages_of_27_households(in_quang_tri, round_manager):
    # given: the nine communes of the plan, two villages each, 60 households listed in each
    survey_round = seed_round(in_quang_tri, round_manager)
    seed_villages(survey_round)
    # when
    households_draw(survey_round=survey_round, seed=20241121)
    # then
    slots = Slot.objects.filter(village__round_commune__round=survey_round)
    assert slots.filter(kind=Slot.Kind.MAIN).count() == 18 * 27 == 486
    assert slots.filter(kind=Slot.Kind.RESERVE).count() == 18 * 5
    assert survey_round.communes.values("stratum").distinct().count() == 3  # the three districts
    # reproducible: each village's draw is the seeded walk over the villages in the recorded order
    rng = random.Random(20241121)
    villages = Village.objects.filter(round_commune__round=survey_round).order_by(
        "round_commune__commune__path", "position"
    )
    for village in villages:
        draw = household_draw(population=60, size=27, reserves=5, rng=rng)
        stored = list(village.slots.filter(kind=Slot.Kind.MAIN).order_by("draw_order"))
        assert [s.household.position for s in stored] == draw.selected
        reserves = village.slots.filter(kind=Slot.Kind.RESERVE).order_by("draw_order")
        assert [s.household.position for s in reserves] == draw.reserves
    assert HouseholdRound.objects.get(pk=survey_round.pk).household_seed == 20241121
    with pytest.raises(ValidationError):
        households_draw(survey_round=survey_round, seed=1)


def test_villages_drawn_by_pps_record_their_probabilities(in_quang_tri, round_manager):
    survey_round = seed_round(in_quang_tri, round_manager, village_method=HouseholdRound.VillageMethod.PPS)
    for rc in survey_round.communes.all():
        for i, size in enumerate((120, 80, 200, 100), start=1):
            village_add(round_commune=rc, name=f"Thôn {i}", household_count=size)
    villages_draw(survey_round=survey_round, seed=99)
    selected = Village.objects.filter(round_commune__round=survey_round, selected=True)
    assert selected.count() == 18
    assert all(v.inclusion == Fraction(2 * v.household_count, 500) for v in selected)
    with pytest.raises(ValidationError):
        village_add(round_commune=survey_round.communes.first(), name="Thôn mới", household_count=10)


def test_a_refusal_brings_in_the_reserves_in_their_drawn_order(in_quang_tri, round_manager):
    survey_round = seed_round(in_quang_tri, round_manager)
    seed_villages(survey_round)
    households_draw(survey_round=survey_round, seed=5)
    village = Village.objects.filter(round_commune__round=survey_round).first()
    first, second = village.slots.filter(kind=Slot.Kind.MAIN).order_by("draw_order")[:2]
    day = HANDOUT[0]
    # when: the first refuses, the second is absent after hand-out
    slot_record(slot=first, status=Slot.Status.REFUSED, day=day)
    slot_record(slot=second, status=Slot.Status.HANDED_OUT, day=day)
    slot_record(slot=second, status=Slot.Status.ABSENT, day=day)
    # then: reserves 1 and 2 replace them, in that order; the others wait
    reserves = list(village.slots.filter(kind=Slot.Kind.RESERVE).order_by("draw_order"))
    assert [(r.status, r.replaces_id) for r in reserves[:3]] == [
        (Slot.Status.PENDING, first.pk),
        (Slot.Status.PENDING, second.pk),
        (Slot.Status.RESERVE, None),
    ]
    # a refused household cannot be handed out afterwards
    with pytest.raises(ValidationError):
        slot_record(slot=first, status=Slot.Status.HANDED_OUT, day=day)
