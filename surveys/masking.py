"""Masks phone, ID-card and e-mail numbers in free text before it is shown above the unit."""

import re

# Vietnamese mobile/landline numbers (0xxx or +84), allowing spaces, dots and dashes between digits.
PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
# CMND (9 digits) and CCCD (12 digits), and any other long run of digits.
ID_NUMBER = re.compile(r"(?<!\d)\d{9,12}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _keep_last_two(match: re.Match[str]) -> str:
    digits = [c for c in match.group(0) if c.isdigit()]
    return "•" * (len(digits) - 2) + "".join(digits[-2:])


def mask_identifiers(text: str) -> str:
    text = EMAIL.sub("•••@•••", text)
    text = PHONE.sub(_keep_last_two, text)
    return ID_NUMBER.sub(_keep_last_two, text)
