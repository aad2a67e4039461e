"""Vietnam for code: its time zone, the two page languages, a name in either, and text folded without
its diacritics. The one definition of each, for every layer (nothing here imports Django models, so
the settings import it too).
"""

import unicodedata
from typing import Final, Literal
from zoneinfo import ZoneInfo

from django.utils import translation

VIETNAM_ZONE_NAME: Final = "Asia/Ho_Chi_Minh"
VIETNAM: Final = ZoneInfo(VIETNAM_ZONE_NAME)

Language = Literal["vi", "en"]


def language_of(language: str | None = None) -> Language:
    """ "en" for an English language code, else "vi"; without one, the active language's."""
    if language is None:
        language = translation.get_language()
    return "en" if (language or "").startswith("en") else "vi"


def localized_name(name_vi: str, name_en: str, language: str | None = None) -> str:
    """The English name on an English page where there is one, the Vietnamese name otherwise."""
    return name_en if name_en and language_of(language) == "en" else name_vi


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: "Đăng ký khai sinh" → "dang ky khai sinh".

    đ/Đ are letters of their own, not d with a combining mark, so decomposing alone would keep them.
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
