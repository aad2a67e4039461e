"""The official unit registry (public schema): units are tenants, but only onboarded ones have a schema."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class Structure(models.TextChoices):
    CURRENT = "current", _("Two-tier (since 1 July 2025)")
    LEGACY = "legacy", _("Three-tier (before 1 July 2025)")


class DivisionType(models.TextChoices):
    NATION = "nation", "Quốc gia"
    PROVINCE = "tinh", "Tỉnh"
    CENTRAL_CITY = "thanh_pho_tw", "Thành phố trực thuộc trung ương"
    RURAL_DISTRICT = "huyen", "Huyện"
    URBAN_DISTRICT = "quan", "Quận"
    TOWN = "thi_xa", "Thị xã"
    PROVINCIAL_CITY = "thanh_pho", "Thành phố thuộc tỉnh"
    COMMUNE = "xa", "Xã"
    WARD = "phuong", "Phường"
    TOWNSHIP = "thi_tran", "Thị trấn"
    SPECIAL_ZONE = "dac_khu", "Đặc khu"


class Unit(TenantMixin):
    """An administrative unit of the GSO registry; `schema_name` is reserved even before onboarding."""

    code = models.CharField(_("official code"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    division_type = models.CharField(_("type"), max_length=20, choices=DivisionType.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    structure = models.CharField(_("structure"), max_length=10, choices=Structure.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    # The structure's initial, then each code from the top: "l:20/182/06175/" (legacy Lạng Sơn > Văn
    # Lãng > Hồng Thái). Subtree = path prefix, one indexed LIKE instead of a recursive query; kept
    # right by unit_move, the one writer of parents.
    path = models.CharField(max_length=64, db_index=True, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors", verbose_name=_("successors")
    )
    onboarded_at = models.DateTimeField(_("onboarded at"), null=True, blank=True)
    schema_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    schema_ok = models.BooleanField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="unit_code_unique_in_structure"),
        ]
        indexes = [models.Index(fields=["structure", "level"])]
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None

    @property
    def slug(self) -> str:
        """The unit's path segment under /u/ (its schema name)."""
        return self.schema_name

    def get_absolute_url(self) -> str:
        return f"/u/{self.slug}/console/"


class Domain(DomainMixin):
    """django-tenants' route: with subfolder routing `domain` is the folder name under /u/."""

    class Meta:
        verbose_name = _("unit address")
        verbose_name_plural = _("unit addresses")


class User(AbstractUser):
    """A person who signs in to the staff console; identified by e-mail."""

    email = models.EmailField(_("e-mail address"), unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OFFICER = "officer", _("Officer")
    ADMIN = "admin", _("Administrator")


class Membership(models.Model):
    """A role of one user in one unit, inherited by the unit's subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role in a unit")
        verbose_name_plural = _("roles in units")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="one_role_per_user_and_unit")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.role}"


class ShortLink(models.Model):
    """Public index of printed codes: /q/<code> finds the unit whose schema holds the link."""

    code = models.CharField(max_length=12, unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="short_links")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class QuestionnaireShare(models.Model):
    """A questionnaire a province or district offers to every unit of its subtree."""

    owner = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="shared_questionnaires")
    key = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=300)
    version = models.PositiveIntegerField(default=1)
    definition = models.JSONField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key", "version"], name="share_version_unique")
        ]

    def __str__(self) -> str:
        return self.title


class DossierIndex(models.Model):
    """Public index of dossier codes: which units hold a code.

    A code is unique within what one writer reaches (a one-stop system's subtree: its issuing
    agencies), not across the country, so one province's system can neither take another province's
    code nor learn that it exists (surveys.dossiers).
    """

    code = models.CharField(max_length=60, db_index=True)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="dossier_code_unique_in_unit")]

    def __str__(self) -> str:
        return self.code


class AuditAction(models.TextChoices):
    """What an audited action did; the labels are what the activity log shows."""

    PAPER_BALLOT_VOID = "paper_ballot_void", _("Voided a paper ballot")
    RESPONSES_HOLD = "responses_hold", _("Held answers out of the figures for review")
    RESPONSES_ACCEPT = "responses_accept", _("Accepted answers held for review")
    RESPONSES_REJECT = "responses_reject", _("Rejected answers from the figures")
    DESK_DEVICE_REGISTER = "desk_device_register", _("Registered a desk tablet")
    DESK_DEVICE_REVOKE = "desk_device_revoke", _("Withdrew a desk tablet")
    PUBLICATION_PUBLISH = "publication_publish", _("Published results")
    PAR_YEAR_FREEZE = "par_year_freeze", _("Froze a year of PAR Index points")
    PAR_RULE_SET_CREATE = "par_rule_set_create", _("Created PAR scoring rules")
    PAR_RULE_SET_REVISE = "par_rule_set_revise", _("Revised PAR scoring rules")
    ROLE_GRANT = "role_grant", _("Granted a role")
    ROLE_REVOKE = "role_revoke", _("Revoked a role")
    API_KEY_ISSUE = "api_key_issue", _("Issued an API key")
    API_KEY_ROTATE = "api_key_rotate", _("Replaced an API key")
    API_KEY_REVOKE = "api_key_revoke", _("Revoked an API key")
    UNIT_OFFBOARD = "unit_offboard", _("Took the unit off the platform")
    HOUSEHOLD_NAMES_ERASE = "household_names_erase", _("Erased the household names of a survey round")
    CUSTOMER_CONTACT_ERASE = "customer_contact_erase", _("Erased a customer's contact data on request")
    CUSTOMER_CONTACTS_ERASE = "customer_contacts_erase", _("Erased the contact data of a customer survey")
    CAMPAIGN_VERSION_SWITCH = "campaign_version_switch", _("Moved a campaign to a new questionnaire version")
    QR_LINK_MOVE = "qr_link_move", _("Pointed a printed QR code at another campaign")


class AuditEvent(models.Model):
    """One action that changed or hid data: who, when, in which unit, what and why.

    Written by the service that acts, in its own transaction, so an action and its record commit
    together. A database trigger refuses to change or delete a row. The actor's e-mail is copied so
    the record stays readable if the account goes; no foreign key ties the two.
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)  # "" = the platform itself
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target = models.CharField(max_length=300, blank=True)  # names what was acted on, as the actor saw it
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-at"], name="audit_unit_at"),
            models.Index(fields=["-at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or '-'} {self.action} {self.target}"


class CalendarDay(models.Model):
    """A day that breaks the weekly pattern for civil servants: a public holiday or compensatory day off
    (on a weekday), or a Saturday/Sunday worked in exchange for a bridged day. Operators edit the
    calendar in the Django admin when the year's official announcement is issued; feedback due dates
    are counted in working days over it (tenants.workdays)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off (holiday or compensatory day off)")
        WORKDAY = "workday", _("Working day (a weekend day worked in exchange)")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DAY_OFF)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


class FeedbackDeadlineRule(models.Model):
    """How many working days a province gives its units to answer feedback (phản ánh, kiến nghị);
    provinces without a row use tenants.workdays.DEFAULT_FEEDBACK_WORKING_DAYS."""

    province = models.OneToOneField(
        Unit,
        on_delete=models.CASCADE,
        related_name="feedback_deadline",
        limit_choices_to={"level": "province"},
    )
    working_days = models.PositiveSmallIntegerField(_("working days to reply"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feedback deadline rule")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_days__gte=1, working_days__lte=90), name="feedback_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province}: {self.working_days}"
