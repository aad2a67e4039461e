"""QR codes of printed links: the only module that imports segno.

Codes are made for print: error correction at least M (raised to Q whenever that fits in the same
symbol size, so a poster with a torn corner or a smudged receipt still scans), never Micro QR
(most phone scanners, Zalo's included, do not read it), and the standard quiet zone of 4 modules.
A default short URL (≤ 40 characters) fits version 3 (29 modules) at Q or M.
"""

import base64
import io

import segno
from django.conf import settings
from django.core import checks

ERROR_LEVEL = "m"
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 requires
SHORT_URL_MAX = 40  # DESIGN.md: longer URLs need a denser code that cheap phones read badly

# PNG pixels per module. A receipt printer prints 203 dpi (8 dots/mm): 6 px = 0.75 mm a module,
# a 37-module code ≈ 28 mm wide on a 58/80 mm receipt. "poster" is for people who paste a PNG into
# a word processor: 40 px at 300 dpi ≈ 3.4 mm a module, ≈ 125 mm wide.
PNG_SCALES = {"receipt": 6, "screen": 10, "poster": 40}
PNG_SCALE_MAX = 60
CARD_PNG_SCALE = 4  # a code on a letter card is printed 38 mm wide: ≈ 100 dpi, scaled without smoothing
# A standalone SVG carries a physical size: 2.5 mm a module ≈ 92 mm for version 3, prints sharp at any dpi.
SVG_MODULE_MM = 2.5


def _make(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("Cannot encode an empty URL")
    return segno.make_qr(url, error=ERROR_LEVEL, boost_error=True)


def qr_png(url: str, *, scale: int) -> bytes:
    """A black-on-white PNG with quiet zone; `scale` = pixels per module (see PNG_SCALES)."""
    if not 1 <= scale <= PNG_SCALE_MAX:
        raise ValueError(f"scale must be between 1 and {PNG_SCALE_MAX}")
    out = io.BytesIO()
    _make(url).save(out, kind="png", scale=scale, border=QUIET_ZONE)
    return out.getvalue()


def qr_svg(url: str, *, module_mm: float = SVG_MODULE_MM) -> bytes:
    """A standalone SVG file sized in millimetres, for print shops and document editors."""
    out = io.BytesIO()
    _make(url).save(out, kind="svg", unit="mm", scale=module_mm, border=QUIET_ZONE, xmldecl=True, title=url)
    return out.getvalue()


def qr_svg_inline(url: str) -> str:
    """An <svg> element without a size (viewBox only), to embed in HTML and size with CSS."""
    return _make(url).svg_inline(
        scale=1, border=QUIET_ZONE, omitsize=True, title=url, svgclass="qr", lineclass=None
    )


def qr_png_data_uri(url: str, *, scale: int = CARD_PNG_SCALE) -> str:
    """A PNG as a data: URI, for a PDF of many codes: WeasyPrint draws an image faster than it parses an
    SVG path (letters: 63 → 47 ms a card). Whole pixels a module, so drawn unsmoothed it prints sharp."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url, scale=scale)).decode("ascii")


def qr_modules(url: str) -> int:
    """Width of the code in modules, quiet zone included (for the print size of a given scale)."""
    width, _height = _make(url).symbol_size(scale=1, border=QUIET_ZONE)
    return int(width)


def short_url_longest(base_url: str) -> int:
    """Length of the longest short URL the current code length makes under `base_url`."""
    from .services import CODE_LENGTH

    return len(f"{base_url.rstrip('/')}/q/") + CODE_LENGTH


@checks.register(checks.Tags.urls)
def check_short_url_length(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Warn when BASE_URL makes printed links longer than 40 characters (denser, harder to scan)."""
    length = short_url_longest(settings.BASE_URL)
    if length <= SHORT_URL_MAX:
        return []
    return [
        checks.Warning(
            f"Short survey links would be {length} characters long (BASE_URL={settings.BASE_URL!r}); "
            f"printed QR codes stay small and easy to scan up to {SHORT_URL_MAX}.",
            hint="Use a shorter public address for BASE_URL, e.g. https://hailong.example.vn",
            id="surveys.W001",
        )
    ]
