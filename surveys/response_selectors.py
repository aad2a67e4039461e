"""Reads of a unit's raw responses for its own officers: the filtered list, one response, the CSV rows.

Everything here runs in the current unit's schema. Free text leaves masked (surveys.masking) unless the
caller says the reader may see it in full (the unit's admin); contact details likewise.
"""

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tenants.spreadsheets import csv_cell
from tenants.vietnam import localized_name

from .definition import SCALE_BY_KEY, Definition
from .masking import mask_identifiers
from .models import (
    Answer,
    Campaign,
    Channel,
    Desk,
    Field,
    Procedure,
    QuestionnaireVersion,
    Response,
    Review,
    StaffMember,
)

Language = str  # "vi" or "en"

# The CSV is a data contract read by spreadsheets and scripts, so its fixed headers and codes are spelled
# out in both languages here rather than depending on a translation catalogue.
CSV_HEADERS: dict[str, dict[str, str]] = {
    "public_id": {"vi": "Mã phiếu", "en": "Response id"},
    "time": {"vi": "Thời gian", "en": "Time"},
    "answered_on": {"vi": "Ngày tính vào kỳ", "en": "Counted on"},
    "channel": {"vi": "Kênh", "en": "Channel"},
    "procedure": {"vi": "TTHC", "en": "Procedure"},
    "field": {"vi": "Lĩnh vực", "en": "Field"},
    "staff": {"vi": "Cán bộ", "en": "Civil servant"},
    "desk": {"vi": "Quầy", "en": "Desk"},
    "reasons": {"vi": "Lý do chưa hài lòng / ý kiến khác", "en": "Reasons"},
    "text": {"vi": "Ý kiến (đã che thông tin cá nhân)", "en": "Free text (masked)"},
    "flags": {"vi": "Cờ kiểm tra", "en": "Flags"},
    "status": {"vi": "Tính vào kết quả", "en": "Counted in the figures"},
}
CHANNEL_LABELS: dict[str, dict[str, str]] = {
    Channel.QR: {"vi": "Mã QR của đợt khảo sát", "en": "QR code of the campaign"},
    Channel.DESK: {"vi": "Mã QR của quầy", "en": "QR code of a desk"},
    Channel.STAFF: {"vi": "Mã QR của cán bộ", "en": "QR code of a civil servant"},
    Channel.DOSSIER: {"vi": "Liên kết trên phiếu hẹn", "en": "One-time link on a dossier receipt"},
    Channel.PAPER: {"vi": "Phiếu giấy", "en": "Paper ballot"},
}
FLAG_LABELS: dict[str, dict[str, str]] = {
    "honeypot": {"vi": "Bẫy chống máy tự động", "en": "Bot trap"},
    "burst": {
        "vi": "Nhiều phiếu từ một địa chỉ hoặc một máy",
        "en": "Many answers from one address or device",
    },
    "duplicate": {"vi": "Trùng phiếu vừa gửi", "en": "Same answers as a recent response"},
}
# Whether a response counts, as the list, the detail and the CSV say it (see Response.counted).
STATUS_LABELS: dict[str, dict[str, str]] = {
    "counted": {"vi": "Có", "en": "Yes"},
    Review.HELD: {"vi": "Chưa: đang tạm giữ chờ xem xét", "en": "Not yet: held for review"},
    Review.ACCEPTED: {"vi": "Có, đã xem xét và chấp nhận", "en": "Yes, accepted after review"},
    Review.REJECTED: {"vi": "Không: đã loại sau khi xem xét", "en": "No: rejected after review"},
    "void": {"vi": "Không: phiếu đã hủy", "en": "No: voided ballot"},
    "bot": {"vi": "Không: máy tự động gửi", "en": "No: sent by a bot"},
}
REVIEW_FILTERS = (Review.HELD, Review.ACCEPTED, Review.REJECTED, "void")
NO_ANSWER_LABEL = {"vi": "Không trả lời", "en": "No answer"}
OTHER_LABEL = {"vi": "Khác", "en": "Other"}


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class ResponseFilter:
    """A checked filter: the view's form turns query parameters into this, or refuses them."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    campaign: Campaign | None = None
    procedure: Procedure | None = None
    staff: StaffMember | None = None
    desk: Desk | None = None
    channel: str = ""
    satisfaction: str = ""
    review: str = ""  # one of REVIEW_FILTERS, "" for every response


def response_list(*, filters: ResponseFilter) -> QuerySet[Response]:
    """The unit's responses matching `filters`, newest first, with what a row shows already joined.

    The period counts by `answered_on`, the local day the answer belongs to (a paper ballot: the last
    day its box was collected), the same day the figures count it by.
    """
    qs = Response.objects.all()
    if filters.date_from:
        qs = qs.filter(answered_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(answered_on__lte=filters.date_to)
    for name in ("campaign", "procedure", "staff", "desk"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.satisfaction:
        qs = qs.filter(overall_bucket=filters.satisfaction)
    if filters.review == "void":
        qs = qs.filter(voided_at__isnull=False)
    elif filters.review:
        qs = qs.filter(review=filters.review, voided_at__isnull=True)
    return qs.select_related(
        "campaign", "version", "procedure__field", "field", "staff", "desk", "paper_batch"
    ).order_by("-submitted_at", "-id")


def overall_answers_prefetch() -> "Prefetch[str, QuerySet[Answer], str]":
    return Prefetch(
        "answers",
        queryset=Answer.objects.filter(kind=Answer.Kind.RATING, element="OVERALL"),
        to_attr="overall_answers",
    )


def rating_label(*, scale: str, value: int | None, language: Language) -> str:
    """ "4 – Hài lòng"; "Không trả lời" for a "no answer"."""
    if value is None:
        return NO_ANSWER_LABEL[language]
    scale_def = SCALE_BY_KEY.get(scale)
    if scale_def is None:
        return str(value)
    try:
        level = scale_def.level(value)
    except Exception:  # noqa: BLE001 - a stored value off its scale is shown raw rather than hidden
        return str(value)
    return f"{value} – {level.label_en if language == 'en' else level.label_vi}"


def procedure_label(response: Response, language: Language, *, full: bool = False) -> str:
    if response.procedure is not None:
        p = response.procedure
        return localized_name(p.name_vi, p.name_en, language)
    if response.procedure_other:
        # Typed by the citizen: may carry a phone number like any free text.
        other = response.procedure_other if full else mask_identifiers(response.procedure_other)
        return f"{OTHER_LABEL[language]}: {other}"
    return ""


def field_label(response: Response, language: Language, *, full: bool = False) -> str:
    f = response.field or (response.procedure.field if response.procedure is not None else None)
    if f is not None:
        return localized_name(f.name_vi, f.name_en, language)
    if response.field_other:
        other = response.field_other if full else mask_identifiers(response.field_other)
        return f"{OTHER_LABEL[language]}: {other}"
    return ""


def status_key(*, review: str, voided: bool, flags: list[str]) -> str:
    """The key of STATUS_LABELS that says whether a response counts in the figures."""
    if voided:
        return "void"
    if "honeypot" in flags:
        return "bot"
    return review or "counted"


def status_label(response: Response, language: Language) -> str:
    key = status_key(review=response.review, voided=response.is_void, flags=response.flag_reasons)
    return STATUS_LABELS[key][language]


@dataclass(frozen=True)
class ResponseRow:
    response: Response
    overall: str  # the label of the overall answer, "" if the questionnaire has none
    procedure: str
    flags: list[str]
    status: str  # whether it counts in the figures, and why not


def response_rows(*, responses: list[Response], language: Language) -> list[ResponseRow]:
    """One page of the list: `responses` must come with `overall_answers` prefetched."""
    rows = []
    for r in responses:
        overall = next(iter(getattr(r, "overall_answers", [])), None)
        rows.append(
            ResponseRow(
                response=r,
                overall=rating_label(scale=overall.scale, value=overall.value, language=language)
                if overall is not None
                else "",
                procedure=procedure_label(r, language),
                flags=list(r.flag_reasons),
                status=status_label(r, language),
            )
        )
    return rows


def filter_choices() -> dict[str, Any]:
    """What the filter form offers: campaigns, and the procedures, staff and desks that have answers."""
    used = Response.objects.order_by()
    return {
        "campaigns": Campaign.objects.order_by("-starts_on", "name"),
        "procedures": Procedure.objects.filter(pk__in=used.values("procedure_id")).select_related("field"),
        "staff": StaffMember.objects.filter(Q(pk__in=used.values("staff_id")) | Q(is_active=True)),
        "desks": Desk.objects.order_by("name"),
    }


# --------------------------------------------------------------------------- one response


@dataclass
class AnswerItem:
    key: str
    kind: str
    question: str
    values: list[str] = field(default_factory=list)
    asked: bool = True  # False: the response holds nothing for this question
    conditional: bool = False  # asked only after some answers (show_if)


@dataclass
class ResponseDetail:
    response: Response
    items: list[AnswerItem]
    contact: Any  # ContactDetail | None; None also when the reader may not see it
    has_contact: bool
    full_text: bool


def response_get(*, public_id: Any) -> Response | None:
    return (
        Response.objects.select_related(
            "campaign", "version__questionnaire", "procedure__field", "field", "staff", "desk", "paper_batch"
        )
        .select_related("entered_by")
        .filter(public_id=public_id)
        .first()
    )


def response_detail(*, response: Response, language: Language, full_text: bool) -> ResponseDetail:
    """Every question of the response's own version, in order, with what was answered.

    `full_text` (the unit's admin) shows free text as typed and the contact details; otherwise free
    text is masked and contact details are withheld.
    """
    definition = Definition(response.version.definition)
    answers = list(response.answers.all().order_by("id"))
    by_key: dict[str, list[Answer]] = {}
    for a in answers:
        by_key.setdefault(a.question_key, []).append(a)
    has_contact = _has_contact(response)
    items = []
    for q in definition.questions:
        item = AnswerItem(
            key=q["key"],
            kind=q["kind"],
            question=Definition.text(q["text"], language),
            conditional="show_if" in q,
        )
        stored = by_key.get(q["key"], [])
        if q["kind"] == "procedure":
            item.values = [v for v in [procedure_label(response, language, full=full_text)] if v]
        elif q["kind"] == "field":
            item.values = [v for v in [field_label(response, language, full=full_text)] if v]
        elif q["kind"] == "rating":
            item.values = [rating_label(scale=a.scale, value=a.value, language=language) for a in stored]
        elif q["kind"] == "reasons":
            options = {o["key"]: o for o in q.get("options", [])}
            item.values = [
                Definition.text(options[a.option_key]["text"], language)
                if a.option_key in options
                else a.option_key
                for a in stored
            ]
        elif q["kind"] == "text":
            item.values = [a.text if full_text else mask_identifiers(a.text) for a in stored]
        elif q["kind"] == "contact":
            item.values = []
        item.asked = bool(item.values) or (q["kind"] == "contact" and has_contact)
        items.append(item)
    contact = response.contact if has_contact else None
    return ResponseDetail(
        response=response,
        items=items,
        contact=contact if full_text else None,
        has_contact=contact is not None,
        full_text=full_text,
    )


def _has_contact(response: Response) -> bool:
    try:
        response.contact  # noqa: B018 - the reverse one-to-one raises when absent
    except Response.contact.RelatedObjectDoesNotExist:
        return False
    return True


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class RatingColumn:
    questionnaire_id: int
    key: str
    header: str


def _rating_columns(qs: QuerySet[Response], language: Language) -> list[RatingColumn]:
    """One column per rating question of the questionnaires in the set, keyed by (questionnaire, key).

    The same question in two versions of a questionnaire shares a column (its latest wording heads it);
    with several questionnaires in the set, headers are prefixed by the questionnaire's title.
    """
    version_ids = set(qs.order_by().values_list("version_id", flat=True).distinct())
    versions = list(
        QuestionnaireVersion.objects.filter(pk__in=version_ids)
        .select_related("questionnaire")
        .order_by("questionnaire__title_vi", "questionnaire_id", "-number")
    )
    several = len({v.questionnaire_id for v in versions}) > 1
    columns: dict[tuple[int, str], RatingColumn] = {}
    for v in versions:
        q_title = v.questionnaire.title_en if language == "en" and v.questionnaire.title_en else None
        title = q_title or v.questionnaire.title_vi
        for q in Definition(v.definition).of_kind("rating"):
            ident = (v.questionnaire_id, q["key"])
            if ident in columns:
                continue  # a later version already named it
            text = Definition.text(q["text"], language)
            columns[ident] = RatingColumn(
                v.questionnaire_id, q["key"], f"{title}: {text}" if several else text
            )
    return list(columns.values())


CSV_COLUMNS = (
    "id",
    "public_id",
    "submitted_at",
    "answered_on",
    "channel",
    "procedure_id",
    "procedure_other",
    "field_id",
    "field_other",
    "staff_id",
    "desk_id",
    "version_id",
    "flag_reasons",
    "review",
    "voided_at",
)


def response_csv_rows(
    *, filters: ResponseFilter, language: Language, chunk_size: int = 2000
) -> Iterator[list[str]]:
    """The header, then one row per response of the filtered set, read in chunks (never all at once).

    Plain values rather than model instances, with the small catalogs held in dicts: a model instance
    per row made 100,000 rows take minutes.
    """
    qs = response_list(filters=filters)
    columns = _rating_columns(qs, language)
    yield [
        *(CSV_HEADERS[k][language] for k in ("public_id", "time", "answered_on", "channel")),
        *(CSV_HEADERS[k][language] for k in ("procedure", "field", "staff", "desk")),
        *(c.header for c in columns),
        CSV_HEADERS["reasons"][language],
        CSV_HEADERS["text"][language],
        CSV_HEADERS["flags"][language],
        CSV_HEADERS["status"][language],
    ]
    fields = {f.pk: localized_name(f.name_vi, f.name_en, language) for f in Field.objects.all()}
    procedures = {
        p.pk: (localized_name(p.name_vi, p.name_en, language), fields.get(p.field_id, ""))
        for p in Procedure.objects.all()
    }
    staff = dict(StaffMember.objects.values_list("pk", "full_name"))
    desks = dict(Desk.objects.values_list("pk", "name"))
    versions = {
        v.pk: (v.questionnaire_id, _reason_labels(v.definition, language))
        for v in QuestionnaireVersion.objects.filter(pk__in=qs.order_by().values("version_id"))
    }
    other = OTHER_LABEL[language]
    tz = timezone.get_current_timezone()
    rows = qs.order_by("-submitted_at", "-id").values_list(*CSV_COLUMNS).iterator(chunk_size=chunk_size)
    while chunk := list(itertools.islice(rows, chunk_size)):
        answers: dict[int, list[tuple[str, str, int | None, str, str, str]]] = {}
        for response_id, kind, key, value, scale, option, text in (
            Answer.objects.filter(response_id__in=[r[0] for r in chunk])
            .order_by("id")
            .values_list("response_id", "kind", "question_key", "value", "scale", "option_key", "text")
        ):
            answers.setdefault(response_id, []).append((kind, key, value, scale, option, text))
        for (
            pk,
            public_id,
            submitted_at,
            answered_on,
            channel,
            procedure_id,
            procedure_other,
            field_id,
            field_other,
            staff_id,
            desk_id,
            version_id,
            flag_reasons,
            review,
            voided_at,
        ) in chunk:
            questionnaire_id, reason_texts = versions[version_id]
            ratings: dict[str, tuple[int | None, str]] = {}
            reasons, texts = [], []
            for kind, key, value, scale, option_key, text in answers.get(pk, []):
                if kind == Answer.Kind.RATING:
                    ratings[key] = (value, scale)
                elif kind == Answer.Kind.REASON:
                    reasons.append(reason_texts.get((key, option_key), option_key))
                elif text:
                    texts.append(mask_identifiers(text))
            procedure_name, procedure_field = procedures.get(procedure_id, ("", ""))
            if not procedure_name and procedure_other:
                procedure_name = f"{other}: {mask_identifiers(procedure_other)}"
            field_name = fields.get(field_id) or procedure_field
            if not field_name and field_other:
                field_name = f"{other}: {mask_identifiers(field_other)}"
            cells = [
                str(public_id),
                submitted_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                answered_on.strftime("%d/%m/%Y"),
                CHANNEL_LABELS.get(channel, {}).get(language, channel),
                procedure_name,
                field_name,
                staff.get(staff_id, ""),
                desks.get(desk_id, ""),
                *(
                    rating_label(scale=ratings[c.key][1], value=ratings[c.key][0], language=language)
                    if c.questionnaire_id == questionnaire_id and c.key in ratings
                    else ""
                    for c in columns
                ),
                "; ".join(reasons),
                " | ".join(texts),
                "; ".join(FLAG_LABELS.get(f, {}).get(language, f) for f in flag_reasons),
                STATUS_LABELS[status_key(review=review, voided=voided_at is not None, flags=flag_reasons)][
                    language
                ],
            ]
            yield [csv_cell(c) for c in cells]


def _reason_labels(definition: Mapping[str, Any], language: Language) -> dict[tuple[str, str], str]:
    return {
        (q["key"], o["key"]): Definition.text(o["text"], language)
        for q in Definition(definition).of_kind("reasons")
        for o in q.get("options", [])
    }


# --------------------------------------------------------------------------- review queue

HELD_BY_FLAG_SQL = """
SELECT flag, count(*) FROM surveys_response r CROSS JOIN LATERAL unnest(r.flag_reasons) AS flag
WHERE r.review = 'held' AND r.voided_at IS NULL GROUP BY flag ORDER BY count(*) DESC, flag
"""


@dataclass(frozen=True)
class ReviewSummary:
    held: int
    by_flag: list[tuple[str, str, int]]  # (flag, its label, held answers carrying it)


def held_count() -> int:
    """How many answers are held out of the figures, waiting for a decision."""
    return Response.objects.filter(review=Review.HELD, voided_at__isnull=True).count()


def review_summary(*, language: Language) -> ReviewSummary:
    """How many answers are held out of the figures, and for which reasons (an answer may have two)."""
    with connection.cursor() as cursor:
        cursor.execute(HELD_BY_FLAG_SQL)
        rows = cursor.fetchall()
    return ReviewSummary(
        held=held_count(),
        by_flag=[(flag, FLAG_LABELS.get(flag, {}).get(language, flag), n) for flag, n in rows],
    )


def review_queue(
    *, flag: str = "", date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[Response]:
    """The held answers, oldest first (the order they arrived in), optionally of one flag and period."""
    qs = Response.objects.filter(review=Review.HELD, voided_at__isnull=True)
    if flag:
        qs = qs.filter(flag_reasons__contains=[flag])
    if date_from:
        qs = qs.filter(answered_on__gte=date_from)
    if date_to:
        qs = qs.filter(answered_on__lte=date_to)
    return qs.select_related("campaign", "desk", "staff", "procedure").order_by("submitted_at", "id")
