"""Public-schema count tables: everything a district, province or the national API reads across units.

Append-only in spirit (Zulip's analytics): a unit-day's rows are replaced as a whole by an idempotent
refresh, so every figure is a sum of facts and a full rebuild gives identical rows.
"""

import uuid
from typing import Final

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Unit


class FactKind(models.TextChoices):
    RESPONSE = "response", _("Responses")
    RATING = "rating", _("Rating answers")
    REASON = "reason", _("Ticked reasons")
    HELD = "held", _("Answers held for review")


class Dimension(models.TextChoices):
    TOTAL = "", _("Total")
    PROCEDURE = "procedure", _("Procedure")
    FIELD = "field", _("Field")
    STAFF = "staff", _("Civil servant")
    DESK = "desk", _("Desk")
    CHANNEL = "channel", _("Channel")


#: The columns that say what a count counts; with the unit (or node) and the day (or month) they are
#: the unique key of every fact table, and the GROUP BY of every fold.
FACT_KEY: Final = (
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
)


#: Breakdowns read only from a unit's own daily facts: civil servants and desks are numbered per unit
#: schema, so they are never pooled (never rolled up) across units.
OWN_ONLY_DIMS: Final = ("staff", "desk")

OVERALL_TOTALS: Final = models.Q(dim="", kind="rating", element="OVERALL")
OVERALL_READ: Final = ["scale", "value", "bucket", "count"]


class FactCounts(models.Model):
    """How many answers of one shape were counted, within one breakdown.

    `bucket` is the answer's bucket for ratings, and the response's overall bucket for responses and
    reasons. Only rows some figure reads are written (analytics.facts.services.FACTS_SQL says which):
    every rating, response and unsatisfied respondent's reason in the total (dim = ""); in each
    breakdown the overall-question ratings, and per procedure the responses (quotas).

    The unit and node columns of the fact tables carry no database foreign key: a fold writes tens of
    thousands of rows, each of which would be checked against the registry by a trigger (a fifth of
    the write); the ids come from the registry itself, and Django still protects and cascades on delete.
    """

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
        abstract = True


class DailyFact(FactCounts):
    """A unit's own answers on one local day (its schema's raw rows, folded): the leaf level, and the
    node's own part of every figure (see RollupDay)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", *FACT_KEY], nulls_distinct=False, name="daily_fact_key"
            )
        ]
        # A node's own part of the edge days, read beside its RollupDay rows (OVERALL_SQL).
        indexes = [
            models.Index(
                fields=["unit", "day"],
                include=OVERALL_READ,
                condition=OVERALL_TOTALS,
                name="daily_fact_overall",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.kind} {self.question or self.option} ×{self.count}"


class RollupDay(FactCounts):
    """What a node's figures count on one day besides its own answers: the facts of every other unit
    contributing to it (its subtree, and for a current unit the legacy units merged into it), summed.
    A node's day is these rows plus its own DailyFact rows, so a commune that counts only itself (most
    of the country) has no row here: its days are not written twice. Figures read whole months from
    RollupMonth and the days at a period's edges from here and from DailyFact. Civil servants' and
    desks' breakdowns (OWN_ONLY_DIMS) are never rolled up."""

    node = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "day", *FACT_KEY], nulls_distinct=False, name="rollup_day_key"
            )
        ]
        # Rankings and desk boards read only the overall question's totals of many nodes: the index
        # covers what they read (analytics.figures.selectors.OVERALL_SQL), for index-only scans.
        indexes = [
            models.Index(
                fields=["node", "day"],
                include=OVERALL_READ,
                condition=OVERALL_TOTALS,
                name="rollup_day_overall",
            )
        ]

    def __str__(self) -> str:
        return f"node {self.node_id} {self.day} {self.kind} ×{self.count}"


class RollupMonth(FactCounts):
    """A node's counts of one calendar month (`month` is its first day): the sum of its RollupDay rows
    and of its own DailyFact rows (OWN_ONLY_DIMS left out)."""

    node = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "month", *FACT_KEY], nulls_distinct=False, name="rollup_month_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["node", "month"],
                include=OVERALL_READ,
                condition=OVERALL_TOTALS,
                name="rollup_month_overall",
            )
        ]

    def __str__(self) -> str:
        return f"node {self.node_id} {self.month:%m/%Y} {self.kind} ×{self.count}"


class RollupPending(models.Model):
    """A unit-day whose daily facts were rewritten but whose roll-ups were not yet: the fold's second
    half takes these, so a crash between the two halves is finished by the next fold."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="rollup_pending_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class RollupState(models.Model):
    """Per node, how many folds have changed its counts: cached figures are keyed by it, so a figure
    is recomputed only after a fold touched the node (Zulip's FillState, per node)."""

    node = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="+")
    generation = models.BigIntegerField(default=0)
    folded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"node {self.node_id} generation {self.generation}"


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


class ParRuleSet(models.Model):
    """How a province turns a unit's satisfaction into PAR Index points, as versioned data.

    `params` by kind: band {"maximum", "bands": [[min_rate, points], ...]} (rates and points as
    decimal strings); linear {"maximum", "threshold"}; decision_766 {} (criterion 5.4 built in).
    A version is never edited: a change is a new version; `year_from`–`year_to` say when it applies.
    """

    class Kind(models.TextChoices):
        BAND = "band", _("Band table")
        LINEAR = "linear", _("Linear to a threshold")
        DECISION_766 = "decision_766", _("Decision 766/QĐ-TTg, criteria 5.2, 5.3 and 5.4")

    class QuotaCondition(models.TextChoices):
        NONE = "none", _("No quota condition")
        ZERO = "zero", _("No points when the quota is missed")
        SCALED = "scaled", _("Points scaled by quota attainment")

    owner = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="par_rule_sets",
        help_text=_("the province; empty for the platform default"),
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    params = models.JSONField(default=dict)
    quota_condition = models.CharField(
        max_length=10, choices=QuotaCondition.choices, default=QuotaCondition.NONE
    )
    year_from = models.PositiveIntegerField()
    year_to = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name", "version"], nulls_distinct=False, name="par_rule_set_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ParContribution(models.Model):
    """One unit's computed points for a year (or the year to date), with every input kept.

    `frozen` rows are copies taken when the province froze the year and never change; the live row
    keeps being recomputed, so the two can be shown side by side.
    """

    class Scope(models.TextChoices):
        YEAR = "year", _("Whole year")
        YEAR_TO_DATE = "ytd", _("Year to date")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    scope = models.CharField(max_length=4, choices=Scope.choices)
    frozen = models.BooleanField(default=False)
    rule_set = models.ForeignKey(ParRuleSet, on_delete=models.PROTECT, related_name="contributions")
    inputs = models.JSONField()
    points = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True
    )  # NULL = not applicable
    maximum = models.DecimalField(max_digits=9, decimal_places=6)
    not_applicable = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "scope", "frozen"], name="par_contribution_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.scope}{' frozen' if self.frozen else ''}: {self.points}"


class ParYearFreeze(models.Model):
    """A province froze its units' contributions for a year; nothing frozen changes afterwards."""

    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="par_year_freeze_unique")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.year}"


class PublicationSchedule(models.Model):
    """When a unit publishes its results (seed 004: continuously at the desk, yearly on the website,
    other channels at least every six months, before 10 June and 10 November)."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        SEMIANNUAL = "semiannual", _("Every six months (before 10 June and 10 November)")
        ANNUAL = "annual", _("Yearly")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    review_first = models.BooleanField(_("the admin reviews before it goes public"), default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="publication_schedule_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind}"


class Publication(models.Model):
    """An immutable snapshot of a unit's figures at a cut-off, with its PDF and a permanent public URL."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12)  # a PublicationSchedule.Kind, or "adhoc"
    period_start = models.DateField()
    period_end = models.DateField()
    cutoff_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    internal = models.BooleanField(default=False, help_text=_("an internal report may name civil servants"))
    snapshot = models.JSONField(default=dict)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind", "period_start", "period_end", "internal"],
                name="publication_period_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.period_start}–{self.period_end} ({self.status})"


class PublicationSubscriber(models.Model):
    """Someone told by e-mail when a unit publishes."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "email"], name="publication_subscriber_unique")
        ]

    def __str__(self) -> str:
        return self.email
