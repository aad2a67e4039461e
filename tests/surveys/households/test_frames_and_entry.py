"""Household lists from files (refused whole on any problem), questionnaires stored once per slot,
double entry of paper questionnaires."""

import io
import uuid

import pytest
from django.http import QueryDict
from openpyxl import Workbook

from surveys.households.frames import household_list_import
from surveys.households.models import Household, PaperEntry, Slot, Village
from surveys.households.services import (
    household_answer_submit,
    households_draw,
    paper_entry_resolve,
    paper_entry_save,
    village_add,
)
from surveys.models import Answer, Response
from surveys.services import SubmissionError
from tenants.models import User
from tenants.spreadsheets import ImportRejected
from tests.surveys.households.conftest import seed_round, seed_villages

pytestmark = pytest.mark.django_db


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def village(in_quang_tri, round_manager) -> Village:
    survey_round = seed_round(in_quang_tri, round_manager)
    return village_add(round_commune=survey_round.communes.first(), name="Khu phố 1", household_count=3)


def test_a_csv_list_is_imported_in_its_order(village):
    data = _csv(
        "STT;Họ tên chủ hộ;Địa chỉ\n1;Nguyễn Văn An;Số 3 Lê Lợi\n2;Trần Thị Bình;\n3;Lê Văn Cường;Số 9\n"
    )
    assert household_list_import(village=village, filename="ds.csv", data=data) == 3
    assert list(village.households.values_list("position", "head_name")) == [
        (1, "Nguyễn Văn An"),
        (2, "Trần Thị Bình"),
        (3, "Lê Văn Cường"),
    ]


def test_a_workbook_with_the_officers_own_headers_is_mapped(village):
    data = _xlsx([["Chủ hộ gia đình", "Nơi cư trú"], ["Nguyễn Văn An", "Tổ 1"], ["Trần Thị Bình", "Tổ 2"]])
    mapping = {"head_name": "Chủ hộ gia đình", "address": "Nơi cư trú"}
    assert household_list_import(village=village, filename="ds.xlsx", data=data, mapping=mapping) == 2
    assert Village.objects.get(pk=village.pk).household_count == 2


@pytest.mark.parametrize(
    ("filename", "data", "where"),
    [
        ("ds.csv", _csv("Họ tên chủ hộ;Địa chỉ\nNguyễn Văn An;Tổ 1\n;Tổ 2\n"), "Row 3, column A"),
        (
            "ds.csv",
            _csv('Họ tên chủ hộ;Địa chỉ\nNguyễn Văn An;Tổ 1\n=HYPERLINK("x");Tổ 2\n'),
            "Row 3, column A",
        ),
        ("ds.csv", _csv("Họ tên chủ hộ;Địa chỉ\nNguyễn Văn An;@SUM(A1)\n"), "Row 2, column B"),
        ("ds.xlsx", _xlsx([["Họ tên chủ hộ"], ["An"], ["=1+1"]]), "Row 3, column A"),
        ("ds.csv", _csv("Tên;Tuổi\nAn;30\n"), "Row 1"),
        ("ds.csv", _csv("Họ tên chủ hộ;Chủ hộ\nAn;Bình\n"), "Row 1, column B"),
        ("ds.csv", _csv("Họ tên chủ hộ\n" + "A" * 201 + "\n"), "Row 2, column A"),
        ("ds.csv", _csv("Họ tên chủ hộ\n"), "no households"),
        ("ds.csv", b"", "empty"),
        ("ds.xls", _csv("Họ tên chủ hộ\nAn\n"), ".csv or .xlsx"),
        ("ds.csv", _xlsx([["Họ tên chủ hộ"], ["An"]]), "workbook"),
        ("ds.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("ds.csv", "Họ tên chủ hộ\nAn\n".encode("cp1258", errors="replace") + b"\xff\xfe", "UTF-8"),
    ],
)
def test_a_bad_household_file_is_refused_whole(village, english, filename, data, where):
    # given: a list already imported
    household_list_import(village=village, filename="ds.csv", data=_csv("Họ tên chủ hộ\nCũ 1\nCũ 2\n"))
    # when
    with pytest.raises(ImportRejected) as rejected:
        household_list_import(village=village, filename=filename, data=data)
    # then: the problem is named, and the list is the old one
    assert any(where in str(p) for p in rejected.value.problems), [str(p) for p in rejected.value.problems]
    assert list(Household.objects.filter(village=village).values_list("head_name", flat=True)) == [
        "Cũ 1",
        "Cũ 2",
    ]


def test_every_problem_of_a_file_is_listed(village, english):
    data = _csv("Họ tên chủ hộ;Địa chỉ\n;Tổ 1\nAn;=A1\n+84;Tổ 3\n")
    with pytest.raises(ImportRejected) as rejected:
        household_list_import(village=village, filename="ds.csv", data=data)
    assert [(p.row, p.column[0]) for p in rejected.value.problems] == [(2, "A"), (3, "B"), (4, "A")]
    assert not Household.objects.filter(village=village).exists()


# --------------------------------------------------------------------------- questionnaires


def answers(**overrides) -> QueryDict:
    fields = {
        "q_assess_access": "agree",
        "q_assess_procedure": "agree",
        "q_assess_official": "disagree",
        "q_assess_result": "agree",
        "q_assess_feedback": "unsure",
        "q_sat_access": "4",
        "q_overall": "5",
        "q_needs": ["online_services", "simpler_procedures"],
        "q_sex": "female",
    } | overrides
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.fixture
def drawn(in_quang_tri, round_manager):
    survey_round = seed_round(in_quang_tri, round_manager)
    seed_villages(survey_round, households=30)
    households_draw(survey_round=survey_round, seed=11)
    return survey_round


def _slots(survey_round, n=2) -> list[Slot]:
    return list(
        Slot.objects.filter(village__round_commune__round=survey_round, kind="main").order_by("serial")[:n]
    )


def test_a_questionnaire_is_stored_once_by_its_submission_key(drawn, round_manager):
    slot, other = _slots(drawn)
    key = uuid.uuid4()
    response, created = household_answer_submit(
        slot=slot, data=answers(), submission_key=key, user=round_manager
    )
    again, created_again = household_answer_submit(
        slot=slot, data=answers(), submission_key=key, user=round_manager
    )
    assert (created, created_again, again.pk) == (True, False, response.pk)
    assert Response.objects.filter(campaign=drawn.campaign).count() == 1
    stored = Slot.objects.get(pk=slot.pk)
    assert (stored.status, stored.response_id) == (Slot.Status.COLLECTED, response.pk)
    assert set(
        response.answers.filter(kind=Answer.Kind.CHOICE).values_list("question_key", "option_key")
    ) >= {
        ("sex", "female"),
        ("assess_official", "disagree"),
    }
    # a second questionnaire for the slot, and the same key for another slot, are refused
    with pytest.raises(SubmissionError):
        household_answer_submit(slot=slot, data=answers(), submission_key=uuid.uuid4(), user=round_manager)
    with pytest.raises(SubmissionError):
        household_answer_submit(slot=other, data=answers(), submission_key=key, user=round_manager)


@pytest.mark.parametrize(
    ("overrides", "question"),
    [
        ({"q_needs": ["online_services", "simpler_procedures", "lower_costs", "on_time_results"]}, "needs"),
        ({"q_sex": "robot"}, "sex"),
        ({"q_assess_access": ""}, "assess_access"),
        ({"q_overall": "9"}, "overall"),
        ({"q_sex": ["male", "female"]}, "sex"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(drawn, round_manager, overrides, question):
    slot = _slots(drawn, 1)[0]
    with pytest.raises(SubmissionError) as error:
        household_answer_submit(
            slot=slot, data=answers(**overrides), submission_key=uuid.uuid4(), user=round_manager
        )
    assert question in error.value.errors
    assert not Response.objects.filter(campaign=drawn.campaign).exists()
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.PENDING


def test_double_entry_stores_the_questionnaire_when_both_typings_agree(drawn, round_manager, quang_tri):
    clerk = User.objects.create_user(username="clerk@qt.test", email="clerk@qt.test", password="x")
    slot = _slots(drawn, 1)[0]
    assert paper_entry_save(slot=slot, data=answers(), user=round_manager, double_entry=True) == (None, [])
    with pytest.raises(SubmissionError):  # the second typing is someone else's
        paper_entry_save(slot=slot, data=answers(), user=round_manager, double_entry=True)
    response, differences = paper_entry_save(slot=slot, data=answers(), user=clerk, double_entry=True)
    assert differences == [] and response is not None
    assert Slot.objects.get(pk=slot.pk).response_id == response.pk


def test_double_entry_lists_the_discrepancies_to_resolve(drawn, round_manager):
    clerk = User.objects.create_user(username="clerk@qt.test", email="clerk@qt.test", password="x")
    slot = _slots(drawn, 1)[0]
    paper_entry_save(slot=slot, data=answers(), user=round_manager, double_entry=True)
    response, differences = paper_entry_save(
        slot=slot, data=answers(q_overall="4", q_sex="male"), user=clerk, double_entry=True
    )
    assert response is None
    assert differences == ["q_overall", "q_sex"]
    assert not Response.objects.filter(campaign=drawn.campaign).exists()
    assert PaperEntry.objects.filter(slot=slot).count() == 2
    # when: the paper is read again and the right values typed
    resolved = paper_entry_resolve(slot=slot, data=answers(q_overall="4"), user=round_manager)
    assert resolved.answers.get(question_key="overall").value == 4
