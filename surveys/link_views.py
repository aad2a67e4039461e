"""A unit's printable codes: the QR image of a short link (SVG, PNG) and its A4 poster (PDF).

Officers only (OPERATE). A code of another unit is simply not in this unit's schema: 404, like an
unknown code, so nothing tells whether it exists elsewhere.
"""

import datetime as dt
import textwrap
from dataclasses import dataclass

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import Unit
from tenants.permissions import Action
from tenants.vietnam import fold

from . import qr
from .models import Channel, QRLink
from .pdf import html_to_pdf
from .services import short_url

# The image of a code never changes (same code, same BASE_URL); a poster shows names and dates an
# officer may edit, so it is kept only briefly. Both are private: they sit behind a sign-in.
IMAGE_MAX_AGE = 24 * 3600
POSTER_MAX_AGE = 60
SLUG_MAX = 40

# The poster is a printed notice in the words of the seeds (000's poster text, 004's privacy
# principles), kept here in both languages like a questionnaire's {"vi", "en"} texts: it is
# printed in Vietnamese whatever the officer's screen language, English only on request.
POSTER_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "committee": "ỦY BAN NHÂN DÂN",
        # Broken where seed 000 breaks it, so no word is left alone on a line.
        "invite": "XIN MỜI ÔNG (BÀ) MỞ ỨNG DỤNG QUÉT MÃ QR",
        "invite_2": "ĐỂ ĐÁNH GIÁ VIỆC CUNG ỨNG DỊCH VỤ CÔNG",
        "at": "TẠI ỦY BAN NHÂN DÂN {unit}",
        "scan": "XIN QUÉT VÀO MÃ DƯỚI ĐÂY",
        "apps": "Dùng Zalo hoặc máy ảnh của điện thoại · Chỉ mất khoảng 1 phút",
        "type": "Hoặc gõ địa chỉ sau vào trình duyệt:",
        "campaign": "Đợt khảo sát",
        "desk": "Nơi tiếp nhận hồ sơ",
        "staff": "Công chức giải quyết",
        "privacy_title": "CAM KẾT BẢO MẬT",
        "privacy": "Thông tin và ý kiến của ông (bà) được giữ bí mật. Không bắt buộc ghi họ tên.",
        "pressure": "Không ai được can thiệp, gây áp lực hay hướng dẫn ông (bà) đánh giá sai lệch.",
        "period": "Thời gian khảo sát: từ ngày {start} đến ngày {end}",
        "thanks": "Xin trân trọng cảm ơn sự hợp tác của ông (bà)!",
        "code": "Mã",
    },
    "en": {
        "committee": "PEOPLE'S COMMITTEE",
        "invite": "PLEASE OPEN A QR CODE SCANNER",
        "invite_2": "TO ASSESS THE PUBLIC SERVICE YOU RECEIVED",
        "at": "AT THE PEOPLE'S COMMITTEE OF {unit}",
        "scan": "SCAN THE CODE BELOW",
        "apps": "Use Zalo or your phone's camera · It takes about a minute",
        "type": "Or type this address into a browser:",
        "campaign": "Survey",
        "desk": "Service desk",
        "staff": "Civil servant",
        "privacy_title": "CONFIDENTIALITY",
        "privacy": "Your information and opinion are kept confidential. You need not give your name.",
        "pressure": "Nobody may interfere, pressure you or tell you how to answer.",
        "period": "Survey period: {start} to {end}",
        "thanks": "Thank you for your cooperation!",
        "code": "Code",
    },
}

# Name prefixes of the GSO registry ("Xã Hồng Thái") and the English word for the unit type.
UNIT_TYPES_EN = [
    ("thành phố ", "City"),
    ("thị trấn ", "Township"),
    ("thị xã ", "Town"),
    ("đặc khu ", "Special Zone"),
    ("phường ", "Ward"),
    ("huyện ", "District"),
    ("quận ", "District"),
    ("tỉnh ", "Province"),
    ("xã ", "Commune"),
]


def ascii_slug(text: str) -> str:
    """A filename-safe ASCII slug of Vietnamese text: "Xã Hồng Thái" → "xa-hong-thai"."""
    return slugify(fold(text))[:SLUG_MAX].strip("-")


def committee_name(unit: Unit, language: str) -> str:
    """The unit as its People's Committee signs: "XÃ HỒNG THÁI" / "HỒNG THÁI COMMUNE"."""
    if language == "vi":
        return unit.name.upper()
    lowered = unit.name.lower()
    for prefix, english in UNIT_TYPES_EN:
        if lowered.startswith(prefix):
            return f"{unit.name[len(prefix) :]} {english}".upper()
    return unit.name.upper()


def link_target(link: QRLink) -> str:
    """What the code rates: the civil servant, the desk, or the whole campaign."""
    if link.channel == Channel.STAFF and link.staff:
        return link.staff.full_name
    if link.channel == Channel.DESK and link.desk:
        return link.desk.name
    return link.campaign.name


def link_filename(unit: Unit, link: QRLink, kind: str, ext: str) -> str:
    parts = [kind, ascii_slug(unit.name), ascii_slug(link_target(link)), link.code]
    return "-".join(p for p in parts if p) + f".{ext}"


@dataclass(frozen=True)
class Poster:
    html: str
    pdf: bytes


def _shorten(text: str, width: int) -> str:
    """At most `width` characters, cut between words: the poster keeps one page whatever the names."""
    return textwrap.shorten(text, width, placeholder=" …") if text else ""


def poster_render(*, unit: Unit, link: QRLink, language: str = "vi") -> Poster:
    """The A4 notice of one code, as HTML and as PDF."""
    text = POSTER_TEXT[language]
    url = short_url(link.code)
    campaign = link.campaign

    def day(value: dt.date) -> str:
        return value.strftime("%d/%m/%Y")

    if link.channel == Channel.STAFF and link.staff:
        target = (text["staff"], _shorten(link.staff.full_name, 70), _shorten(link.staff.position, 50))
    elif link.channel == Channel.DESK and link.desk:
        target = (text["desk"], _shorten(link.desk.name, 70), _shorten(link.desk.location, 50))
    else:
        target = None
    html = render_to_string(
        "links/poster.html",
        {
            "lang": language,
            "t": text,
            "committee": committee_name(unit, language),
            "at": text["at"].format(unit=committee_name(unit, language)),
            "campaign": _shorten(campaign.name, 90),
            "target": target,
            "url": url,
            "code": link.code,
            "qr": mark_safe(qr.qr_svg_inline(url)),  # noqa: S308 - segno's own markup, URL escaped by it
            "period": text["period"].format(start=day(campaign.starts_on), end=day(campaign.ends_on)),
        },
    )
    return Poster(html=html, pdf=html_to_pdf(html))


def _link(code: str) -> QRLink:
    # The request runs in the unit's schema: another unit's code is not found here.
    return get_object_or_404(QRLink.objects.select_related("campaign", "desk", "staff"), code=code)


def _file(
    request: UnitRequest, body: bytes, *, content_type: str, filename: str, max_age: int
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    download = request.GET.get("download") == "1"
    if disposition := content_disposition_header(download, filename):
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=max_age)
    return response


@require_safe
@unit_permission_required(Action.OPERATE)
def link_svg(request: UnitRequest, code: str) -> HttpResponse:
    link = _link(code)
    return _file(
        request,
        qr.qr_svg(short_url(link.code)),
        content_type="image/svg+xml",
        filename=link_filename(request.tenant, link, "qr", "svg"),
        max_age=IMAGE_MAX_AGE,
    )


@require_safe
@unit_permission_required(Action.OPERATE)
def link_png(request: UnitRequest, code: str) -> HttpResponse:
    """?size=receipt (default, 203 dpi thermal printers) | screen | poster."""
    link = _link(code)
    size = request.GET.get("size", "receipt")
    if size not in qr.PNG_SCALES:
        return HttpResponseBadRequest(
            _("Unknown size. Choose one of: %(sizes)s.") % {"sizes": ", ".join(qr.PNG_SCALES)}
        )
    return _file(
        request,
        qr.qr_png(short_url(link.code), scale=qr.PNG_SCALES[size]),
        content_type="image/png",
        filename=link_filename(request.tenant, link, f"qr-{size}", "png"),
        max_age=IMAGE_MAX_AGE,
    )


@require_safe
@unit_permission_required(Action.OPERATE)
def link_poster(request: UnitRequest, code: str) -> HttpResponse:
    """The A4 poster in Vietnamese; ?lang=en for an English one."""
    link = _link(code)
    if not link.is_active:
        # A poster of a switched-off code would send citizens to a dead page.
        raise Http404(_("This code is switched off; switch it on again before printing its poster."))
    language = request.GET.get("lang", "vi")
    if language not in POSTER_TEXT:
        return HttpResponseBadRequest(_("Unknown poster language. Choose vi or en."))
    poster = poster_render(unit=request.tenant, link=link, language=language)
    return _file(
        request,
        poster.pdf,
        content_type="application/pdf",
        filename=link_filename(request.tenant, link, "poster", "pdf"),
        max_age=POSTER_MAX_AGE,
    )
