"""The questionnaire definition format (the built-in templates' schema) and its validation.

A definition is plain JSON stored on a QuestionnaireVersion; see surveys.builtin.questionnaires
for the format. Validation happens before a version can be published.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from surveys.builtin.questionnaires import BUCKETS, QUESTION_KINDS, RATING_ELEMENTS, REASON_ELEMENTS
from surveys.scales import FIVE_LEVEL, THREE_LEVEL, Scale

SCALE_BY_KEY: dict[str, Scale] = {"5": FIVE_LEVEL, "3": THREE_LEVEL}
MAX_QUESTIONS = 60
MAX_OPTIONS = 40
MAX_TEXT_LENGTH = 4000  # the longest free text a question may allow
# Keys are stored with every answer (Answer.question_key, Answer.option_key: 60 characters) and name the
# form's fields and anchors, so they are plain ASCII identifiers.
MAX_KEY_LENGTH = 60
KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_TITLE_LENGTH = 300  # Questionnaire.title_vi / title_en
MAX_LABEL_LENGTH = 1000  # a question's text or hint, an option's text
LANGUAGES = ("vi", "en")
ONE_PER_QUESTIONNAIRE = ("procedure", "field", "contact")
# The form fields a question posts besides q_<key> (answers.field_name); they must not collide.
FIELD_SUFFIXES = {
    "procedure": ("other",),
    "field": ("other",),
    "contact": ("name", "phone", "email", "consent"),
}


def question_label(number: int, key: object) -> str:
    """ "Question 3 (satisfaction)": officers move questions around, so the key says which one."""
    if isinstance(key, str) and key:
        return _("Question %(number)s (%(key)s)") % {"number": number, "key": key}
    return _("Question %(number)s") % {"number": number}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _text_error(value: object, *, required: bool, max_length: int) -> str | None:
    """What is wrong with a {"vi": ..., "en": ...} text, or None; `required` asks for Vietnamese words."""
    if value is None and not required:
        return None
    if not isinstance(value, Mapping) or not all(isinstance(value.get(lang, ""), str) for lang in LANGUAGES):
        return _("must be written as {“vi”: “…”, “en”: “…”}")
    if required and not value.get("vi", "").strip():
        return _("needs a Vietnamese text")
    if any(len(value.get(lang, "")) > max_length for lang in LANGUAGES):
        return _("is longer than %(n)s characters") % {"n": max_length}
    return None


def _one_of(value: object, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def key_error(key: object) -> str | None:
    """What is wrong with a question or option key, or None (the editors ask the same)."""
    if not isinstance(key, str) or not key:
        return _("needs a key")
    if len(key) > MAX_KEY_LENGTH:
        return _("the key “%(key)s…” is longer than %(n)s characters") % {
            "key": key[:20],
            "n": MAX_KEY_LENGTH,
        }
    if not KEY_RE.fullmatch(key):
        return _("the key “%(key)s” must start with a letter and use only Latin letters, digits and _") % {
            "key": key
        }
    return None


def definition_errors(definition: object) -> list[str]:
    """Every problem of a definition, in the reader's language; none means the citizen form works with it.

    Whatever JSON it is given, it answers with a list: it is the gate between an officer's editor and a
    citizen's phone, so what it accepts must render, take answers and store them.
    """
    if not isinstance(definition, Mapping):
        return [_("The definition must be an object.")]
    if any("\x00" in text for text in _strings(definition)):
        return [_("The definition contains a character that is not allowed (NUL).")]
    errors: list[str] = []
    problem = _text_error(definition.get("title"), required=True, max_length=MAX_TITLE_LENGTH)
    if problem:
        errors.append(_("The title %(problem)s.") % {"problem": problem})
    problem = _text_error(definition.get("description"), required=False, max_length=MAX_TEXT_LENGTH)
    if problem:
        errors.append(_("The introduction %(problem)s.") % {"problem": problem})
    questions = definition.get("questions")
    if not isinstance(questions, list) or not questions:
        return [*errors, _("The questionnaire needs at least one question.")]
    if len(questions) > MAX_QUESTIONS:
        return [*errors, _("A questionnaire has at most %(n)s questions.") % {"n": MAX_QUESTIONS}]
    seen: dict[str, Mapping[str, Any]] = {}
    fields: dict[str, str] = {}
    for number, q in enumerate(questions, start=1):
        if not isinstance(q, Mapping):
            errors.append(_("%(where)s must be an object.") % {"where": question_label(number, None)})
            continue
        key = q.get("key")
        where = question_label(number, key if key_error(key) is None else None)
        errors += [f"{where}: {problem}." for problem in _question_errors(q, seen, fields)]
        if isinstance(key, str) and key not in seen:
            seen[key] = q
    kinds = [q.get("kind") for q in questions if isinstance(q, Mapping)]
    for kind in ONE_PER_QUESTIONNAIRE:
        if kinds.count(kind) > 1:
            errors.append(_("Only one question of the kind “%(kind)s” is allowed.") % {"kind": kind})
    return errors


def _question_errors(
    q: Mapping[str, Any], seen: Mapping[str, Mapping[str, Any]], fields: dict[str, str]
) -> Iterator[str]:
    """The problems of one question; `seen` holds the questions before it, `fields` the form fields taken."""
    key = q.get("key")
    kind = q.get("kind") if isinstance(q.get("kind"), str) else None  # JSON may hold a list here
    key_problem = key_error(key)
    if key_problem:
        yield key_problem
    elif key in seen:
        yield _("the key “%(key)s” is used twice") % {"key": key}
    elif kind in QUESTION_KINDS:
        for name in (f"q_{key}", *(f"q_{key}_{suffix}" for suffix in FIELD_SUFFIXES.get(kind, ()))):
            if name in fields:
                yield _("its form field “%(name)s” is also one of question “%(other)s”") % {
                    "name": name,
                    "other": fields[name],
                }
            fields[name] = str(key)
    if kind not in QUESTION_KINDS:
        yield _("unknown kind “%(kind)s”") % {"kind": q.get("kind")}
    problem = _text_error(q.get("text"), required=True, max_length=MAX_LABEL_LENGTH)
    if problem:
        yield _("the question %(problem)s") % {"problem": problem}
    problem = _text_error(q.get("help"), required=False, max_length=MAX_LABEL_LENGTH)
    if problem:
        yield _("the hint %(problem)s") % {"problem": problem}
    if not isinstance(q.get("required", False), bool):
        yield _("“required” must be true or false")
    if kind == "rating":
        if not isinstance(q.get("scale"), str) or q["scale"] not in SCALE_BY_KEY:
            yield _("a rating needs the scale “5” or “3”")
        if not _one_of(q.get("element"), RATING_ELEMENTS):
            yield _("a rating must count for a SIPAS element or for overall satisfaction (OVERALL)")
    elif kind == "reasons":
        yield from _options_errors(q.get("options"))
        if "max_choices" in q:
            limit, options = q["max_choices"], q.get("options")
            most = len(options) if isinstance(options, list) else MAX_OPTIONS
            if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= most:
                yield _("max_choices must be a whole number between 1 and the number of options")
    elif kind == "choice":
        yield from _options_errors(q.get("options"), with_element=False)
    elif kind == "text":
        length = q.get("max_length")
        if isinstance(length, bool) or not isinstance(length, int) or not 0 < length <= MAX_TEXT_LENGTH:
            yield _("a free text needs a max_length between 1 and %(n)s") % {"n": MAX_TEXT_LENGTH}
    if "show_if" in q:
        yield from _show_if_errors(q["show_if"], seen)


def _options_errors(options: object, *, with_element: bool = True) -> Iterator[str]:
    if not isinstance(options, list) or not options:
        yield _("reasons need a list of options") if with_element else _("a choice needs a list of options")
        return
    if len(options) > MAX_OPTIONS:
        yield _("at most %(n)s options") % {"n": MAX_OPTIONS}
    keys: set[str] = set()
    for number, option in enumerate(options, start=1):
        if not isinstance(option, Mapping):
            yield _("option %(n)s must be an object") % {"n": number}
            continue
        key = option.get("key")
        problem = key_error(key)
        if problem:
            yield _("option %(n)s: %(problem)s") % {"n": number, "problem": problem}
        elif key in keys:
            yield _("option %(n)s: the key “%(key)s” is used twice") % {"n": number, "key": key}
        else:
            keys.add(str(key))
        if with_element and not _one_of(option.get("element"), REASON_ELEMENTS):
            yield _("option %(n)s must count for a SIPAS element or OTHER") % {"n": number}
        problem = _text_error(option.get("text"), required=True, max_length=MAX_LABEL_LENGTH)
        if problem:
            yield _("option %(n)s %(problem)s") % {"n": number, "problem": problem}


def _show_if_errors(show_if: object, seen: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    target_key = show_if.get("question") if isinstance(show_if, Mapping) else None
    target = seen.get(target_key) if isinstance(target_key, str) else None
    if not isinstance(show_if, Mapping) or target is None or target.get("kind") != "rating":
        yield _("show_if must name an earlier rating question")
        return
    bucket = show_if.get("bucket")
    scale_key = target.get("scale")
    scale = SCALE_BY_KEY.get(scale_key) if isinstance(scale_key, str) else None
    if bucket not in BUCKETS:
        yield _("show_if needs a bucket: satisfied, neutral or unsatisfied")
    elif scale is not None and bucket not in {level.bucket.value for level in scale.levels}:
        yield _(
            "show_if asks for “%(bucket)s”, which the %(n)s-level scale of “%(question)s” never gives"
        ) % {
            "bucket": bucket,
            "n": len(scale.levels),
            "question": target_key,
        }


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
    def text(value: Mapping[str, Any] | None, language: str) -> str:
        """A {"vi": ..., "en": ...} text in `language`, or in Vietnamese where that is missing."""
        if not value:
            return ""
        return str(value.get(language) or value.get("vi", ""))
