"""Reads of the household survey: progress of the field work, what an enumerator may see, the re-check,
and the answers per village that the design-weighted figures need (never with a name)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypedDict

from django.db.models import QuerySet
from django.utils import timezone

from surveys.models import Answer
from tenants.models import User

from .models import HouseholdRound, Recheck, Slot, Village

CLOSED = (Slot.Status.COLLECTED, Slot.Status.REFUSED, Slot.Status.ABSENT)


def round_list() -> QuerySet[HouseholdRound]:
    return HouseholdRound.objects.select_related("campaign__version__questionnaire")


@dataclass
class Progress:
    """Counts of one village, commune or enumerator; `target` = questionnaires the design asks for."""

    label: str
    target: int = 0
    pending: int = 0
    handed_out: int = 0
    collected: int = 0
    refused: int = 0
    absent: int = 0
    reserves_used: int = 0
    reserves_left: int = 0
    late: bool = False
    villages: list[str] = field(default_factory=list)

    @property
    def approached(self) -> int:
        return self.handed_out + self.collected + self.refused + self.absent

    @property
    def response_rate(self) -> Fraction | None:
        """Collected questionnaires / households approached (handed out, collected, refused or absent)."""
        return Fraction(self.collected, self.approached) if self.approached else None

    def add(self, other: "Progress") -> None:
        for name in ("target", "pending", "handed_out", "collected", "refused", "absent"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reserves_used += other.reserves_used
        self.reserves_left += other.reserves_left
        self.late = self.late or other.late
        self.villages += other.villages


def _late(survey_round: HouseholdRound, p: Progress, today: dt.date) -> bool:
    """Behind the round's dates: households still to hand out after the hand-out days, or questionnaires
    still out after the collection days."""
    return (today > survey_round.handout_to and p.pending > 0) or (
        today > survey_round.collect_to and p.handed_out > 0
    )


class RoundProgress(TypedDict):
    villages: list[Progress]
    communes: list[Progress]
    enumerators: list[Progress]
    total: Progress


def round_progress(
    *, survey_round: HouseholdRound, villages: Iterable[Village] | None = None, today: dt.date | None = None
) -> RoundProgress:
    """Progress per village, commune and enumerator, and the round's total (one query for the slots)."""
    today = today or timezone.localdate()
    villages = list(
        villages
        if villages is not None
        else Village.objects.filter(round_commune__round=survey_round, selected=True)
        .select_related("round_commune__commune", "enumerator")
        .order_by("round_commune__commune__path", "position")
    )
    counts: dict[int, Progress] = {v.pk: Progress(label=v.name, villages=[v.name]) for v in villages}
    rows = Slot.objects.filter(village__in=[v.pk for v in villages]).values_list(
        "village_id", "kind", "status"
    )
    for village_id, kind, status in rows:
        p = counts[village_id]
        if kind == Slot.Kind.MAIN:
            p.target += 1
        if status == Slot.Status.RESERVE:
            p.reserves_left += 1
            continue
        if kind == Slot.Kind.RESERVE:
            p.reserves_used += 1
        setattr(p, status, getattr(p, status) + 1)
    communes: dict[int, Progress] = {}  # by unit: two communes may share a name (Phường 2 of two towns)
    enumerators: dict[str, Progress] = {}
    total = Progress(label=survey_round.name)
    for v in villages:
        p = counts[v.pk]
        p.late = _late(survey_round, p, today)
        unit = v.round_commune.commune
        label = (
            f"{unit.name} ({v.round_commune.stratum})" if v.round_commune.stratum != unit.name else unit.name
        )
        commune = communes.setdefault(unit.pk, Progress(label=label))
        commune.add(p)
        who = v.enumerator.email if v.enumerator else ""
        enumerators.setdefault(who, Progress(label=who)).add(p)
        total.add(p)
    return {
        "villages": [counts[v.pk] for v in villages],
        "communes": list(communes.values()),
        "enumerators": list(enumerators.values()),
        "total": total,
    }


def enumerator_villages(*, user: User, survey_round: HouseholdRound | None = None) -> QuerySet[Village]:
    """The villages given to this enumerator (in one round, or in every round): all they may see."""
    qs = Village.objects.filter(enumerator=user, selected=True).select_related(
        "round_commune__commune", "round_commune__round"
    )
    if survey_round is not None:
        qs = qs.filter(round_commune__round=survey_round)
    return qs.order_by("round_commune__commune__path", "position")


def enumerator_slots(*, user: User, survey_round: HouseholdRound) -> QuerySet[Slot]:
    """The questionnaire slots in use in the enumerator's villages of that round, with the household's
    name and address (theirs to find it) and never an answer."""
    return (
        Slot.objects.filter(village__in=enumerator_villages(user=user, survey_round=survey_round))
        .exclude(status=Slot.Status.RESERVE)
        .select_related("household", "village")
        .only(
            "serial",
            "status",
            "kind",
            "draw_order",
            "village__name",
            "household__head_name",
            "household__address",
        )
        .order_by("village__round_commune__commune__path", "village__position", "kind", "draw_order")
    )


def slot_for_enumerator(*, user: User, serial: str) -> Slot | None:
    """The slot of that serial if it lies in one of the enumerator's villages, else None (no hint of why)."""
    return (
        Slot.objects.filter(serial=serial, village__enumerator=user, village__selected=True)
        .select_related("village__round_commune__round__campaign__version")
        .first()
    )


@dataclass(frozen=True)
class RecheckRate:
    enumerator: str
    checked: int
    discrepant: int

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.discrepant, self.checked) if self.checked else None


def recheck_sample(*, survey_round: HouseholdRound) -> QuerySet[Recheck]:
    """The drawn re-check households in drawn order, with what the re-check team needs to find them
    (serial, village, the household's name and address: for the round's managers only) and the
    enumerator whose work is checked; never an answer."""
    return (
        Recheck.objects.filter(slot__village__round_commune__round=survey_round)
        .select_related(
            "slot__household", "slot__village__round_commune__commune", "slot__village__enumerator"
        )
        .order_by("draw_order")
    )


def recheck_rates(*, survey_round: HouseholdRound) -> list[RecheckRate]:
    """Per enumerator: re-checked households whose hand-out, collection or key answers disagree."""
    checked: dict[str, list[bool]] = defaultdict(list)
    rechecks = Recheck.objects.filter(
        slot__village__round_commune__round=survey_round, checked_at__isnull=False
    ).select_related("slot__village__enumerator")
    for r in rechecks:
        enumerator = r.slot.village.enumerator
        checked[enumerator.email if enumerator else ""].append(r.discrepant)
    return [RecheckRate(who, len(flags), sum(flags)) for who, flags in sorted(checked.items())]


@dataclass(frozen=True)
class VillageAnswers:
    """What the weights need of one village: its stratum, N_v, π_v and the buckets of its respondents'
    answers to one question ("" = no answer)."""

    stratum: str
    village_id: int
    households: int
    inclusion: Fraction
    buckets: tuple[str, ...]


def village_answers(
    *, survey_round: HouseholdRound, question_key: str, under: str = ""
) -> list[VillageAnswers]:
    """Per selected village (of the communes whose registry path starts with `under`, when given), the
    buckets of the counted questionnaires' answers to `question_key`.

    A responding household is a slot with a counted questionnaire; one that left the question
    unanswered counts as a respondent with no answer (it still carries the village's weight)."""
    villages = list(
        Village.objects.filter(
            round_commune__round=survey_round,
            selected=True,
            round_commune__commune__path__startswith=under,
        )
        .select_related("round_commune")
        .order_by("round_commune__commune__path", "position")
    )
    responses = dict(
        Slot.objects.filter(
            village__in=villages, response__isnull=False, response__voided_at__isnull=True
        ).values_list("response_id", "village_id")
    )
    buckets: dict[int, str] = dict(
        Answer.objects.filter(
            response_id__in=list(responses), question_key=question_key, kind=Answer.Kind.RATING
        ).values_list("response_id", "bucket")
    )
    per_village: dict[int, list[str]] = defaultdict(list)
    for response_id, village_id in responses.items():
        per_village[village_id].append(buckets.get(response_id, ""))
    return [
        VillageAnswers(
            v.round_commune.stratum, v.pk, v.household_count, v.inclusion, tuple(per_village[v.pk])
        )
        for v in villages
    ]
