"""Turns a posted form (citizen or paper ballot) into checked answers, or into errors per question.

The same rules serve every channel, so a paper ballot and a phone answer count alike.
"""

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from surveys.scales import bucket_of

from .definition import SCALE_BY_KEY, Definition
from .models import Field, Procedure

NO_ANSWER = "na"  # the posted value of "no answer / not applicable"
OTHER = "other"
MAX_OTHER_LENGTH = 300


class PostData(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...
    def __iter__(self) -> Iterator[str]: ...


@dataclass
class Rating:
    question_key: str
    element: str
    scale: str
    value: int | None
    bucket: str  # "" for no answer


@dataclass
class ParsedAnswers:
    procedure: Procedure | None = None
    procedure_other: str = ""
    field: Field | None = None
    field_other: str = ""
    ratings: list[Rating] = dataclasses.field(default_factory=list)
    # (question key, option key, element)
    reasons: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    # (question key, option key) of single-choice questions
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    texts: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    contact: dict[str, str] | None = None

    @property
    def overall_bucket(self) -> str | None:
        for rating in self.ratings:
            if rating.element == "OVERALL" and rating.bucket:
                return rating.bucket
        return None


def field_name(question: Mapping[str, Any], suffix: str = "") -> str:
    return f"q_{question['key']}{'_' + suffix if suffix else ''}"


def _one(data: PostData, name: str) -> str:
    values = data.getlist(name)
    if len(values) > 1:
        raise ValidationError(_("Choose only one answer."))
    return (values[0] if values else "").strip()


def _visible(question: Mapping[str, Any], buckets: Mapping[str, str]) -> bool:
    show_if = question.get("show_if")
    return show_if is None or buckets.get(show_if["question"]) == show_if["bucket"]


# The largest id a catalog row can have (bigint): a longer number is simply not in the list.
MAX_ID = 2**63 - 1
# Catalog rows read ahead by the caller: (kind, posted id) -> the active row, or None if it is not one.
Found = Mapping[tuple[str, int], Procedure | Field | None]


def _posted_id(raw: str) -> int | None:
    """A posted catalog choice as a row id, or None when it cannot be one."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        return None
    return int(raw)


def catalog_posted(
    *, definition: Definition, data: PostData, known: frozenset[str] = frozenset()
) -> dict[str, int]:
    """The row ids posted to the catalog questions (procedure, field) that answers_parse looks up, by kind
    (the first such question of each): a caller may read the rows ahead in a statement of its own and
    pass them to answers_parse as `found`."""
    posted: dict[str, int] = {}
    for q in definition.questions:
        kind = q["kind"]
        if kind in ("procedure", "field") and kind not in known and kind not in posted:
            values = data.getlist(field_name(q))
            pk = _posted_id(values[0].strip()) if len(values) == 1 else None
            if pk is not None:
                posted[kind] = pk
    return posted


def _catalog_choice[C: (Procedure, Field)](
    data: PostData, question: Mapping[str, Any], model: type[C], parsed_other_max: int, found: Found
) -> tuple[C | None, str, bool]:
    raw = _one(data, field_name(question))
    if not raw:
        return None, "", False
    if raw == OTHER:
        other = _one(data, field_name(question, "other"))
        if not other:
            raise ValidationError(_("Please say which one."))
        if len(other) > parsed_other_max:
            raise ValidationError(_("Please keep this under %(n)d characters.") % {"n": parsed_other_max})
        return None, other, True
    pk = _posted_id(raw)
    if pk is None:
        raise ValidationError(_("This choice is not in the list."))
    if (question["kind"], pk) in found:
        obj = cast("C | None", found[question["kind"], pk])
    else:
        # No ORDER BY (the model's default ordering joins the field's table) to build or run.
        obj = next(iter(model.objects.filter(pk=pk, is_active=True).order_by()[:1]), None)
    if obj is None:
        raise ValidationError(_("This choice is not in the list."))
    return obj, "", True


def answers_parse(
    *, definition: Definition, data: PostData, known: frozenset[str] = frozenset(), found: Found | None = None
) -> tuple[ParsedAnswers, dict[str, str]]:
    """Check every answer against its question; errors are keyed by question key, in the active language.

    `known` names question kinds the channel already answers (a dossier link knows its procedure):
    those questions are not asked. `found` holds catalog rows already read (catalog_posted); any other
    posted choice is looked up here.
    """
    found = found or {}
    parsed = ParsedAnswers()
    errors: dict[str, str] = {}
    buckets: dict[str, str] = {}
    for q in definition.questions:
        key, kind = q["key"], q["kind"]
        if not _visible(q, buckets) or kind in known:
            continue  # a hidden question is never required and its posted values are ignored
        try:
            if kind == "procedure":
                procedure, other, answered = _catalog_choice(data, q, Procedure, MAX_OTHER_LENGTH, found)
                if not answered and q.get("required"):
                    raise ValidationError(_("Please choose an answer."))
                parsed.procedure, parsed.procedure_other = procedure, other
            elif kind == "field":
                field, other, answered = _catalog_choice(data, q, Field, MAX_OTHER_LENGTH, found)
                if not answered and q.get("required"):
                    raise ValidationError(_("Please choose an answer."))
                parsed.field, parsed.field_other = field, other
            elif kind == "rating":
                raw = _one(data, field_name(q))
                scale = SCALE_BY_KEY[q["scale"]]
                if raw in ("", NO_ANSWER):
                    if q.get("required"):
                        raise ValidationError(_("Please choose an answer."))
                    if raw == NO_ANSWER:
                        parsed.ratings.append(Rating(key, q["element"], q["scale"], None, ""))
                    continue
                if not raw.lstrip("-").isdigit() or int(raw) not in {lv.value for lv in scale.levels}:
                    raise ValidationError(_("This choice is not in the list."))
                bucket = bucket_of(scale, int(raw)).value
                buckets[key] = bucket
                parsed.ratings.append(Rating(key, q["element"], q["scale"], int(raw), bucket))
            elif kind == "reasons":
                chosen = data.getlist(field_name(q))
                options = {o["key"]: o for o in q["options"]}
                if any(c not in options for c in chosen):
                    raise ValidationError(_("This choice is not in the list."))
                if not chosen and q.get("required"):
                    raise ValidationError(_("Please tick at least one reason."))
                chosen = list(dict.fromkeys(chosen))  # a repeated tick counts once
                if q.get("max_choices") and len(chosen) > q["max_choices"]:
                    raise ValidationError(_("Tick at most %(n)d.") % {"n": q["max_choices"]})
                for option_key in chosen:
                    parsed.reasons.append((key, option_key, options[option_key]["element"]))
            elif kind == "choice":
                raw = _one(data, field_name(q))
                if raw in ("", NO_ANSWER):
                    if q.get("required"):
                        raise ValidationError(_("Please choose an answer."))
                    continue
                if raw not in {o["key"] for o in q["options"]}:
                    raise ValidationError(_("This choice is not in the list."))
                parsed.choices.append((key, raw))
            elif kind == "text":
                text = _one(data, field_name(q))
                if len(text) > q["max_length"]:
                    raise ValidationError(
                        _("Please keep this under %(n)d characters.") % {"n": q["max_length"]}
                    )
                if not text and q.get("required"):
                    raise ValidationError(_("Please write an answer."))
                if text:
                    parsed.texts.append((key, text))
            elif kind == "contact":
                parsed.contact = _contact(data, q)
        except ValidationError as error:
            errors[key] = " ".join(error.messages)
    return parsed, errors


def _contact(data: PostData, q: Mapping[str, Any]) -> dict[str, str] | None:
    values = {part: _one(data, field_name(q, part))[:200] for part in ("name", "phone", "email")}
    if not any(values.values()):
        return None
    if _one(data, field_name(q, "consent")) != "yes":
        raise ValidationError(_("Tick the consent box, or leave your contact details empty."))
    phone = values["phone"].replace(" ", "").replace(".", "")
    if phone and not (phone.lstrip("+").isdigit() and 8 <= len(phone.lstrip("+")) <= 15):
        raise ValidationError(_("This phone number does not look right."))
    if values["email"]:
        validate_email(values["email"])
    return {**values, "phone": phone}
