"""The plan (Kế hoạch) of a campaign: drafted from the campaign's own settings, edited, issued as a
Decree-30 PDF and then immutable (a database trigger), its timetable followed as a checklist whose
responsible officials are reminded of due dates.

Every seed is such a plan (000 QR at the desk, 001 paper ballots, 003 the customer list, 004 QR on
Zalo); the drafts follow their structure: purpose and requirements, who is surveyed, scale and quota,
method, timetable, responsibilities, recipients, signature. The wording is the document's own, in
Vietnamese, like the publication report's: an issued PDF is kept for ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Level, Unit, User

from .decree import LEVEL_WORDS, decree_date, lower_type, short_name
from .models import Campaign, Channel, CustomerSurvey, PlanStep, SurveyPlan
from .pdf import SERIF_STACK, html_to_pdf

Kind = SurveyPlan.Kind
DEFAULT_RESPONSIBLE = "Công chức Văn phòng - Thống kê"
REMIND_DAYS_BEFORE = 3
EDITABLE = (
    "kind",
    "number",
    "subject",
    "grounds",
    "purpose",
    "requirements",
    "respondents",
    "scale",
    "method",
    "responsibilities",
    "recipients",
    "signer_title",
    "signer_name",
)
REQUIRED = (
    "subject",
    "purpose",
    "respondents",
    "scale",
    "method",
    "responsibilities",
    "recipients",
    "signer_title",
)

SUBJECT: dict[str, str] = {
    Kind.DESK_QR: (
        "Khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của {committee} năm {year} "
        "qua mã QR tại Bộ phận Tiếp nhận và Trả kết quả"
    ),
    Kind.PAPER_BOX: (
        "Khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của {committee} năm {year} "
        "bằng phiếu khảo sát tại Bộ phận Tiếp nhận và Trả kết quả"
    ),
    Kind.CUSTOMER_LIST: (
        "Tự khảo sát mức độ hài lòng của tổ chức, cá nhân đối với sự phục vụ của {committee} năm {year}"
    ),
    Kind.HOUSEHOLD: (
        "Khảo sát mức độ hài lòng của người dân đối với sự phục vụ của {committee} năm {year} tại hộ gia đình"
    ),
}
PURPOSE = (
    "Khảo sát, đánh giá khách quan mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của {committee} "
    "trong giải quyết thủ tục hành chính.\n"
    "Qua khảo sát, kịp thời phát hiện mặt mạnh, điểm yếu và nguyên nhân; đề ra giải pháp nâng cao chất lượng "
    "phục vụ; kết quả là căn cứ xác định Chỉ số cải cách hành chính và đánh giá cán bộ, công chức."
)
REQUIREMENTS = (
    "Bảo đảm khách quan, trung thực, khoa học; thuận tiện cho người được khảo sát.\n"
    "Bảo mật thông tin của người trả lời; không can thiệp, gây áp lực hay hướng dẫn làm sai lệch ý kiến.\n"
    "Số lượng phiếu phù hợp với số hồ sơ giao dịch trong kỳ."
)
RESPONDENTS: dict[str, str] = {
    Kind.DESK_QR: (
        "Người dân, người đại diện tổ chức trực tiếp giao dịch và nhận kết quả giải quyết thủ tục hành "
        "chính tại Bộ phận Tiếp nhận và Trả kết quả {unit} từ ngày {start} đến ngày {end}."
    ),
    Kind.PAPER_BOX: (
        "Người dân, người đại diện tổ chức đã hoàn tất giao dịch thủ tục hành chính tại Bộ phận Tiếp nhận"
        " và Trả kết quả {unit} từ ngày {start} đến ngày {end}."
    ),
    Kind.CUSTOMER_LIST: (
        "Khách hàng có giao dịch thủ tục hành chính tại Bộ phận Tiếp nhận và Trả kết quả {unit}, theo "
        "danh sách khách hàng của Bộ phận{population}."
    ),
    Kind.HOUSEHOLD: (
        "Các hộ gia đình trên địa bàn {unit} đã giao dịch thủ tục hành chính, khảo sát từ ngày {start} "
        "đến ngày {end}."
    ),
}
METHOD_LINES: dict[str, str] = {
    Channel.QR: (
        "Người dân quét mã QR niêm yết tại Bộ phận một cửa bằng điện thoại (Zalo hoặc máy ảnh) và trả lời"
        " phiếu trực tuyến."
    ),
    Channel.DESK: "Mỗi quầy của Bộ phận một cửa có mã QR riêng để người dân đánh giá quầy đã phục vụ mình.",
    Channel.STAFF: "Mỗi công chức tiếp nhận, giải quyết hồ sơ có mã QR riêng để người dân đánh giá.",
    Channel.DOSSIER: "In đường dẫn khảo sát dùng một lần trên giấy tiếp nhận hồ sơ, hẹn trả kết quả.",
    Channel.PAPER: (
        "Công chức Bộ phận một cửa phát phiếu khảo sát giấy; người dân điền phiếu và bỏ vào hòm phiếu; "
        "phiếu được nhập vào hệ thống theo từng đợt mở hòm."
    ),
    Channel.LIST: (
        "Gửi mỗi khách hàng trong danh sách một đường dẫn (mã QR) khảo sát dùng một lần bằng tin nhắn, "
        "Zalo, thư điện tử hoặc thư mời in; phiếu không ghi tên người trả lời."
    ),
    Channel.PHONE: (
        "Công chức gọi điện cho khách hàng chưa trả lời và ghi phiếu thay khách hàng; phiếu qua điện "
        "thoại được tổng hợp riêng."
    ),
}
FIRST_STEP = "Xây dựng kế hoạch, hoàn thiện mẫu phiếu khảo sát"
PREPARE_STEP: dict[str, str] = {
    Kind.DESK_QR: "In, niêm yết mã QR tại Bộ phận Tiếp nhận và Trả kết quả",
    Kind.PAPER_BOX: "In phiếu khảo sát, bố trí hòm phiếu tại Bộ phận Tiếp nhận và Trả kết quả",
    Kind.CUSTOMER_LIST: "Chuẩn bị danh sách khách hàng, gửi thư mời, tin nhắn khảo sát",
    Kind.HOUSEHOLD: "Lập danh sách hộ gia đình, phát phiếu khảo sát",
}
RESPONSIBILITIES = (
    "{responsible} chịu trách nhiệm tham mưu {committee} tổ chức triển khai khảo sát, tổng hợp, phân tích và "
    "báo cáo kết quả.\n"
    "Cán bộ Bộ phận Tiếp nhận và Trả kết quả hướng dẫn người dân tham gia khảo sát, cung cấp danh sách khách "
    "hàng (nếu có) và hỗ trợ thu phiếu.\n"
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, báo cáo Chủ tịch {committee} để chỉ đạo "
    "giải quyết."
)


def _committee(unit: Unit) -> str:
    return f"UBND {lower_type(unit.name)}"


def _day(day: dt.date) -> str:
    """30/8/2023, 01/9/2023, 09/01/2025: as the seeds write dates (Decree 30: a zero before days under
    10 and months 1 and 2)."""
    return "/".join(decree_date(day))


def _default_steps(kind: str, campaign: Campaign) -> list[dict[str, Any]]:
    start, end = campaign.starts_on, campaign.ends_on
    return [
        {"task": FIRST_STEP, "starts_on": None, "due_on": start - dt.timedelta(days=2)},
        {"task": PREPARE_STEP[kind], "starts_on": None, "due_on": start - dt.timedelta(days=1)},
        {"task": "Tiến hành khảo sát, lấy ý kiến", "starts_on": start, "due_on": end},
        {
            "task": "Kiểm tra phiếu, phân tích, thống kê kết quả",
            "starts_on": end + dt.timedelta(days=2),
            "due_on": end + dt.timedelta(days=6),
        },
        {
            "task": "Tổng hợp, báo cáo kết quả khảo sát",
            "starts_on": end + dt.timedelta(days=9),
            "due_on": end + dt.timedelta(days=13),
        },
    ]


def _scale_text(campaign: Campaign, quota: str) -> str:
    survey = CustomerSurvey.objects.filter(campaign=campaign).first()
    if survey is None:
        return quota or "Tất cả người dân, tổ chức giao dịch trong thời gian khảo sát."
    if survey.mode == CustomerSurvey.Mode.ALL:
        return (
            f"Tất cả {survey.population} khách hàng trong danh sách (hồ sơ tiếp nhận từ ngày "
            f"{_day(survey.received_from)} đến ngày {_day(survey.received_to)})."
        )
    period = f"từ ngày {_day(survey.received_from)} đến ngày {_day(survey.received_to)}"
    rule = f": {quota}" if quota else ""
    return (
        f"Chọn ngẫu nhiên {survey.sample_size} trong số {survey.population} khách hàng trong danh sách "
        f"(hồ sơ tiếp nhận {period}) theo chỉ tiêu số phiếu{rule}; số khởi tạo ngẫu nhiên {survey.seed} "
        "được lưu để kiểm tra lại."
    )


def plan_draft(*, unit: Unit, campaign: Campaign, kind: str, quota: str = "") -> SurveyPlan:
    """A draft plan of the campaign from its settings (dates, channels, customer list, quota rule in
    words: `quota`, which analytics words since surveys may not read the rule), with its timetable."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose the kind of survey from the list.")})
    with tenant_context(unit), transaction.atomic():
        if SurveyPlan.objects.filter(campaign=campaign).exists():
            raise ValidationError({"campaign": _("This campaign already has a plan.")})
        committee = _committee(unit)
        survey = CustomerSurvey.objects.filter(campaign=campaign).first()
        population = (
            f" (hồ sơ tiếp nhận từ ngày {_day(survey.received_from)} đến ngày {_day(survey.received_to)})"
            if survey
            else ""
        )
        words = {
            "committee": committee,
            "unit": lower_type(unit.name),
            "year": campaign.starts_on.year,
            "start": _day(campaign.starts_on),
            "end": _day(campaign.ends_on),
            "population": population,
            "responsible": DEFAULT_RESPONSIBLE,
        }
        level = LEVEL_WORDS.get(unit.division_type, "")
        plan = SurveyPlan.objects.create(
            campaign=campaign,
            kind=kind,
            subject=SUBJECT[kind].format(**words),
            purpose=PURPOSE.format(**words),
            requirements=REQUIREMENTS,
            respondents=RESPONDENTS[kind].format(**words),
            scale=_scale_text(campaign, quota),
            method="\n".join(METHOD_LINES[c] for c in Channel.values if c in campaign.channels),
            responsibilities=RESPONSIBILITIES.format(**words),
            recipients="\n".join(
                [
                    f"Thường trực Đảng ủy, HĐND {level}",
                    f"Chủ tịch, các Phó Chủ tịch UBND {level}",
                    f"Cán bộ, công chức {level}",
                    f"Bộ phận một cửa {level}",
                    "Lưu: VT, VP",
                ]
            ),
            signer_title="CHỦ TỊCH",
        )
        PlanStep.objects.bulk_create(
            [
                PlanStep(plan=plan, number=n, responsible=DEFAULT_RESPONSIBLE, **step)
                for n, step in enumerate(_default_steps(kind, campaign), start=1)
            ]
        )
    return plan


def _refuse_if_issued(plan: SurveyPlan) -> None:
    if plan.is_issued:
        raise ValidationError({"__all__": _("This plan has been issued and can no longer be changed.")})


def plan_update(*, unit: Unit, plan: SurveyPlan, values: Mapping[str, str]) -> SurveyPlan:
    """Change the draft's text; an issued plan is refused (and the database would refuse it too)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationError({"__all__": _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}})
    errors = {}
    cleaned = {k: v.strip() for k, v in values.items()}
    for name in REQUIRED:
        if name in cleaned and not cleaned[name]:
            errors[name] = _("This part of the plan cannot be empty.")
    if "kind" in cleaned and cleaned["kind"] not in Kind.values:
        errors["kind"] = _("Choose the kind of survey from the list.")
    if errors:
        raise ValidationError(errors)
    with tenant_context(unit), transaction.atomic():
        plan = SurveyPlan.objects.select_for_update().get(pk=plan.pk)
        _refuse_if_issued(plan)
        for name, value in cleaned.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(cleaned))
    return plan


@dataclass(frozen=True)
class StepInput:
    task: str
    responsible: str
    due_on: dt.date
    starts_on: dt.date | None = None
    responsible_user: User | None = None


def plan_steps_set(*, unit: Unit, plan: SurveyPlan, steps: Sequence[StepInput]) -> list[PlanStep]:
    """Replace the draft's timetable, in order; each step names its task, who does it and its dates."""
    errors: dict[str, str] = {}
    if not steps:
        errors["steps"] = _("The timetable needs at least one step.")
    for n, step in enumerate(steps, start=1):
        if not step.task.strip() or not step.responsible.strip():
            errors[f"step_{n}"] = _("Step %(n)s needs its task and who is responsible.") % {"n": n}
        elif step.starts_on and step.starts_on > step.due_on:
            errors[f"step_{n}"] = _("Step %(n)s ends before it starts.") % {"n": n}
    if errors:
        raise ValidationError(errors)
    with tenant_context(unit), transaction.atomic():
        plan = SurveyPlan.objects.select_for_update().get(pk=plan.pk)
        _refuse_if_issued(plan)
        plan.steps.all().delete()
        return PlanStep.objects.bulk_create(
            [
                PlanStep(
                    plan=plan,
                    number=n,
                    task=s.task.strip(),
                    responsible=s.responsible.strip(),
                    responsible_user=s.responsible_user,
                    starts_on=s.starts_on,
                    due_on=s.due_on,
                )
                for n, s in enumerate(steps, start=1)
            ]
        )


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def step_when(step: PlanStep) -> str:
    if step.starts_on is None:
        return f"Trước ngày {_day(step.due_on)}"
    if step.starts_on == step.due_on:
        return f"Ngày {_day(step.due_on)}"
    return f"Từ ngày {_day(step.starts_on)} - {_day(step.due_on)}"


def plan_html(*, unit: Unit, plan: SurveyPlan, issued_on: dt.date | None = None) -> str:
    """The plan as a Decree-30 document (current unit's schema for its steps)."""
    parent = unit.parent if unit.parent is not None and unit.parent.level != Level.NATIONAL else None
    day = issued_on or timezone.localdate()
    dd, mm, yyyy = decree_date(day)
    r = {
        "lang": "vi",
        "issuer": f"UBND {unit.name}".upper(),
        "issuer_parent": f"UBND {parent.name}".upper() if parent else "",
        "number": plan.number,
        "place_date": f"{short_name(unit.name)}, ngày {dd} tháng {mm} năm {yyyy}",
        "recipients": [line.removeprefix("-").strip() for line in _paragraphs(plan.recipients)],
        "signer_name": plan.signer_name,
        "grounds": _paragraphs(plan.grounds),
        "purpose": _paragraphs(plan.purpose),
        "requirements": _paragraphs(plan.requirements),
        "respondents": _paragraphs(plan.respondents),
        "scale": _paragraphs(plan.scale),
        "method": _paragraphs(plan.method),
        "responsibilities": _paragraphs(plan.responsibilities),
        "steps": [
            (f"{s.number:02d}", s.task, s.responsible, step_when(s)) for s in plan.steps.order_by("number")
        ],
    }
    t = {
        "motto_1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto_2": "Độc lập - Tự do - Hạnh phúc",
        "number": "Số:",
        "number_suffix": "/KH-UBND",
        "title": "KẾ HOẠCH",
        "recipients": "Nơi nhận:",
        "sign_on_behalf": "TM. ỦY BAN NHÂN DÂN",
        "sign_title": plan.signer_title,
    }
    return render_to_string(
        "surveys/plans/plan.html",
        {"r": r, "t": t, "subject": plan.subject, "serif": mark_safe(SERIF_STACK)},  # noqa: S308
    )


def plan_pdf(*, unit: Unit, plan: SurveyPlan) -> bytes:
    """The issued PDF as kept, or a draft rendered now."""
    if plan.is_issued and plan.issued_pdf is not None:
        return bytes(plan.issued_pdf)
    with tenant_context(unit):
        return html_to_pdf(plan_html(unit=unit, plan=plan))


def plan_issue(*, unit: Unit, plan: SurveyPlan, by: User, number: str = "") -> SurveyPlan:
    """Issue the plan: its PDF is rendered once and kept; from now on nothing of it may change but
    the checklist state of its steps."""
    with tenant_context(unit), transaction.atomic():
        plan = SurveyPlan.objects.select_for_update().get(pk=plan.pk)
        _refuse_if_issued(plan)
        if not plan.steps.exists():
            raise ValidationError({"steps": _("The timetable needs at least one step.")})
        plan.number = " ".join(number.split()) or plan.number
        now = timezone.now()
        plan.issued_pdf = html_to_pdf(plan_html(unit=unit, plan=plan, issued_on=timezone.localdate(now)))
        plan.issued_at = now
        plan.issued_by = by
        plan.save(update_fields=["number", "issued_pdf", "issued_at", "issued_by"])
    return plan


def plan_step_done(*, unit: Unit, step: PlanStep, done: bool = True) -> PlanStep:
    """Tick (or untick) a step of the checklist; allowed before and after issue."""
    with tenant_context(unit):
        step.done_at = timezone.now() if done else None
        step.save(update_fields=["done_at"])
    return step


def plan_reminders_send(*, unit: Unit, today: dt.date | None = None) -> int:
    """E-mail each responsible official about their unfinished steps due within three days or late,
    once a day; returns how many steps were reminded."""
    today = today or timezone.localdate()
    committee = _committee(unit)
    with tenant_context(unit):
        steps = list(
            PlanStep.objects.select_related("plan__campaign", "responsible_user")
            .filter(
                done_at__isnull=True,
                responsible_user__isnull=False,
                responsible_user__is_active=True,
                due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
            )
            .exclude(reminded_on=today)
            .order_by("due_on")
        )
        for step in steps:
            user = step.responsible_user
            if user is None:  # the query keeps only steps with one
                continue
            late = step.due_on < today
            subject = f"{'Quá hạn' if late else 'Sắp đến hạn'}: {step.task} ({_day(step.due_on)})"
            body = (
                f"Kế hoạch: {step.plan.subject}\n"
                f"Việc: {step.task}\n"
                f"Trách nhiệm: {step.responsible}\n"
                f"Hạn: {step_when(step)}{' (đã quá hạn)' if late else ''}\n\n"
                f"Khi hoàn thành, xin đánh dấu việc này trong danh mục của kế hoạch.\n{committee}"
            )
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            PlanStep.objects.filter(pk=step.pk).update(reminded_on=today)
    return len(steps)
