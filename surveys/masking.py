"""Masks phone, ID-card, card and e-mail numbers in free text before officers, exports or the API see it.

Masking happens when text is shown, never on a stored copy, so a better rule covers old answers too.
Citizens write numbers every way: 0912.345.678, (091) 234 5678, 0912 - 345 - 678, +84 912 345 678,
a CCCD in groups of four, a 16-digit card; and e-mails as "a.b [at] gmail.com" or "a còng gmail chấm com".
Any run of at least MIN_DIGITS digits, whatever spaces, dots, dashes or brackets sit between them, keeps
only its last two digits; a sum of money written with thousands dots and a currency (1.500.000.000 đồng)
is kept. Dates (12/03/2024) and times are not runs: a slash or a colon ends one.
"""

import re

MIN_DIGITS = 9  # CMND has 9 digits, a phone number 10 (9 after +84), a CCCD 12, a card 16
MASK = "•"

_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@|a\s*còng)\s*[\])}>]\s*|\s+(?:at|a\s*còng)\s+)"
_DOT = r"(?:\s?\.\s?|\s*[\[({<]\s*(?:dot|chấm|\.)\s*[\])}>]\s*|\s+(?:dot|chấm)\s+)"
EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+", re.IGNORECASE)
# A digit, then digits with at most three separators between each: spaces, dots, dashes, brackets.
NUMBER = re.compile(r"(?<!\d)(?:\+\s*)?(?:\(\s*)?\d(?:[\s.\-–—()]{0,3}\d)*")
MONEY = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")
CURRENCY_AFTER = re.compile(r"\s*(?:đồng|đ|vnđ|vnd|₫|triệu|tỷ|nghìn|ngàn)(?!\w)", re.IGNORECASE)


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [c for c in text if c.isdigit()]
    if len(digits) < MIN_DIGITS:
        return text
    if MONEY.fullmatch(text) and CURRENCY_AFTER.match(match.string, match.end()):
        return text
    return MASK * (len(digits) - 2) + "".join(digits[-2:])


def mask_identifiers(text: str) -> str:
    text = EMAIL.sub(f"{MASK * 3}@{MASK * 3}", text)
    return NUMBER.sub(_mask_number, text)
