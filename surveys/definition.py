"""The questionnaire definition format (the built-in templates' schema) and its validation.

A definition is plain JSON stored on a QuestionnaireVersion; see surveys.builtin.questionnaires
for the format. Validation happens before a version can be published.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.builtin.questionnaires import QUESTION_KINDS, RATING_ELEMENTS, REASON_ELEMENTS
from surveys.scales import FIVE_LEVEL, THREE_LEVEL, Scale

SCALE_BY_KEY: dict[str, Scale] = {"5": FIVE_LEVEL, "3": THREE_LEVEL}
MAX_QUESTIONS = 60
MAX_TEXT_LENGTH = 4000


def _text_ok(value: object) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("vi"), str) and bool(value["vi"].strip())


def definition_errors(definition: object) -> list[str]:
    """Every structural problem of a definition, in English for the staff who edit it."""
    if not isinstance(definition, Mapping):
        return ["The definition must be an object."]
    errors: list[str] = []
    if not _text_ok(definition.get("title")):
        errors.append("The questionnaire needs a Vietnamese title.")
    questions = definition.get("questions")
    if not isinstance(questions, list) or not questions:
        return [*errors, "The questionnaire needs at least one question."]
    if len(questions) > MAX_QUESTIONS:
        errors.append(f"At most {MAX_QUESTIONS} questions.")
    seen: dict[str, Mapping[str, Any]] = {}
    for index, q in enumerate(questions, start=1):
        where = f"Question {index}"
        if not isinstance(q, Mapping):
            errors.append(f"{where} must be an object.")
            continue
        key, kind = q.get("key"), q.get("kind")
        if not isinstance(key, str) or not key.isidentifier():
            errors.append(f"{where}: the key must be a simple identifier.")
        elif key in seen:
            errors.append(f"{where}: the key “{key}” is used twice.")
        if kind not in QUESTION_KINDS:
            errors.append(f"{where}: unknown kind “{kind}”.")
        if not _text_ok(q.get("text")):
            errors.append(f"{where}: the question needs a Vietnamese text.")
        if kind == "rating":
            if q.get("scale") not in SCALE_BY_KEY:
                errors.append(f"{where}: a rating needs the scale 5 or 3.")
            if q.get("element") not in RATING_ELEMENTS:
                errors.append(f"{where}: a rating must map to a SIPAS element or OVERALL.")
        if kind == "reasons":
            options = q.get("options")
            if not isinstance(options, list) or not options:
                errors.append(f"{where}: reasons need options.")
            else:
                option_keys = [o.get("key") for o in options if isinstance(o, Mapping)]
                if len(set(option_keys)) != len(options):
                    errors.append(f"{where}: option keys must be unique.")
                for o in options:
                    if not isinstance(o, Mapping) or o.get("element") not in REASON_ELEMENTS:
                        errors.append(f"{where}: every reason must map to an element or OTHER.")
                    elif not _text_ok(o.get("text")):
                        errors.append(f"{where}: option “{o.get('key')}” needs a Vietnamese text.")
        if kind == "text":
            length = q.get("max_length")
            if not isinstance(length, int) or not 0 < length <= MAX_TEXT_LENGTH:
                errors.append(f"{where}: a free text needs a max_length between 1 and {MAX_TEXT_LENGTH}.")
        show_if = q.get("show_if")
        if show_if is not None:
            target = seen.get(show_if.get("question")) if isinstance(show_if, Mapping) else None
            if target is None or target.get("kind") != "rating":
                errors.append(f"{where}: show_if must refer to an earlier rating question.")
            elif show_if.get("bucket") not in {"satisfied", "neutral", "unsatisfied"}:
                errors.append(f"{where}: show_if needs a bucket.")
        if isinstance(key, str):
            seen[key] = q
    return errors


@dataclass(frozen=True)
class Definition:
    """Read access to a validated definition."""

    raw: Mapping[str, Any]

    @property
    def questions(self) -> list[Mapping[str, Any]]:
        return list(self.raw["questions"])

    def of_kind(self, kind: str) -> Iterator[Mapping[str, Any]]:
        return (q for q in self.questions if q["kind"] == kind)

    def question(self, key: str) -> Mapping[str, Any]:
        for q in self.questions:
            if q["key"] == key:
                return q
        raise KeyError(key)

    @staticmethod
    def text(value: Mapping[str, str] | None, language: str) -> str:
        if not value:
            return ""
        return value.get(language) or value.get("vi", "")
