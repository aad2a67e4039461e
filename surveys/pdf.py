"""HTML → PDF: the only module that imports WeasyPrint (QR posters, official reports).

Fonts come from the system through fontconfig. Vietnamese needs a face that carries the stacked
diacritics (ệ, ở, ữ, Ỷ …) in the same design as the base letters; Tinos (fonts-croscore) and
Liberation Serif (fonts-liberation2) are metric-compatible with Times New Roman and carry them all.
Without either, Pango falls back glyph by glyph and a printed heading mixes two typefaces.
"""

import functools
import gc
import logging
import shutil
import subprocess
from typing import Any

# WeasyPrint logs every rendering step at INFO; the root logger shows INFO, so without this every
# rendering process prints "Step 2 - Fetching ... CSS".
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Families with full Vietnamese coverage, in order of preference; "serif" last as a safety net.
SERIF_FAMILIES = ("Tinos", "Liberation Serif")
SERIF_STACK = ", ".join(f'"{family}"' for family in SERIF_FAMILIES) + ', "Times New Roman", serif'

# Shared by every document: A4, the serif stack, black on white. Templates add their own layout.
BASE_CSS = f"""
@page {{ size: A4; margin: 15mm; }}
html {{ font-family: {SERIF_STACK}; color: #000; background: #fff; }}
"""

# No network: a document is rendered from our own template, with data: URIs and local files only.
# A stray <img src="http://..."> in a template must not make the server fetch anything.
FETCH_TIMEOUT = 5


@functools.cache
def _engine() -> tuple[Any, Any, Any, dict[bool, Any]]:
    """WeasyPrint's classes, one font configuration, the shared stylesheet and the two URL fetchers,
    made once per process: each fetcher builds an HTTPS context (tens of milliseconds) and the
    stylesheet is parsed again for nothing on every document otherwise.

    It also moves every object the process holds by then (Django, the apps, WeasyPrint, Pango's
    bindings: about 200,000) out of reach of the cyclic garbage collector (`gc.freeze`). A document
    allocates enough to trigger full collections, and each one walked all of those objects again:
    tens of milliseconds per report, none of them the document's."""
    # WeasyPrint loads Pango and takes over a second to import: only in a process that renders, not in
    # every one that loads the URLconf (web workers, Celery workers, management commands).
    from weasyprint import CSS, HTML, URLFetcher
    from weasyprint.text.fonts import FontConfiguration

    fetchers = {
        local: URLFetcher(timeout=FETCH_TIMEOUT, allowed_protocols={"data", "file"} if local else {"data"})
        for local in (False, True)
    }
    fonts = FontConfiguration()
    base = CSS(string=BASE_CSS, font_config=fonts, url_fetcher=fetchers[False])
    gc.collect()
    gc.freeze()
    return HTML, fonts, base, fetchers


@functools.lru_cache(maxsize=16)
def _stylesheet(text: str) -> Any:
    from weasyprint import CSS

    _html, fonts, _base, fetchers = _engine()
    return CSS(string=text, font_config=fonts, url_fetcher=fetchers[False])


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheet: str | None = None) -> bytes:
    """Render an HTML document (a rendered Django template) to PDF bytes.

    `base_url` resolves relative links (stylesheets, images); give a file:// folder to allow local
    files, otherwise only data: URIs are fetched. `stylesheet`, a CSS text shared by many documents,
    is parsed once per process.
    """
    html_class, fonts, base, fetchers = _engine()
    document = html_class(string=html, base_url=base_url, url_fetcher=fetchers[base_url is not None])
    sheets = [base] if stylesheet is None else [base, _stylesheet(stylesheet)]
    return bytes(document.write_pdf(stylesheets=sheets, font_config=fonts))


def serif_families_installed() -> list[str]:
    """Which of SERIF_FAMILIES fontconfig knows; an empty list means Vietnamese will print badly."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    result = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False)  # noqa: S603
    families = {name.strip() for line in result.stdout.splitlines() for name in line.split(",")}
    return [family for family in SERIF_FAMILIES if family in families]
