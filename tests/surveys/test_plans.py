"""Every campaign's plan as an official Decree-30 document: drafted from the campaign, edited, issued,
then immutable; its timetable followed as a checklist with due-date reminders. The seeds' plans
(000 QR at the desk, 001 paper ballots, 003 the customer list, 004 QR on Zalo) are reproduced in
structure."""

import datetime as dt
import re
import unicodedata

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.quotas.services import survey_plan_draft
from surveys.models import PlanStep, SurveyPlan
from surveys.plan_selectors import plan_checklist
from surveys.plan_services import (
    StepInput,
    plan_draft,
    plan_issue,
    plan_pdf,
    plan_reminders_send,
    plan_step_done,
    plan_steps_set,
    plan_update,
)
from surveys.services import campaign_create, questionnaire_install_builtin
from surveys.tasks import unit_customer_surveys

from .test_qr_and_posters import pdf_text, run, tool

# A timetable row as pdftotext -layout prints its first line: number, task, responsible, time.
ROW = re.compile(r"^\s*(\d{2})\s{2,}(.+?)\s{2,}(.+?)\s{2,}(.+?)\s*$")


def timetable(pdf: bytes, tmp_path) -> list[tuple[str, ...]]:
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    text = unicodedata.normalize("NFC", run(tool("pdftotext"), "-layout", "-enc", "UTF-8", path, "-"))
    start = text.index("Tiến độ thực hiện")
    return [m.groups() for line in text[start:].splitlines() if (m := ROW.match(line))]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "KẾ HOẠCH",
    "UBND XÃ HỒNG THÁI",
)
SECTIONS = (
    "I. MỤC ĐÍCH, YÊU CẦU",
    "II. ĐỐI TƯỢNG, QUY MÔ KHẢO SÁT",
    "III. NỘI DUNG TIẾN HÀNH",
    "IV. TỔ CHỨC THỰC HIỆN",
)


@pytest.fixture
def unit(world):
    return world.commune


def campaign(unit, name, starts_on, ends_on, channels, questionnaire="hong_thai_quick"):
    with tenant_context(unit):
        version = questionnaire_install_builtin(key=questionnaire).latest_published
        return campaign_create(
            name=name, version=version, starts_on=starts_on, ends_on=ends_on, channels=channels
        )


def test_seed_003_the_customer_list_plan_with_its_timetable_issued_as_a_decree_30_pdf(
    unit, commune_admin, tmp_path
):
    # given Vạn Thắng's campaign: survey 1–30/9/2023, from the desk's customer list
    c = campaign(unit, "Tự khảo sát 2023", dt.date(2023, 9, 1), dt.date(2023, 9, 30), ["list", "phone"])
    plan = plan_draft(unit=unit, campaign=c, kind="customer_list")
    with tenant_context(unit):
        drafted = list(plan.steps.values_list("task", "starts_on", "due_on"))
    assert drafted[2] == ("Tiến hành khảo sát, lấy ý kiến", dt.date(2023, 9, 1), dt.date(2023, 9, 30))
    assert drafted[3][1:] == (dt.date(2023, 10, 2), dt.date(2023, 10, 6))
    # when the officer sets the seed's four steps, its signatory, and issues it
    who = "Công chức Văn phòng - Thống kê"
    plan_steps_set(
        unit=unit,
        plan=plan,
        steps=[
            StepInput(
                "Xây dựng kế hoạch, hoàn thiện mẫu phiếu điều tra, khảo sát", who, dt.date(2023, 8, 30)
            ),
            StepInput(
                "Tiến hành khảo sát, lấy ý kiến khách hàng", who, dt.date(2023, 9, 30), dt.date(2023, 9, 1)
            ),
            StepInput(
                "Kiểm tra thông tin phiếu, phân tích, thống kê phiếu",
                who,
                dt.date(2023, 10, 6),
                dt.date(2023, 10, 2),
            ),
            StepInput(
                "Tổng hợp báo cáo kết quả tự khảo sát", who, dt.date(2023, 10, 13), dt.date(2023, 10, 9)
            ),
        ],
    )
    plan_update(
        unit=unit,
        plan=plan,
        values={"signer_name": "Phạm Huệ", "grounds": "Căn cứ Kế hoạch cải cách hành chính năm 2023;"},
    )
    plan = plan_issue(unit=unit, plan=plan, by=commune_admin, number="304")
    # then the PDF reads back as the seed's plan does
    text = pdf_text(plan_pdf(unit=unit, plan=plan), tmp_path)
    for piece in (*HEADER, *SECTIONS, "UBND HUYỆN VĂN LÃNG", "Số: 304/KH-UBND", "Hồng Thái, ngày"):
        assert piece in text
    assert (
        "Tự khảo sát mức độ hài lòng của tổ chức, cá nhân đối với sự phục vụ của UBND xã Hồng Thái năm 2023"
        in text
    )
    assert timetable(plan_pdf(unit=unit, plan=plan), tmp_path) == [
        ("01", "Xây dựng kế hoạch, hoàn thiện", "Công chức Văn phòng -", "Trước ngày 30/8/2023"),
        ("02", "Tiến hành khảo sát, lấy ý kiến", "Công chức Văn phòng -", "Từ ngày 01/9/2023 -"),
        ("03", "Kiểm tra thông tin phiếu, phân", "Công chức Văn phòng -", "Từ ngày 02/10/2023 -"),
        ("04", "Tổng hợp báo cáo kết quả tự", "Công chức Văn phòng -", "Từ ngày 09/10/2023 -"),
    ]
    for end in ("30/9/2023", "06/10/2023", "13/10/2023"):
        assert end in text
    for piece in (
        "Nơi nhận:",
        "Lưu: VT, VP",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Phạm Huệ",
        "Căn cứ Kế hoạch cải cách",
    ):
        assert piece in text
    assert "danh sách khách hàng" in text and "đường dẫn (mã QR) khảo sát dùng một lần" in text


@pytest.mark.parametrize(
    ("seed", "kind", "channels", "expected"),
    [
        (
            "000",
            "desk_qr",
            ["qr", "desk"],
            ("qua mã QR tại Bộ phận Tiếp nhận và Trả kết quả", "quét mã QR niêm yết"),
        ),
        (
            "001",
            "paper_box",
            ["paper"],
            ("bằng phiếu khảo sát", "bỏ vào hòm phiếu", "In phiếu khảo sát, bố trí hòm phiếu"),
        ),
        ("004", "desk_qr", ["qr", "staff"], ("Mỗi công chức tiếp nhận, giải quyết hồ sơ có mã QR riêng",)),
        (
            "002",
            "household",
            ["paper"],
            ("tại hộ gia đình", "Lập danh sách hộ gia đình, phát phiếu khảo sát"),
        ),
    ],
)
def test_the_other_seeds_plans_are_drafted_from_their_campaigns(
    unit, tmp_path, seed, kind, channels, expected
):
    c = campaign(unit, f"Kế hoạch {seed}", dt.date(2024, 6, 1), dt.date(2024, 12, 31), channels)
    plan = survey_plan_draft(unit=unit, campaign=c, kind=kind)
    text = pdf_text(plan_pdf(unit=unit, plan=plan), tmp_path)
    for piece in (*HEADER, *SECTIONS, *expected, "Số: /KH-UBND"):
        assert piece in text
    rows = timetable(plan_pdf(unit=unit, plan=plan), tmp_path)
    assert [r[0] for r in rows] == ["01", "02", "03", "04", "05"]
    assert rows[0][3] == "Trước ngày 30/5/2024" and rows[2][3] == "Từ ngày 01/6/2024 -"
    assert rows[4][3] == "Từ ngày 09/01/2025 -"
    # The scale names the unit's quota rule, which only analytics may read.
    assert "số phiếu" in plan.scale.lower() or "%" in plan.scale


def test_a_draft_is_editable_and_an_issued_plan_is_not_even_by_sql(unit, commune_admin):
    c = campaign(unit, "Khảo sát QR", dt.date(2024, 6, 1), dt.date(2024, 12, 31), ["qr"])
    plan = plan_draft(unit=unit, campaign=c, kind="desk_qr")
    with pytest.raises(ValidationError) as error:
        plan_update(unit=unit, plan=plan, values={"purpose": "  "})
    assert "purpose" in error.value.message_dict
    plan_update(unit=unit, plan=plan, values={"purpose": "Mục đích mới"})
    plan = plan_issue(unit=unit, plan=plan, by=commune_admin, number="12")
    with pytest.raises(ValidationError, match="issued"):
        plan_update(unit=unit, plan=plan, values={"purpose": "Sửa sau khi ban hành"})
    with pytest.raises(ValidationError, match="issued"):
        plan_steps_set(unit=unit, plan=plan, steps=[StepInput("x", "y", dt.date(2024, 6, 1))])
    with tenant_context(unit):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            SurveyPlan.objects.filter(pk=plan.pk).update(purpose="lén sửa")
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            PlanStep.objects.filter(plan=plan, number=1).update(task="lén sửa")
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            PlanStep.objects.filter(plan=plan).delete()
        # The checklist still moves.
        step = PlanStep.objects.get(plan=plan, number=1)
    plan_step_done(unit=unit, step=step)
    with tenant_context(unit):
        assert SurveyPlan.objects.get(pk=plan.pk).purpose == "Mục đích mới"
        assert PlanStep.objects.get(pk=step.pk).done_at is not None


def test_the_checklist_reminds_each_responsible_official_of_due_and_late_steps_once_a_day(
    unit, commune_officer, commune_admin
):
    today = timezone.localdate()
    c = campaign(
        unit, "Khảo sát khách hàng", today - dt.timedelta(days=5), today + dt.timedelta(days=20), ["list"]
    )
    plan = plan_draft(unit=unit, campaign=c, kind="customer_list")
    plan_steps_set(
        unit=unit,
        plan=plan,
        steps=[
            StepInput(
                "Lập danh sách", "Văn phòng", today - dt.timedelta(days=1), responsible_user=commune_officer
            ),
            StepInput("Gửi thư mời", "Một cửa", today + dt.timedelta(days=2), responsible_user=commune_admin),
            StepInput("Gọi điện", "Một cửa", today + dt.timedelta(days=10), responsible_user=commune_admin),
            StepInput("Báo cáo", "Văn phòng", today + dt.timedelta(days=1)),
        ],
    )
    with tenant_context(unit):
        states = [(i.step.task, i.state) for i in plan_checklist(plan=plan)]
    assert states == [
        ("Lập danh sách", "late"),
        ("Gửi thư mời", "due"),
        ("Gọi điện", "upcoming"),
        ("Báo cáo", "due"),
    ]
    result = unit_customer_surveys.apply(args=(unit.pk, today.isoformat())).get()
    assert result["steps"] == 2
    assert sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox) == sorted(
        [(commune_officer.email, "Quá hạn"), (commune_admin.email, "Sắp đến hạn")]
    )
    assert plan_reminders_send(unit=unit, today=today) == 0  # once a day
    with tenant_context(unit):
        step = PlanStep.objects.get(plan=plan, number=2)
    plan_step_done(unit=unit, step=step)
    assert plan_reminders_send(unit=unit, today=today + dt.timedelta(days=1)) == 1  # only the late one
