"""A unit's own survey data, stored in the unit's schema (DESIGN.md, "Where data lives")."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    QR = "qr", _("QR code of the campaign")
    DESK = "desk", _("QR code of a desk")
    STAFF = "staff", _("QR code of a civil servant")
    DOSSIER = "dossier", _("One-time link on a dossier receipt")
    PAPER = "paper", _("Paper ballot")
    HOUSEHOLD = "household", _("Household survey questionnaire")
    LIST = "list", _("One-time link sent to a customer of the desk")
    PHONE = "phone", _("Phone interview by an officer")


class Review(models.TextChoices):
    """Whether a response counts in the official figures. A flagged answer (many answers from one
    address, the same answers again at once) is held out until someone of the unit decides."""

    NONE = "", _("Counted")
    HELD = "held", _("Held for review")
    ACCEPTED = "accepted", _("Accepted after review")
    REJECTED = "rejected", _("Rejected after review")


class Bucket(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Field(models.Model):
    """A field of administrative work (lĩnh vực), e.g. hộ tịch, đất đai."""

    key = models.SlugField(max_length=60, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_vi"]

    def __str__(self) -> str:
        return self.name_vi


class Procedure(models.Model):
    """An administrative procedure (TTHC) of the unit's catalog."""

    key = models.SlugField(max_length=80, unique=True)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="procedures")
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=400)
    name_en = models.CharField(_("name (English)"), max_length=400, blank=True)
    # NULL, not "", so that the unique constraint ignores procedures without a national code.
    national_code = models.CharField(  # noqa: DJ001
        _("national procedure code"), max_length=40, blank=True, null=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["field__name_vi", "name_vi"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False),
                name="procedure_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name_vi


class Desk(models.Model):
    """A one-stop desk (Bộ phận một cửa) or another counter where citizens are served."""

    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("location"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service desk")
        verbose_name_plural = _("service desks")
        constraints = [models.UniqueConstraint(fields=["name"], name="desk_name_unique")]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """A civil servant who receives or handles dossiers; rated through their own QR code."""

    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff")
    fields = models.ManyToManyField(Field, blank=True, related_name="staff", verbose_name=_("fields handled"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Questionnaire(models.Model):
    """A questionnaire the unit uses; its questions live in immutable published versions."""

    class Source(models.TextChoices):
        BUILTIN = "builtin", _("Built-in template")
        SHARED = "shared", _("Shared by a higher level")
        CUSTOM = "custom", _("Made by the unit")

    key = models.SlugField(max_length=80, unique=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CUSTOM)
    # A shared questionnaire used "as is" stays locked to the sharer's versions; a copy is editable.
    shared_from = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="public QuestionnaireShare id"
    )
    is_locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_vi"]

    def __str__(self) -> str:
        return self.title_vi

    @property
    def latest_published(self) -> "QuestionnaireVersion | None":
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class QuestionnaireVersion(models.Model):
    """One frozen set of questions; a database trigger refuses edits once it is published."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(help_text="surveys.definition schema")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["questionnaire", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Campaign(models.Model):
    """A survey period with one questionnaire version, its channels and its quota rule."""

    name = models.CharField(_("name"), max_length=200)
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="campaigns")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    channels = ArrayField(models.CharField(max_length=10, choices=Channel.choices), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates")
        ]

    def __str__(self) -> str:
        return self.name


class QRLink(models.Model):
    """A printed code: /q/<code> opens the campaign's form for a desk, a civil servant or the whole unit."""

    code = models.CharField(max_length=12, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.PROTECT, related_name="links")
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="links"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(channel="qr", desk__isnull=True, staff__isnull=True)
                    | Q(channel="desk", desk__isnull=False, staff__isnull=True)
                    | Q(channel="staff", staff__isnull=False)
                ),
                name="qrlink_target_matches_channel",
            )
        ]

    def __str__(self) -> str:
        return self.code


class DossierToken(models.Model):
    """A one-time survey link printed on one dossier's receipt; single use, expiring."""

    dossier_code = models.CharField(max_length=60, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="dossier_tokens")
    procedure = models.ForeignKey(Procedure, null=True, blank=True, on_delete=models.SET_NULL)
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.SET_NULL)
    nonce = models.CharField(max_length=32)
    # The short personal link of a listed customer (/k/<code>, for a text message): the code alone is
    # the secret, so it is longer than a printed code's; indexed publicly in tenants.ShortLink.
    short_code = models.CharField(max_length=12, null=True, blank=True, unique=True)
    # The channel its answer is counted under: a receipt's link, or a link sent to a listed customer
    # (whose answers an officer may also record by phone).
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.DOSSIER)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.dossier_code


class PaperBatch(models.Model):
    """The ballots of one box over some days; it closes only when the entered count matches."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="paper_batches")
    desk = models.ForeignKey(
        Desk, null=True, blank=True, on_delete=models.PROTECT, related_name="paper_batches"
    )
    box_label = models.CharField(_("ballot box"), max_length=100)
    collected_from = models.DateField(_("collected from"))
    collected_to = models.DateField(_("collected until"))
    declared_count = models.PositiveIntegerField(_("ballots in the box"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(condition=Q(collected_to__gte=F("collected_from")), name="batch_dates"),
        ]

    def __str__(self) -> str:
        return self.box_label


class DeskDevice(models.Model):
    """A tablet or kiosk the unit keeps at its one-stop desk, where citizen after citizen answers.

    Registered from the console on the device itself, which then carries a cookie whose secret is
    stored here hashed. Its answers through desk and civil-servant QR codes are judged by the device's
    own pace instead of the office's shared address (surveys.services, `_flags`).
    """

    label = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Response(models.Model):
    """One citizen's answers to one questionnaire version. Never carries who the citizen is."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Generated when the form is rendered and posted back: a double tap stores one response.
    submission_key = models.UUIDField(unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    link = models.ForeignKey(
        QRLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    desk = models.ForeignKey(Desk, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses")
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    procedure_other = models.CharField(max_length=300, blank=True)
    field = models.ForeignKey(Field, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field_other = models.CharField(max_length=300, blank=True)
    paper_batch = models.ForeignKey(
        PaperBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    dossier_token = models.OneToOneField(
        DossierToken, null=True, blank=True, on_delete=models.PROTECT, related_name="response"
    )
    # Bucket of the OVERALL question ("" if none): the "satisfaction" filter of the officers' view.
    overall_bucket = models.CharField(max_length=12, choices=Bucket.choices, blank=True)
    language = models.CharField(max_length=5, default="vi")
    submitted_at = models.DateTimeField(db_index=True)
    # The local (Asia/Ho_Chi_Minh) day the citizen answered: the day of submission, or for a paper
    # ballot the last day of its batch's collection period. Figures count by this day.
    answered_on = models.DateField(db_index=True)
    # A keyed hash of the client address, kept only to flag bursts; never shown, never reversible here.
    client_hash = models.CharField(max_length=64, blank=True)
    # The registered desk device it was given on, if any: such answers are paced per device.
    device = models.ForeignKey(
        DeskDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    flag_reasons = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # Held answers stay out of every official figure until the unit accepts them (or rejects them).
    review = models.CharField(max_length=10, choices=Review.choices, blank=True, default=Review.NONE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A paper ballot typed in by mistake is voided, not deleted: kept with who and why, never counted.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["campaign", "submitted_at"]),
            models.Index(fields=["client_hash", "submitted_at"]),
            models.Index(fields=["device", "submitted_at"], name="response_device_recent"),
            # The review queue: few rows, read often.
            models.Index(fields=["answered_on"], condition=Q(review="held"), name="response_held"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def is_bot(self) -> bool:
        return "honeypot" in self.flag_reasons

    @property
    def counted(self) -> bool:
        """Does it count in the official figures (analytics' FACTS_SQL applies the same rule)?"""
        return not self.is_void and not self.is_bot and self.review in (Review.NONE, Review.ACCEPTED)


class Answer(models.Model):
    """One answer: a rating, one ticked reason, or a free text (masked when shown: surveys.masking)."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating")
        REASON = "reason", _("Reason")
        CHOICE = "choice", _("Choice")
        TEXT = "text", _("Free text")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question_key = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    element = models.CharField(max_length=12, blank=True)
    scale = models.CharField(max_length=2, blank=True)
    value = models.SmallIntegerField(null=True, blank=True)  # None = "no answer"
    bucket = models.CharField(max_length=12, choices=Bucket.choices, blank=True)
    option_key = models.CharField(max_length=60, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["question_key", "kind"])]

    def __str__(self) -> str:
        return f"{self.question_key}={self.value or self.option_key or '…'}"


class ContactDetail(models.Model):
    """Optional contact details, given with consent; kept apart and shown to the unit's admin only."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    consent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"contact for {self.response_id}"


class Dossier(models.Model):
    """A dossier (hồ sơ) as synchronised by a one-stop system; the first sight of it counts a transaction."""

    code = models.CharField(_("dossier code"), max_length=60, unique=True)  # MaHoSo
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    procedure_code = models.CharField(max_length=40)  # MaTTHC as sent
    received_at = models.DateTimeField()  # NgayTiepNhan
    due_at = models.DateTimeField(null=True, blank=True)  # NgayHenTra
    finished_at = models.DateTimeField(null=True, blank=True)  # NgayKetThucXuLy
    status = models.PositiveSmallIntegerField()  # TrangThaiHoSo
    channel = models.PositiveSmallIntegerField(null=True, blank=True)  # KenhThucHien
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code

    @property
    def is_late(self) -> bool:
        return bool(self.due_at and self.finished_at and self.finished_at > self.due_at)


class FeedbackSource(models.TextChoices):
    """How a piece of feedback reached the unit."""

    WEB = "web", _("Feedback page (link or QR code)")
    AFTER_SURVEY = "after_survey", _("Offered after an unsatisfied survey answer")
    LETTER = "letter", _("Letter")
    HOTLINE = "hotline", _("Hotline")
    MAILBOX = "mailbox", _("Feedback box")
    MEETING = "meeting", _("Meeting with citizens")
    PORTAL = "portal", _("National public service portal")


#: The channels an officer types feedback in from.
OFFICER_SOURCES = (
    FeedbackSource.LETTER,
    FeedbackSource.HOTLINE,
    FeedbackSource.MAILBOX,
    FeedbackSource.MEETING,
)


class FeedbackCategory(models.TextChoices):
    ACCESS = "access", _("Access to the service")
    PROCEDURE = "procedure", _("The administrative procedure")
    ATTITUDE = "attitude", _("Attitude of the civil servant")
    RESULT = "result", _("The result (late, incomplete, wrong)")
    HARASSMENT = "harassment", _("Harassment or troublemaking by a civil servant")
    UNOFFICIAL_COSTS = "unofficial_costs", _("Unofficial costs")
    SUGGESTION = "suggestion", _("Suggestion")
    OTHER = "other", _("Other")


#: Categories that seed 004 wants the chairman to hear of at once.
SERIOUS_CATEGORIES = frozenset({FeedbackCategory.HARASSMENT, FeedbackCategory.UNOFFICIAL_COSTS})


class FeedbackStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned to an official")
    REPLIED = "replied", _("Replied")


class ReplyMethod(models.TextChoices):
    EMAIL = "email", _("By e-mail")
    PRINTED = "printed", _("Printed and handed over or posted")


class Feedback(models.Model):
    """One piece of feedback or complaint (phản ánh, kiến nghị). Never linked to a survey answer.

    The citizen's contact details, if given, are in FeedbackContact, which only the unit's handlers see.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=12, unique=True)  # told to the citizen, e.g. "k3m2x7a"
    # The citizen form's submission key: a double tap stores one record (NULL for other sources).
    submission_key = models.UUIDField(unique=True, null=True, blank=True)
    source = models.CharField(max_length=20, choices=FeedbackSource.choices)
    # The national portal's own code (idempotency key of its events); NULL for every other source.
    portal_code = models.CharField(max_length=60, unique=True, null=True, blank=True)  # noqa: DJ001
    category = models.CharField(max_length=20, choices=FeedbackCategory.choices)
    content = models.TextField(max_length=4000)
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dossier_code = models.CharField(max_length=60, blank=True, db_index=True)
    received_at = models.DateTimeField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.RECEIVED)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply = models.TextField(blank=True)
    reply_method = models.CharField(max_length=10, choices=ReplyMethod.choices, blank=True)
    serious_reported_at = models.DateTimeField(null=True, blank=True)
    # The due date whose overdue reminder went out: one reminder per episode (a new due date, a new one).
    reminded_for = models.DateField(null=True, blank=True)
    # Rating of the handling, through a one-time link sent with the reply (when there is a contact).
    rateable = models.BooleanField(null=True, blank=True)  # set at the reply: None until replied
    rating_nonce = models.CharField(max_length=32, blank=True)
    rating_expires_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rating_value = models.SmallIntegerField(null=True, blank=True)
    rating_bucket = models.CharField(max_length=12, choices=Bucket.choices, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["due_on"]), models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="replied", replied_at__isnull=False) | ~Q(status="replied"),
                name="feedback_replied_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_serious(self) -> bool:
        return self.category in SERIOUS_CATEGORIES


class FeedbackContact(models.Model):
    """How to reach the citizen about one piece of feedback: kept apart, shown to the unit's handlers
    only, erased once the reply is rated or the rating link has expired."""

    feedback = models.OneToOneField(Feedback, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    consent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"contact for {self.feedback_id}"


class FeedbackStatusChange(models.Model):
    """Each status a piece of feedback passed through, with its date: the handling's history."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=10, choices=FeedbackStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback_id} {self.status}"


# The household survey (seed 002) keeps its models in their own module; importing them here registers
# them with the app.
from surveys.households.models import (  # noqa: E402, F401
    Household,
    HouseholdRound,
    PaperEntry,
    Recheck,
    RoundCommune,
    Slot,
    Village,
)

# --------------------------------------------------------------------------------------------------
# Customers of the one-stop desk (seed 003): who to ask lives here, apart from what anyone answered.
# --------------------------------------------------------------------------------------------------


class Customer(models.Model):
    """One dossier of the desk's customer list: what the dossier says. Who the person is lives apart,
    in CustomerContact, and is erased when the survey no longer needs it."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Imported from the one-stop system's export")
        API = "api", _("Received through the API")

    dossier_code = models.CharField(_("dossier code"), max_length=60, unique=True)
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    procedure_code = models.CharField(max_length=400, blank=True)  # as given in the export
    received_on = models.DateField(_("received on"))
    returned_on = models.DateField(_("result returned on"), null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)  # no more e-mail, ever
    contact_erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["received_on", "dossier_code"]
        indexes = [models.Index(fields=["received_on"])]

    def __str__(self) -> str:
        return self.dossier_code


class CustomerContact(models.Model):
    """The person behind a dossier: seen only by the unit's officers running a customer survey."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)

    def __str__(self) -> str:
        return f"contact of {self.customer_id}"


class CustomerColumns(models.Model):
    """The headers of the unit's one-stop export, remembered from its last import (one row per unit)."""

    mapping = models.JSONField(default=dict)  # column name → header text as the file spells it
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "customer list columns"


class CustomerSurvey(models.Model):
    """A campaign that asks the desk's listed customers: all of them, or a random sample whose size
    comes from the unit's quota rule, drawn reproducibly from the recorded seed."""

    class Mode(models.TextChoices):
        ALL = "all", _("Every customer on the list")
        SAMPLE = "sample", _("A random sample sized by the quota rule")

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="customer_survey")
    received_from = models.DateField(_("dossiers received from"))
    received_to = models.DateField(_("dossiers received until"))
    mode = models.CharField(max_length=10, choices=Mode.choices)
    population = models.PositiveIntegerField()
    sample_size = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    reminder_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=7)
    erase_after_days = models.PositiveSmallIntegerField(
        _("erase contact data after the campaign ends (days)"), default=30
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    contacts_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(received_to__gte=F("received_from")), name="customer_survey_dates"
            ),
            models.CheckConstraint(
                condition=Q(sample_size__lte=F("population")), name="customer_sample_size"
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)


class Invitation(models.Model):
    """One selected customer of a customer survey: how and when they were asked and whether they
    answered. It never points to the answer: once answered, its one-time link is let go."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not contacted yet")
        CONTACTED = "contacted", _("Contacted")
        ANSWERED = "answered", _("Answered")
        REFUSED = "refused", _("Refused")
        UNREACHABLE = "unreachable", _("Unreachable")

    class Method(models.TextChoices):
        SMS = "sms", _("Text message")
        ZALO = "zalo", _("Zalo message")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter or card")
        PHONE = "phone", _("Phone call")

    survey = models.ForeignKey(CustomerSurvey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    token = models.OneToOneField(
        DossierToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "customer"], name="invitation_once"),
            # An answered invitation keeps no link: nothing leads from it to the response.
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(token__isnull=True), name="invitation_answered_unlinked"
            ),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class Outreach(models.Model):
    """One attempt to reach an invited customer: by what, when, by whom."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="attempts")
    method = models.CharField(max_length=10, choices=Invitation.Method.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_reminder = models.BooleanField(default=False)
    # What came of it: a message sent counts as contacted; an officer's call records what the customer
    # said (answered on the phone, refused) or that nobody could be reached.
    outcome = models.CharField(
        max_length=12, choices=Invitation.Status.choices, default=Invitation.Status.CONTACTED
    )

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["invitation", "method"])]

    def __str__(self) -> str:
        return f"{self.method} {self.at:%Y-%m-%d}"


# --------------------------------------------------------------------------------------------------
# The plan (Kế hoạch) of a campaign, issued as a Decree-30 document
# --------------------------------------------------------------------------------------------------


class SurveyPlan(models.Model):
    """The written plan of a campaign. Editable as a draft; once issued a database trigger refuses
    any change to its text, and its PDF is the one kept."""

    class Kind(models.TextChoices):
        DESK_QR = "desk_qr", _("QR code at the one-stop desk")
        PAPER_BOX = "paper_box", _("Paper ballots in a box")
        CUSTOMER_LIST = "customer_list", _("The desk's customer list")
        HOUSEHOLD = "household", _("Household round")

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="plan")
    kind = models.CharField(_("kind of survey"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("document number"), max_length=20, blank=True)
    subject = models.CharField(_("subject"), max_length=400)
    grounds = models.TextField(_("grounds"), blank=True)
    purpose = models.TextField(_("purpose"))
    requirements = models.TextField(_("requirements"), blank=True)
    respondents = models.TextField(_("who is surveyed"))
    scale = models.TextField(_("scale and quota"))
    method = models.TextField(_("method"))
    responsibilities = models.TextField(_("responsibilities"))
    recipients = models.TextField(_("recipients (one per line)"))
    signer_title = models.CharField(_("title of the signatory"), max_length=100)
    signer_name = models.CharField(_("name of the signatory"), max_length=200, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_pdf = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.subject

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None


class PlanStep(models.Model):
    """A row of the plan's timetable and an item of its checklist: done or not, reminded or not."""

    plan = models.ForeignKey(SurveyPlan, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    task = models.CharField(_("task"), max_length=300)
    responsible = models.CharField(_("responsible"), max_length=200)
    # The account reminded of the due date (optional: a plan may name an office, not a person).
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_step_number_unique"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(due_on__gte=F("starts_on")), name="plan_step_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.task
