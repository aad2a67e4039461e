"""The household survey round (seed 002) and its sample, stored in the schema of the province that owns it.

Where the data lives: a round is run by a province (Sở Nội vụ with the post office), over villages of
communes below it, most of which are not onboarded and have no schema of their own. Everything of the
round therefore lives in the owning province's schema (DESIGN.md, "Household names live in the owning
unit's schema"): the frame with household names and addresses, the sample, the field work, the
questionnaires entered and the re-check. The communes are referenced by their public registry row (the
registry is in the public schema, which every schema sees); nothing of a round is copied into a
commune's schema, and its answers count in the province's own figures (channel "household").

Privacy: a household's name and address sit on `Household` only, shown to the round's managers and to
the enumerator assigned to its village; a questionnaire slot points at the household so the field work
can be tracked, and at the response entered for it so that every slot gives one questionnaire and the
re-check can compare answers, but no page or export shows a name beside an answer. `household_erase`
blanks every name and address a configurable number of days after the round closes.
"""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from surveys.models import Campaign, Response
from tenants.models import Structure, Unit


class HouseholdRound(models.Model):
    """One household survey: its timetable, design, questionnaire (through its campaign) and seeds."""

    class VillageMethod(models.TextChoices):
        GIVEN = "given", _("Villages given by the plan")
        PPS = "pps", _("Villages drawn with probability proportional to size")

    name = models.CharField(_("name"), max_length=200)
    # The answers are stored as responses of this campaign (channel "household"): its questionnaire
    # version is the round's, and its days run from the first hand-out to the last day of entry.
    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="household_round")
    structure = models.CharField(_("structure"), max_length=10, choices=Structure.choices)
    handout_from = models.DateField(_("hand-out from"))
    handout_to = models.DateField(_("hand-out until"))
    collect_from = models.DateField(_("collection from"))
    collect_to = models.DateField(_("collection until"))
    deliver_from = models.DateField(_("delivery from"))
    deliver_to = models.DateField(_("delivery until"))
    village_method = models.CharField(
        max_length=10, choices=VillageMethod.choices, default=VillageMethod.GIVEN
    )
    villages_per_commune = models.PositiveSmallIntegerField(_("villages per commune"), default=2)
    households_per_village = models.PositiveSmallIntegerField(_("households per village"), default=27)
    reserves_per_village = models.PositiveSmallIntegerField(_("reserve households per village"), default=5)
    # Seeds are recorded with the draw: anyone with the ordered lists can redo it.
    village_seed = models.BigIntegerField(null=True, blank=True)
    villages_drawn_at = models.DateTimeField(null=True, blank=True)
    household_seed = models.BigIntegerField(null=True, blank=True)
    households_drawn_at = models.DateTimeField(null=True, blank=True)
    recheck_seed = models.BigIntegerField(null=True, blank=True)
    recheck_drawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    erase_after_days = models.PositiveSmallIntegerField(
        _("erase names this many days after closing"), default=30
    )
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handout_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(handout_to__gte=F("handout_from"))
                & Q(collect_from__gte=F("handout_from"))
                & Q(collect_to__gte=F("collect_from"))
                & Q(deliver_from__gte=F("collect_from"))
                & Q(deliver_to__gte=F("deliver_from")),
                name="household_round_dates",
            ),
            models.CheckConstraint(condition=Q(households_per_village__gte=1), name="household_round_sample"),
        ]

    def __str__(self) -> str:
        return self.name


class RoundCommune(models.Model):
    """A commune whose villages the round covers, with its stratum (METHODOLOGY.md: the commune, or its
    district in the legacy structure)."""

    round = models.ForeignKey(HouseholdRound, on_delete=models.CASCADE, related_name="communes")
    commune = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=200)

    class Meta:
        ordering = ["commune__path"]
        constraints = [models.UniqueConstraint(fields=["round", "commune"], name="round_commune_unique")]

    def __str__(self) -> str:
        return f"{self.commune} ({self.round})"


class Village(models.Model):
    """A village or residential group (thôn, tổ dân phố, khu phố, khóm): the cluster of the design."""

    round_commune = models.ForeignKey(RoundCommune, on_delete=models.CASCADE, related_name="villages")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField()  # order in the commune's list, which the PPS draw walks
    household_count = models.PositiveIntegerField(_("households"))
    selected = models.BooleanField(default=False)
    # Inclusion probability π_v as an exact fraction (1 when the plan gives the village).
    inclusion_num = models.PositiveBigIntegerField(default=1)
    inclusion_den = models.PositiveBigIntegerField(default=1)
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["round_commune", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round_commune", "name"], name="village_name_unique"),
            models.UniqueConstraint(fields=["round_commune", "position"], name="village_position_unique"),
            models.CheckConstraint(condition=Q(household_count__gte=1), name="village_households"),
            models.CheckConstraint(
                condition=Q(inclusion_num__gte=1, inclusion_num__lte=F("inclusion_den")),
                name="village_inclusion_probability",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def inclusion(self) -> Fraction:
        return Fraction(self.inclusion_num, self.inclusion_den)


class Household(models.Model):
    """One line of a village's household list, in the list's order. Personal: see the module docstring."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="households")
    position = models.PositiveIntegerField()  # 1 … N, the order the systematic draw walks
    head_name = models.CharField(_("head of household"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village", "position"]
        constraints = [
            models.UniqueConstraint(fields=["village", "position"], name="household_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.village} #{self.position}"


class Slot(models.Model):
    """One questionnaire of the sample: a selected household, or a reserve used in its drawn order."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Selected")
        RESERVE = "reserve", _("Reserve")

    class Status(models.TextChoices):
        RESERVE = "reserve", _("Reserve, not needed yet")
        PENDING = "pending", _("To hand out")
        HANDED_OUT = "handed_out", _("Handed out")
        COLLECTED = "collected", _("Collected")
        REFUSED = "refused", _("Refused")
        ABSENT = "absent", _("Absent")

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="slots")
    household = models.OneToOneField(Household, on_delete=models.PROTECT, related_name="slot")
    # Printed on the questionnaire and in its QR code: names the slot, never the household.
    serial = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    draw_order = models.PositiveSmallIntegerField()  # 1 … n for the selected, 1 … r for the reserves
    status = models.CharField(max_length=12, choices=Status.choices)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    handed_out_on = models.DateField(null=True, blank=True)
    collected_on = models.DateField(null=True, blank=True)
    outcome_on = models.DateField(null=True, blank=True)  # the day of a refusal or an absence
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.PROTECT, related_name="household_slot"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village", "kind", "draw_order"]
        constraints = [
            models.UniqueConstraint(fields=["village", "kind", "draw_order"], name="slot_draw_order_unique"),
        ]

    def __str__(self) -> str:
        return self.serial


class PaperEntry(models.Model):
    """One typing of a returned paper questionnaire; with double entry, two people type it apart and
    the questionnaire is stored only when both agree (or a discrepancy is resolved)."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="paper_entries")
    number = models.PositiveSmallIntegerField()  # 1 or 2
    values = models.JSONField()  # the posted fields, {name: [values]}
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "number"], name="paper_entry_number_unique"),
            models.CheckConstraint(condition=Q(number__in=[1, 2]), name="paper_entry_number"),
        ]

    def __str__(self) -> str:
        return f"{self.slot} ({self.number})"


class Recheck(models.Model):
    """The re-check (phúc tra) of one collected household, drawn at random with the round's seed."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="recheck")
    draw_order = models.PositiveSmallIntegerField()
    handed_out_confirmed = models.BooleanField(null=True)
    collected_confirmed = models.BooleanField(null=True)
    answers_match = models.BooleanField(null=True)
    note = models.CharField(max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw_order"]

    def __str__(self) -> str:
        return f"recheck {self.slot}"

    @property
    def discrepant(self) -> bool:
        return False in (self.handed_out_confirmed, self.collected_confirmed, self.answers_match)
