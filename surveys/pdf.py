"""HTML → PDF: the only module that imports WeasyPrint (QR posters, official reports).

Fonts come from the system through fontconfig. Vietnamese needs a face that carries the stacked
diacritics (ệ, ở, ữ, Ỷ …) in the same design as the base letters; Tinos (fonts-croscore) and
Liberation Serif (fonts-liberation2) are metric-compatible with Times New Roman and carry them all.
Without either, Pango falls back glyph by glyph and a printed heading mixes two typefaces.
"""

import logging
import shutil
import subprocess

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


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render an HTML document (a rendered Django template) to PDF bytes.

    `base_url` resolves relative links (stylesheets, images); give a file:// folder to allow local
    files, otherwise only data: URIs are fetched.
    """
    # WeasyPrint loads Pango and takes over a second to import: only in a process that renders, not in
    # every one that loads the URLconf (web workers, Celery workers, management commands).
    from weasyprint import CSS, HTML, URLFetcher
    from weasyprint.text.fonts import FontConfiguration

    allowed = {"data", "file"} if base_url else {"data"}
    fetcher = URLFetcher(timeout=FETCH_TIMEOUT, allowed_protocols=allowed)
    fonts = FontConfiguration()
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=BASE_CSS, font_config=fonts)], font_config=fonts)


def serif_families_installed() -> list[str]:
    """Which of SERIF_FAMILIES fontconfig knows; an empty list means Vietnamese will print badly."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    result = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False)  # noqa: S603
    families = {name.strip() for line in result.stdout.splitlines() for name in line.split(",")}
    return [family for family in SERIF_FAMILIES if family in families]
