"""The answer vocabulary that questionnaires and figures share: scales, buckets and SIPAS elements.

It lives with the surveys because a questionnaire is defined in these terms; the methodology
(analytics.methodology.formulas) counts answers by them. Pure Python: no Django, no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class DataError(ValueError):
    """Counts or answers handed to a formula are impossible (negative, off the scale, parts > whole)."""


# --------------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------------


class Bucket(StrEnum):
    """Where an answer counts. NO_ANSWER is kept so it can be reported, but never enters a denominator."""

    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"
    NO_ANSWER = "no_answer"


#: The stored value of "no answer / not applicable". None rather than 0 because the one-stop systems
#: code "Không hài lòng" as 0; a 0 meaning "no answer" would turn imported complaints into abstentions.
NO_ANSWER: Final = None


@dataclass(frozen=True, slots=True)
class Level:
    """One choice on a scale. `one_stop_code` is the 2/1/0 coding used by one-stop systems, if any."""

    value: int
    label_vi: str
    label_en: str
    bucket: Bucket
    one_stop_code: int | None = None


@dataclass(frozen=True, slots=True)
class Scale:
    """A response scale. `scored` says whether values are 1–5 scores that may enter the mean score."""

    code: str
    levels: tuple[Level, ...]
    scored: bool

    def level(self, value: int) -> Level:
        for level in self.levels:
            if level.value == value:
                return level
        allowed = ", ".join(str(level.value) for level in self.levels)
        raise DataError(
            f"{value!r} is not a value of the {self.code} scale (allowed: {allowed} or no answer)"
        )


FIVE_LEVEL: Final = Scale(
    code="five_level",
    scored=True,
    levels=(
        Level(5, "Rất hài lòng", "Very satisfied", Bucket.SATISFIED),
        Level(4, "Hài lòng", "Satisfied", Bucket.SATISFIED),
        Level(3, "Bình thường", "Neutral", Bucket.NEUTRAL),
        Level(2, "Không hài lòng", "Dissatisfied", Bucket.UNSATISFIED),
        Level(1, "Rất không hài lòng", "Very dissatisfied", Bucket.UNSATISFIED),
    ),
)

# Values 3/2/1 keep "higher is better" like the 5-level scale, and are deliberately not the 2/1/0
# one-stop codes: those must pass through from_one_stop_code so a 0 is never mistaken for anything else.
# The 3-level scale is not scored: its values are not points on the 1–5 scale.
THREE_LEVEL: Final = Scale(
    code="three_level",
    scored=False,
    levels=(
        Level(3, "Rất hài lòng", "Very satisfied", Bucket.SATISFIED, one_stop_code=2),
        Level(2, "Hài lòng", "Satisfied", Bucket.SATISFIED, one_stop_code=1),
        Level(1, "Không hài lòng", "Dissatisfied", Bucket.UNSATISFIED, one_stop_code=0),
    ),
)


def bucket_of(scale: Scale, value: int | None) -> Bucket:
    """Bucket of an answer; `NO_ANSWER` (None) maps to Bucket.NO_ANSWER, values off the scale raise."""
    if value is None:
        return Bucket.NO_ANSWER
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"{value!r} is not a value of the {scale.code} scale")
    return scale.level(value).bucket


def from_one_stop_code(code: int) -> int:
    """Convert a one-stop system's 2/1/0 rating to a THREE_LEVEL value."""
    if isinstance(code, int) and not isinstance(code, bool):
        for level in THREE_LEVEL.levels:
            if level.one_stop_code == code:
                return level.value
    raise DataError(
        f"{code!r} is not a one-stop rating code (2 = very satisfied, 1 = satisfied, 0 = dissatisfied)"
    )


def to_one_stop_code(value: int) -> int:
    """Convert a THREE_LEVEL value back to the one-stop 2/1/0 code (for exports to those systems)."""
    code = THREE_LEVEL.level(value).one_stop_code
    if code is None:  # unreachable while every THREE_LEVEL level defines a code
        raise DataError(f"{value!r} has no one-stop code")
    return code


# --------------------------------------------------------------------------------------------------
# SIPAS elements
# --------------------------------------------------------------------------------------------------


class Element(StrEnum):
    """The five SIPAS elements (Decision 2640/QĐ-BNV) plus OVERALL, which is reported beside the index."""

    ACCESS = "ACCESS"
    PROCEDURE = "PROCEDURE"
    OFFICIAL = "OFFICIAL"
    RESULT = "RESULT"
    FEEDBACK = "FEEDBACK"
    OVERALL = "OVERALL"


INDEX_ELEMENTS: Final = (
    Element.ACCESS,
    Element.PROCEDURE,
    Element.OFFICIAL,
    Element.RESULT,
    Element.FEEDBACK,
)
