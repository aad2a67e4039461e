"""The official report of a publication: a Vietnamese administrative document (Decree 30/2020/NĐ-CP
layout) rendered from the publication's snapshot alone, as HTML for the pages and as PDF for the record.

The document's wording is fixed here in Vietnamese (the official text) and English (for English-
speaking readers of the web page), like the QR posters' text: a published PDF is kept for ever, so its
words must not depend on a translation pass that has not happened yet. The PDF is always Vietnamese.

Only `report_pdf` touches WeasyPrint (through surveys.pdf), and only Celery calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

from analytics.dashboards.selectors import element_label
from analytics.figures import charts
from analytics.figures.figure_json import figure_display, figure_method_code
from analytics.models import Publication
from analytics.publications.selectors import publication_public_url
from surveys.decree import LEVEL_WORDS, decree_date, english_name, lower_type, short_name
from surveys.pdf import SERIF_STACK, html_to_pdf
from tenants.vietnam import VIETNAM

REPORT_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "committee": "UBND",
        "motto_1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto_2": "Độc lập - Tự do - Hạnh phúc",
        "number": "Số:",
        "number_suffix": "/BC-UBND",
        "internal": "LƯU HÀNH NỘI BỘ",
        "date_line": "{place}, ngày {day} tháng {month} năm {year}",
        "title": "BÁO CÁO",
        "subject": (
            "Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ "
            "của cơ quan hành chính nhà nước"
        ),
        "period_month": "tháng {month} năm {year}",
        "period_year": "năm {year}",
        "period_range": "từ ngày {start} đến ngày {end}",
        "s1": "I. MỤC ĐÍCH, PHẠM VI VÀ PHƯƠNG PHÁP",
        "s1_purpose": "1. Mục đích",
        "purpose": (
            "Công khai kết quả đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của "
            "{committee} trong giải quyết thủ tục hành chính; làm căn cứ để cải thiện chất lượng cung ứng "
            "dịch vụ hành chính công và xác định Chỉ số cải cách hành chính."
        ),
        "s1_scope": "2. Phạm vi",
        "scope_period": (
            "Kỳ báo cáo: từ ngày {start} đến ngày {end}; số liệu chốt lúc 23 giờ 59 phút ngày {end} "
            "(giờ Việt Nam), tổng hợp lúc {computed}."
        ),
        "scope_responses": "Số phiếu khảo sát thu được trong kỳ: {n} phiếu.",
        "scope_pooled": (
            "Số liệu của {unit} là tổng hợp số phiếu của tất cả các đơn vị trực thuộc (cộng dồn số ý kiến, "
            "không lấy trung bình tỷ lệ phần trăm của các đơn vị)."
        ),
        "s1_method": "3. Phương pháp",
        "method_rate": (
            "Tỷ lệ hài lòng = số ý kiến “Rất hài lòng” và “Hài lòng” chia cho số ý kiến hợp lệ; ý kiến "
            "“Không trả lời / Không áp dụng” không được tính."
        ),
        "method_interval": (
            "Mỗi tỷ lệ được nêu kèm khoảng tin cậy 95 % (phương pháp Wilson) và số ý kiến hợp lệ (n)."
        ),
        "method_minimum": (
            "Chỉ tiêu có dưới {minimum} ý kiến hợp lệ được đánh dấu “chưa đủ ý kiến”, cần đọc thận trọng và "
            "không được xếp hạng."
        ),
        "method_named": "{name}: {description}",
        "margin_quota": (
            "Chỉ tiêu số phiếu ({rule}): với {transactions} hồ sơ giao dịch, cần {required} phiếu; đã thu "
            "{collected} phiếu trong các ngày có số liệu hồ sơ ({met}). Sai số tối đa ở độ tin cậy 95 % "
            "(p = 50 %, có hiệu chỉnh quần thể hữu hạn): ±{margin} điểm phần trăm."
        ),
        "margin_exceeds": (
            "Chỉ tiêu số phiếu ({rule}): {transactions} hồ sơ giao dịch, cần {required} phiếu, đã thu "
            "{collected} phiếu ({met}). Số phiếu nhiều hơn số hồ sơ nên không tính sai số có hiệu chỉnh "
            "quần thể hữu hạn."
        ),
        "met": "đạt",
        "not_met": "chưa đạt",
        "margin_none": (
            "Chưa có số liệu số hồ sơ giao dịch của kỳ báo cáo nên chưa tính được chỉ tiêu số phiếu và "
            "sai số có hiệu chỉnh quần thể hữu hạn; độ chính xác của từng tỷ lệ thể hiện ở khoảng tin "
            "cậy 95 %."
        ),
        "margin_pooled": (
            "Chỉ tiêu số phiếu và sai số có hiệu chỉnh quần thể hữu hạn được tính cho từng đơn vị trực thuộc."
        ),
        "s2": "II. KẾT QUẢ KHẢO SÁT",
        "s2_overall": "1. Mức độ hài lòng chung",
        "overall_line": (
            "Tỷ lệ người dân, tổ chức hài lòng với toàn bộ quá trình giải quyết thủ tục hành chính: "
            "{percent} (khoảng tin cậy 95 %: {interval}; n = {n})."
        ),
        "overall_none": "Trong kỳ chưa có ý kiến hợp lệ về mức độ hài lòng chung.",
        "overall_few": (
            "Tỷ lệ hài lòng chung: chưa đủ ý kiến (n = {n}); tỷ lệ chỉ được công bố khi có từ {minimum} ý "
            "kiến hợp lệ."
        ),
        "mean_line": "Điểm trung bình (thang 5 mức, chỉ tiêu phụ): {score}/5 (n = {n}).",
        "mean_few": "Điểm trung bình (thang 5 mức, chỉ tiêu phụ): chưa đủ ý kiến (n = {n}).",
        "s2_index": "2. Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "index_line": "Chỉ số SIPAS: {percent} (n = {n}).",
        "index_none": "Chưa tính được Chỉ số SIPAS: trong kỳ chưa có ý kiến về các yếu tố.",
        "index_not_asked": (
            "Chưa tính được Chỉ số SIPAS: phiếu khảo sát được sử dụng không có câu hỏi về các yếu tố."
        ),
        "index_few": (
            "Chỉ số SIPAS: chưa đủ ý kiến (n = {n}); chỉ số chỉ được công bố khi mỗi yếu tố có từ {minimum} "
            "ý kiến hợp lệ."
        ),
        "index_method": "Phương pháp: {name}. {description}",
        "s2_elements": "3. Kết quả theo 5 yếu tố",
        "chart_title": "Tỷ lệ hài lòng theo yếu tố (thanh: tỷ lệ; vạch: khoảng tin cậy 95 %)",
        "chart_empty": "Chưa có ý kiến về các yếu tố.",
        "s2_procedures": "4. Kết quả theo thủ tục hành chính",
        "procedures_none": "Chưa có ý kiến gắn với thủ tục hành chính trong kỳ.",
        "s2_profile": "5. Những vấn đề người dân, tổ chức chưa hài lòng",
        "profile_intro": "Tính trên {n} phiếu chưa hài lòng có câu hỏi về lý do.",
        "profile_past_100": (
            "Mỗi phiếu có thể chọn nhiều lý do nên tổng các tỷ lệ vượt quá 100 % (tổng: {total})."
        ),
        "profile_none": "Không có phiếu chưa hài lòng nêu lý do trong kỳ.",
        "s2_staff": "6. Kết quả theo công chức trực tiếp giải quyết (lưu hành nội bộ)",
        "staff_none": "Chưa có ý kiến gắn với công chức trong kỳ.",
        "staff_note": (
            "Thông tin người trả lời được giữ bí mật; bảng này chỉ nêu số ý kiến và tỷ lệ, dùng cho lãnh đạo "
            "đơn vị xem xét theo quy định."
        ),
        "s2_ranking": "{number}. Kết quả của các đơn vị trực thuộc",
        "ranking_note": "Đơn vị có dưới {minimum} ý kiến được liệt kê sau, không xếp hạng.",
        "silent": "Các đơn vị chưa có ý kiến trong kỳ ({count}): {names}.",
        "s3": "III. LƯU Ý VÀ HẠN CHẾ",
        "limit_few": (
            "Các chỉ tiêu đánh dấu “chưa đủ ý kiến” có dưới {minimum} ý kiến hợp lệ: cần đọc thận trọng."
        ),
        "limit_sample": (
            "Người trả lời tự nguyện tham gia (quét mã QR, phiếu giấy, đường dẫn theo hồ sơ), không phải mẫu "
            "chọn ngẫu nhiên; kết quả phản ánh ý kiến của những người đã trả lời."
        ),
        "limit_snapshot": (
            "Đây là bản chốt số liệu tại thời điểm nêu trên và không thay đổi sau khi công bố; ý kiến nhận "
            "được sau thời điểm tổng hợp (kể cả phiếu giấy nhập muộn) không được tính vào báo cáo này."
        ),
        "limit_elements": (
            "Chỉ số SIPAS không có khoảng tin cậy vì các yếu tố có chung người trả lời; độ chính xác của "
            "từng yếu tố thể hiện ở khoảng tin cậy riêng."
        ),
        "limit_url": "Bản điện tử của báo cáo:",
        "closing": (
            "Trên đây là báo cáo kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ "
            "của {committee} {period}./."
        ),
        "recipients": "Nơi nhận:",
        "to_parent": "{parent} (b/c);",
        "to_council": "TT HĐND {level};",
        "to_leaders": "CT, các PCT UBND {level};",
        "to_desk": "Bộ phận Tiếp nhận và trả kết quả (niêm yết);",
        "to_web": "Trang thông tin điện tử {level} (đăng tải);",
        "to_archive": "Lưu: VT, VP.",
        "sign_on_behalf": "TM. ỦY BAN NHÂN DÂN",
        "sign_title": "CHỦ TỊCH",
        "th_no": "TT",
        "th_element": "Yếu tố",
        "th_procedure": "Thủ tục hành chính",
        "th_reason": "Lý do chưa hài lòng",
        "th_staff": "Công chức",
        "th_unit": "Đơn vị",
        "th_rank": "Hạng",
        "th_rate": "Tỷ lệ hài lòng",
        "th_share": "Tỷ lệ phiếu",
        "th_count": "Số phiếu",
        "th_interval": "KTC 95 %",
        "th_n": "n",
        "too_few": "chưa đủ ý kiến",
        "no_answers": "chưa có ý kiến",
        "unranked": "không xếp hạng",
        "s2_feedback": "{number}. Tiếp nhận, xử lý phản ánh, kiến nghị",
        "feedback_received": "Số phản ánh, kiến nghị tiếp nhận trong kỳ: {n}.",
        "feedback_none": (
            "Trong kỳ không tiếp nhận phản ánh, kiến nghị nào và không có phản ánh, kiến nghị đến hạn xử lý."
        ),
        "feedback_pooled": (
            "Số liệu là tổng cộng của tất cả các đơn vị trực thuộc (cộng dồn số lượng, không lấy trung bình "
            "tỷ lệ)."
        ),
        "feedback_on_time": (
            "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn: {percent} (khoảng tin cậy 95 %: {interval}; "
            "n = {n} phản ánh, kiến nghị đến hạn trong kỳ)."
        ),
        "feedback_on_time_few": (
            "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn: chưa đủ ý kiến (n = {n}); tỷ lệ chỉ được công bố "
            "khi có từ {minimum} phản ánh, kiến nghị đến hạn."
        ),
        "feedback_on_time_none": (
            "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn: trong kỳ không có phản ánh, kiến nghị đến hạn "
            "xử lý."
        ),
        "feedback_pending": "Đang xử lý, chưa đến hạn (không tính vào tỷ lệ): {n}.",
        "feedback_handling": (
            "Tỷ lệ hài lòng với việc xử lý phản ánh, kiến nghị: {percent} (khoảng tin cậy 95 %: "
            "{interval}; n = {n})."
        ),
        "feedback_handling_few": (
            "Tỷ lệ hài lòng với việc xử lý phản ánh, kiến nghị: chưa đủ ý kiến (n = {n}); tỷ lệ chỉ "
            "được công bố khi có từ {minimum} ý kiến hợp lệ."
        ),
        "feedback_handling_none": (
            "Tỷ lệ hài lòng với việc xử lý phản ánh, kiến nghị: trong kỳ chưa có ý kiến đánh giá."
        ),
        "feedback_unrateable": (
            "Đã trả lời nhưng người gửi không để lại thông tin liên hệ nên không thể đánh giá (không tính "
            "vào tỷ lệ): {n}."
        ),
        "feedback_content": (
            "Báo cáo chỉ nêu số lượng và tỷ lệ; nội dung phản ánh, kiến nghị và thông tin người gửi không "
            "được công bố."
        ),
        "feedback_quiet": "Các đơn vị không tiếp nhận phản ánh, kiến nghị trong kỳ ({count}): {names}.",
        "th_category": "Loại phản ánh, kiến nghị",
        "th_quantity": "Số lượng",
        "th_received": "Tiếp nhận",
        "th_on_time": "Đúng hạn",
        "index_note_missing": "Các yếu tố chưa có ý kiến, không tính vào chỉ số: {names}.",
        "index_note_thin": "Các yếu tố dưới số ý kiến tối thiểu: {names}.",
        "more_rows": "… và {count} dòng khác (xem bản điện tử).",
    },
    "en": {
        "committee": "People's Committee of",
        "motto_1": "SOCIALIST REPUBLIC OF VIETNAM",
        "motto_2": "Independence - Freedom - Happiness",
        "number": "No.:",
        "number_suffix": "/BC-UBND",
        "internal": "FOR INTERNAL USE",
        "date_line": "{place}, {date}",
        "title": "REPORT",
        "subject": (
            "Results of the survey of citizens' and organisations' satisfaction with the service of the "
            "state administration"
        ),
        "period_month": "{month_name} {year}",
        "period_year": "year {year}",
        "period_range": "from {start} to {end}",
        "s1": "I. PURPOSE, SCOPE AND METHOD",
        "s1_purpose": "1. Purpose",
        "purpose": (
            "To make public how satisfied citizens and organisations are with the service of {committee} in "
            "handling administrative procedures, as a basis for improving public services and for the "
            "Public Administration Reform Index."
        ),
        "s1_scope": "2. Scope",
        "scope_period": (
            "Period: {start} to {end}; figures cut off at 23:59 on {end} (Vietnam time), compiled at "
            "{computed}."
        ),
        "scope_responses": "Responses received in the period: {n}.",
        "scope_pooled": (
            "The figures of {unit} pool the responses of every unit below it (answers are added up; the "
            "units' percentages are never averaged)."
        ),
        "s1_method": "3. Method",
        "method_rate": (
            "Satisfaction rate = “very satisfied” and “satisfied” answers divided by valid answers; "
            "“no answer / not applicable” is not counted."
        ),
        "method_interval": (
            "Each rate is given with its 95 % interval (Wilson method) and its valid answers (n)."
        ),
        "method_minimum": (
            "A figure with fewer than {minimum} valid answers is marked “too few answers”, must be read with "
            "caution and is not ranked."
        ),
        "method_named": "{name}: {description}",
        "margin_quota": (
            "Sample quota ({rule}): with {transactions} dossiers, {required} responses are required; "
            "{collected} were collected on the days the dossier counts cover ({met}). Margin of error at "
            "95 % (p = 50 %, finite-population corrected): ±{margin} percentage points."
        ),
        "margin_exceeds": (
            "Sample quota ({rule}): {transactions} dossiers, {required} responses required, {collected} "
            "collected ({met}). More responses than dossiers: no finite-population margin of error."
        ),
        "met": "met",
        "not_met": "not met",
        "margin_none": (
            "No dossier counts for the period: the sample quota and the finite-population margin of error "
            "cannot be computed; each rate's 95 % interval shows its precision."
        ),
        "margin_pooled": "Sample quotas and margins of error are computed for each unit below.",
        "s2": "II. RESULTS",
        "s2_overall": "1. Overall satisfaction",
        "overall_line": (
            "Share of citizens and organisations satisfied with the whole process: {percent} (95 % interval: "
            "{interval}; n = {n})."
        ),
        "overall_none": "No valid answer on overall satisfaction in the period.",
        "overall_few": (
            "Overall satisfaction: too few answers (n = {n}); a rate is published from {minimum} valid "
            "answers on."
        ),
        "mean_line": "Mean score (5-level scale, secondary figure): {score}/5 (n = {n}).",
        "mean_few": "Mean score (5-level scale, secondary figure): too few answers (n = {n}).",
        "s2_index": "2. SIPAS index (satisfaction with the public administration's service)",
        "index_line": "SIPAS index: {percent} (n = {n}).",
        "index_none": "No SIPAS index: no answers on the elements in the period.",
        "index_not_asked": "No SIPAS index: the questionnaire used asks no question on the elements.",
        "index_few": (
            "SIPAS index: too few answers (n = {n}); the index is published once each element has {minimum} "
            "valid answers."
        ),
        "index_method": "Method: {name}. {description}",
        "s2_elements": "3. Results by element",
        "chart_title": "Satisfaction by element (bar: rate; whiskers: 95 % interval)",
        "chart_empty": "No answers on the elements.",
        "s2_procedures": "4. Results by administrative procedure",
        "procedures_none": "No answers linked to a procedure in the period.",
        "s2_profile": "5. What dissatisfied citizens and organisations were unhappy about",
        "profile_intro": "Out of {n} unsatisfied responses to questionnaires that ask for reasons.",
        "profile_past_100": (
            "A response may tick several reasons, so the shares add up to more than 100 % (total: {total})."
        ),
        "profile_none": "No unsatisfied response with a reason in the period.",
        "s2_staff": "6. Results by civil servant (internal)",
        "staff_none": "No answers linked to a civil servant in the period.",
        "staff_note": (
            "Respondents are never identified; this table gives counts and rates only, for the unit's "
            "leadership to consider under the rules."
        ),
        "s2_ranking": "{number}. Results of the units below",
        "ranking_note": "Units with fewer than {minimum} answers are listed after, unranked.",
        "silent": "Units without answers in the period ({count}): {names}.",
        "s3": "III. NOTES AND LIMITS",
        "limit_few": (
            "Figures marked “too few answers” have fewer than {minimum} valid answers: read with caution."
        ),
        "limit_sample": (
            "Respondents chose to answer (QR code, paper ballot, link on the dossier receipt); they are "
            "not a random sample, and the results reflect the opinions of those who answered."
        ),
        "limit_snapshot": (
            "This is a snapshot of the figures at the time stated above and never changes once published; "
            "answers received after it (late paper ballots included) are not in this report."
        ),
        "limit_elements": (
            "The SIPAS index has no interval because the elements share respondents; each element's own "
            "interval shows its precision."
        ),
        "limit_url": "Online copy of this report:",
        "closing": (
            "This concludes the report on citizens' and organisations' satisfaction with the service of "
            "{committee} {period}."
        ),
        "recipients": "Recipients:",
        "to_parent": "{parent} (for reporting);",
        "to_council": "Standing committee of the People's Council;",
        "to_leaders": "Chairman and vice-chairmen;",
        "to_desk": "One-stop desk (to be posted);",
        "to_web": "The unit's website (to be published);",
        "to_archive": "Archive.",
        "sign_on_behalf": "ON BEHALF OF THE PEOPLE'S COMMITTEE",
        "sign_title": "CHAIRMAN",
        "th_no": "No.",
        "th_element": "Element",
        "th_procedure": "Administrative procedure",
        "th_reason": "Reason",
        "th_staff": "Civil servant",
        "th_unit": "Unit",
        "th_rank": "Rank",
        "th_rate": "Satisfied",
        "th_share": "Share",
        "th_count": "Responses",
        "th_interval": "95 % interval",
        "th_n": "n",
        "too_few": "too few answers",
        "no_answers": "no answers",
        "unranked": "not ranked",
        "s2_feedback": "{number}. Feedback and complaints received and handled",
        "feedback_received": "Feedback and complaints received in the period: {n}.",
        "feedback_none": "No feedback or complaint was received in the period and none fell due.",
        "feedback_pooled": (
            "The counts add up every unit below (counts are summed; rates are never averaged)."
        ),
        "feedback_on_time": (
            "Feedback and complaints handled on time: {percent} (95 % interval: {interval}; n = {n} due in "
            "the period)."
        ),
        "feedback_on_time_few": (
            "Feedback and complaints handled on time: too few answers (n = {n}); a rate is published from "
            "{minimum} records due on."
        ),
        "feedback_on_time_none": "Feedback and complaints handled on time: none fell due in the period.",
        "feedback_pending": "Being handled, not due yet (not counted in the rate): {n}.",
        "feedback_handling": (
            "Satisfaction with how feedback was handled: {percent} (95 % interval: {interval}; n = {n})."
        ),
        "feedback_handling_few": (
            "Satisfaction with how feedback was handled: too few answers (n = {n}); a rate is published from "
            "{minimum} valid answers on."
        ),
        "feedback_handling_none": "Satisfaction with how feedback was handled: no ratings in the period.",
        "feedback_unrateable": (
            "Replied without contact details, so they could not be rated (not counted in the rate): {n}."
        ),
        "feedback_content": (
            "This report gives counts and rates only; what was written and who wrote it are never published."
        ),
        "feedback_quiet": "Units without feedback in the period ({count}): {names}.",
        "th_category": "Kind of feedback",
        "th_quantity": "Count",
        "th_received": "Received",
        "th_on_time": "On time",
        "index_note_missing": "Elements without answers, left out of the index: {names}.",
        "index_note_thin": "Elements under the minimum number of answers: {names}.",
        "more_rows": "… and {count} more rows (see the online copy).",
    },
}

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Long tables are cut in the PDF (a province's procedures can run to hundreds): the page keeps them all.
PDF_MAX_ROWS = 40


# --------------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------------


def _day(iso: str) -> str:
    return f"{dt.date.fromisoformat(iso):%d/%m/%Y}"


def _num(text: str | None, places: int, language: str) -> str:
    if text is None:
        return "—"
    with translation.override(language):
        return number_format(Decimal(text), places, use_l10n=True)


def _int(value: int, language: str) -> str:
    with translation.override(language):
        return number_format(value, 0, use_l10n=True, force_grouping=True)


@dataclass
class Shown:
    """A figure of the snapshot as the report prints it."""

    percent: str
    interval: str
    n: int
    n_text: str
    too_few: bool
    empty: bool
    score: str = ""
    rate: float | None = None
    low: float | None = None
    high: float | None = None


def shown(figure: dict[str, Any], language: str) -> Shown:
    """Below the minimum n the report prints no rate, no interval and no score: "too few answers"."""
    too_few = bool(figure["too_few"]) and figure["n"] > 0
    display = figure_display(figure)
    percent = None if too_few else display["percent"]
    low, high = (None, None) if too_few else (display["low"], display["high"])
    interval = ""
    if low is not None and high is not None:
        interval = f"{_num(low, 2, language)}–{_num(high, 2, language)} %"
    if too_few:
        text = REPORT_TEXT[language]["too_few"]
    else:
        text = "—" if percent is None else f"{_num(percent, 2, language)} %"
    return Shown(
        percent=text,
        interval=interval,
        n=figure["n"],
        n_text=_int(figure["n"], language),
        too_few=too_few,
        empty=figure["n"] == 0,
        score="" if too_few or display["score"] is None else _num(display["score"], 2, language),
        rate=None if percent is None else float(percent) / 100,
        low=None if low is None else float(low) / 100,
        high=None if high is None else float(high) / 100,
    )


@dataclass
class Line:
    label: str
    figure: Shown
    extra: str = ""  # rank, count …
    count: str = ""


@dataclass
class FeedbackSection:
    """Feedback and complaints as the report prints them: counts, the on-time rate and (not on the
    public page) satisfaction with the handling; never a content."""

    title: str
    lines: list[str]
    categories: list[Line]
    units: list[Line] | None
    quiet: str  # the units below without feedback in the period, named in one sentence
    figures: list[Shown]


def _rate_sentence(figure: Shown, t: dict[str, str], key: str, minimum: int) -> str:
    """A feedback rate in words, "chưa đủ ý kiến (n = …)" below the minimum like every figure."""
    if figure.empty:
        return t[f"{key}_none"]
    if figure.too_few:
        return t[f"{key}_few"].format(n=figure.n_text, minimum=minimum)
    return t[key].format(percent=figure.percent, interval=figure.interval, n=figure.n_text)


def _feedback_section(
    s: dict[str, Any], t: dict[str, str], lang: str, *, number: int, public: bool
) -> FeedbackSection | None:
    """None for snapshots made before feedback was recorded (format 1 and 2)."""
    data = s.get("feedback")
    if data is None:
        return None
    on_time = shown(data["on_time"], lang)
    handling = shown(data["handling"], lang)
    figures = [on_time] if public else [on_time, handling]
    lines = []
    if data["received"] == 0 and on_time.empty and handling.empty and not data["pending"]:
        lines.append(t["feedback_none"])
    else:
        lines.append(t["feedback_received"].format(n=_int(data["received"], lang)))
        lines.append(_rate_sentence(on_time, t, "feedback_on_time", s["minimum_n"]))
        if data["pending"]:
            lines.append(t["feedback_pending"].format(n=_int(data["pending"], lang)))
        if not public:
            lines.append(_rate_sentence(handling, t, "feedback_handling", s["minimum_n"]))
            if data["unrateable"]:
                lines.append(t["feedback_unrateable"].format(n=_int(data["unrateable"], lang)))
    if s["pooled"]:
        lines.append(t["feedback_pooled"])
    lines.append(t["feedback_content"])
    categories = [
        Line(row["label"][lang], on_time, count=_int(row["count"], lang)) for row in data["by_category"]
    ]
    units, quiet = None, ""
    if data.get("units") is not None:
        active = [row for row in data["units"] if row["received"] or row["on_time"]["n"]]
        units = [
            Line(row["name"], shown(row["on_time"], lang), count=_int(row["received"], lang))
            for row in active
        ]
        names = [row["name"] for row in data["units"] if row not in active]
        if names:
            quiet = t["feedback_quiet"].format(count=len(names), names=", ".join(names))
    return FeedbackSection(
        title=t["s2_feedback"].format(number=number),
        lines=lines,
        categories=categories,
        units=units,
        quiet=quiet,
        figures=figures,
    )


@dataclass
class Report:
    """Everything the template prints, in one language."""

    t: dict[str, str]
    lang: str
    publication: Publication
    snapshot: dict[str, Any]
    issuer_parent: str
    issuer: str
    committee: str
    place_date: str
    period_text: str
    computed: str
    pooled: bool
    internal: bool
    minimum_n: int
    overall: Shown
    mean: Shown
    index: Shown
    index_method: str
    index_notes: list[str]
    methods: list[str]
    margin: str
    elements: list[Line]
    chart: SafeString
    procedures: list[Line]
    procedures_more: int
    profile: list[Line]
    profile_past_100: str
    staff: list[Line] | None
    ranking: list[Line] | None
    silent: str
    any_few: bool
    url: str
    feedback: FeedbackSection | None = None
    recipients: list[str] = field(default_factory=list)
    p: dict[str, str] = field(default_factory=dict)  # the finished sentences, by REPORT_TEXT key
    limits: list[str] = field(default_factory=list)


def _period_text(start: dt.date, end: dt.date, t: dict[str, str], language: str) -> str:
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1 and (start.year, start.month) == (end.year, end.month):
        return t["period_month"].format(month=end.month, month_name=MONTHS_EN[end.month - 1], year=end.year)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return t["period_year"].format(year=end.year)
    return t["period_range"].format(start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")


def _element_names(codes_text: str, labels: dict[str, str], language: str) -> str:
    """The element names of a note that lists codes; an element without answers has no row in the
    snapshot, so its name comes from the method's own list (a report never prints a code)."""
    codes = [c.strip() for c in codes_text.split(":", 1)[-1].split(",") if c.strip()]
    return ", ".join(labels.get(code) or element_label(code, language) for code in codes)


def report_build(
    publication: Publication, *, language: str = "vi", pdf: bool = False, public: bool = False
) -> Report:
    """The report of a publication in `language`, from its snapshot only. The public page (`public`)
    shows feedback counts and the on-time rate, not satisfaction with the handling."""
    lang = "en" if language.startswith("en") else "vi"
    t = REPORT_TEXT[lang]
    s = publication.snapshot
    unit = s["unit"]
    start, end = dt.date.fromisoformat(s["period"]["start"]), dt.date.fromisoformat(s["period"]["end"])
    level_word = LEVEL_WORDS.get(unit["division_type"], "")
    parent = unit.get("parent")
    if lang == "vi":
        issuer = f"{t['committee']} {unit['name']}".upper()
        issuer_parent = f"{t['committee']} {parent['name']}".upper() if parent else ""
        committee = f"UBND {lower_type(unit['name'])}"
    else:
        issuer = f"{t['committee']} {english_name(unit['name'])}".upper()
        issuer_parent = f"{t['committee']} {english_name(parent['name'])}".upper() if parent else ""
        committee = f"the People's Committee of {english_name(unit['name'])}"

    # The date line: the day the document is issued (published, else rendered).
    issued = timezone.localtime(publication.published_at or timezone.now(), VIETNAM).date()
    if lang == "vi":
        day, month, year = decree_date(issued)
        place_date = t["date_line"].format(place=short_name(unit["name"]), day=day, month=month, year=year)
    else:
        place_date = t["date_line"].format(place=short_name(unit["name"]), date=f"{issued:%d/%m/%Y}")

    computed = timezone.localtime(dt.datetime.fromisoformat(s["computed_at"]), VIETNAM)
    element_labels = {e["code"]: e["label"][lang] for e in s["elements"]}

    index_notes = []
    for note in s["index"]["notes"]:
        key = {"elements_without_answers": "index_note_missing", "elements_too_few": "index_note_thin"}.get(
            note["code"]
        )
        if key:
            index_notes.append(t[key].format(names=_element_names(note["text"], element_labels, lang)))
    methods = s["methods"]

    def method(code: str) -> tuple[str, str]:
        m = methods.get(code) or {"name": {lang: code}, "description": {lang: ""}}
        return m["name"][lang], m["description"][lang]

    # The rate is explained in words above and the index under its own heading: the others here.
    method_codes = ["element_rate_pooled", "dissatisfaction_profile", "mean_score", "feedback_on_time"]
    if not public:
        method_codes.append("feedback_handling_satisfaction")
    method_lines = [
        t["method_named"].format(name=name, description=description)
        for name, description in (method(code) for code in method_codes if code in methods)
    ]

    quota = s.get("quota")
    if s["pooled"]:
        margin = t["margin_pooled"]
    elif quota is None:
        margin = t["margin_none"]
    else:
        values = {
            "rule": quota["rule_label"][lang],
            "transactions": _int(quota["transactions"], lang),
            "required": _int(quota["required"], lang),
            "collected": _int(quota["collected"], lang),
            "met": t["met"] if quota["met"] else t["not_met"],
            "margin": _num(quota["margin_of_error"], 1, lang),
        }
        exceeds = quota["collected_exceeds_transactions"] or quota["margin_of_error"] is None
        margin = t["margin_exceeds" if exceeds else "margin_quota"].format(**values)

    elements = [Line(e["label"][lang], shown(e["figure"], lang)) for e in s["elements"] if e["in_index"]]
    bars = [
        charts.Bar(
            label=line.label,
            value=line.figure.rate,
            low=line.figure.low,
            high=line.figure.high,
            text=f"{line.figure.percent}  n={line.figure.n}" if not line.figure.empty else t["no_answers"],
            muted=line.figure.too_few,
        )
        for line in elements
    ]
    if pdf:  # texts in HTML over the drawing: WeasyPrint draws SVG text letter by letter
        chart = charts.bar_chart_html(bars, title=t["chart_title"], empty_text=t["chart_empty"])
    else:
        chart = charts.bar_chart(
            bars, title=t["chart_title"], empty_text=t["chart_empty"], width=520, text_width=130
        )
    procedures_all = [Line(p["label"][lang], shown(p["figure"], lang)) for p in s["procedures"]]
    limit = PDF_MAX_ROWS if pdf else len(procedures_all)
    profile = s["profile"]
    profile_lines = [
        Line(
            share["label"][lang],
            shown(share["figure"], lang),
            extra=share["element_label"][lang]
            if share.get("element_label") and share["element"] != "OTHER"
            else "",
            count=_int(share["count"], lang),
        )
        for share in profile["shares"]
    ]
    staff = None
    if s.get("staff") is not None and publication.internal:
        staff = [Line(row["name"][lang], shown(row["figure"], lang)) for row in s["staff"]]
    ranking = None
    silent = ""
    if s.get("ranking") is not None:
        answered = [r for r in s["ranking"] if r["figure"]["n"] > 0]
        quiet = [r for r in s["ranking"] if r["figure"]["n"] == 0]
        answered.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["figure"]["n"]))
        ranking = [
            Line(r["name"], shown(r["figure"], lang), extra=str(r["rank"]) if r["rank"] else "")
            for r in answered
        ]
        if quiet:
            silent = t["silent"].format(count=len(quiet), names=", ".join(r["name"] for r in quiet))

    feedback = _feedback_section(
        s, t, lang, number=6 + (staff is not None) + (ranking is not None), public=public
    )
    figures = [s["overall"], s["index"], *(e["figure"] for e in s["elements"])]
    any_few = (
        any(fig["too_few"] and fig["n"] > 0 for fig in figures)
        or any(line.figure.too_few for line in (*procedures_all, *(ranking or [])))
        or any(figure.too_few for figure in (feedback.figures if feedback else []))
    )

    period_text = _period_text(start, end, t, lang)
    recipients = []
    if lang == "vi":
        if parent:
            recipients.append(t["to_parent"].format(parent=f"UBND {lower_type(parent['name'])}"))
        recipients += [t["to_council"].format(level=level_word), t["to_leaders"].format(level=level_word)]
        if not publication.internal:
            recipients += [t["to_desk"], t["to_web"].format(level=level_word)]
        recipients.append(t["to_archive"])
    else:
        if parent:
            recipients.append(
                t["to_parent"].format(parent=f"People's Committee of {english_name(parent['name'])}")
            )
        recipients += [t["to_council"], t["to_leaders"]]
        if not publication.internal:
            recipients += [t["to_desk"], t["to_web"]]
        recipients.append(t["to_archive"])

    index_name, index_description = method(figure_method_code(s["index"]))
    overall, mean, index = shown(s["overall"], lang), shown(s["mean"], lang), shown(s["index"], lang)
    url = "" if publication.internal else publication_public_url(publication)
    sentences = {
        "purpose": t["purpose"].format(committee=committee),
        "scope_period": t["scope_period"].format(
            start=_day(s["period"]["start"]),
            end=_day(s["period"]["end"]),
            computed=f"{computed:%H:%M %d/%m/%Y}",
        ),
        "scope_responses": t["scope_responses"].format(n=_int(s["responses"], lang)),
        "scope_pooled": t["scope_pooled"].format(unit=unit["name"]) if s["pooled"] else "",
        "method_minimum": t["method_minimum"].format(minimum=s["minimum_n"]),
        "overall_line": (
            t["overall_none"]
            if overall.empty
            else t["overall_few"].format(n=overall.n_text, minimum=s["minimum_n"])
            if overall.too_few
            else t["overall_line"].format(
                percent=overall.percent, interval=overall.interval, n=overall.n_text
            )
        ),
        "mean_line": (
            ""
            if mean.empty
            else t["mean_few"].format(n=mean.n_text)
            if mean.too_few
            else t["mean_line"].format(score=mean.score, n=mean.n_text)
        ),
        "index_line": (
            t["index_not_asked"]
            if index.empty and s["responses"]
            else t["index_none"]
            if index.empty
            else t["index_few"].format(n=index.n_text, minimum=s["minimum_n"])
            if index.too_few
            else t["index_line"].format(percent=index.percent, n=index.n_text)
        ),
        "profile_intro": t["profile_intro"].format(n=_int(profile["n"], lang)),
        "ranking_title": t["s2_ranking"].format(number=7 if staff is not None else 6),
        "ranking_note": t["ranking_note"].format(minimum=s["minimum_n"]),
        "closing": t["closing"].format(committee=committee, period=period_text),
        "procedures_more": t["more_rows"].format(count=max(0, len(procedures_all) - limit)),
    }
    limits = []
    if any_few:
        limits.append(t["limit_few"].format(minimum=s["minimum_n"]))
    limits += [t["limit_sample"], t["limit_snapshot"], t["limit_elements"]]
    return Report(
        t=t,
        lang=lang,
        publication=publication,
        snapshot=s,
        issuer_parent=issuer_parent,
        issuer=issuer,
        committee=committee,
        place_date=place_date,
        period_text=period_text,
        computed=f"{computed:%H:%M %d/%m/%Y}",
        pooled=s["pooled"],
        internal=publication.internal,
        minimum_n=s["minimum_n"],
        overall=overall,
        mean=mean,
        index=index,
        index_method=t["index_method"].format(name=index_name, description=index_description),
        index_notes=index_notes,
        methods=method_lines,
        margin=margin,
        elements=elements,
        chart=mark_safe(chart),  # noqa: S308 - charts escape every text they draw
        procedures=procedures_all[:limit],
        procedures_more=max(0, len(procedures_all) - limit),
        profile=profile_lines,
        profile_past_100=(
            t["profile_past_100"].format(total=f"{_num(profile['total_share'], 2, lang)} %")
            if profile["sums_past_100"]
            else ""
        ),
        staff=staff,
        ranking=ranking,
        silent=silent,
        any_few=any_few,
        url=url,
        feedback=feedback,
        recipients=recipients,
        p=sentences,
        limits=limits,
    )


def _style_context() -> dict[str, SafeString]:
    """What the report's stylesheet template takes: the serif stack and the printed chart's rules."""
    return {"serif": mark_safe(SERIF_STACK), "chart_css": mark_safe(charts.BAR_CHART_HTML_CSS)}  # noqa: S308


def report_html(publication: Publication, *, language: str = "vi", inline_style: bool = True) -> str:
    """The whole document as WeasyPrint renders it (also served as the draft's print preview)."""

    report = report_build(publication, language=language, pdf=True)
    with translation.override(report.lang):
        return render_to_string(
            "analytics/publications/report.html",
            {"r": report, "t": report.t, "inline_style": inline_style, **_style_context()},
        )


def report_pdf(publication: Publication) -> bytes:
    """The official PDF (Vietnamese). Seconds of work: call it from Celery only.

    The stylesheet goes to WeasyPrint apart from the document, the same text for every report, so it
    is parsed once per worker instead of once per report."""
    style = render_to_string("analytics/publications/report.css", _style_context())
    return html_to_pdf(report_html(publication, language="vi", inline_style=False), stylesheet=style)
