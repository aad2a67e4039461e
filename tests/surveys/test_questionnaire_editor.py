"""The questionnaire editor as an official meets it, in Vietnamese: options as rows (add, remove, reorder),
elements by their names, "ask only when…" with the question's own text."""

import re

import pytest
from django.test import Client

from surveys.builtin.questionnaires import BUILTIN_BY_KEY, ELEMENTS
from surveys.models import Questionnaire
from tests.conftest import signed_in

from .test_console_setup import editor_data, first, in_unit, start_draft, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(commune_officer) -> Client:
    return signed_in(commune_officer)


def draft_definition(world, questionnaire) -> dict:
    return in_unit(world.commune, lambda: questionnaire.versions.order_by("-number").first().definition)


def reasons_of(definition: dict) -> list[dict]:
    return next(q for q in definition["questions"] if q["kind"] == "reasons")["options"]


def row_prefix(form, key: str) -> str:
    """The field prefix of the option row holding option `key` of the reasons question."""
    index = form.option_rows["q-reasons-"].index(key)
    return f"q-reasons-o{index}-"


def test_the_editor_speaks_to_officials_without_codes(world, officer):
    questionnaire = start_draft(officer, world)
    page = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk))
    assert page.status_code == 200
    text = page.text
    # elements by their Vietnamese names, never their codes
    assert ">Công chức trực tiếp giải quyết công việc</option>" in text
    assert f">{ELEMENTS['OVERALL']['vi']}</option>" in text
    for code in ("ACCESS", "PROCEDURE", "OFFICIAL", "RESULT", "FEEDBACK", "OVERALL"):
        assert re.search(rf">[^<]*\b{code}\b[^<]*<", text) is None, code
    # "ask only when…" names the question by its number and its own words
    questions = BUILTIN_BY_KEY["hong_thai_quick"]["questions"]
    satisfaction = next(q for q in questions if q["key"] == "satisfaction")
    assert f"Chỉ hỏi khi câu 3 “{satisfaction['text']['vi'][:30]}" in text
    assert "nếu câu satisfaction" not in text
    # one row per option, plus blank rows to add some; no line syntax to learn
    form = page.context["form"]
    assert len(form.option_rows["q-reasons-"]) == 15 + 2
    assert "key | ELEMENT" not in text
    assert 'name="new_key"' not in text  # a new question's key is made from its words
    own = [value for value, _ in form.fields["q-satisfaction-show_if"].choices if value]
    assert own == [] and form.fields["q-reasons-show_if"].choices[1][0] == "satisfaction:unsatisfied"
    assert "Edit as JSON" not in text and "Sửa dạng JSON" not in text


def test_options_are_renamed_removed_reordered_and_added_as_rows(world, officer):
    questionnaire = start_draft(officer, world)
    page = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk))
    form = page.context["form"]
    data = editor_data(officer, world, questionnaire)
    attitude, premises, other = (
        row_prefix(form, k) for k in ("official_attitude", "access_premises", "other")
    )
    data[f"{attitude}text_vi"] = "Cán bộ thiếu niềm nở"
    data[f"{attitude}order"] = "1"  # to the top
    data[f"{premises}remove"] = "on"
    data[f"{other}order"] = "99"
    blank = f"q-reasons-o{len(form.option_rows['q-reasons-']) - 2}-"
    data[f"{blank}text_vi"] = "Phải đi lại nhiều lần"
    data[f"{blank}text_en"] = "Had to come back several times"
    data[f"{blank}element"] = "PROCEDURE"
    data[f"{blank}order"] = "2"

    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)

    assert response.status_code == 302, response.context["form"].errors
    options = reasons_of(draft_definition(world, questionnaire))
    keys = [o["key"] for o in options]
    assert keys[0] == "official_attitude"
    assert options[0]["text"]["vi"] == "Cán bộ thiếu niềm nở"
    assert "access_premises" not in keys
    assert keys[-1] == "other"
    added = options[2]  # number 2, after the two number 1s (the moved one first)
    assert keys[1] == "access_information"
    assert (added["text"]["vi"], added["element"]) == ("Phải đi lại nhiều lần", "PROCEDURE")
    assert re.fullmatch(r"[a-z][a-z0-9_]*", added["key"])
    assert len(options) == 15
    # the published version is untouched
    published = first(world.commune, Questionnaire, pk=questionnaire.pk).latest_published
    assert "access_premises" in [o["key"] for o in reasons_of(published.definition)]


@pytest.mark.parametrize(
    ("change", "field_suffix"),
    [
        ({"text_vi": "Một lý do mới"}, "element"),  # a blank row filled without what it counts for
        ({"element": "ACCESS"}, "text_vi"),  # … or without words
        ({"text_vi": "Lý do", "element": "NOPE"}, "element"),  # a forged element
    ],
)
def test_a_half_filled_option_row_is_refused_on_its_row_and_nothing_is_saved(
    world, officer, change, field_suffix
):
    questionnaire = start_draft(officer, world)
    before = draft_definition(world, questionnaire)
    form = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk)).context["form"]
    data = editor_data(officer, world, questionnaire)
    blank = f"q-reasons-o{len(form.option_rows['q-reasons-']) - 1}-"
    data.update({f"{blank}{k}": v for k, v in change.items()})

    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)

    assert response.status_code == 400
    assert response.context["form"].errors[f"{blank}{field_suffix}"]
    assert draft_definition(world, questionnaire) == before


@pytest.mark.parametrize("order", ["abc", "0", "-3", "1000"])
def test_a_bad_option_number_is_refused(world, officer, order):
    questionnaire = start_draft(officer, world)
    before = draft_definition(world, questionnaire)
    form = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk)).context["form"]
    data = editor_data(officer, world, questionnaire)
    data[f"{row_prefix(form, 'other')}order"] = order
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    assert draft_definition(world, questionnaire) == before


def test_removing_every_option_is_refused(world, officer):
    questionnaire = start_draft(officer, world)
    form = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk)).context["form"]
    data = editor_data(officer, world, questionnaire)
    for key in form.option_rows["q-reasons-"]:
        if key:
            data[f"{row_prefix(form, key)}remove"] = "on"
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    assert len(reasons_of(draft_definition(world, questionnaire))) == 15


def test_a_new_reasons_question_takes_its_options_from_rows_and_asks_only_when_unsatisfied(world, officer):
    questionnaire = start_draft(officer, world)
    data = editor_data(officer, world, questionnaire)
    data.update(
        {
            "new_kind": "reasons",
            "new_text_vi": "Điều gì cần cải thiện trước?",
            "new_o0-text_vi": "Thời gian chờ",
            "new_o0-element": "ACCESS",
            "new_o1-text_vi": "1 cửa chưa rõ",
            "new_o1-element": "OTHER",
        }
    )
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    added = draft_definition(world, questionnaire)["questions"][-1]
    assert added["key"] == "dieu_gi_can_cai_thien_truoc"
    assert [o["text"]["vi"] for o in added["options"]] == ["Thời gian chờ", "1 cửa chưa rõ"]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", o["key"]) for o in added["options"])
    # no rows at all: refused on the first row
    data = editor_data(officer, world, questionnaire)
    data.update({"new_kind": "reasons", "new_text_vi": "Vì sao?"})
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["new_o0-text_vi"]
    assert first(world.commune, Questionnaire, pk=questionnaire.pk).latest_published.number == 1
