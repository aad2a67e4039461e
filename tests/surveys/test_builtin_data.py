"""Structural and faithfulness checks on the built-in questionnaires and the commune catalog."""

import re
import unicodedata
from pathlib import Path

import pytest

from surveys.builtin import catalog, questionnaires
from surveys.builtin.questionnaires import (
    BUILTIN_QUESTIONNAIRES,
    ELEMENTS,
    QUESTION_KINDS,
    RATING_ELEMENTS,
    REASON_ELEMENTS,
    SCALES,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
QUESTION_KEYS = {
    "key",
    "kind",
    "text",
    "help",
    "required",
    "scale",
    "element",
    "options",
    "max_choices",
    "show_if",
    "max_length",
}
TEMPLATE_KEYS = {"key", "title", "description", "source", "questions"}
VI_MARKS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _texts(obj):
    """Every {"vi", "en"} pair inside obj."""
    if isinstance(obj, dict):
        if set(obj) == {"vi", "en"}:
            yield obj
        else:
            for value in obj.values():
                yield from _texts(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _texts(value)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _strings(value)


def _template(key):
    return questionnaires.BUILTIN_BY_KEY[key]


def _question(template_key, question_key):
    return next(q for q in _template(template_key)["questions"] if q["key"] == question_key)


ALL_DATA = [
    BUILTIN_QUESTIONNAIRES,
    SCALES,
    ELEMENTS,
    catalog.FIELDS,
    catalog.PROCEDURES,
    catalog.HONG_THAI_FIELD_GROUPS,
]


# ---------------------------------------------------------------- texts


@pytest.mark.parametrize("data", ALL_DATA, ids=lambda d: type(d).__name__)
def test_every_text_has_vi_and_en_non_empty_and_nfc(data):
    pairs = list(_texts(data))
    assert pairs
    for pair in pairs:
        for lang in ("vi", "en"):
            assert isinstance(pair[lang], str) and pair[lang].strip(), pair
            assert pair[lang] == pair[lang].strip(), pair
    for s in _strings(data):
        assert unicodedata.normalize("NFC", s) == s, f"not NFC: {s!r}"
        assert "  " not in s, f"double space: {s!r}"


def test_vietnamese_texts_carry_diacritics():
    for template in BUILTIN_QUESTIONNAIRES:
        for pair in [template["title"], template["description"]] + [q["text"] for q in template["questions"]]:
            assert VI_MARKS.search(pair["vi"]), pair
    for item in catalog.FIELDS + catalog.PROCEDURES:
        assert VI_MARKS.search(item["name"]["vi"]), item
    # The English side is a translation, not a copy.
    for template in BUILTIN_QUESTIONNAIRES:
        for q in template["questions"]:
            assert not VI_MARKS.search(q["text"]["en"]), q["text"]
    for item in catalog.FIELDS + catalog.PROCEDURES:
        assert not VI_MARKS.search(item["name"]["en"]), item


def test_rating_texts_ask_about_satisfaction():
    for template in BUILTIN_QUESTIONNAIRES:
        overall = [q for q in template["questions"] if q["kind"] == "rating" and q["element"] == "OVERALL"]
        assert len(overall) == 1, template["key"]
        assert "hài lòng" in overall[0]["text"]["vi"]


def test_texts_fit_a_phone():
    for template in BUILTIN_QUESTIONNAIRES:
        assert len(template["title"]["vi"]) <= 120
        for q in template["questions"]:
            assert len(q["text"]["vi"]) <= 160, q["key"]
            for option in q.get("options", []):
                assert len(option["text"]["vi"]) <= 80, option["key"]


# ---------------------------------------------------------------- scales and elements


def test_scales_match_methodology():
    five = [(lv["value"], lv["label"]["vi"], lv["label"]["en"], lv["bucket"]) for lv in SCALES["5"]["levels"]]
    assert five == [
        (5, "Rất hài lòng", "Very satisfied", "satisfied"),
        (4, "Hài lòng", "Satisfied", "satisfied"),
        (3, "Bình thường", "Neutral", "neutral"),
        (2, "Không hài lòng", "Dissatisfied", "unsatisfied"),
        (1, "Rất không hài lòng", "Very dissatisfied", "unsatisfied"),
    ]
    three = [(lv["value"], lv["label"]["vi"], lv["bucket"]) for lv in SCALES["3"]["levels"]]
    assert three == [
        (3, "Rất hài lòng", "satisfied"),
        (2, "Hài lòng", "satisfied"),
        (1, "Không hài lòng", "unsatisfied"),
    ]
    for key, scale in SCALES.items():
        assert scale["key"] == key
        assert all(lv["bucket"] in questionnaires.BUCKETS for lv in scale["levels"])


def test_elements():
    assert set(ELEMENTS) == {"ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK", "OVERALL", "OTHER"}
    assert ELEMENTS["ACCESS"]["vi"] == "Tiếp cận dịch vụ"
    assert ELEMENTS["PROCEDURE"]["vi"] == "Thủ tục hành chính"
    assert ELEMENTS["OFFICIAL"]["vi"] == "Công chức trực tiếp giải quyết công việc"
    assert ELEMENTS["RESULT"]["vi"] == "Kết quả dịch vụ"
    assert ELEMENTS["FEEDBACK"]["vi"] == "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"
    assert set(ELEMENTS) - {"OTHER"} == RATING_ELEMENTS
    assert set(ELEMENTS) - {"OVERALL"} == REASON_ELEMENTS


# ---------------------------------------------------------------- template structure


def test_builtin_templates_and_keys():
    assert [t["key"] for t in BUILTIN_QUESTIONNAIRES] == [
        "hong_thai_quick",
        "son_tay_2017",
        "nam_dong_2024",
        "sipas_household_2024",
    ]
    for template in BUILTIN_QUESTIONNAIRES:
        assert set(template) == TEMPLATE_KEYS
        assert re.fullmatch(r"seed 00\d .+", template["source"])
        keys = [q["key"] for q in template["questions"]]
        assert len(keys) == len(set(keys)), template["key"]
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys)


@pytest.mark.parametrize("template", BUILTIN_QUESTIONNAIRES, ids=lambda t: t["key"])
def test_question_shapes(template):
    seen = {}
    for q in template["questions"]:
        assert set(q) <= QUESTION_KEYS, set(q) - QUESTION_KEYS
        assert {"key", "kind", "text", "required"} <= set(q)
        assert q["kind"] in QUESTION_KINDS
        assert isinstance(q["required"], bool)
        kind = q["kind"]
        assert ("scale" in q) == ("element" in q) == (kind == "rating"), q["key"]
        assert ("options" in q) == (kind in ("reasons", "choice")), q["key"]
        assert "max_choices" not in q or (kind == "reasons" and 1 <= q["max_choices"] <= len(q["options"]))
        if kind == "choice":
            option_keys = [o["key"] for o in q["options"]]
            assert option_keys and len(option_keys) == len(set(option_keys))
            assert all(set(o) == {"key", "text"} for o in q["options"])
        if "max_length" in q:
            assert kind == "text" and isinstance(q["max_length"], int) and q["max_length"] > 0
        if kind == "text":
            assert "max_length" in q
        if kind == "rating":
            assert q["scale"] in SCALES
            assert q["element"] in RATING_ELEMENTS
        if kind == "reasons":
            option_keys = [o["key"] for o in q["options"]]
            assert option_keys and len(option_keys) == len(set(option_keys))
            for option in q["options"]:
                assert set(option) == {"key", "text", "element"}
                assert option["element"] in REASON_ELEMENTS
            texts = [(o["element"], o["text"]["vi"]) for o in q["options"]]
            assert len(texts) == len(set(texts))
        if kind == "contact":
            assert q["required"] is False and "help" in q
        if "show_if" in q:
            target = seen.get(q["show_if"]["question"])
            assert target is not None and target["kind"] == "rating", "show_if must name an earlier rating"
            assert q["show_if"]["bucket"] in {lv["bucket"] for lv in SCALES[target["scale"]]["levels"]}
        seen[q["key"]] = q


def test_hong_thai_quick():
    template = _template("hong_thai_quick")
    assert [q["kind"] for q in template["questions"]] == [
        "procedure",
        "field",
        "rating",
        "reasons",
        "text",
        "contact",
    ]
    rating = _question("hong_thai_quick", "satisfaction")
    assert (rating["scale"], rating["element"], rating["required"]) == ("3", "OVERALL", True)
    reasons = _question("hong_thai_quick", "reasons")
    assert reasons["show_if"] == {"question": "satisfaction", "bucket": "unsatisfied"}
    assert reasons["required"] is True
    by_element = {}
    for option in reasons["options"]:
        by_element.setdefault(option["element"], []).append(option["text"]["vi"])
    assert by_element == {
        "ACCESS": ["Cung cấp thông tin", "Trụ sở cơ quan", "Trang thiết bị"],
        "PROCEDURE": ["Niêm yết", "Thành phần hồ sơ", "Mức phí, lệ phí", "Thời hạn hẹn giải quyết"],
        "OFFICIAL": ["Thái độ", "Hướng dẫn, giúp đỡ", "Cung cấp thông tin", "Tuân thủ quy định"],
        "RESULT": ["Đúng thời hạn quy định", "Thông tin đầy đủ, chính xác", "Tính công bằng"],
        "OTHER": ["Khác (ghi rõ)"],
    }
    assert _question("hong_thai_quick", "procedure")["text"]["vi"] == "Ông (bà) đã giải quyết TTHC gì?"
    assert _question("hong_thai_quick", "comment")["required"] is False


def test_son_tay_2017():
    ratings = [q for q in _template("son_tay_2017")["questions"] if q["kind"] == "rating"]
    assert [(q["scale"], q["element"]) for q in ratings] == [
        ("5", "ACCESS"),
        ("5", "ACCESS"),
        ("5", "PROCEDURE"),
        ("5", "OFFICIAL"),
        ("5", "RESULT"),
        ("5", "FEEDBACK"),
        ("5", "OVERALL"),
    ]
    assert [q["text"]["vi"] for q in ratings][:6] == [
        "Mức độ hài lòng của ông/bà về tiếp cận thông tin đối với thủ tục hành chính",
        "Mức độ hài lòng của ông/bà về điều kiện cơ sở vật chất tiếp đón và phục vụ tại cơ quan hành chính",
        "Mức độ hài lòng của ông/bà đối với các quy định, yêu cầu, điều kiện, thành phần hồ sơ của thủ tục "
        "hành chính",
        "Mức độ hài lòng của ông/bà về sự phục vụ của cán bộ, công chức tại cơ quan hành chính",
        "Mức độ hài lòng của ông/bà về kết quả giải quyết thủ tục hành chính",
        "Mức độ hài lòng của ông/bà về việc tiếp nhận phản ánh, kiến nghị và xử lý thông tin phản hồi",
    ]
    assert _question("son_tay_2017", "overall")["text"]["vi"] == (
        "Mức độ hài lòng của ông/bà đối với toàn bộ quá trình thực hiện thủ tục hành chính"
    )
    kinds = [q["kind"] for q in _template("son_tay_2017")["questions"]]
    assert kinds.count("text") == 1 and kinds[-1] == "text"


def test_nam_dong_2024():
    questions = {q["key"]: q for q in _template("nam_dong_2024")["questions"]}
    assert questions["overall"]["scale"] == "5" and questions["overall"]["element"] == "OVERALL"
    assert questions["access"]["element"] == "ACCESS"
    for key in ("attitude", "responsibility", "guidance"):
        assert questions[key]["element"] == "OFFICIAL"
    assert questions["attitude"]["text"]["vi"].startswith("Thái độ của cán bộ, công chức")
    assert questions["responsibility"]["text"]["vi"].startswith("Tinh thần trách nhiệm của cán bộ, công chức")
    assert questions["guidance"]["text"]["vi"] == "Cách thức hướng dẫn, làm việc của cán bộ, công chức"
    issues = {o["key"]: o for o in questions["other_issues"]["options"]}
    assert "nhũng nhiễu" in issues["harassment"]["text"]["vi"]
    assert "gây phiền hà" in issues["harassment"]["text"]["vi"]
    assert issues["harassment"]["element"] == "OFFICIAL"
    assert "chi phí không liên quan" in issues["unofficial_costs"]["text"]["vi"]
    assert issues["unofficial_costs"]["element"] in {"OFFICIAL", "OTHER"}
    assert "show_if" not in questions["other_issues"]  # harassment can be reported by anyone
    assert questions["comment"]["kind"] == "text"
    assert not any(q["kind"] == "contact" for q in questions.values())  # the plan promises confidentiality


# ---------------------------------------------------------------- faithfulness to the seed documents


def _seed(prefix):
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return _fold(next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8"))


def test_son_tay_texts_are_verbatim_in_seed_001():
    seed = _seed("001")
    for q in _template("son_tay_2017")["questions"]:
        if q["kind"] in {"rating", "text"}:
            assert _fold(q["text"]["vi"]) in seed, q["key"]
    assert _fold(_template("son_tay_2017")["title"]["vi"]) in seed


def test_hong_thai_texts_are_verbatim_in_seed_000():
    seed = _seed("000")
    for key in ("procedure", "satisfaction"):
        assert _fold(_question("hong_thai_quick", key)["text"]["vi"]) in seed, key
    for option in _question("hong_thai_quick", "reasons")["options"]:
        assert _fold(option["text"]["vi"]) in seed, option["key"]
    for level in SCALES["3"]["levels"]:
        assert _fold(level["label"]["vi"]) in seed
    assert _fold(questionnaires.THANK_YOU["vi"]) in seed
    for group in catalog.HONG_THAI_FIELD_GROUPS:
        assert _fold(group["name"]["vi"].removesuffix(" (nếu có)").replace("Lĩnh vực", "lĩnh vực")) in seed


def test_nam_dong_texts_are_verbatim_in_seed_004():
    seed = _seed("004")
    for key in ("access", "attitude", "responsibility", "guidance"):
        assert _fold(_question("nam_dong_2024", key)["text"]["vi"]) in seed, key
    for level in SCALES["5"]["levels"]:
        assert f"“{_fold(level['label']['vi'])}”" in seed


def test_key_seed_phrases_present():
    hong_thai = _template("hong_thai_quick")
    assert "Rất hài lòng" in [lv["label"]["vi"] for lv in SCALES["3"]["levels"]]
    assert "Rất không hài lòng" in [lv["label"]["vi"] for lv in SCALES["5"]["levels"]]
    assert "TTHC" in hong_thai["questions"][0]["text"]["vi"]
    son_tay = " ".join(q["text"]["vi"] for q in _template("son_tay_2017")["questions"])
    for phrase in (
        "tiếp cận thông tin",
        "điều kiện cơ sở vật chất tiếp đón và phục vụ",
        "thành phần hồ sơ",
        "sự phục vụ của cán bộ, công chức",
        "kết quả giải quyết thủ tục hành chính",
        "tiếp nhận phản ánh, kiến nghị",
        "toàn bộ quá trình",
    ):
        assert phrase in son_tay, phrase


# ---------------------------------------------------------------- catalog


def test_catalog_fields():
    keys = [f["key"] for f in catalog.FIELDS]
    assert len(keys) == len(set(keys))
    for f in catalog.FIELDS:
        assert set(f) == {"key", "name"}
    names = {f["name"]["vi"] for f in catalog.FIELDS}
    for expected in (
        "Hộ tịch",
        "Chứng thực",
        "Đất đai",
        "Bảo trợ xã hội",
        "Người có công",
        "Nuôi con nuôi",
        "Hòa giải ở cơ sở",
        "Thi đua - Khen thưởng",
        "Văn hóa",
    ):
        assert expected in names, expected


def test_catalog_procedures():
    procedures = catalog.PROCEDURES
    assert 40 <= len(procedures) <= 60
    keys = [p["key"] for p in procedures]
    assert len(keys) == len(set(keys))
    names = [p["name"]["vi"] for p in procedures]
    assert len(names) == len(set(names))
    field_keys = {f["key"] for f in catalog.FIELDS}
    for p in procedures:
        assert set(p) == {"key", "field", "name", "national_code"}
        assert p["field"] in field_keys, p["key"]
        code = p["national_code"]
        assert code is None or re.fullmatch(r"[1-3]\.\d{6}", code), p
        assert not p["name"]["vi"].startswith("Thủ tục")
    codes = [p["national_code"] for p in procedures if p["national_code"]]
    assert len(codes) == len(set(codes))
    # Every field but "other" has procedures.
    assert {p["field"] for p in procedures} == field_keys - {"khac"}


def test_catalog_well_known_codes():
    by_key = catalog.PROCEDURES_BY_KEY
    assert by_key["dang_ky_khai_sinh"]["national_code"] == "1.001193"
    assert by_key["dang_ky_ket_hon"]["national_code"] == "1.000894"
    assert by_key["dang_ky_khai_tu"]["national_code"] == "1.000656"
    assert by_key["xac_nhan_tinh_trang_hon_nhan"]["national_code"] == "1.004873"
    assert by_key["chung_thuc_ban_sao"]["national_code"] == "2.000815"
    assert by_key["chung_thuc_chu_ky"]["national_code"] == "2.000884"


def test_catalog_covers_hong_thai_fields():
    field_keys = {f["key"] for f in catalog.FIELDS}
    for group in catalog.HONG_THAI_FIELD_GROUPS:
        assert group["fields"] and set(group["fields"]) <= field_keys, group
    covered = {k for group in catalog.HONG_THAI_FIELD_GROUPS for k in group["fields"]}
    assert covered == field_keys
