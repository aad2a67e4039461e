"""Printed codes: the QR images scan back to the exact short URL, and the A4 poster reads right.

Decoding uses zbarimg (zbar-tools) and the PDF is read with poppler-utils (pdftotext, pdftoppm,
pdffonts); `deploy/dev.py setup` installs both. Without them these tests skip, except on CI.
"""

import base64
import os
import re
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest
from django.core import checks
from django.test import Client, override_settings
from django_tenants.utils import tenant_context

from surveys import qr
from surveys.link_views import ascii_slug, committee_name, poster_render
from surveys.models import Desk, StaffMember
from surveys.pdf import SERIF_FAMILIES, html_to_pdf, serif_families_installed
from surveys.services import qr_link_create, short_url
from tenants.models import Unit
from tenants.routing import unit_reverse
from tests.conftest import signed_in

# Assertions read the English messages (see the `english` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --------------------------------------------------------------------------- helpers


def tool(name: str) -> str:
    """The path of a command-line tool; skip (or fail on CI) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (python deploy/dev.py setup installs zbar-tools, poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*cmd: str | Path) -> str:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def zbar(png: Path) -> str:
    return run(tool("zbarimg"), "--raw", "-q", png).strip()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text, NFC-normalised, whitespace collapsed to single spaces."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = run(tool("pdftotext"), "-enc", "UTF-8", path, "-")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def pdf_to_png(pdf: bytes, tmp_path: Path, dpi: int) -> Path:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    run(tool("pdftoppm"), "-png", "-r", str(dpi), "-singlefile", path, tmp_path / "page")
    return tmp_path / "page.png"


def url(unit: Unit, name: str, code: str, query: str = "") -> str:
    return unit_reverse(unit, name, code=code) + query


@pytest.fixture
def desk(in_commune) -> Desk:
    return Desk.objects.create(name="Bộ phận tiếp nhận và trả kết quả", location="Tầng 1, trụ sở UBND xã")


@pytest.fixture
def links(world, campaigns, desk):
    """One code per channel in Hồng Thái: the whole campaign, its one-stop desk, one civil servant."""
    campaign = campaigns["hong_thai_quick"]
    clerk = StaffMember.objects.create(
        full_name="Nông Thị Hường", position="Công chức Tư pháp – Hộ tịch", desk=desk
    )
    return {
        "campaign": qr_link_create(unit=world.commune, campaign=campaign),
        "desk": qr_link_create(unit=world.commune, campaign=campaign, desk=desk),
        "staff": qr_link_create(unit=world.commune, campaign=campaign, staff=clerk),
    }


# --------------------------------------------------------------------------- the codes scan back


@pytest.mark.parametrize("size", ["receipt", "screen", "poster"])
def test_the_png_decodes_to_the_exact_short_url(world, links, commune_officer, tmp_path, size):
    link = links["desk"]
    page = signed_in(commune_officer).get(url(world.commune, "unit:link_png", link.code, f"?size={size}"))
    assert page.status_code == 200
    assert page["Content-Type"] == "image/png"
    (tmp_path / "qr.png").write_bytes(page.content)
    assert zbar(tmp_path / "qr.png") == short_url(link.code)


def test_the_svg_decodes_once_rendered(world, links, commune_officer, tmp_path):
    # given the SVG file, drawn onto a page the way a print shop would place it
    link = links["staff"]
    page = signed_in(commune_officer).get(url(world.commune, "unit:link_svg", link.code))
    assert page.status_code == 200
    assert page["Content-Type"] == "image/svg+xml"
    assert page.content.startswith(b"<?xml") and b'width="92.5mm"' in page.content
    image = base64.b64encode(page.content).decode()
    pdf = html_to_pdf(f'<img src="data:image/svg+xml;base64,{image}">')
    # then a 150 dpi scan of that page reads the short URL
    assert zbar(pdf_to_png(pdf, tmp_path, 150)) == short_url(link.code)


def test_the_code_is_made_for_print():
    code = qr._make("http://localhost:8000/q/abcdefg")
    assert not code.is_micro
    assert code.error in {"M", "Q"}
    assert code.version <= 3  # 29 modules: small enough for a receipt
    assert qr.qr_modules("http://localhost:8000/q/abcdefg") == 29 + 2 * qr.QUIET_ZONE


@pytest.mark.parametrize("scale", [0, -1, qr.PNG_SCALE_MAX + 1])
def test_a_png_scale_out_of_range_is_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        qr.qr_png("http://localhost:8000/q/abcdefg", scale=scale)


# --------------------------------------------------------------------------- the poster


def test_the_poster_is_a_vietnamese_a4_notice(world, links, commune_officer, tmp_path):
    link = links["desk"]
    page = signed_in(commune_officer).get(url(world.commune, "unit:link_poster", link.code))
    assert page.status_code == 200
    assert page["Content-Type"] == "application/pdf"
    text = pdf_text(page.content, tmp_path)
    campaign = link.campaign
    for expected in (
        "ỦY BAN NHÂN DÂN XÃ HỒNG THÁI",
        "XIN MỜI ÔNG (BÀ) MỞ ỨNG DỤNG QUÉT MÃ QR ĐỂ ĐÁNH GIÁ VIỆC CUNG ỨNG DỊCH VỤ CÔNG",
        "XIN QUÉT VÀO MÃ DƯỚI ĐÂY",
        short_url(link.code),
        f"Đợt khảo sát: {campaign.name}",
        "Nơi tiếp nhận hồ sơ: Bộ phận tiếp nhận và trả kết quả (Tầng 1, trụ sở UBND xã)",
        "được giữ bí mật",
        "Không ai được can thiệp, gây áp lực",
        f"từ ngày {campaign.starts_on:%d/%m/%Y} đến ngày {campaign.ends_on:%d/%m/%Y}",
        "Xin trân trọng cảm ơn sự hợp tác của ông (bà)!",
    ):
        assert expected in text
    info = run(tool("pdfinfo"), tmp_path / "doc.pdf")
    assert re.search(r"Pages:\s+1\n", info)
    assert "595.276 x 841.89 pts (A4)" in info


def test_the_poster_names_the_civil_servant_of_a_staff_code(world, links, commune_officer, tmp_path):
    link = links["staff"]
    page = signed_in(commune_officer).get(url(world.commune, "unit:link_poster", link.code))
    text = pdf_text(page.content, tmp_path)
    assert "Công chức giải quyết: Nông Thị Hường (Công chức Tư pháp – Hộ tịch)" in text


def test_the_qr_on_the_printed_poster_scans(world, links, tmp_path):
    # a 100 dpi scan of the whole A4 page is coarser than any phone camera at arm's length
    link = links["campaign"]
    poster = poster_render(unit=world.commune, link=link)
    assert zbar(pdf_to_png(poster.pdf, tmp_path, 100)) == short_url(link.code)


def test_the_poster_is_set_in_a_serif_that_carries_vietnamese(world, links, tmp_path):
    if os.environ.get("CI") == "true":
        assert serif_families_installed(), f"install one of {SERIF_FAMILIES} (fonts-croscore)"
    elif not serif_families_installed():
        pytest.skip(f"none of {SERIF_FAMILIES} is installed (python deploy/dev.py setup)")
    poster = poster_render(unit=world.commune, link=links["campaign"])
    (tmp_path / "poster.pdf").write_bytes(poster.pdf)
    fonts = run(tool("pdffonts"), tmp_path / "poster.pdf")
    embedded = [line.split()[0] for line in fonts.splitlines()[2:]]
    # every face used is one of ours: no glyph fell back to another family
    assert embedded
    assert all(re.search(r"Tinos|LiberationSerif", name) for name in embedded), embedded


@override_settings(BASE_URL="https://hailong.langson.gov.vn")  # a 40-character short URL
def test_long_names_keep_the_poster_on_one_page_and_scannable(world, campaigns, desk, tmp_path):
    # given the longest names an officer may type, and markup in them
    campaign = campaigns["son_tay_2017"]
    campaign.name = "<b>Khảo sát</b> " + "sự hài lòng của người dân đối với cơ quan hành chính " * 3
    campaign.save(update_fields=["name"])
    desk.name = "Bộ phận tiếp nhận và trả kết quả giải quyết thủ tục hành chính " * 3
    desk.location = "Tầng 1, nhà B, trụ sở Ủy ban nhân dân xã Hồng Thái " * 3
    desk.save()
    link = qr_link_create(unit=world.commune, campaign=campaign, desk=desk)
    assert len(short_url(link.code)) == 40
    # when the poster is rendered
    poster = poster_render(unit=world.commune, link=link)
    # then the names are shortened between words, shown as text, and the page stays one A4 that scans
    text = pdf_text(poster.pdf, tmp_path)
    assert "Đợt khảo sát: <b>Khảo sát</b> sự hài lòng" in text
    assert " …" in text
    assert short_url(link.code) in text
    assert re.search(r"Pages:\s+1\n", run(tool("pdfinfo"), tmp_path / "doc.pdf"))
    assert zbar(pdf_to_png(poster.pdf, tmp_path, 100)) == short_url(link.code)


def test_the_english_poster_is_complete(world, links, commune_officer, tmp_path):
    link = links["campaign"]
    page = signed_in(commune_officer).get(url(world.commune, "unit:link_poster", link.code, "?lang=en"))
    text = pdf_text(page.content, tmp_path)
    assert "AT THE PEOPLE'S COMMITTEE OF HỒNG THÁI COMMUNE" in text
    assert "SCAN THE CODE BELOW" in text
    assert short_url(link.code) in text


def test_rendering_a_poster_on_request_is_fast_enough(world, links):
    poster_render(unit=world.commune, link=links["campaign"])  # fonts loaded once per process
    started = time.perf_counter()
    poster = poster_render(unit=world.commune, link=links["desk"])
    assert time.perf_counter() - started < 3
    assert poster.pdf.startswith(b"%PDF") and len(poster.pdf) < 200_000


def test_a_switched_off_code_has_no_poster(world, links, commune_officer):
    link = links["desk"]
    link.is_active = False
    link.save(update_fields=["is_active"])
    client = signed_in(commune_officer)
    assert client.get(url(world.commune, "unit:link_poster", link.code)).status_code == 404
    assert client.get(url(world.commune, "unit:link_png", link.code)).status_code == 200


# --------------------------------------------------------------------------- files and headers


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("unit:link_svg", "qr-xa-hong-thai-bo-phan-tiep-nhan-va-tra-ket-qua-{code}.svg"),
        ("unit:link_png", "qr-receipt-xa-hong-thai-bo-phan-tiep-nhan-va-tra-ket-qua-{code}.png"),
        ("unit:link_poster", "poster-xa-hong-thai-bo-phan-tiep-nhan-va-tra-ket-qua-{code}.pdf"),
    ],
)
def test_files_have_an_ascii_name_and_private_cache_headers(world, links, commune_officer, name, filename):
    link = links["desk"]
    client = signed_in(commune_officer)
    inline = client.get(url(world.commune, name, link.code))
    assert inline["Content-Disposition"] == f'inline; filename="{filename.format(code=link.code)}"'
    assert "private" in inline["Cache-Control"] and "max-age=" in inline["Cache-Control"]
    download = client.get(url(world.commune, name, link.code, "?download=1"))
    assert download["Content-Disposition"].startswith("attachment; ")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Xã Hồng Thái", "xa-hong-thai"),
        ("Tỉnh Đắk Nông", "tinh-dak-nong"),
        ("Nông Thị Hường", "nong-thi-huong"),
        ("Bộ phận một cửa (tầng 1)", "bo-phan-mot-cua-tang-1"),
        ("Khảo sát năm 2024 – đợt 2/2024", "khao-sat-nam-2024-dot-22024"),
        ("!!!", ""),
    ],
)
def test_ascii_slug_keeps_vietnamese_letters_readable(text, slug):
    assert ascii_slug(text) == slug


def test_the_committee_heading_follows_the_unit_type(world):
    assert committee_name(world.commune, "vi") == "XÃ HỒNG THÁI"
    assert committee_name(world.district, "vi") == "HUYỆN VĂN LÃNG"
    assert committee_name(world.province, "en") == "LẠNG SƠN PROVINCE"
    assert committee_name(world.other, "en").endswith("COMMUNE")


# --------------------------------------------------------------------------- who may print


@pytest.mark.parametrize("persona", ["commune_officer", "commune_admin", "operator"])
@pytest.mark.parametrize("name", ["unit:link_svg", "unit:link_png", "unit:link_poster"])
def test_the_units_officers_may_print(request, world, links, persona, name):
    page = signed_in(request.getfixturevalue(persona)).get(url(world.commune, name, links["campaign"].code))
    assert page.status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "sibling_officer", "district_viewer", "province_admin"])
@pytest.mark.parametrize("name", ["unit:link_svg", "unit:link_png", "unit:link_poster"])
def test_others_are_refused(request, world, links, persona, name):
    # a province admin inherits MANAGE and VIEW_FIGURES, not OPERATE: printing stays with the commune
    page = signed_in(request.getfixturevalue(persona)).get(url(world.commune, name, links["campaign"].code))
    assert page.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(world, links):
    page = Client().get(url(world.commune, "unit:link_poster", links["campaign"].code))
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_a_code_of_another_unit_is_404(world, campaigns, commune_officer, sibling_officer):
    # given a code printed by the sibling commune
    with tenant_context(world.sibling):
        from surveys.models import Campaign

        theirs = qr_link_create(unit=world.sibling, campaign=Campaign.objects.first())
    # then it is not found under Hồng Thái, though it works in its own unit
    for name in ("unit:link_svg", "unit:link_png", "unit:link_poster"):
        assert signed_in(commune_officer).get(url(world.commune, name, theirs.code)).status_code == 404
    assert signed_in(sibling_officer).get(url(world.sibling, "unit:link_png", theirs.code)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "links/zzzzzzz.svg",
        "links/zzzzzzz.png",
        "links/zzzzzzz/poster.pdf",
        "links/ABCDEFG.png",
        "links/abcdefghijklmnop.svg",
        "links/abc%2F.png",
        "links/.png",
    ],
)
def test_unknown_or_malformed_codes_are_404(world, links, commune_officer, path):
    page = signed_in(commune_officer).get(f"/u/{world.commune.slug}/{path}")
    assert page.status_code == 404


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("unit:link_png", "?size=huge", b"Unknown size"),
        ("unit:link_png", "?size=", b"Unknown size"),
        ("unit:link_poster", "?lang=fr", b"Unknown poster language"),
    ],
)
def test_bad_options_are_400_with_a_message(world, links, commune_officer, name, query, message):
    page = signed_in(commune_officer).get(url(world.commune, name, links["campaign"].code, query))
    assert page.status_code == 400
    assert message in page.content


def test_only_get_and_head_are_allowed(world, links, commune_officer):
    client = signed_in(commune_officer)
    target = url(world.commune, "unit:link_png", links["campaign"].code)
    assert client.post(target).status_code == 405
    assert client.head(target).status_code == 200


# --------------------------------------------------------------------------- the 40-character promise


def test_short_urls_fit_in_40_characters_with_the_default_base_url(links):
    assert all(len(short_url(link.code)) <= qr.SHORT_URL_MAX for link in links.values())
    assert qr.check_short_url_length() == []


@override_settings(BASE_URL="https://khaosat-hailong.ubnd-xa-hong-thai.langson.gov.vn")
def test_a_long_base_url_raises_a_system_check_warning():
    (warning,) = qr.check_short_url_length()
    assert warning.id == "surveys.W001"
    assert warning.level == checks.WARNING
    assert "66 characters" in warning.msg
