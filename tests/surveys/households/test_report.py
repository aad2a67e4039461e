"""The round's report as a Decree-30 PDF: design-weighted rates beside the unweighted ones with the method
and the intervals, the response rate and the re-check's outcome; never a household's name or address."""

import shutil
import subprocess
import uuid
from fractions import Fraction
from pathlib import Path

import pytest

from analytics.figures.households import household_round_figures
from analytics.methodology.formulas import display_percent
from surveys.households.models import Household, HouseholdRound, Slot, Village
from surveys.households.selectors import recheck_rates
from surveys.households.services import (
    enumerator_assign,
    household_answer_submit,
    recheck_draw,
    recheck_record,
    slot_record,
)
from tenants.models import User
from tests.conftest import TODAY, signed_in
from tests.surveys.households.conftest import overall_answers
from tests.test_console_crawl import internal_codes

pytestmark = pytest.mark.django_db


def comma(value) -> str:
    return str(value).replace(".", ",")


@pytest.fixture
def reported(drawn, villages, round_manager) -> HouseholdRound:
    """Four villages answer (6 of 8 satisfied overall), a fifth refuses once, two households are re-checked.
    The first village counts 40 households: its two respondents weigh 20 each, the others' 2."""
    Village.objects.filter(pk=villages[0].pk).update(household_count=40)
    overall = iter(["5", "4", "2", "4", "5", "1", "4", "4"])
    for number, village in enumerate(villages[:4]):
        enumerator = enumerator_assign(village=village, email=f"buudien{1 + number // 2}@quangtri.test")
        for slot in village.slots.filter(kind=Slot.Kind.MAIN).order_by("draw_order"):
            household_answer_submit(
                slot=slot, data=overall_answers(next(overall)), submission_key=uuid.uuid4(), user=enumerator
            )
    refused = villages[4].slots.filter(kind=Slot.Kind.MAIN).first()
    slot_record(slot=refused, status=Slot.Status.REFUSED, day=TODAY)
    first, second = recheck_draw(survey_round=drawn, size=2, seed=11)
    recheck_record(
        recheck=first, handed_out=True, collected=True, answers_match=False, note="", user=round_manager
    )
    recheck_record(
        recheck=second, handed_out=True, collected=True, answers_match=True, note="", user=round_manager
    )
    return drawn


def _text(pdf: bytes, tmp_path: Path, *flags: str) -> str:
    """The PDF's text, blanks collapsed (`-layout`: as laid out, each table row on its line)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603 - our own tool on our own file
        [shutil.which("pdftotext"), *flags, "-enc", "UTF-8", path, "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def test_the_report_is_a_decree_30_document_with_weighted_and_unweighted_figures(
    reported, round_manager, quang_tri, tmp_path
):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is needed")
    response = signed_in(round_manager).get(f"/u/{quang_tri.slug}/ho-gia-dinh/{reported.pk}/bao-cao.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(_text(response.content, tmp_path).split())
    rows = _text(response.content, tmp_path, "-layout").splitlines()
    # the Decree-30 parts: issuer, motto, number, title, place and date, recipients, signature
    for part in (
        "UBND TỈNH QUẢNG TRỊ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-UBND",
        "BÁO CÁO",
        "Quảng Trị, ngày 20 tháng 5 năm 2026",
        "Nơi nhận:",
        "TM. ỦY BAN NHÂN DÂN",
    ):
        assert part in text, part
    # the design and the response rate: 8 collected of 9 households approached
    assert "18 thôn, khu phố thuộc 9 xã" in text
    assert "số phiếu thu về: 8" in text
    assert "88,89 %" in text
    assert "hạt giống ngẫu nhiên 8" in text  # the household draw's seed
    # the method named, and the overall question's weighted rate, interval and unweighted rate
    assert "Có trọng số, khoảng tin cậy theo cụm thôn" in text and "tuyến tính hóa Taylor" in text
    overall = next(
        f for f in household_round_figures(survey_round=reported)["figures"] if f.question_key == "overall"
    )
    result = overall.result
    assert result.unweighted == Fraction(6, 8) and result.n == 8 and result.psus == 4
    assert result.rate == Fraction(20 + 20 + 2 + 2 + 2 + 2, 20 * 2 + 2 * 6)  # by hand: 48 / 52
    weighted = comma(display_percent(result.rate))
    interval = f"{comma(display_percent(result.low))} – {comma(display_percent(result.high))}"
    assert f"{weighted} {interval} {comma(display_percent(result.unweighted))} 8 4" in text, text
    # the re-check: 2 drawn with seed 11, 1 discrepancy
    assert "KẾT QUẢ PHÚC TRA" in text
    assert "Chọn ngẫu nhiên đơn giản 2 hộ" in text and "hạt giống ngẫu nhiên 11" in text
    assert "số hộ có sai lệch: 1 (tỷ lệ 50,00 %)" in text
    rates = recheck_rates(survey_round=reported)
    assert sum(r.checked for r in rates) == 2
    for r in rates:  # per enumerator: re-checked, with a discrepancy, rate
        expected = f"{r.enumerator} {r.checked} {r.discrepant} {comma(display_percent(r.rate))}"
        assert any(expected in row for row in rows), rows
    assert internal_codes(text) == []
    # no household's name or address
    for household in Household.objects.filter(village__round_commune__round=reported):
        assert household.head_name not in text
        assert household.address not in text
    # the report is the managers': an enumerator or a stranger gets nothing
    enumerator = User.objects.get(email="buudien1@quangtri.test")
    stranger = User.objects.create_user(username="o@o.test", email="o@o.test", password="x")
    for user in (enumerator, stranger):
        page = signed_in(user).get(f"/u/{quang_tri.slug}/ho-gia-dinh/{reported.pk}/bao-cao.pdf")
        assert page.status_code == 403
    assert signed_in(round_manager).get(f"/u/{quang_tri.slug}/ho-gia-dinh/0/bao-cao.pdf").status_code == 404


def test_a_round_without_answers_or_recheck_still_reports(drawn, round_manager, quang_tri, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is needed")
    response = signed_in(round_manager).get(f"/u/{quang_tri.slug}/ho-gia-dinh/{drawn.pk}/bao-cao.pdf")
    assert response.status_code == 200
    text = " ".join(_text(response.content, tmp_path).split())
    assert "Tỷ lệ phản hồi (số phiếu thu về chia cho số hộ đã tiếp cận): chưa có" in text
    assert "Chưa chọn mẫu phúc tra" in text
    assert Village.objects.filter(round_commune__round=drawn, selected=True).count() == 18
