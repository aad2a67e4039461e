"""The pieces of a Vietnamese administrative document (Decree 30/2020/NĐ-CP) that every official
document of the platform shares: how a unit is named in its header and date line, how a date is
written. The page layout itself is the template `surveys/decree30.css` and `surveys/_decree30_head.html`.
"""

import datetime as dt

# How the unit's type reads inside a sentence ("UBND xã", "HĐND phường").
LEVEL_WORDS = {
    "xa": "xã",
    "phuong": "phường",
    "thi_tran": "thị trấn",
    "dac_khu": "đặc khu",
    "huyen": "huyện",
    "quan": "quận",
    "thi_xa": "thị xã",
    "thanh_pho": "thành phố",
    "tinh": "tỉnh",
    "thanh_pho_tw": "thành phố",
}
NAME_PREFIXES = sorted(
    ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã", "Đặc khu"),
    key=len,
    reverse=True,
)
TYPES_EN = {
    "Thành phố": "City",
    "Thị trấn": "Township",
    "Thị xã": "Town",
    "Đặc khu": "Special Zone",
    "Phường": "Ward",
    "Huyện": "District",
    "Quận": "District",
    "Tỉnh": "Province",
    "Xã": "Commune",
}


def short_name(name: str) -> str:
    """ "Xã Hồng Thái" → "Hồng Thái": the place name of the date line."""
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def lower_type(name: str) -> str:
    """ "Huyện Văn Lãng" → "huyện Văn Lãng", as the type reads after "UBND"."""
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix + " "):
            return prefix.lower() + name[len(prefix) :]
    return name


def english_name(name: str) -> str:
    """ "Xã Hồng Thái" → "Hồng Thái Commune", as the English page names a unit."""
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix + " "):
            return f"{name[len(prefix) + 1 :]} {TYPES_EN[prefix]}"
    return name


def decree_date(day: dt.date) -> tuple[str, str, str]:
    """Day, month and year as Decree 30 writes them: a zero before days under 10 and months 1 and 2."""
    return (f"{day.day:02d}", f"{day.month:02d}" if day.month <= 2 else str(day.month), str(day.year))
