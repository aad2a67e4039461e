"""The seed-002 world for the household survey tests: legacy Quảng Trị, onboarded inside the test's
transaction (rolled back with it), its nine communes of the 2024 plan, and a round over them."""

import datetime as dt

import pytest
from django.http import QueryDict
from django_tenants.utils import tenant_context

from surveys.households.models import HouseholdRound, RoundCommune, Village
from surveys.households.services import (
    enumerator_assign,
    household_list_replace,
    household_round_create,
    households_draw,
    village_add,
)
from tenants.models import Role, Structure, Unit, User
from tenants.services import unit_onboard
from tests.conftest import TODAY

SEED_COMMUNES = ("19342", "19345", "19351", "19358", "19360", "19705", "19495", "19522", "19498")
# The plan's rhythm (hand out 21–22/11, collect 23–24/11, deliver 27–28/11), ending today so that
# questionnaires may be entered.
_TODAY = TODAY  # the tests' frozen clock
HANDOUT = (_TODAY - dt.timedelta(days=7), _TODAY - dt.timedelta(days=6))
COLLECT = (_TODAY - dt.timedelta(days=5), _TODAY - dt.timedelta(days=4))
DELIVER = (_TODAY - dt.timedelta(days=1), _TODAY)


def overall_answers(overall: str) -> QueryDict:
    """A questionnaire that agrees with the five assessments and rates overall satisfaction `overall`."""
    data = QueryDict(mutable=True)
    for key in ("access", "procedure", "official", "result", "feedback"):
        data[f"q_assess_{key}"] = "agree"
    data["q_overall"] = overall
    return data


@pytest.fixture
def quang_tri(db) -> Unit:
    province = Unit.objects.get(structure=Structure.LEGACY, code="45")
    if not province.is_onboarded:
        unit_onboard(unit=province)
    return province


@pytest.fixture
def round_manager(quang_tri) -> User:
    user = User.objects.create_user(
        username="sonoivu@quangtri.test", email="sonoivu@quangtri.test", password="x"
    )
    user.memberships.create(unit=quang_tri, role=Role.OFFICER)
    return user


def seed_round(province: Unit, user: User, **options) -> HouseholdRound:
    communes = list(Unit.objects.filter(structure=Structure.LEGACY, code__in=SEED_COMMUNES))
    return household_round_create(
        owner=province,
        name=options.pop("name", "SIPAS hộ gia đình 2024"),
        structure=Structure.LEGACY,
        communes=communes,
        handout=HANDOUT,
        collect=COLLECT,
        deliver=DELIVER,
        user=user,
        **options,
    )


def seed_villages(survey_round: HouseholdRound, households: int = 60) -> None:
    """Two villages per commune (the plan gives them), each with a list of `households`."""
    for rc in RoundCommune.objects.filter(round=survey_round).order_by("commune__path"):
        for name in ("Khu phố 1", "Khu phố 2"):
            village = village_add(round_commune=rc, name=name, household_count=households)
            household_list_replace(
                village=village,
                rows=[(f"Hộ {rc.commune.code}-{name}-{i}", f"Số {i}") for i in range(households)],
            )


@pytest.fixture
def in_quang_tri(quang_tri):
    with tenant_context(quang_tri):
        yield quang_tri


@pytest.fixture
def drawn(in_quang_tri, round_manager) -> HouseholdRound:
    """A small round over the nine communes: two households (and one reserve) drawn in each village."""
    survey_round = seed_round(in_quang_tri, round_manager, households_per_village=2, reserves_per_village=1)
    seed_villages(survey_round, households=4)
    households_draw(survey_round=survey_round, seed=8)
    return survey_round


@pytest.fixture
def villages(drawn) -> list[Village]:
    return list(
        Village.objects.filter(round_commune__round=drawn).order_by(
            "round_commune__commune__path", "position"
        )
    )


@pytest.fixture
def enumerator(villages) -> User:
    """The post-office enumerator of the round's first village."""
    return enumerator_assign(village=villages[0], email="buudien1@quangtri.test")
