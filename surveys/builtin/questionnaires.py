"""Built-in questionnaire templates, taken from the seed plans (shared/seeds/).

Plain data, no Django: the model layer turns each template into rows.

Conventions the loader relies on:
- Every human-readable string is ``{"vi": ..., "en": ...}``. The Vietnamese follows the seed's own wording;
  the English is a translation for staff and reports, never shown as the form's authority.
- A ``rating`` question lists no options: its ``scale`` ("5" or "3") supplies them from ``SCALES``, with the
  labels and buckets of METHODOLOGY.md. A question maps to at most one element (``ELEMENTS``).
- A ``procedure`` or ``field`` question offers the tenant's catalog (``surveys.builtin.catalog``) plus the
  ``OTHER_CHOICE`` entry ("Khác (ghi rõ)"), whose free text is kept with the answer.
- A ``choice`` question takes one of its ``options`` (``{"key", "text"}``, no element): who the respondent is
  (sex, age group …) or an agree/disagree statement. It never counts in a satisfaction rate.
- A ``reasons`` question is multi-select (at most ``max_choices`` ticks when set); each option maps to an
  element or to ``OTHER``. Options are listed in seed order and may be shown under the headings
  ``ELEMENTS[option["element"]]`` (the seed's group titles in Hồng Thái are exactly the SIPAS element names).
- ``show_if`` refers to an earlier rating question and a bucket; a hidden question is never required.
- A ``contact`` question is always optional and carries its consent wording in ``help``.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict, cast

from surveys import scales
from surveys.scales import FIVE_LEVEL, THREE_LEVEL

# --------------------------------------------------------------------------- types


class Text(TypedDict):
    vi: str
    en: str


Bucket = Literal["satisfied", "neutral", "unsatisfied"]
ScaleKey = Literal["5", "3"]
QuestionKind = Literal["procedure", "field", "rating", "reasons", "choice", "text", "contact"]
RatingElement = Literal["ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK", "OVERALL"]
ReasonElement = Literal["ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK", "OTHER"]


class ScaleLevel(TypedDict):
    value: int
    label: Text
    bucket: Bucket


class Scale(TypedDict):
    key: ScaleKey
    name: Text
    levels: list[ScaleLevel]  # most satisfied first


class ReasonOption(TypedDict):
    key: str
    text: Text
    element: ReasonElement


class Choice(TypedDict):
    key: str
    text: Text


class ShowIf(TypedDict):
    question: str
    bucket: Bucket


class Question(TypedDict):
    key: str
    kind: QuestionKind
    text: Text
    required: bool
    help: NotRequired[Text]
    scale: NotRequired[ScaleKey]  # rating only
    element: NotRequired[RatingElement]  # rating only
    options: NotRequired[list[ReasonOption] | list[Choice]]  # reasons (with elements) and choice
    max_choices: NotRequired[int]  # reasons only: "choose up to N"
    show_if: NotRequired[ShowIf]
    max_length: NotRequired[int]  # text only


class Questionnaire(TypedDict):
    key: str
    title: Text
    description: Text
    source: str
    questions: list[Question]


# --------------------------------------------------------------------------- scales and elements


def _reasons(*options: ReasonOption) -> list[ReasonOption]:
    """Reason options, typed as such inside a question (whose options may also be plain choices)."""
    return list(options)


BUCKETS: tuple[Bucket, ...] = ("satisfied", "neutral", "unsatisfied")

# METHODOLOGY.md, "Scales": the labels, values and buckets come from analytics.formulas, the one
# definition the figures are computed with. Levels are listed most satisfied first (the order of the
# Hồng Thái and Nam Dong texts); the Sơn Tây paper ballot prints the same five levels in reverse.
_SCALE_SOURCES: tuple[tuple[ScaleKey, scales.Scale], ...] = (("5", FIVE_LEVEL), ("3", THREE_LEVEL))
SCALES: dict[str, Scale] = {
    key: {
        "key": key,
        "name": {"vi": f"Thang {key} mức", "en": f"{key}-level scale"},
        "levels": [
            {
                "value": lv.value,
                "label": {"vi": lv.label_vi, "en": lv.label_en},
                "bucket": cast(Bucket, lv.bucket.value),
            }
            for lv in scale.levels
        ],
    }
    for key, scale in _SCALE_SOURCES
}

# The five SIPAS elements (Decision 2640/QĐ-BNV 2017, continued by 1001/QĐ-BNV 2023), plus OVERALL for the
# overall question and OTHER for reasons outside the five.
SIPAS_ELEMENTS: tuple[str, ...] = ("ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK")
ELEMENTS: dict[str, Text] = {
    "ACCESS": {"vi": "Tiếp cận dịch vụ", "en": "Access to the service"},
    "PROCEDURE": {"vi": "Thủ tục hành chính", "en": "The administrative procedure"},
    "OFFICIAL": {
        "vi": "Công chức trực tiếp giải quyết công việc",
        "en": "The civil servant who handled it",
    },
    "RESULT": {"vi": "Kết quả dịch vụ", "en": "The result"},
    "FEEDBACK": {
        "vi": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        "en": "Receiving and handling feedback",
    },
    "OVERALL": {
        "vi": "Hài lòng chung về toàn bộ quá trình",
        "en": "Overall satisfaction with the whole process",
    },
    "OTHER": {"vi": "Khác", "en": "Other"},
}
RATING_ELEMENTS: frozenset[str] = frozenset((*SIPAS_ELEMENTS, "OVERALL"))
REASON_ELEMENTS: frozenset[str] = frozenset((*SIPAS_ELEMENTS, "OTHER"))

QUESTION_KINDS: frozenset[str] = frozenset(
    ("procedure", "field", "rating", "reasons", "choice", "text", "contact")
)

# The extra choice that every procedure or field question offers (seed 000: "5) Khác (ghi rõ)").
OTHER_CHOICE: Choice = {
    "key": "other",
    "text": {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"},
}

# Seed 000 closes its form with this line.
THANK_YOU: Text = {
    "vi": "Xin trân trọng cảm ơn sự hợp tác của ông (bà)!",
    "en": "Thank you sincerely for your cooperation!",
}

FREE_TEXT_MAX_LENGTH = 1000

_CONTACT_HELP: Text = {
    "vi": "Không bắt buộc. Nếu để lại, ông (bà) đồng ý để cơ quan liên hệ lại về ý kiến này; "
    "thông tin được giữ bí mật và không dùng vào việc khác.",
    "en": "Optional. By leaving it you agree that the office may contact you about this feedback; "
    "it is kept confidential and used for nothing else.",
}

# --------------------------------------------------------------------------- seed 000: Hồng Thái

HONG_THAI_QUICK: Questionnaire = {
    "key": "hong_thai_quick",
    "title": {
        "vi": "Đánh giá việc cung ứng dịch vụ công (phiếu nhanh qua mã QR)",
        "en": "Rate the public service you received (quick QR form)",
    },
    "description": {
        "vi": "Xin mời ông (bà) đánh giá việc cung ứng dịch vụ công tại Ủy ban nhân dân xã.",
        "en": "Please rate the public service you received at the commune People's Committee.",
    },
    "source": "seed 000 (Hồng Thái commune, Văn Lãng, Lạng Sơn; plan of 29/5/2024, III.3 "
    "'Phương thức đo lường' and the QR poster)",
    "questions": [
        {
            "key": "procedure",
            "kind": "procedure",
            "text": {
                "vi": "Ông (bà) đã giải quyết TTHC gì?",
                "en": "Which administrative procedure did you carry out?",
            },
            "help": {
                "vi": "Chọn thủ tục trong danh sách; nếu không có, chọn “Khác (ghi rõ)”.",
                "en": "Pick the procedure from the list; if it is missing, choose “Other (please specify)”.",
            },
            "required": True,
        },
        {
            "key": "field",
            "kind": "field",
            "text": {
                "vi": "Thủ tục đó thuộc lĩnh vực nào?",
                "en": "Which field does that procedure belong to?",
            },
            "help": {
                "vi": "Không cần chọn nếu đã chọn thủ tục trong danh sách.",
                "en": "Not needed if you picked the procedure from the list.",
            },
            "required": False,
        },
        {
            # The seed asks about "kết quả giải quyết TTHC" but this is its only rating and its follow-up
            # reasons span all five elements, so it is the form's overall question.
            "key": "satisfaction",
            "kind": "rating",
            "text": {
                "vi": "Ông (bà) có hài lòng với kết quả giải quyết TTHC mà ông (bà) vừa thực hiện không?",
                "en": "Are you satisfied with the outcome of the procedure you have just carried out?",
            },
            "required": True,
            "scale": "3",
            "element": "OVERALL",
        },
        {
            "key": "reasons",
            "kind": "reasons",
            "text": {
                "vi": "Xin ghi rõ ông (bà) không hài lòng về vấn đề gì để cơ quan hành chính xem xét, "
                "cải thiện.",
                "en": "Please say what you were dissatisfied with, so the office can review and improve it.",
            },
            "help": {
                "vi": "Có thể chọn nhiều ý.",
                "en": "You may tick more than one.",
            },
            "required": True,
            "show_if": {"question": "satisfaction", "bucket": "unsatisfied"},
            "options": _reasons(
                # 1) Về Tiếp cận dịch vụ
                {
                    "key": "access_information",
                    "text": {"vi": "Cung cấp thông tin", "en": "Information provided"},
                    "element": "ACCESS",
                },
                {
                    "key": "access_premises",
                    "text": {"vi": "Trụ sở cơ quan", "en": "The office premises"},
                    "element": "ACCESS",
                },
                {
                    "key": "access_equipment",
                    "text": {"vi": "Trang thiết bị", "en": "Equipment"},
                    "element": "ACCESS",
                },
                # 2) Thủ tục hành chính
                {
                    "key": "procedure_posting",
                    "text": {"vi": "Niêm yết", "en": "Public posting of the procedure"},
                    "element": "PROCEDURE",
                },
                {
                    "key": "procedure_dossier",
                    "text": {"vi": "Thành phần hồ sơ", "en": "Documents required in the dossier"},
                    "element": "PROCEDURE",
                },
                {
                    "key": "procedure_fees",
                    "text": {"vi": "Mức phí, lệ phí", "en": "Fees and charges"},
                    "element": "PROCEDURE",
                },
                {
                    "key": "procedure_deadline",
                    "text": {"vi": "Thời hạn hẹn giải quyết", "en": "The promised processing time"},
                    "element": "PROCEDURE",
                },
                # 3) Công chức trực tiếp giải quyết công việc
                {
                    "key": "official_attitude",
                    "text": {"vi": "Thái độ", "en": "Attitude"},
                    "element": "OFFICIAL",
                },
                {
                    "key": "official_guidance",
                    "text": {"vi": "Hướng dẫn, giúp đỡ", "en": "Guidance and help"},
                    "element": "OFFICIAL",
                },
                {
                    "key": "official_information",
                    "text": {"vi": "Cung cấp thông tin", "en": "Information given by the civil servant"},
                    "element": "OFFICIAL",
                },
                {
                    "key": "official_compliance",
                    "text": {"vi": "Tuân thủ quy định", "en": "Compliance with the rules"},
                    "element": "OFFICIAL",
                },
                # 4) Kết quả dịch vụ
                {
                    "key": "result_on_time",
                    "text": {"vi": "Đúng thời hạn quy định", "en": "Delivered within the set time"},
                    "element": "RESULT",
                },
                {
                    "key": "result_accurate",
                    "text": {"vi": "Thông tin đầy đủ, chính xác", "en": "Complete and accurate information"},
                    "element": "RESULT",
                },
                {
                    "key": "result_fairness",
                    "text": {"vi": "Tính công bằng", "en": "Fairness"},
                    "element": "RESULT",
                },
                # 5) Khác (ghi rõ): the details go in the free-text question below.
                {
                    "key": "other",
                    "text": {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"},
                    "element": "OTHER",
                },
            ),
        },
        {
            "key": "comment",
            "kind": "text",
            "text": {
                "vi": "Ý kiến khác của ông (bà) để cơ quan hành chính xem xét, cải thiện (nếu có)",
                "en": "Any other comment for the office to review and improve (optional)",
            },
            "required": False,
            "max_length": FREE_TEXT_MAX_LENGTH,
        },
        {
            "key": "contact",
            "kind": "contact",
            "text": {
                "vi": "Số điện thoại hoặc email để cơ quan liên hệ lại (nếu muốn)",
                "en": "Phone number or email if you would like a reply",
            },
            "help": _CONTACT_HELP,
            "required": False,
        },
    ],
}

# --------------------------------------------------------------------------- seed 001: Sơn Tây


def _son_tay_rating(key: str, vi: str, en: str, element: RatingElement, required: bool = True) -> Question:
    return {
        "key": key,
        "kind": "rating",
        "text": {"vi": vi, "en": en},
        "required": required,
        "scale": "5",
        "element": element,
    }


SON_TAY_2017: Questionnaire = {
    "key": "son_tay_2017",
    "title": {
        "vi": "Phiếu khảo sát mức độ hài lòng của tổ chức, cá nhân về thực hiện thủ tục hành chính",
        "en": "Survey of organisations' and individuals' satisfaction with administrative procedures",
    },
    "description": {
        "vi": "Lựa chọn một phương án trả lời cho mỗi nội dung khảo sát.",
        "en": "Choose one answer for each item.",
    },
    "source": "seed 001 (Sơn Tây town, Hà Nội; plan 302/KH-UBND of 07/6/2017, criteria II.2.1–2.6 "
    "and the attached ballot)",
    "questions": [
        {
            "key": "procedure",
            "kind": "procedure",
            "text": {
                "vi": "Ông (bà) liên hệ để giải quyết công việc gì (tên thủ tục đã giải quyết)?",
                "en": "What business did you come for (name of the procedure completed)?",
            },
            "help": {
                "vi": "Chọn thủ tục trong danh sách; nếu không có, chọn “Khác (ghi rõ)”.",
                "en": "Pick the procedure from the list; if it is missing, choose “Other (please specify)”.",
            },
            # The paper ballot has a blank line here that many leave empty; the ballot still counts.
            "required": False,
        },
        # I. Mức độ hài lòng đối với các yếu tố của thủ tục hành chính
        _son_tay_rating(
            "access_information",
            "Mức độ hài lòng của ông/bà về tiếp cận thông tin đối với thủ tục hành chính",
            "How satisfied are you with access to information about the procedure?",
            "ACCESS",
        ),
        # Premises, seats and equipment are part of ACCESS in the SIPAS method (METHODOLOGY.md).
        _son_tay_rating(
            "facilities",
            "Mức độ hài lòng của ông/bà về điều kiện cơ sở vật chất tiếp đón và phục vụ tại cơ quan "
            "hành chính",
            "How satisfied are you with the premises and facilities for receiving and serving you?",
            "ACCESS",
        ),
        _son_tay_rating(
            "procedure_requirements",
            "Mức độ hài lòng của ông/bà đối với các quy định, yêu cầu, điều kiện, thành phần hồ sơ "
            "của thủ tục hành chính",
            "How satisfied are you with the procedure's rules, requirements, conditions and dossier?",
            "PROCEDURE",
        ),
        # Criterion 2.4: attitude, competence, responsibility of the civil servants.
        _son_tay_rating(
            "official_service",
            "Mức độ hài lòng của ông/bà về sự phục vụ của cán bộ, công chức tại cơ quan hành chính",
            "How satisfied are you with the service of the officials and civil servants?",
            "OFFICIAL",
        ),
        # Criterion 2.5 judges the result through result look-up guidance, processing time, number of trips
        # and the cost of getting it done: how the result was delivered, hence RESULT (not PROCEDURE, whose
        # "fees" item is the posted fee schedule).
        _son_tay_rating(
            "result",
            "Mức độ hài lòng của ông/bà về kết quả giải quyết thủ tục hành chính",
            "How satisfied are you with the outcome of the procedure?",
            "RESULT",
        ),
        # Many respondents never lodged a complaint or suggestion: optional, and a skip is "no answer".
        _son_tay_rating(
            "feedback_handling",
            "Mức độ hài lòng của ông/bà về việc tiếp nhận phản ánh, kiến nghị và xử lý thông tin phản hồi",
            "How satisfied are you with how complaints and suggestions were received and handled?",
            "FEEDBACK",
            required=False,
        ),
        # II. (printed in capitals on the ballot)
        _son_tay_rating(
            "overall",
            "Mức độ hài lòng của ông/bà đối với toàn bộ quá trình thực hiện thủ tục hành chính",
            "How satisfied are you with the whole process of the procedure?",
            "OVERALL",
        ),
        # III.
        {
            "key": "comment",
            "kind": "text",
            "text": {
                "vi": "Nếu có điều chưa hài lòng về thủ tục hành chính và sự phục vụ đề nghị ông/bà "
                "cho biết rõ",
                "en": "If anything about the procedure or the service left you dissatisfied, please tell us",
            },
            "required": False,
            "max_length": FREE_TEXT_MAX_LENGTH,
        },
    ],
}

# --------------------------------------------------------------------------- seed 004: Nam Dong


def _nam_dong_rating(key: str, vi: str, en: str, element: RatingElement) -> Question:
    return {
        "key": key,
        "kind": "rating",
        "text": {"vi": vi, "en": en},
        "required": True,
        "scale": "5",
        "element": element,
    }


NAM_DONG_2024: Questionnaire = {
    "key": "nam_dong_2024",
    "title": {
        "vi": "Lấy ý kiến sự hài lòng của người dân về sự phục vụ của cán bộ, công chức",
        "en": "Citizens' satisfaction with the service of the commune's civil servants",
    },
    "description": {
        "vi": "Sự hài lòng của người dân là mục tiêu phục vụ của Ủy ban nhân dân xã. Thông tin của ông (bà) "
        "được bảo mật.",
        "en": "Citizens' satisfaction is the goal of the commune People's Committee's service. "
        "Your information is kept confidential.",
    },
    "source": "seed 004 (Nam Dong commune, Đắk Nông; 'Dân vận khéo' plan of 02/2024, III.1 criteria and "
    "III.5 overall question)",
    "questions": [
        {
            # Not among the seed's criteria: optional, so each answer can still be read per procedure.
            "key": "procedure",
            "kind": "procedure",
            "text": {
                "vi": "Ông (bà) đã giải quyết thủ tục hành chính gì?",
                "en": "Which administrative procedure did you carry out?",
            },
            "help": {
                "vi": "Không bắt buộc. Nếu không có trong danh sách, chọn “Khác (ghi rõ)”.",
                "en": "Optional. If it is not listed, choose “Other (please specify)”.",
            },
            "required": False,
        },
        # "Tiếp cận dịch vụ: cán bộ, công chức; thủ tục hành chính": how easily the citizen could reach the
        # officials and the procedure, i.e. access to the service.
        _nam_dong_rating(
            "access",
            "Tiếp cận dịch vụ: cán bộ, công chức; thủ tục hành chính",
            "Access to the service: reaching the civil servants and the procedure",
            "ACCESS",
        ),
        # The three criteria below are all about the civil servant; they pool into OFFICIAL.
        _nam_dong_rating(
            "attitude",
            "Thái độ của cán bộ, công chức khi tiếp xúc, giải quyết công việc",
            "The civil servants' attitude when meeting you and handling your business",
            "OFFICIAL",
        ),
        _nam_dong_rating(
            "responsibility",
            "Tinh thần trách nhiệm của cán bộ, công chức khi tiếp xúc, giải quyết công việc",
            "The civil servants' sense of responsibility when meeting you and handling your business",
            "OFFICIAL",
        ),
        _nam_dong_rating(
            "guidance",
            "Cách thức hướng dẫn, làm việc của cán bộ, công chức",
            "How the civil servants guided you and worked",
            "OFFICIAL",
        ),
        # III.5: the general question on 5 levels, from which the plan reads its results and staff alerts.
        _nam_dong_rating(
            "overall",
            "Mức độ hài lòng của ông (bà) đối với sự phục vụ của cơ quan, đơn vị và cán bộ, công chức",
            "Overall, how satisfied are you with the service of the office and its civil servants?",
            "OVERALL",
        ),
        # "Các ý kiến khác": asked of everyone, not only the dissatisfied, so that a satisfied respondent can
        # still report harassment.
        {
            "key": "other_issues",
            "kind": "reasons",
            "text": {
                "vi": "Các ý kiến khác (nếu có)",
                "en": "Other issues (if any)",
            },
            "help": {
                "vi": "Có thể chọn nhiều ý.",
                "en": "You may tick more than one.",
            },
            "required": False,
            "options": _reasons(
                # Conduct of the civil servant: OFFICIAL.
                {
                    "key": "harassment",
                    "text": {
                        "vi": "Tiêu cực, nhũng nhiễu, gây phiền hà của cán bộ, công chức",
                        "en": "Misconduct, harassment or obstruction by civil servants",
                    },
                    "element": "OFFICIAL",
                },
                # The seed lists these costs apart from the officials and does not say who asked for them
                # (often an intermediary), and they are not the procedure's posted fees: OTHER.
                {
                    "key": "unofficial_costs",
                    "text": {
                        "vi": "Các chi phí không liên quan khác",
                        "en": "Other unofficial costs",
                    },
                    "element": "OTHER",
                },
                {
                    "key": "other",
                    "text": {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"},
                    "element": "OTHER",
                },
            ),
        },
        {
            "key": "comment",
            "kind": "text",
            "text": {
                "vi": "Ý kiến, kiến nghị khác của ông (bà)",
                "en": "Any other comment or suggestion",
            },
            "required": False,
            "max_length": FREE_TEXT_MAX_LENGTH,
        },
    ],
}

# --------------------------------------------------------------------------- seed 002: household survey


def _choices(*pairs: tuple[str, str, str]) -> list[Choice]:
    return [{"key": key, "text": {"vi": vi, "en": en}} for key, vi, en in pairs]


_AGREE = _choices(
    ("agree", "Đồng ý", "Agree"),
    ("disagree", "Không đồng ý", "Disagree"),
    ("unsure", "Không rõ", "Not sure"),
)


def _statement(key: str, vi: str, en: str) -> Question:
    return {"key": key, "kind": "choice", "text": {"vi": vi, "en": en}, "required": True, "options": _AGREE}


def _household_rating(key: str, vi: str, en: str, element: RatingElement) -> Question:
    return {
        "key": key,
        "kind": "rating",
        "text": {"vi": vi, "en": en},
        "required": key == "overall",
        "scale": "5",
        "element": element,
    }


# The plan names the three aspects the survey measures (section 3) and leaves the questionnaire to the
# ministry. This template asks them in that order: statements about each of the five SIPAS elements
# (assessment, agree/disagree: never counted as satisfaction), satisfaction with each element and overall
# (the rates), then the household's priorities for improvement (choose up to three), and last the
# respondent's characteristics the weighting and the breakdowns need. Element ratings are optional: a
# household that has not used a service in the year answers "no answer" and stays out of that rate.
SIPAS_HOUSEHOLD_2024: Questionnaire = {
    "key": "sipas_household_2024",
    "title": {
        "vi": "Phiếu khảo sát sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước",
        "en": "Household survey of citizens' satisfaction with the service of state administrative agencies",
    },
    "description": {
        "vi": "Phiếu do điều tra viên phát và thu tại hộ gia đình. Ông (bà) trả lời theo trải nghiệm "
        "của mình khi giải quyết thủ tục hành chính trong 12 tháng qua. Phiếu không ghi tên người "
        "trả lời; không ai được định hướng hay can thiệp vào việc trả lời.",
        "en": "Handed out and collected at the household by an enumerator. Answer from your own experience "
        "of administrative procedures over the past 12 months. The questionnaire carries no name; nobody may "
        "steer or interfere with the answers.",
    },
    "source": "seed 002 (Quảng Trị province, SIPAS 2024 plan: section 3 'Nội dung khảo sát', three aspects)",
    "questions": [
        # Aspect 1: nhận định, đánh giá
        _statement(
            "assess_access",
            "Thông tin về thủ tục hành chính dễ tìm; nơi tiếp nhận hồ sơ thuận tiện, có đủ chỗ ngồi, "
            "trang thiết bị",
            "Information on procedures is easy to find; the office is convenient, with seats and equipment",
        ),
        _statement(
            "assess_procedure",
            "Thủ tục hành chính được niêm yết công khai, đầy đủ; thành phần hồ sơ, phí, lệ phí và thời "
            "hạn đúng quy định",
            "Procedures are posted in full; documents, fees and deadlines are as the rules say",
        ),
        _statement(
            "assess_official",
            "Công chức có thái độ lịch sự, hướng dẫn tận tình, tuân thủ quy định",
            "Civil servants are polite, guide you well and follow the rules",
        ),
        _statement(
            "assess_result",
            "Kết quả được trả đúng hẹn, đầy đủ, chính xác",
            "Results are delivered on time, complete and accurate",
        ),
        _statement(
            "assess_feedback",
            "Góp ý, phản ánh, kiến nghị được tiếp nhận và trả lời kịp thời",
            "Suggestions and complaints are received and answered in time",
        ),
        # Aspect 2: mức độ hài lòng
        _household_rating(
            "sat_access",
            "Mức độ hài lòng của ông (bà) về tiếp cận dịch vụ",
            "How satisfied are you with access to the service?",
            "ACCESS",
        ),
        _household_rating(
            "sat_procedure",
            "Mức độ hài lòng của ông (bà) về thủ tục hành chính",
            "How satisfied are you with the administrative procedures?",
            "PROCEDURE",
        ),
        _household_rating(
            "sat_official",
            "Mức độ hài lòng của ông (bà) về công chức trực tiếp giải quyết công việc",
            "How satisfied are you with the civil servants who handled your business?",
            "OFFICIAL",
        ),
        _household_rating(
            "sat_result",
            "Mức độ hài lòng của ông (bà) về kết quả giải quyết thủ tục hành chính",
            "How satisfied are you with the results?",
            "RESULT",
        ),
        _household_rating(
            "sat_feedback",
            "Mức độ hài lòng của ông (bà) về việc tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
            "How satisfied are you with how suggestions and complaints were handled?",
            "FEEDBACK",
        ),
        _household_rating(
            "overall",
            "Nhìn chung, ông (bà) hài lòng đến mức nào với sự phục vụ của cơ quan hành chính nhà nước?",
            "Overall, how satisfied are you with the service of state administrative agencies?",
            "OVERALL",
        ),
        # Aspect 3: nhu cầu, mong đợi
        {
            "key": "needs",
            "kind": "reasons",
            "text": {
                "vi": "Ông (bà) mong muốn cơ quan hành chính nhà nước cần ưu tiên cải thiện điều gì nhất?",
                "en": "What should the administration improve first?",
            },
            "help": {"vi": "Chọn tối đa 3 ý.", "en": "Choose up to three."},
            "required": False,
            "max_choices": 3,
            "options": _reasons(
                {
                    "key": "more_information",
                    "text": {
                        "vi": "Cung cấp thông tin đầy đủ, dễ tiếp cận hơn",
                        "en": "Fuller, easier information",
                    },
                    "element": "ACCESS",
                },
                {
                    "key": "online_services",
                    "text": {"vi": "Mở rộng dịch vụ công trực tuyến", "en": "More online public services"},
                    "element": "ACCESS",
                },
                {
                    "key": "simpler_procedures",
                    "text": {
                        "vi": "Đơn giản hóa thủ tục, giảm giấy tờ",
                        "en": "Simpler procedures, less paper",
                    },
                    "element": "PROCEDURE",
                },
                {
                    "key": "lower_costs",
                    "text": {"vi": "Giảm chi phí, thời gian đi lại", "en": "Lower costs and fewer trips"},
                    "element": "PROCEDURE",
                },
                {
                    "key": "better_attitude",
                    "text": {
                        "vi": "Nâng cao thái độ, trách nhiệm của công chức",
                        "en": "Better attitude and responsibility of civil servants",
                    },
                    "element": "OFFICIAL",
                },
                {
                    "key": "on_time_results",
                    "text": {"vi": "Trả kết quả đúng hẹn", "en": "Results on time"},
                    "element": "RESULT",
                },
                {
                    "key": "answer_feedback",
                    "text": {
                        "vi": "Tiếp thu và trả lời góp ý, phản ánh kịp thời",
                        "en": "Take in and answer feedback promptly",
                    },
                    "element": "FEEDBACK",
                },
                {
                    "key": "other",
                    "text": {"vi": "Khác (ghi rõ ở câu sau)", "en": "Other (say which below)"},
                    "element": "OTHER",
                },
            ),
        },
        {
            "key": "comment",
            "kind": "text",
            "text": {
                "vi": "Ý kiến, mong đợi khác của ông (bà) (nếu có)",
                "en": "Any other wish or expectation (optional)",
            },
            "required": False,
            "max_length": FREE_TEXT_MAX_LENGTH,
        },
        # Respondent characteristics (weighting and breakdowns): grouped, never a name.
        {
            "key": "sex",
            "kind": "choice",
            "text": {"vi": "Giới tính của người trả lời", "en": "Respondent's sex"},
            "required": False,
            "options": _choices(("male", "Nam", "Male"), ("female", "Nữ", "Female")),
        },
        {
            "key": "age_group",
            "kind": "choice",
            "text": {"vi": "Nhóm tuổi", "en": "Age group"},
            "required": False,
            "options": _choices(
                ("age_18_29", "Từ 18 đến 29 tuổi", "18–29"),
                ("age_30_44", "Từ 30 đến 44 tuổi", "30–44"),
                ("age_45_59", "Từ 45 đến 59 tuổi", "45–59"),
                ("age_60_plus", "Từ 60 tuổi trở lên", "60 and over"),
            ),
        },
        {
            "key": "education",
            "kind": "choice",
            "text": {"vi": "Trình độ học vấn", "en": "Education"},
            "required": False,
            "options": _choices(
                ("primary", "Tiểu học trở xuống", "Primary or less"),
                ("secondary", "Trung học cơ sở, trung học phổ thông", "Lower or upper secondary"),
                ("higher", "Trung cấp, cao đẳng, đại học trở lên", "Vocational, college or university"),
            ),
        },
        {
            "key": "occupation",
            "kind": "choice",
            "text": {"vi": "Nghề nghiệp chính", "en": "Main occupation"},
            "required": False,
            "options": _choices(
                ("farming", "Nông, lâm, ngư nghiệp", "Farming, forestry, fishing"),
                ("business", "Buôn bán, kinh doanh, dịch vụ", "Trade, business, services"),
                ("wage", "Công nhân, người làm công", "Wage worker"),
                ("public", "Cán bộ, công chức, viên chức", "Public employee"),
                ("retired_other", "Nghỉ hưu, nội trợ, khác", "Retired, homemaker, other"),
            ),
        },
    ],
}

BUILTIN_QUESTIONNAIRES: list[Questionnaire] = [
    HONG_THAI_QUICK,
    SON_TAY_2017,
    NAM_DONG_2024,
    SIPAS_HOUSEHOLD_2024,
]
BUILTIN_BY_KEY: dict[str, Questionnaire] = {q["key"]: q for q in BUILTIN_QUESTIONNAIRES}
