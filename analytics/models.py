"""Public-schema count tables: everything a district, province or the national API reads across units.

Append-only in spirit (Zulip's analytics): a unit-day's rows are replaced as a whole by an idempotent
refresh, so every figure is a sum of facts and a full rebuild gives identical rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Unit


class FactKind(models.TextChoices):
    RESPONSE = "response", _("Responses")
    RATING = "rating", _("Rating answers")
    REASON = "reason", _("Ticked reasons")


class Dimension(models.TextChoices):
    TOTAL = "", _("Total")
    PROCEDURE = "procedure", _("Procedure")
    FIELD = "field", _("Field")
    STAFF = "staff", _("Civil servant")
    DESK = "desk", _("Desk")
    CHANNEL = "channel", _("Channel")


class DailyFact(models.Model):
    """How many answers of one shape a unit collected on one local day, within one breakdown.

    `bucket` is the answer's bucket for ratings, and the response's overall bucket for responses and
    reasons (so the dissatisfaction profile counts reasons of unsatisfied respondents).
    Each dimension partitions the same answers, so totals are read with dim = "" only.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=FactKind.choices)
    questionnaire = models.CharField(max_length=80, blank=True)
    question = models.CharField(max_length=60, blank=True)
    element = models.CharField(max_length=12, blank=True)
    scale = models.CharField(max_length=2, blank=True)
    value = models.SmallIntegerField(null=True)  # a rating level; NULL = no answer (ratings) or n/a
    option = models.CharField(max_length=60, blank=True)
    bucket = models.CharField(max_length=12, blank=True)
    dim = models.CharField(max_length=10, choices=Dimension.choices, blank=True)
    dim_value = models.CharField(max_length=80, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "unit",
                    "day",
                    "kind",
                    "questionnaire",
                    "question",
                    "element",
                    "scale",
                    "value",
                    "option",
                    "bucket",
                    "dim",
                    "dim_value",
                ],
                nulls_distinct=False,
                name="daily_fact_key",
            )
        ]
        indexes = [models.Index(fields=["day", "unit"]), models.Index(fields=["unit", "day", "dim"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.kind} {self.question or self.option} ×{self.count}"


class DirtyDay(models.Model):
    """A unit-day whose facts must be recomputed; `marked_at` lets a refresh tell a newer mark apart."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="dirty_day_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class TransactionCount(models.Model):
    """How many dossiers (transactions) a unit handled in a period, per procedure ("" = all procedures).

    The denominator of sample quotas; typed in, imported from CSV/XLSX or fed by one-stop systems.
    """

    class Source(models.TextChoices):
        MANUAL = "manual", _("Typed in")
        IMPORT = "import", _("Imported file")
        API = "api", _("One-stop system")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    procedure = models.CharField(_("procedure"), max_length=80, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    count = models.PositiveIntegerField(_("transactions"))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "procedure", "period_start", "period_end"], name="transaction_count_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="transaction_count_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.procedure or '*'} {self.period_start}–{self.period_end}: {self.count}"


class UnitPolicy(models.Model):
    """A unit's own choices; an empty value inherits from the nearest unit above, then the default."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="policy")
    quota_rule = models.CharField(_("quota rule"), max_length=40, blank=True)
    alert_threshold = models.DecimalField(
        _("alert threshold"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("share of unsatisfied answers, e.g. 0.25"),
    )
    alert_minimum = models.PositiveIntegerField(_("minimum answers"), null=True, blank=True)
    alert_window_days = models.PositiveIntegerField(_("rolling window (days)"), null=True, blank=True)
    minimum_n = models.PositiveIntegerField(_("minimum n for a figure"), null=True, blank=True)

    def __str__(self) -> str:
        return f"policy of {self.unit_id}"


class StaffAlert(models.Model):
    """A civil servant over the unsatisfied-share threshold in a window (Nam Dong rule).

    Holds counts only: the respondents are never identified.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    staff_id = models.PositiveBigIntegerField()
    staff_name = models.CharField(max_length=200)
    window_start = models.DateField()
    window_end = models.DateField()
    unsatisfied = models.PositiveIntegerField()
    valid = models.PositiveIntegerField()
    threshold = models.DecimalField(max_digits=4, decimal_places=3)
    minimum = models.PositiveIntegerField()
    computed_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-window_end", "staff_name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "staff_id", "window_end"], name="staff_alert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_name} {self.unsatisfied}/{self.valid} to {self.window_end}"
