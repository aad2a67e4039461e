"""Writes of the survey domain. Services that touch both the public and the unit schema take the unit."""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import ShortLink, Unit
from tenants.selectors import unit_current

from .answers import ParsedAnswers, PostData, answers_parse
from .builtin.catalog import FIELDS, PROCEDURES
from .builtin.questionnaires import BUILTIN_BY_KEY
from .definition import Definition, definition_errors
from .models import (
    Answer,
    Campaign,
    Channel,
    ContactDetail,
    Desk,
    DeskDevice,
    DossierToken,
    Field,
    PaperBatch,
    Procedure,
    QRLink,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Review,
    StaffMember,
)
from .signals import responses_changed

# Short codes avoid letters and digits that are confused when typed from a poster (0/O, 1/l/I).
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 7
BURST_WINDOW = dt.timedelta(minutes=10)
BURST_LIMIT = 20  # answers from one address in the window before they are flagged for review
# A registered desk device serves one citizen after another: it is flagged only when it goes faster
# than a queue can, on average more than one answer every 30 seconds over the window, or the same
# answers as its previous one within 30 seconds (no next citizen steps up and answers that fast).
DEVICE_BURST_LIMIT = 20
DEVICE_REPEAT_INTERVAL = dt.timedelta(seconds=30)
# Flags that hold an answer out of the figures until the unit reviews it. A honeypot hit is a bot:
# never counted, nothing to review.
HELD_FLAGS = frozenset({"burst", "duplicate"})


class SubmissionError(Exception):
    """A submission that cannot be stored; `errors` maps question keys (or "__all__") to messages."""

    def __init__(self, errors: Mapping[str, str], status: int = 400):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
        self.status = status


def local_today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- catalog


@transaction.atomic
def catalog_seed() -> tuple[int, int]:
    """Load the built-in commune catalog into the current unit's schema; existing rows are kept."""
    fields = {}
    for f in FIELDS:
        fields[f["key"]], _created = Field.objects.get_or_create(
            key=f["key"], defaults={"name_vi": f["name"]["vi"], "name_en": f["name"]["en"]}
        )
    created = 0
    # A unit may already hold a national code under a procedure of its own: keep theirs.
    taken = set(Procedure.objects.exclude(national_code=None).values_list("national_code", flat=True))
    for p in PROCEDURES:
        if p["national_code"] in taken and not Procedure.objects.filter(key=p["key"]).exists():
            continue
        _obj, was_created = Procedure.objects.get_or_create(
            key=p["key"],
            defaults={
                "field": fields[p["field"]],
                "name_vi": p["name"]["vi"],
                "name_en": p["name"]["en"],
                "national_code": p["national_code"],
            },
        )
        created += was_created
    return len(fields), created


# --------------------------------------------------------------------------- questionnaires


@transaction.atomic
def questionnaire_version_publish(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    if version.is_published:
        raise ValidationError(_("This version is already published."))
    errors = definition_errors(version.definition)
    if errors:
        raise ValidationError(errors)
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


@transaction.atomic
def questionnaire_create(
    *,
    key: str,
    definition: Mapping[str, Any],
    source: str = Questionnaire.Source.CUSTOM,
    shared_from: int | None = None,
    locked: bool = False,
    publish: bool = True,
) -> Questionnaire:
    errors = definition_errors(definition)
    if errors:
        raise ValidationError(errors)
    if Questionnaire.objects.filter(key=key).exists():
        raise ValidationError(_("A questionnaire with the key “%(key)s” already exists.") % {"key": key})
    questionnaire = Questionnaire.objects.create(
        key=key,
        title_vi=definition["title"]["vi"],
        title_en=definition["title"].get("en", ""),
        source=source,
        shared_from=shared_from,
        is_locked=locked,
    )
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=1, definition=definition
    )
    if publish:
        questionnaire_version_publish(version=version)
    return questionnaire


def questionnaire_install_builtin(*, key: str) -> Questionnaire:
    """Install a built-in template (seeds 000, 001, 004) as a published questionnaire; idempotent."""
    existing = Questionnaire.objects.filter(key=key).first()
    if existing:
        return existing
    if key not in BUILTIN_BY_KEY:
        raise ValidationError(_("Unknown template “%(key)s”.") % {"key": key})
    return questionnaire_create(key=key, definition=BUILTIN_BY_KEY[key], source=Questionnaire.Source.BUILTIN)


@transaction.atomic
def questionnaire_version_draft(
    *, questionnaire: Questionnaire, definition: Mapping[str, Any] | None = None
) -> QuestionnaireVersion:
    """Editing a questionnaire makes a new draft version; published versions never change."""
    if questionnaire.is_locked:
        raise ValidationError(_("A shared questionnaire used as is cannot be edited; make a copy instead."))
    latest = questionnaire.versions.order_by("-number").first()
    if latest is not None and not latest.is_published:
        if definition is not None:
            latest.definition = definition
            latest.save(update_fields=["definition"])
        return latest
    base = definition if definition is not None else (latest.definition if latest else {})
    return QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=(latest.number + 1) if latest else 1, definition=base
    )


# --------------------------------------------------------------------------- campaigns and links


def campaign_check(
    *,
    name: str,
    version: QuestionnaireVersion,
    starts_on: dt.date,
    ends_on: dt.date,
    channels: list[str],
    exclude: int | None = None,
) -> str:
    """The one set of rules a campaign obeys, from the console, the demo or a script; returns the
    cleaned name. Errors are keyed by field so a form can show them in place."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("The campaign needs a name.")})
    same_name = Campaign.objects.filter(name__iexact=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise ValidationError({"name": _("A campaign with this name already exists.")})
    if not version.is_published:
        raise ValidationError(
            {"version": _("Only a published questionnaire version can be used in a campaign.")}
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day is before the first day.")})
    if not channels or set(channels) - set(Channel.values):
        raise ValidationError({"channels": _("Choose the channels from the list.")})
    return name


@transaction.atomic
def campaign_create(
    *,
    name: str,
    version: QuestionnaireVersion,
    starts_on: dt.date,
    ends_on: dt.date,
    channels: list[str],
) -> Campaign:
    name = campaign_check(name=name, version=version, starts_on=starts_on, ends_on=ends_on, channels=channels)
    return Campaign.objects.create(
        name=name,
        version=version,
        starts_on=starts_on,
        ends_on=ends_on,
        channels=list(dict.fromkeys(channels)),
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def qr_link_create(
    *, unit: Unit, campaign: Campaign, desk: Desk | None = None, staff: StaffMember | None = None
) -> QRLink:
    """A printed code for the campaign, a desk or a civil servant, indexed publicly for /q/<code>."""
    channel = Channel.STAFF if staff else Channel.DESK if desk else Channel.QR
    for _attempt in range(5):
        code = _new_code()
        try:
            with transaction.atomic():
                ShortLink.objects.create(code=code, unit=unit)
                with tenant_context(unit):
                    return QRLink.objects.create(
                        code=code, campaign=campaign, channel=channel, desk=desk, staff=staff
                    )
        except IntegrityError:
            continue  # a code collision: 31^7 codes make this vanishingly rare
    raise RuntimeError("Could not allocate a unique short code")


def short_url(code: str) -> str:
    return f"{settings.BASE_URL}/q/{code}"


# --------------------------------------------------------------------------- one-time dossier links

DOSSIER_SIGNER = signing.Signer(salt="surveys.dossier")


def dossier_token_sign(*, unit: Unit, token: DossierToken) -> str:
    """The link's token. Compact ("<unit>-<token>-<nonce>:<signature>", hex ids) for a small receipt QR."""
    return DOSSIER_SIGNER.sign(f"{unit.pk:x}-{token.pk:x}-{token.nonce}")


def dossier_token_issue(
    *,
    unit: Unit,
    campaign: Campaign,
    dossier_code: str,
    procedure: Procedure | None = None,
    staff: StaffMember | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=30),
) -> tuple[DossierToken, str]:
    """One signed link per dossier; asking again for the same dossier returns the same unused link."""
    with tenant_context(unit), transaction.atomic():
        token, _created = DossierToken.objects.get_or_create(
            dossier_code=dossier_code,
            defaults={
                "campaign": campaign,
                "procedure": procedure,
                "staff": staff,
                "nonce": secrets.token_urlsafe(6),
                "expires_at": timezone.now() + valid_for,
            },
        )
    return token, dossier_token_sign(unit=unit, token=token)


def dossier_token_read(signed: str) -> tuple[Unit, int, str]:
    """(unit, token id, nonce) from a signed link; a forged or garbled link raises SubmissionError(404)."""
    try:
        unit_hex, token_hex, nonce = DOSSIER_SIGNER.unsign(signed).split("-", 2)
        unit = Unit.objects.get(pk=int(unit_hex, 16), onboarded_at__isnull=False)
        return unit, int(token_hex, 16), nonce
    except (signing.BadSignature, TypeError, ValueError, Unit.DoesNotExist) as error:
        raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404) from error


def dossier_token_check(token: DossierToken, nonce: str) -> None:
    if not hmac.compare_digest(token.nonce, nonce):
        raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404)
    if token.used_at is not None:
        raise SubmissionError(
            {"__all__": _("This survey link has already been used. Thank you!")}, status=410
        )
    if token.expires_at < timezone.now():
        raise SubmissionError({"__all__": _("This survey link has expired.")}, status=410)


# --------------------------------------------------------------------------- responses


def client_hash(address: str) -> str:
    """A keyed hash of the client address: enough to see bursts, useless to identify anyone."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def campaign_is_open(campaign: Campaign, day: dt.date) -> bool:
    return campaign.is_active and campaign.starts_on <= day <= campaign.ends_on


def _ratings(answers: Any) -> list[tuple[str, int | None]]:
    return sorted((a.question_key, a.value) for a in answers if a.kind == Answer.Kind.RATING)


def _flags(
    *, parsed: ParsedAnswers, client: str, device: DeskDevice | None, honeypot: bool, now: dt.datetime
) -> list[str]:
    """Why an answer looks stuffed. Answers from one address are compared with each other, except those
    given on a registered desk device, which are paced per device: every phone on the office's Wi-Fi
    shares the office's address, and one tablet serves the whole queue."""
    flags = ["honeypot"] if honeypot else []
    signature = sorted((r.question_key, r.value) for r in parsed.ratings)
    if device is not None:
        recent = Response.objects.filter(device=device, submitted_at__gte=now - BURST_WINDOW)
        if recent.count() >= DEVICE_BURST_LIMIT:
            flags.append("burst")
        previous = recent.order_by("-submitted_at").prefetch_related("answers").first()
        if (
            previous is not None
            and now - previous.submitted_at < DEVICE_REPEAT_INTERVAL
            and _ratings(previous.answers.all()) == signature
        ):
            flags.append("duplicate")
    elif client:
        recent = Response.objects.filter(client_hash=client, submitted_at__gte=now - BURST_WINDOW)
        if recent.count() >= BURST_LIMIT:
            flags.append("burst")
        for previous in recent.order_by("-submitted_at")[:5].prefetch_related("answers"):
            if _ratings(previous.answers.all()) == signature:
                flags.append("duplicate")
                break
    return flags


def response_submit(
    *,
    campaign: Campaign,
    version_id: int,
    data: PostData,
    submission_key: uuid.UUID,
    channel: str,
    link: QRLink | None = None,
    dossier: tuple[DossierToken, str] | None = None,
    paper_batch: PaperBatch | None = None,
    entered_by: Any = None,
    client: str = "",
    device: DeskDevice | None = None,
    honeypot: bool = False,
    language: str = "vi",
) -> tuple[Response, bool]:
    """Store one response in the current unit's schema, in this request; returns (response, created).

    Idempotent by submission_key: the same form posted twice stores one response. `device` is the
    registered desk device the form was sent from; it counts only for desk and civil-servant codes.
    An answer flagged as a burst or a duplicate is stored held, out of the figures until reviewed.
    """
    existing = Response.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.campaign_id != campaign.pk:
            raise SubmissionError({"__all__": _("This form does not belong to this survey.")})
        return existing, False
    if version_id != campaign.version_id:
        raise SubmissionError({"__all__": _("This form is out of date. Please open the survey link again.")})
    now = timezone.now()
    if paper_batch is None and not campaign_is_open(campaign, timezone.localdate(now)):
        raise SubmissionError({"__all__": _("This survey is not open.")}, status=410)
    if dossier is not None:
        dossier_token_check(*dossier)  # checked again under a row lock below, against a race
    definition = Definition(campaign.version.definition)
    known = frozenset({"procedure"}) if dossier is not None and dossier[0].procedure_id else frozenset()
    parsed, errors = answers_parse(definition=definition, data=data, known=known)
    if errors:
        raise SubmissionError(errors)
    if device is not None and (not device.is_active or channel not in (Channel.DESK, Channel.STAFF)):
        device = None
    flags = _flags(parsed=parsed, client=client, device=device, honeypot=honeypot, now=now)
    try:
        with transaction.atomic():
            token = None
            if dossier is not None:
                token = DossierToken.objects.select_for_update().get(pk=dossier[0].pk)
                dossier_token_check(token, dossier[1])
            response = Response.objects.create(
                submission_key=submission_key,
                campaign=campaign,
                version_id=version_id,
                channel=channel,
                link=link,
                desk=link.desk if link else paper_batch.desk if paper_batch else None,
                staff=(link.staff if link else None) or (token.staff if token else None),
                procedure=parsed.procedure or (token.procedure if token else None),
                procedure_other=parsed.procedure_other,
                field=parsed.field,
                field_other=parsed.field_other,
                paper_batch=paper_batch,
                dossier_token=token,
                overall_bucket=parsed.overall_bucket or "",
                language=language,
                submitted_at=now,
                answered_on=paper_batch.collected_to if paper_batch else timezone.localdate(now),
                client_hash=client,
                device=device,
                entered_by=entered_by,
                flag_reasons=flags,
                review=Review.HELD if HELD_FLAGS & set(flags) and "honeypot" not in flags else Review.NONE,
            )
            Answer.objects.bulk_create(
                [
                    Answer(
                        response=response,
                        question_key=r.question_key,
                        kind=Answer.Kind.RATING,
                        element=r.element,
                        scale=r.scale,
                        value=r.value,
                        bucket=r.bucket,
                    )
                    for r in parsed.ratings
                ]
                + [
                    Answer(
                        response=response, question_key=q, kind=Answer.Kind.REASON, option_key=o, element=e
                    )
                    for q, o, e in parsed.reasons
                ]
                + [
                    Answer(
                        response=response,
                        question_key=q,
                        kind=Answer.Kind.TEXT,
                        text=t,
                    )
                    for q, t in parsed.texts
                ]
            )
            if parsed.contact:
                ContactDetail.objects.create(response=response, consent_at=now, **parsed.contact)
            # In the same transaction, so a committed response can never miss its refresh.
            responses_changed.send(sender=Response, unit=unit_current(), day=response.answered_on)
            if token is not None:
                token.used_at = now
                token.save(update_fields=["used_at"])
    except IntegrityError:
        # Two taps raced past the first check: the other request stored it.
        existing = Response.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return response, True
