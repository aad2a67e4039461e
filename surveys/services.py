"""Writes of the survey domain. Services that touch both the public and the unit schema take the unit."""

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import ShortLink, Unit
from tenants.postgresql_backend.base import schema_named_cursor
from tenants.selectors import unit_current

from .answers import Found, ParsedAnswers, PostData, answers_parse, catalog_posted
from .builtin.catalog import FIELDS, PROCEDURES
from .builtin.questionnaires import BUILTIN_BY_KEY
from .columns import Columns
from .definition import definition_errors
from .models import (
    Answer,
    Campaign,
    Channel,
    ContactDetail,
    Desk,
    DeskDevice,
    DossierToken,
    Field,
    Invitation,
    PaperBatch,
    Procedure,
    QRLink,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Review,
    StaffMember,
)
from .selectors import version_definition
from .signals import response_storing

# Short codes avoid letters and digits that are confused when typed from a poster (0/O, 1/l/I).
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 7
# A listed customer's personal link (/k/<code>) is reached by its code alone, so the code is longer:
# 31**10 ≈ 2**49.5 codes. With 20,000 links live in a unit, a blind guess finds one once in ~4*10**10
# tries; the links also stop working when the campaign ends.
PERSONAL_CODE_LENGTH = 10
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


def _new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


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


def personal_codes_issue(*, unit: Unit, count: int) -> list[str]:
    """`count` new codes of personal links, indexed publicly (one INSERT) for /k/<code>."""
    for _attempt in range(5):
        codes = list({_new_code(PERSONAL_CODE_LENGTH) for _ in range(count)})
        if len(codes) < count:
            continue
        try:
            with transaction.atomic():
                ShortLink.objects.bulk_create(
                    [ShortLink(code=code, unit=unit) for code in codes], batch_size=5000
                )
            return codes
        except IntegrityError:
            continue  # a collision with a code already issued: astronomically rare, draw them again
    raise RuntimeError("Could not allocate unique personal codes")


def personal_url(code: str) -> str:
    """The short address of a listed customer's one-time link, short enough for a text message."""
    return f"{settings.BASE_URL}/k/{code}"


def dossier_url(signed: str) -> str:
    """The public address of a one-time link (receipt or customer letter)."""
    return f"{settings.BASE_URL}/d/{signed}"


# --------------------------------------------------------------------------- one-time dossier links

DOSSIER_SIGNER = signing.Signer(salt="surveys.dossier")


def one_time_sign(signer: signing.Signer, *, unit_id: int, pk: int, nonce: str) -> str:
    """A one-time link's token. Compact ("<unit>-<id>-<nonce>:<signature>", hex ids) for a small QR."""
    return signer.sign(f"{unit_id:x}-{pk:x}-{nonce}")


def one_time_read(signer: signing.Signer, signed: str) -> tuple[Unit, int, str]:
    """(unit, id, nonce) from a one-time link; a forged or garbled link raises SubmissionError(404)."""
    try:
        unit_hex, pk_hex, nonce = signer.unsign(signed).split("-", 2)
        unit = Unit.objects.get(pk=int(unit_hex, 16), onboarded_at__isnull=False)
        return unit, int(pk_hex, 16), nonce
    except (signing.BadSignature, TypeError, ValueError, Unit.DoesNotExist) as error:
        raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404) from error


def one_time_check(
    *, nonce: str, expected: str, used_at: dt.datetime | None, expires_at: dt.datetime
) -> None:
    """The checks of every one-time link: its nonce, not used yet, not expired (SubmissionError 404/410)."""
    if not hmac.compare_digest(expected, nonce):
        raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404)
    if used_at is not None:
        raise SubmissionError(
            {"__all__": _("This survey link has already been used. Thank you!")}, status=410
        )
    if expires_at < timezone.now():
        raise SubmissionError({"__all__": _("This survey link has expired.")}, status=410)


def dossier_token_sign(*, unit: Unit, token: DossierToken) -> str:
    """The link's token. Compact ("<unit>-<token>-<nonce>:<signature>", hex ids) for a small receipt QR."""
    return dossier_link_sign(unit_id=unit.pk, token_id=token.pk, nonce=token.nonce)


def dossier_link_sign(*, unit_id: int, token_id: int, nonce: str) -> str:
    """dossier_token_sign from the token's values (a batch reads them without building models)."""
    return one_time_sign(DOSSIER_SIGNER, unit_id=unit_id, pk=token_id, nonce=nonce)


def dossier_link_url(signed: str) -> str:
    """The absolute address of a one-time dossier link, as printed on the receipt."""
    return f"{settings.BASE_URL}/d/{signed}"


def dossier_token_issue(
    *,
    unit: Unit,
    campaign: Campaign,
    dossier_code: str,
    procedure: Procedure | None = None,
    staff: StaffMember | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=30),
    channel: str = Channel.DOSSIER,
) -> tuple[DossierToken, str]:
    """One signed link per dossier; asking again for the same dossier returns the same unused link."""
    with tenant_context(unit), transaction.atomic():
        token, _created = DossierToken.objects.get_or_create(
            dossier_code=dossier_code,
            defaults=dossier_token_defaults(
                campaign=campaign, procedure=procedure, staff=staff, valid_for=valid_for, channel=channel
            ),
        )
    return token, dossier_token_sign(unit=unit, token=token)


def dossier_token_defaults(
    *,
    campaign: Campaign,
    procedure: Procedure | None = None,
    staff: StaffMember | None = None,
    valid_for: dt.timedelta = dt.timedelta(days=30),
    channel: str = Channel.DOSSIER,
) -> dict[str, Any]:
    """The fields of a new dossier link (surveys.dossiers issues a batch's links in one INSERT)."""
    return {
        "campaign": campaign,
        "procedure": procedure,
        "staff": staff,
        "nonce": secrets.token_urlsafe(6),
        "expires_at": timezone.now() + valid_for,
        "channel": channel,
    }


def dossier_token_read(signed: str) -> tuple[Unit, int, str]:
    """(unit, token id, nonce) from a signed link; a forged or garbled link raises SubmissionError(404)."""
    return one_time_read(DOSSIER_SIGNER, signed)


def dossier_token_check(token: DossierToken, nonce: str) -> None:
    one_time_check(nonce=nonce, expected=token.nonce, used_at=token.used_at, expires_at=token.expires_at)


# --------------------------------------------------------------------------- responses


def client_hash(address: str) -> str:
    """A keyed hash of the client address: enough to see bursts, useless to identify anyone."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def campaign_is_open(campaign: Campaign, day: dt.date) -> bool:
    return campaign.is_active and campaign.starts_on <= day <= campaign.ends_on


@dataclass(frozen=True)
class _Prior:
    """What is already stored that a new submission must know: the response of the same submission key
    (a double tap), the recent answers of its address or desk device (stuffing flags), and the catalog
    rows its answers name (answers_parse's `found`)."""

    existing_id: int | None
    count: int  # answers of the address (or device) within BURST_WINDOW, counted up to its burst limit
    latest: list[tuple[dt.datetime, list[tuple[str, int]]]]  # the newest few: (submitted_at, ratings)
    found: Found


@functools.cache
def _catalog_columns() -> tuple[Columns, Columns]:
    """The columns of a procedure and a field, as _prior reads them."""
    return Columns.of(Procedure), Columns.of(Field)


@functools.lru_cache(maxsize=4096)
def _prior_sql(schema_name: str, column: str) -> str:
    """_prior's statement in one unit's schema, by the address or the device (`column`)."""
    q = connection.ops.quote_name
    schema = q(schema_name)
    response, answer = f"{schema}.{q(Response._meta.db_table)}", f"{schema}.{q(Answer._meta.db_table)}"
    procedure, field = _catalog_columns()
    return (
        f"SELECT e.id, e.total, x.submitted_at, x.ratings, {procedure.sql('p')}, {field.sql('f')}"  # noqa: S608 - table and column names are ours
        f" FROM (SELECT (SELECT id FROM {response} WHERE submission_key = %s) AS id,"
        f"  (SELECT count(*) FROM (SELECT FROM {response} WHERE {column} = %s AND submitted_at >= %s"
        "   LIMIT %s) c) AS total) e"
        f" LEFT JOIN {schema}.{q(Procedure._meta.db_table)} p ON p.id = %s AND p.is_active"
        f" LEFT JOIN {schema}.{q(Field._meta.db_table)} f ON f.id = %s AND f.is_active"
        " LEFT JOIN LATERAL (SELECT r.submitted_at,"
        "  (SELECT coalesce(json_agg(json_build_array(a.question_key, a.value)), '[]'::json)"
        f"   FROM {answer} a WHERE a.response_id = r.id AND a.kind = %s) AS ratings"
        f"  FROM {response} r WHERE r.{column} = %s AND r.submitted_at >= %s"
        "  ORDER BY r.submitted_at DESC LIMIT %s) x ON true"
    )


def _prior(
    *,
    submission_key: uuid.UUID,
    client: str,
    device: DeskDevice | None,
    since: dt.datetime,
    posted: Mapping[str, int],
) -> _Prior:
    """In one statement, every table named with the current unit's schema (no `SET search_path`): the
    response already stored under `submission_key`; how many responses came from the device (else the
    address) since `since`, counted only up to the burst limit they are compared with (a busy office's
    address would otherwise be counted whole on every answer); the latest of them with their sorted
    ratings (one for a device, five for an address, none without either); and the active procedure and
    field of the ids `posted` (catalog_posted), each None if it is not one."""
    column, value, limit, cap = (
        ("device_id", device.pk, 1, DEVICE_BURST_LIMIT)
        if device is not None
        else ("client_hash", client, 5 if client else 0, BURST_LIMIT if client else 0)
    )
    procedure, field = _catalog_columns()
    with schema_named_cursor() as cursor:
        cursor.execute(
            _prior_sql(unit_current().schema_name, column),
            [
                submission_key, value, since, cap, posted.get("procedure"), posted.get("field"),
                Answer.Kind.RATING, value, since, limit,
            ],
        )  # fmt: skip
        rows = cursor.fetchall()
    latest = [(row[2], sorted((key, v) for key, v in row[3])) for row in rows if row[2]]
    first = rows[0]
    found: dict[tuple[str, int], Procedure | Field | None] = {}
    if "procedure" in posted:
        found["procedure", posted["procedure"]] = cast("Procedure | None", procedure.build(first, 4))
    if "field" in posted:
        found["field", posted["field"]] = cast("Field | None", field.build(first, 4 + len(procedure.fields)))
    return _Prior(existing_id=first[0], count=first[1], latest=latest, found=found)


def _flags(
    *, parsed: ParsedAnswers, prior: _Prior, device: DeskDevice | None, honeypot: bool, now: dt.datetime
) -> list[str]:
    """Why an answer looks stuffed. Answers from one address are compared with each other, except those
    given on a registered desk device, which are paced per device: every phone on the office's Wi-Fi
    shares the office's address, and one tablet serves the whole queue."""
    flags = ["honeypot"] if honeypot else []
    signature = sorted((r.question_key, r.value) for r in parsed.ratings)
    count, latest = prior.count, prior.latest
    if device is not None:
        if count >= DEVICE_BURST_LIMIT:
            flags.append("burst")
        if latest and now - latest[0][0] < DEVICE_REPEAT_INTERVAL and latest[0][1] == signature:
            flags.append("duplicate")
    else:  # without an address (paper, API) both are empty
        if count >= BURST_LIMIT:
            flags.append("burst")
        if any(ratings == signature for _at, ratings in latest):
            flags.append("duplicate")
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
    now = timezone.now()
    if device is not None and (not device.is_active or channel not in (Channel.DESK, Channel.STAFF)):
        device = None
    definition = version_definition(version=campaign.version)
    known = frozenset({"procedure"}) if dossier is not None and dossier[0].procedure_id else frozenset()
    prior = _prior(
        submission_key=submission_key,
        client=client,
        device=device,
        since=now - BURST_WINDOW,
        posted=catalog_posted(definition=definition, data=data, known=known),
    )
    if prior.existing_id is not None:
        existing = Response.objects.get(pk=prior.existing_id)
        if existing.campaign_id != campaign.pk:
            raise SubmissionError({"__all__": _("This form does not belong to this survey.")})
        return existing, False
    if version_id != campaign.version_id:
        raise SubmissionError({"__all__": _("This form is out of date. Please open the survey link again.")})
    if paper_batch is None and not campaign_is_open(campaign, timezone.localdate(now)):
        raise SubmissionError({"__all__": _("This survey is not open.")}, status=410)
    if dossier is not None:
        dossier_token_check(*dossier)  # checked again under a row lock below, against a race
    parsed, errors = answers_parse(definition=definition, data=data, known=known, found=prior.found)
    if errors:
        raise SubmissionError(errors)
    flags = _flags(parsed=parsed, prior=prior, device=device, honeypot=honeypot, now=now)
    answers = (
        [
            Answer(
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
            Answer(question_key=q, kind=Answer.Kind.REASON, option_key=o, element=e)
            for q, o, e in parsed.reasons
        ]
        + [Answer(question_key=q, kind=Answer.Kind.CHOICE, option_key=o) for q, o in parsed.choices]
        + [Answer(question_key=q, kind=Answer.Kind.TEXT, text=t) for q, t in parsed.texts]
    )
    # The one INSERT statement is atomic by itself; a transaction only for what must commit with it
    # (the one-time link's use, contact details), and a savepoint inside a caller's transaction, which a
    # raced submission key must not break.
    alone = dossier is None and not parsed.contact and not connection.in_atomic_block
    try:
        with contextlib.nullcontext() if alone else transaction.atomic():
            token = None
            if dossier is not None:
                token = DossierToken.objects.select_for_update().get(pk=dossier[0].pk)
                dossier_token_check(token, dossier[1])
            response = Response(
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
            _response_insert(response, answers)
            if parsed.contact:
                ContactDetail.objects.create(response=response, consent_at=now, **parsed.contact)
            if token is not None:
                token.used_at = now
                token.save(update_fields=["used_at"])
                # A listed customer is marked answered and their link let go, in the same
                # transaction: from then on nothing leads from them to this response.
                Invitation.objects.filter(token=token).update(status=Invitation.Status.ANSWERED, token=None)
    except IntegrityError:
        # Two taps raced past the first check: the other request stored it.
        raced = Response.objects.filter(submission_key=submission_key).first()
        if raced is None:
            raise
        return raced, False
    return response, True


# What a receiver of response_storing returns: a data-modifying statement and its parameters.
Statement = tuple[str, list[Any]] | None


def _response_insert(response: Response, answers: list[Answer]) -> None:
    """INSERT a new response, its answers and what the apps above write with it (response_storing, e.g.
    the facts' dirty day) in one statement, every table named with the current unit's schema: one round
    trip, atomic by itself, and no `SET search_path`. Sets the response's id."""
    unit = unit_current()
    replies = response_storing.send(sender=Response, unit=unit, day=response.answered_on)
    with_new = [
        statement for _receiver, statement in cast("list[tuple[Any, Statement]]", replies) if statement
    ]
    sql = _response_insert_sql(unit.schema_name, tuple(statement for statement, _params in with_new))
    columns, answer_columns = _response_columns()
    params = [*columns.values(response), *answer_columns.arrays(answers)]
    for _statement, extra in with_new:
        params += extra
    with schema_named_cursor() as cursor:
        cursor.execute(sql, params)
        response.pk = cursor.fetchone()[0]
    response._state.adding, response._state.db = False, connection.alias


@functools.cache
def _response_columns() -> tuple[Columns, Columns]:
    """A response's columns, and an answer's but its response's id, which the INSERT takes from the new
    response."""
    written = Columns.written(Answer)
    return Columns.written(Response), Columns(
        Answer, tuple(f for f in written.fields if f.attname != "response_id")
    )


@functools.lru_cache(maxsize=4096)
def _response_insert_sql(schema_name: str, with_new: tuple[str, ...]) -> str:
    """_response_insert's statement in one unit's schema, with the statements of response_storing."""
    q = connection.ops.quote_name
    schema = q(schema_name)
    columns, answer_columns = _response_columns()
    response_table, answer_table = q(Response._meta.db_table), q(Answer._meta.db_table)
    return (
        f"WITH r AS (INSERT INTO {schema}.{response_table} ({columns.names()})"  # noqa: S608 - our names
        f" VALUES ({', '.join(['%s'] * len(columns.fields))}) RETURNING id),"
        f" a AS (INSERT INTO {schema}.{answer_table} ({q('response_id')}, {answer_columns.names()})"
        f" SELECT r.id, x.* FROM r, {answer_columns.unnest()} x)"
        + "".join(f", w{i} AS ({statement})" for i, statement in enumerate(with_new))
        + " SELECT id FROM r"
    )
