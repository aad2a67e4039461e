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
