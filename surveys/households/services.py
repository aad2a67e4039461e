"""Writes of the household survey (seed 002). Every function runs in the owning province's schema
(the caller opens it: a view is already there, a task is dispatched with the schema's header)."""

import datetime as dt
import random
import secrets
import uuid
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from surveys.answers import PostData, answers_parse
from surveys.definition import Definition
from surveys.models import Channel, QuestionnaireVersion, Response
from surveys.services import SubmissionError, campaign_create, questionnaire_install_builtin, response_submit
from tenants.audit import audit_record
from tenants.models import AuditAction, Level, Structure, Unit, User
from tenants.services import user_ensure

from .models import Household, HouseholdRound, PaperEntry, Recheck, RoundCommune, Slot, Village
from .sampling import household_draw, pps_systematic_draw

TEMPLATE_KEY = "sipas_household_2024"
ENTRY_DAYS_DEFAULT = 30  # after the last delivery day, paper questionnaires may still be typed in
# Refusal and absence: the slot is closed and the next reserve takes its place.
REPLACED = frozenset({Slot.Status.REFUSED, Slot.Status.ABSENT})
# What the field work may record next, from each status.
NEXT: dict[str, frozenset[str]] = {
    Slot.Status.PENDING: frozenset({Slot.Status.HANDED_OUT, *REPLACED}),
    Slot.Status.HANDED_OUT: frozenset({Slot.Status.COLLECTED, *REPLACED}),
}


def _new_seed() -> int:
    return secrets.randbits(48)


def _commune_in_area(owner: Unit, commune: Unit, structure: str) -> bool:
    """A commune of the round's structure under the province, or under a legacy province merged into it."""
    if commune.level != Level.COMMUNE or commune.structure != structure:
        return False
    roots = [owner, *owner.predecessors.all()]
    return any(commune.path.startswith(root.path) for root in roots)


@transaction.atomic
def household_round_create(
    *,
    owner: Unit,
    name: str,
    structure: str,
    communes: Iterable[Unit],
    handout: tuple[dt.date, dt.date],
    collect: tuple[dt.date, dt.date],
    deliver: tuple[dt.date, dt.date],
    user: User,
    version: QuestionnaireVersion | None = None,
    village_method: str = HouseholdRound.VillageMethod.GIVEN,
    villages_per_commune: int = 2,
    households_per_village: int = 27,
    reserves_per_village: int = 5,
    erase_after_days: int = 30,
    entry_until: dt.date | None = None,
) -> HouseholdRound:
    """A round owned by `owner` (a province; the current schema must be its own), with its communes.

    Without a `version` the built-in household questionnaire is installed (editable and versioned like
    every questionnaire) and its latest published version used. Errors are keyed by field.
    """
    if owner.level != Level.PROVINCE:
        raise ValidationError({"__all__": _("A household survey round is owned by a province.")})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("The round needs a name.")})
    if structure not in Structure.values:
        raise ValidationError({"structure": _("Choose the current or the legacy structure.")})
    order = [("handout", handout), ("collect", collect), ("deliver", deliver)]
    for field, (first, last) in order:
        if last < first:
            raise ValidationError({field: _("The last day is before the first day.")})
    if collect[0] < handout[0] or deliver[0] < collect[0]:
        raise ValidationError({"collect": _("Hand-out, collection and delivery must follow each other.")})
    if not 1 <= households_per_village <= 500 or not 0 <= reserves_per_village <= 100:
        raise ValidationError(
            {"households_per_village": _("Between 1 and 500 households, 0 to 100 reserves.")}
        )
    if not 1 <= villages_per_commune <= 50:
        raise ValidationError({"villages_per_commune": _("Between 1 and 50 villages per commune.")})
    if not 1 <= erase_after_days <= 365:
        raise ValidationError({"erase_after_days": _("Between 1 and 365 days.")})
    communes = list(dict.fromkeys(communes))
    if not communes:
        raise ValidationError({"communes": _("Choose at least one commune.")})
    outside = [c.name for c in communes if not _commune_in_area(owner, c, structure)]
    if outside:
        raise ValidationError(
            {
                "communes": _("Not communes of this province in that structure: %(names)s.")
                % {"names": ", ".join(outside)}
            }
        )
    if village_method not in HouseholdRound.VillageMethod.values:
        raise ValidationError({"village_method": _("Choose how the villages are chosen.")})
    if version is None:
        version = questionnaire_install_builtin(key=TEMPLATE_KEY).latest_published
        if version is None:
            raise RuntimeError("The built-in household questionnaire has no published version.")
    campaign = campaign_create(
        name=name,
        version=version,
        starts_on=handout[0],
        ends_on=entry_until or deliver[1] + dt.timedelta(days=ENTRY_DAYS_DEFAULT),
        channels=[Channel.HOUSEHOLD],
    )
    survey_round = HouseholdRound.objects.create(
        name=name,
        campaign=campaign,
        structure=structure,
        handout_from=handout[0],
        handout_to=handout[1],
        collect_from=collect[0],
        collect_to=collect[1],
        deliver_from=deliver[0],
        deliver_to=deliver[1],
        village_method=village_method,
        villages_per_commune=villages_per_commune,
        households_per_village=households_per_village,
        reserves_per_village=reserves_per_village,
        erase_after_days=erase_after_days,
        created_by=user,
    )
    for commune in communes:
        # The strata of METHODOLOGY.md: the districts in the legacy structure, else the communes.
        stratum = commune.parent.name if structure == Structure.LEGACY and commune.parent else commune.name
        RoundCommune.objects.create(round=survey_round, commune=commune, stratum=stratum)
    return survey_round


def _not_drawn(survey_round: HouseholdRound) -> None:
    if survey_round.households_drawn_at is not None:
        raise ValidationError(_("The households are already drawn: the frame can no longer change."))


@transaction.atomic
def village_add(*, round_commune: RoundCommune, name: str, household_count: int) -> Village:
    """A village of the commune's list (the PPS frame), appended in list order."""
    survey_round = HouseholdRound.objects.select_for_update().get(pk=round_commune.round_id)
    _not_drawn(survey_round)
    if survey_round.villages_drawn_at is not None:
        raise ValidationError(_("The villages are already drawn: the list can no longer change."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("The village needs a name.")})
    if isinstance(household_count, bool) or not isinstance(household_count, int) or household_count < 1:
        raise ValidationError({"household_count": _("A village has at least one household.")})
    if round_commune.villages.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This commune already lists a village of that name.")})
    last = round_commune.villages.order_by("-position").values_list("position", flat=True).first() or 0
    given = survey_round.village_method == HouseholdRound.VillageMethod.GIVEN
    return Village.objects.create(
        round_commune=round_commune,
        name=name,
        position=last + 1,
        household_count=household_count,
        selected=given,
    )


def _ordered_communes(survey_round: HouseholdRound) -> list[RoundCommune]:
    return list(survey_round.communes.select_related("commune").order_by("commune__path"))


@transaction.atomic
def villages_draw(*, survey_round: HouseholdRound, seed: int | None = None) -> HouseholdRound:
    """Draw each commune's villages with probability proportional to size, from one recorded seed.

    Communes are walked in the order of their official path, villages in list order."""
    survey_round = HouseholdRound.objects.select_for_update().get(pk=survey_round.pk)
    if survey_round.village_method != HouseholdRound.VillageMethod.PPS:
        raise ValidationError(_("This round takes the villages the plan gives; there is nothing to draw."))
    if survey_round.villages_drawn_at is not None:
        raise ValidationError(_("The villages are already drawn."))
    seed = _new_seed() if seed is None else seed
    rng = random.Random(seed)  # noqa: S311 - a survey draw that must be redone from its seed, not a secret
    for rc in _ordered_communes(survey_round):
        villages = list(rc.villages.order_by("position"))
        if len(villages) < survey_round.villages_per_commune:
            raise ValidationError(
                _("%(commune)s lists %(n)s villages; the round draws %(m)s.")
                % {"commune": rc.commune.name, "n": len(villages), "m": survey_round.villages_per_commune}
            )
        draw = pps_systematic_draw(
            sizes=[v.household_count for v in villages], count=survey_round.villages_per_commune, rng=rng
        )
        for index, village in enumerate(villages):
            probability = draw.inclusion[index]
            village.selected = index in draw.selected
            village.inclusion_num, village.inclusion_den = probability.numerator, probability.denominator
            village.save(update_fields=["selected", "inclusion_num", "inclusion_den"])
    survey_round.village_seed = seed
    survey_round.villages_drawn_at = timezone.now()
    survey_round.save(update_fields=["village_seed", "villages_drawn_at"])
    return survey_round


def selected_villages(survey_round: HouseholdRound) -> list[Village]:
    """The round's villages in the draw's order: communes by official path, villages by list position."""
    return list(
        Village.objects.filter(round_commune__round=survey_round, selected=True)
        .select_related("round_commune__commune")
        .order_by("round_commune__commune__path", "position")
    )


@transaction.atomic
def household_list_replace(*, village: Village, rows: list[tuple[str, str]]) -> int:
    """Store a checked household list (name, address) in order, replacing the village's previous one."""
    _not_drawn(HouseholdRound.objects.select_for_update().get(communes__villages=village))
    if not rows:
        raise ValidationError(_("The list has no household."))
    village.households.all().delete()
    Household.objects.bulk_create(
        [
            Household(village=village, position=i, head_name=n, address=a)
            for i, (n, a) in enumerate(rows, start=1)
        ],
        batch_size=2000,
    )
    village.household_count = len(rows)  # the list is the frame: its length is N_v of the weights
    village.save(update_fields=["household_count"])
    return len(rows)


def _serial(round_id: int, village_number: int, kind: str, order: int) -> str:
    """ "7-03-12": round 7, its 3rd village, 12th selected household; "7-03-D2" its 2nd reserve."""
    tail = f"{order:02d}" if kind == Slot.Kind.MAIN else f"D{order}"
    return f"{round_id}-{village_number:02d}-{tail}"


@transaction.atomic
def households_draw(*, survey_round: HouseholdRound, seed: int | None = None) -> HouseholdRound:
    """Draw the households of every selected village, and their reserves, from one recorded seed.

    Villages are walked in the order of `selected_villages`, each with its list in list order, so the
    seed and the lists redo the draw."""
    survey_round = HouseholdRound.objects.select_for_update().get(pk=survey_round.pk)
    _not_drawn(survey_round)
    if (
        survey_round.village_method == HouseholdRound.VillageMethod.PPS
        and survey_round.villages_drawn_at is None
    ):
        raise ValidationError(_("Draw the villages first."))
    villages = selected_villages(survey_round)
    if not villages:
        raise ValidationError(_("The round has no village yet."))
    missing = [v.name for v in villages if not v.households.exists()]
    if missing:
        raise ValidationError(_("Import the household lists of: %(names)s.") % {"names": ", ".join(missing)})
    seed = _new_seed() if seed is None else seed
    rng = random.Random(seed)  # noqa: S311 - a survey draw that must be redone from its seed, not a secret
    slots = []
    for number, village in enumerate(villages, start=1):
        households = {h.position: h for h in village.households.all()}
        draw = household_draw(
            population=len(households),
            size=survey_round.households_per_village,
            reserves=survey_round.reserves_per_village,
            rng=rng,
        )
        for kind, positions, status in (
            (Slot.Kind.MAIN, draw.selected, Slot.Status.PENDING),
            (Slot.Kind.RESERVE, draw.reserves, Slot.Status.RESERVE),
        ):
            slots += [
                Slot(
                    village=village,
                    household=households[position],
                    serial=_serial(survey_round.pk, number, kind, order),
                    kind=kind,
                    draw_order=order,
                    status=status,
                )
                for order, position in enumerate(positions, start=1)
            ]
    Slot.objects.bulk_create(slots, batch_size=2000)
    survey_round.household_seed = seed
    survey_round.households_drawn_at = timezone.now()
    survey_round.save(update_fields=["household_seed", "households_drawn_at"])
    return survey_round


# --------------------------------------------------------------------------- enumerators and field work


@transaction.atomic
def enumerator_assign(*, village: Village, email: str) -> User | None:
    """Give the village to an enumerator (an account is made for a new address, with no role anywhere:
    the assignment is all it may see). An empty address withdraws the assignment."""
    email = (email or "").strip()
    if not email:
        village.enumerator = None
        village.save(update_fields=["enumerator"])
        return None
    try:
        user, _created = user_ensure(email=email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    village.enumerator = user
    village.save(update_fields=["enumerator"])
    return user


@transaction.atomic
def slot_record(*, slot: Slot, status: str, day: dt.date) -> Slot:
    """Record a step of the field work; a refusal or an absence brings in the village's next reserve,
    in drawn order. Returns the slot as stored."""
    slot = Slot.objects.select_for_update().select_related("village__round_commune__round").get(pk=slot.pk)
    survey_round = slot.village.round_commune.round
    if survey_round.closed_at is not None:
        raise ValidationError(_("The round is closed."))
    if status not in NEXT.get(slot.status, frozenset()):
        raise ValidationError(
            _("“%(to)s” cannot follow “%(from)s”.")
            % {
                "to": Slot.Status(status).label if status in Slot.Status.values else status,
                "from": Slot.Status(slot.status).label,
            }
        )
    if day < survey_round.handout_from or day > survey_round.deliver_to:
        raise ValidationError(_("The day is outside the round's dates."))
    if status == Slot.Status.HANDED_OUT:
        slot.handed_out_on = day
    elif status == Slot.Status.COLLECTED:
        if slot.handed_out_on and day < slot.handed_out_on:
            raise ValidationError(_("It cannot be collected before it was handed out."))
        slot.collected_on = day
    else:
        slot.outcome_on = day
    slot.status = status
    slot.save(update_fields=["status", "handed_out_on", "collected_on", "outcome_on", "updated_at"])
    if status in REPLACED:
        reserve = (
            Slot.objects.select_for_update()
            .filter(village=slot.village, kind=Slot.Kind.RESERVE, status=Slot.Status.RESERVE)
            .order_by("draw_order")
            .first()
        )
        if reserve is not None:
            reserve.status = Slot.Status.PENDING
            reserve.replaces = slot
            reserve.save(update_fields=["status", "replaces", "updated_at"])
    return slot


def household_answer_submit(
    *, slot: Slot, data: PostData, submission_key: uuid.UUID, user: User | None
) -> tuple[Response, bool]:
    """Store the questionnaire of one slot, once: the same submission key again returns the stored one
    (an offline phone that syncs twice, a double click), another questionnaire for the slot is refused.
    The slot counts as collected."""
    existing = Response.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if getattr(existing, "household_slot", None) is None or existing.household_slot.pk != slot.pk:
            raise SubmissionError({"__all__": _("This questionnaire belongs to another slot.")}, status=409)
        return existing, False
    with transaction.atomic():
        locked = (
            Slot.objects.select_for_update()
            .select_related("village__round_commune__round__campaign")
            .get(pk=slot.pk)
        )
        survey_round = locked.village.round_commune.round
        if locked.response_id is not None:
            raise SubmissionError(
                {"__all__": _("A questionnaire is already stored for this serial.")}, status=409
            )
        if locked.status not in (Slot.Status.PENDING, Slot.Status.HANDED_OUT, Slot.Status.COLLECTED):
            raise SubmissionError(
                {
                    "__all__": _("This household is “%(status)s”: it has no questionnaire.")
                    % {"status": Slot.Status(locked.status).label}
                },
                status=409,
            )
        if survey_round.closed_at is not None:
            raise SubmissionError({"__all__": _("The round is closed.")}, status=409)
        campaign = survey_round.campaign
        response, created = response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=data,
            submission_key=submission_key,
            channel=Channel.HOUSEHOLD,
            entered_by=user,
        )
        today = timezone.localdate()
        locked.response = response
        locked.status = Slot.Status.COLLECTED
        locked.collected_on = locked.collected_on or today
        locked.save(update_fields=["response", "status", "collected_on", "updated_at"])
    return response, created


# --------------------------------------------------------------------------- paper entry


def _posted(data: PostData, names: Iterable[str]) -> dict[str, list[str]]:
    return {name: sorted(v.strip() for v in data.getlist(name) if v.strip()) for name in names}


def paper_values(data: PostData) -> dict[str, list[str]]:
    """The answer fields of a posted entry form (q_…), normalised for comparison."""
    return {k: v for k, v in _posted(data, [n for n in data if n.startswith("q_")]).items() if v}


def entry_discrepancies(first: Mapping[str, list[str]], second: Mapping[str, list[str]]) -> list[str]:
    """The form fields on which two typings of one questionnaire differ."""
    return sorted(name for name in set(first) | set(second) if first.get(name, []) != second.get(name, []))


@transaction.atomic
def paper_entry_save(
    *, slot: Slot, data: PostData, user: User, double_entry: bool
) -> tuple[Response | None, list[str]]:
    """Type in a returned paper questionnaire by its serial. Single entry stores it at once; double entry
    stores it when a second person's typing agrees with the first, and otherwise returns the fields that
    differ (the discrepancy list to resolve). Returns (response or None, discrepancies)."""
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if slot.response_id is not None:
        raise SubmissionError(
            {"__all__": _("A questionnaire is already stored for this serial.")}, status=409
        )
    values = paper_values(data)
    survey_round = slot.village.round_commune.round
    # Checked now, so that a typing with an error is corrected by the person typing it.
    _parsed, errors = answers_parse(
        definition=Definition(survey_round.campaign.version.definition), data=MultiValueDict(values)
    )
    if errors:
        raise SubmissionError(errors)
    if not double_entry:
        response, _created = household_answer_submit(
            slot=slot, data=MultiValueDict(values), submission_key=uuid.uuid4(), user=user
        )
        return response, []
    entries = list(slot.paper_entries.order_by("number"))
    if not entries:
        PaperEntry.objects.create(slot=slot, number=1, values=values, entered_by=user)
        return None, []
    first = entries[0]
    if first.entered_by_id == user.pk:
        raise SubmissionError({"__all__": _("The second entry must be typed by another person.")}, status=409)
    if len(entries) == 1:
        PaperEntry.objects.create(slot=slot, number=2, values=values, entered_by=user)
    else:
        raise SubmissionError({"__all__": _("Both entries are typed: resolve the differences.")}, status=409)
    differences = entry_discrepancies(first.values, values)
    if differences:
        return None, differences
    response, _created = household_answer_submit(
        slot=slot, data=MultiValueDict(values), submission_key=uuid.uuid4(), user=user
    )
    return response, []


@transaction.atomic
def paper_entry_resolve(*, slot: Slot, data: PostData, user: User) -> Response:
    """Settle a double entry whose typings differ: the values read again from the paper are stored."""
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if slot.paper_entries.count() < 2:
        raise SubmissionError({"__all__": _("There is nothing to resolve for this serial.")}, status=409)
    response, _created = household_answer_submit(
        slot=slot, data=MultiValueDict(paper_values(data)), submission_key=uuid.uuid4(), user=user
    )
    return response


# --------------------------------------------------------------------------- re-check (phúc tra)


@transaction.atomic
def recheck_draw(*, survey_round: HouseholdRound, size: int, seed: int | None = None) -> list[Recheck]:
    """A simple random subsample of the collected households, from a recorded seed; drawn once."""
    survey_round = HouseholdRound.objects.select_for_update().get(pk=survey_round.pk)
    if survey_round.recheck_drawn_at is not None:
        raise ValidationError(_("The re-check sample is already drawn."))
    collected = list(
        Slot.objects.filter(village__round_commune__round=survey_round, status=Slot.Status.COLLECTED)
        .order_by("serial")
        .values_list("pk", flat=True)
    )
    if not collected:
        raise ValidationError(
            {"size": _("No questionnaire has been collected yet: there is nothing to re-check.")}
        )
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= len(collected):
        raise ValidationError(
            {"size": _("Between 1 and the %(n)s collected households.") % {"n": len(collected)}}
        )
    seed = _new_seed() if seed is None else seed
    picked = random.Random(seed).sample(collected, size)  # noqa: S311 - redone from its seed, not a secret
    survey_round.recheck_seed = seed
    survey_round.recheck_drawn_at = timezone.now()
    survey_round.save(update_fields=["recheck_seed", "recheck_drawn_at"])
    return Recheck.objects.bulk_create(
        [Recheck(slot_id=pk, draw_order=i) for i, pk in enumerate(picked, start=1)]
    )


@transaction.atomic
def recheck_record(
    *,
    recheck: Recheck,
    handed_out: bool,
    collected: bool,
    answers_match: bool | None,
    note: str,
    user: User,
) -> Recheck:
    """What the re-check found at the household: was the questionnaire handed out, collected, and do its
    key answers match what the household says (None when it cannot be asked)?"""
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ValidationError({"note": _("Please keep this under %(n)d characters.") % {"n": 300}})
    recheck.handed_out_confirmed = handed_out
    recheck.collected_confirmed = collected
    recheck.answers_match = answers_match
    recheck.note = note
    recheck.checked_by = user
    recheck.checked_at = timezone.now()
    recheck.save()
    return recheck


# --------------------------------------------------------------------------- closing and erasure


@transaction.atomic
def household_round_close(*, survey_round: HouseholdRound) -> HouseholdRound:
    """No more field work or entry; the names are erased `erase_after_days` later."""
    if survey_round.closed_at is None:
        survey_round.closed_at = timezone.now()
        survey_round.save(update_fields=["closed_at"])
    return survey_round


@transaction.atomic
def household_personal_data_erase(
    *, survey_round: HouseholdRound, owner: Unit, actor: User | None = None
) -> int:
    """Blank every household name and address of a closed round, keeping the list's order, the sample,
    the field work and the answers (the figures do not change). Logged; returns the households erased."""
    if survey_round.closed_at is None:
        raise ValidationError(_("Only a closed round's names are erased."))
    now = timezone.now()
    erased = Household.objects.filter(
        village__round_commune__round=survey_round, erased_at__isnull=True
    ).update(head_name="", address="", erased_at=now)
    survey_round.personal_data_erased_at = now
    survey_round.save(update_fields=["personal_data_erased_at"])
    audit_record(
        action=AuditAction.HOUSEHOLD_NAMES_ERASE,
        actor=actor,
        unit=owner,
        target=survey_round.name,
        details={"round": survey_round.pk, "households": erased},
    )
    return erased


def household_erasure_due(*, now: dt.datetime | None = None) -> list[HouseholdRound]:
    """The closed rounds of the current schema whose names are due for erasure."""
    now = now or timezone.now()
    return [
        r
        for r in HouseholdRound.objects.filter(closed_at__isnull=False, personal_data_erased_at__isnull=True)
        if r.closed_at is not None and r.closed_at + dt.timedelta(days=r.erase_after_days) <= now
    ]
