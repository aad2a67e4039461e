"""The officer console's set-up pages: catalog, desks and staff, questionnaires, sharing, campaigns, links."""

import copy
import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.models import (
    Campaign,
    Desk,
    Field,
    Procedure,
    QRLink,
    Questionnaire,
    QuestionnaireVersion,
    StaffMember,
)
from surveys.services import questionnaire_version_draft, response_submit
from surveys.setup_services import questionnaire_share
from tenants.models import QuestionnaireShare, Role, ShortLink, User
from tenants.routing import unit_reverse
from tests.conftest import BUILTIN_KEYS, CONFIRM, post, signed_in

# Assertions read the English messages (see the `english` fixture).
client_for = signed_in  # the name other modules imported from here before signed_in moved to conftest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PAGES = ["unit:catalog", "unit:staff", "unit:questionnaires", "unit:campaigns"]


def url(unit, name, *args) -> str:
    return unit_reverse(unit, name, *args)


@pytest.fixture
def officer(commune_officer) -> Client:
    return signed_in(commune_officer)


@pytest.fixture
def district_admin(world) -> User:
    user = User.objects.create_user(username="admin@vanlang.test", email="admin@vanlang.test", password="x")
    user.memberships.create(unit=world.district, role=Role.ADMIN)
    return user


def in_unit(unit, fn):
    with tenant_context(unit):
        return fn()


def count(unit, model, **filters) -> int:
    return in_unit(unit, lambda: model.objects.filter(**filters).count())


def first(unit, model, **filters):
    return in_unit(unit, lambda: model.objects.filter(**filters).first())


def campaign_of(unit, key: str) -> Campaign:
    return in_unit(
        unit, lambda: Campaign.objects.select_related("version").get(version__questionnaire__key=key)
    )


def today() -> dt.date:
    return timezone.localdate()


def day(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("name", PAGES)
def test_every_setup_page_renders_for_the_communes_officer(world, officer, name):
    response = officer.get(url(world.commune, name))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("persona", ["sibling_officer", "outsider", "district_viewer"])
@pytest.mark.parametrize("name", PAGES)
def test_setup_pages_are_refused_to_anyone_without_operate_in_the_unit(world, request, persona, name):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(url(world.commune, name)).status_code == 403


@pytest.mark.parametrize("persona", ["sibling_officer", "outsider", "district_viewer"])
def test_detail_pages_and_writes_are_refused_too_and_change_nothing(world, request, persona):
    client = signed_in(request.getfixturevalue(persona))
    campaign = campaign_of(world.commune, "hong_thai_quick")
    questionnaire = first(world.commune, Questionnaire, key="hong_thai_quick")
    assert client.get(url(world.commune, "unit:campaign", campaign.pk)).status_code == 403
    assert client.get(url(world.commune, "unit:questionnaire", questionnaire.pk)).status_code == 403
    assert client.post(url(world.commune, "unit:desk_new"), {"name": "Quầy 9"}).status_code == 403
    assert client.post(url(world.commune, "unit:campaign_link_new", campaign.pk)).status_code == 403
    assert count(world.commune, Desk) == 0
    assert count(world.commune, QRLink) == 0


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get(url(world.commune, "unit:catalog"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_communes_admin_can_work_here_too(world, commune_admin):
    assert signed_in(commune_admin).get(url(world.commune, "unit:campaigns")).status_code == 200


# --------------------------------------------------------------------------- catalog


def test_the_catalog_lists_procedures_with_their_national_code(world, officer):
    response = officer.get(url(world.commune, "unit:catalog"))
    assert "1.001193" in response.text
    assert "Hộ tịch" in response.text


def test_procedure_search_ignores_accents_and_case(world, officer):
    response = officer.get(url(world.commune, "unit:catalog"), {"q": "khai sinh"})
    assert response.status_code == 200
    procedures = response.context["procedures"]
    assert procedures
    assert all("khai sinh" in p.name_vi.lower() for p in procedures)
    by_code = officer.get(url(world.commune, "unit:catalog"), {"q": "1.001193"}).context["procedures"]
    assert [p.national_code for p in by_code] == ["1.001193"]


def test_loading_the_standard_catalog_twice_adds_nothing_the_second_time(world, officer):
    before = count(world.commune, Procedure)
    response = officer.post(url(world.commune, "unit:catalog_seed"))
    assert response.status_code == 302
    assert count(world.commune, Procedure) == before


def test_the_standard_catalog_loads_into_an_empty_unit(world, district_admin):
    client = signed_in(district_admin)
    assert count(world.district, Procedure) == 0
    assert client.post(url(world.district, "unit:catalog_seed")).status_code == 302
    assert count(world.district, Procedure) > 50
    assert count(world.district, Field) > 5


def test_a_national_code_taken_by_an_own_procedure_blocks_the_seed_with_a_clear_error(world, district_admin):
    client = signed_in(district_admin)
    field = in_unit(world.district, lambda: Field.objects.create(key="mine", name_vi="Của tôi"))
    in_unit(
        world.district,
        lambda: Procedure.objects.create(
            key="own", field=field, name_vi="Thủ tục riêng", national_code="1.001193"
        ),
    )
    response = client.post(url(world.district, "unit:catalog_seed"))
    assert response.status_code == 400
    assert "1.001193" in response.text
    assert count(world.district, Procedure) == 1


def test_an_officer_adds_a_field_and_a_procedure_and_edits_them(world, officer):
    response = officer.post(
        url(world.commune, "unit:field_new"), {"name_vi": "Thể dục thể thao", "name_en": "Sports"}
    )
    assert response.status_code == 302
    field = first(world.commune, Field, name_vi="Thể dục thể thao")
    assert field.key == "the_duc_the_thao"
    response = officer.post(
        url(world.commune, "unit:procedure_new"),
        {"name_vi": "Đăng ký tổ chức lễ hội", "field": field.pk, "national_code": "1.999999"},
    )
    assert response.status_code == 302
    procedure = first(world.commune, Procedure, national_code="1.999999")
    assert procedure.field_id == field.pk
    response = officer.post(
        url(world.commune, "unit:procedure_edit", procedure.pk),
        {
            "name_vi": "Đăng ký lễ hội",
            "name_en": "Festival registration",
            "field": field.pk,
            "national_code": "",
        },
    )
    assert response.status_code == 302
    procedure = first(world.commune, Procedure, pk=procedure.pk)
    assert (procedure.name_vi, procedure.national_code) == ("Đăng ký lễ hội", None)
    assert officer.get(url(world.commune, "unit:procedure_edit", procedure.pk)).status_code == 200
    response = officer.post(url(world.commune, "unit:field_edit", field.pk), {"name_vi": "Thể thao"})
    assert response.status_code == 302
    assert first(world.commune, Field, pk=field.pk).name_vi == "Thể thao"


def test_a_procedure_is_deactivated_never_deleted(world, officer, procedure):
    response = officer.post(url(world.commune, "unit:procedure_active", procedure.pk), {"active": "0"})
    assert response.status_code == 302
    assert first(world.commune, Procedure, pk=procedure.pk).is_active is False
    officer.post(url(world.commune, "unit:procedure_active", procedure.pk), {"active": "1"})
    assert first(world.commune, Procedure, pk=procedure.pk).is_active is True
    assert (
        officer.post(url(world.commune, "unit:procedure_active", procedure.pk), {"active": "x"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name_vi": "Hộ tịch"}, "name_vi", "already exists"),
        ({"name_vi": "Mới", "key": "ho_tich"}, "key", "already used"),
        ({"name_vi": "Mới", "key": "Có dấu"}, "key", ""),
        ({"name_vi": ""}, "name_vi", ""),
    ],
)
def test_bad_fields_are_refused_with_a_clear_error(world, officer, data, field, message):
    before = count(world.commune, Field)
    response = officer.post(url(world.commune, "unit:field_new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert message in " ".join(response.context["form"].errors[field])
    assert count(world.commune, Field) == before


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"national_code": "1.001193"}, "national_code"),
        ({"national_code": "mã sai!"}, "national_code"),
        ({"key": "__existing__"}, "key"),
        ({"field": "999999"}, "field"),
    ],
)
def test_bad_procedures_are_refused_with_a_clear_error(world, officer, extra, field):
    ho_tich = first(world.commune, Field, key="ho_tich")
    if extra.get("key") == "__existing__":
        extra = {"key": first(world.commune, Procedure, national_code="1.001193").key}
    before = count(world.commune, Procedure)
    response = officer.post(
        url(world.commune, "unit:procedure_new"), {"name_vi": "Thủ tục mới", "field": ho_tich.pk, **extra}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert count(world.commune, Procedure) == before


def test_the_same_procedure_name_twice_in_a_field_is_refused(world, officer, procedure):
    response = officer.post(
        url(world.commune, "unit:procedure_new"), {"name_vi": procedure.name_vi, "field": procedure.field_id}
    )
    assert response.status_code == 400
    assert "already has a procedure" in " ".join(response.context["form"].errors["name_vi"])


# --------------------------------------------------------------------------- desks and staff


def test_an_officer_adds_desks_and_civil_servants_edits_and_deactivates_them(world, officer):
    assert (
        officer.post(
            url(world.commune, "unit:desk_new"), {"name": "Bộ phận một cửa", "location": "Tầng 1"}
        ).status_code
        == 302
    )
    desk = first(world.commune, Desk, name="Bộ phận một cửa")
    ho_tich = first(world.commune, Field, key="ho_tich")
    response = officer.post(
        url(world.commune, "unit:staff_new"),
        {
            "full_name": "Nguyễn Văn An",
            "position": "Công chức Tư pháp - Hộ tịch",
            "desk": desk.pk,
            "fields": [ho_tich.pk],
        },
    )
    assert response.status_code == 302
    member = first(world.commune, StaffMember, full_name="Nguyễn Văn An")
    assert in_unit(world.commune, lambda: list(member.fields.values_list("key", flat=True))) == ["ho_tich"]
    page = officer.get(url(world.commune, "unit:staff"))
    assert "Nguyễn Văn An" in page.text and "Bộ phận một cửa" in page.text
    response = officer.post(
        url(world.commune, "unit:staff_edit", member.pk),
        {"full_name": "Nguyễn Văn Ân", "position": "", "desk": ""},
    )
    assert response.status_code == 302
    member = first(world.commune, StaffMember, pk=member.pk)
    assert (member.full_name, member.desk_id) == ("Nguyễn Văn Ân", None)
    assert officer.post(url(world.commune, "unit:desk_active", desk.pk), {"active": "0"}).status_code == 302
    assert first(world.commune, Desk, pk=desk.pk).is_active is False
    assert (
        officer.post(url(world.commune, "unit:staff_active", member.pk), {"active": "0"}).status_code == 302
    )
    assert first(world.commune, StaffMember, pk=member.pk).is_active is False
    assert officer.get(url(world.commune, "unit:desk_edit", desk.pk)).status_code == 200
    assert officer.get(url(world.commune, "unit:staff_edit", member.pk)).status_code == 200


def test_a_duplicate_desk_name_is_refused(world, officer):
    officer.post(url(world.commune, "unit:desk_new"), {"name": "Quầy 1"})
    response = officer.post(url(world.commune, "unit:desk_new"), {"name": "quầy  1"})
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert count(world.commune, Desk) == 1


def test_an_inactive_desk_cannot_be_given_to_a_civil_servant(world, officer):
    desk = in_unit(world.commune, lambda: Desk.objects.create(name="Cũ", is_active=False))
    response = officer.post(
        url(world.commune, "unit:staff_new"), {"full_name": "Trần Thị Bình", "desk": desk.pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["desk"]
    assert count(world.commune, StaffMember) == 0


# --------------------------------------------------------------------------- questionnaires


def test_the_questionnaire_list_shows_versions_and_templates(world, officer):
    response = officer.get(url(world.commune, "unit:questionnaires"))
    assert "v1" in response.text
    # the world installed the three seed questionnaires; the household round's template is offered
    installed = {t["key"]: t["installed"] for t in response.context["templates"]}
    assert installed == {key: key in BUILTIN_KEYS for key in installed}
    assert set(BUILTIN_KEYS) < set(installed)


def test_installing_a_builtin_template(world, district_admin):
    client = signed_in(district_admin)
    response = client.post(url(world.district, "unit:questionnaire_install"), {"key": "nam_dong_2024"})
    assert response.status_code == 302
    questionnaire = first(world.district, Questionnaire, key="nam_dong_2024")
    assert questionnaire.source == "builtin"
    assert (
        client.post(url(world.district, "unit:questionnaire_install"), {"key": "nam_dong_2024"}).status_code
        == 302
    )
    assert count(world.district, Questionnaire) == 1
    assert client.post(url(world.district, "unit:questionnaire_install"), {"key": "nope"}).status_code == 400


def test_the_preview_shows_every_question_in_both_languages(world, officer):
    questionnaire = first(world.commune, Questionnaire, key="hong_thai_quick")
    response = officer.get(url(world.commune, "unit:questionnaire", questionnaire.pk))
    assert response.status_code == 200
    text = response.text
    for q in questionnaire_definition(world, "hong_thai_quick")["questions"]:
        assert q["text"]["vi"].replace("(", "") in text.replace("(", "")
        assert q["text"]["en"].replace("’", "'") in text.replace("&#x27;", "'").replace("’", "'")
    assert "Rất hài lòng" in text and "Very satisfied" in text  # scale labels
    assert "Tiếp cận dịch vụ" in text  # element names of the reasons
    assert "Shown only if" in text or "Chỉ hiện" in text  # the show_if condition
    assert (
        officer.get(url(world.commune, "unit:questionnaire", questionnaire.pk), {"v": "9"}).status_code == 404
    )


def questionnaire_definition(world, key):
    return in_unit(world.commune, lambda: Questionnaire.objects.get(key=key).latest_published.definition)


def start_draft(officer, world, key="hong_thai_quick"):
    questionnaire = first(world.commune, Questionnaire, key=key)
    response = officer.post(url(world.commune, "unit:questionnaire_draft", questionnaire.pk))
    assert response.status_code == 302
    return questionnaire


def editor_data(officer, world, questionnaire) -> dict:
    """The editor's form as the browser would post it back unchanged."""
    response = officer.get(url(world.commune, "unit:questionnaire_edit", questionnaire.pk))
    assert response.status_code == 200
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False, ""):
            continue
        data[name] = "on" if value is True else value
    return data


def test_editing_makes_a_draft_and_publishing_makes_a_new_version(world, officer):
    questionnaire = start_draft(officer, world)
    data = editor_data(officer, world, questionnaire)
    data["q-satisfaction-text_en"] = "Were you satisfied?"
    data["q-comment-order"] = "1"  # move the comment question to the top
    data.pop("q-field-required", None)
    data.update(
        new_kind="rating",
        new_key="speed",
        new_order="4",
        new_text_vi="Thời gian giải quyết có nhanh không?",
        new_text_en="Was it quick?",
        new_scale="3",
        new_element="RESULT",
        new_required="on",
    )
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    versions = in_unit(world.commune, lambda: list(questionnaire.versions.order_by("number")))
    assert [v.is_published for v in versions] == [True, False]
    draft = versions[1].definition
    keys = [q["key"] for q in draft["questions"]]
    assert keys[0] == "comment"
    assert "speed" in keys
    assert next(q for q in draft["questions"] if q["key"] == "speed")["element"] == "RESULT"
    assert versions[0].definition == questionnaire_definition(world, "hong_thai_quick")  # untouched
    # publishing asks first, saying what cannot be undone; the question alone publishes nothing
    asked = officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk))
    assert asked.status_code == 200
    assert "This cannot be undone." in asked.text and "can never be edited or deleted" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert (
        in_unit(world.commune, lambda: questionnaire.versions.filter(published_at__isnull=True).count()) == 1
    )
    response = officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk), CONFIRM)
    assert response.status_code == 302
    latest = in_unit(world.commune, lambda: Questionnaire.objects.get(pk=questionnaire.pk).latest_published)
    assert latest.number == 2
    assert latest.definition["questions"][0]["key"] == "comment"


def test_removing_a_question_another_depends_on_is_refused_line_by_line(world, officer):
    questionnaire = start_draft(officer, world)
    data = editor_data(officer, world, questionnaire)
    data["q-satisfaction-remove"] = "on"
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert any("show_if" in e and "(reasons)" in e for e in errors)
    draft = in_unit(world.commune, lambda: questionnaire.versions.get(number=2).definition)
    assert any(q["key"] == "satisfaction" for q in draft["questions"])


def test_a_new_question_needs_its_parts(world, officer):
    questionnaire = start_draft(officer, world)
    data = editor_data(officer, world, questionnaire)
    data.update({"new_kind": "reasons", "new_text_vi": "Vì sao?", "new_o0-text_vi": "Một"})
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["new_o0-element"]  # what the option counts for
    data.update({"new_kind": "text", "new_key": "comment", "new_o0-text_vi": ""})
    response = officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["new_key"]


def test_the_json_editor_is_the_operators_and_checks_syntax_and_structure(world, officer, operator):
    questionnaire = start_draft(officer, world)
    target = url(world.commune, "unit:questionnaire_edit_json", questionnaire.pk)
    assert officer.get(target).status_code == 404  # officials edit through the form editor
    assert "Edit as JSON" not in officer.get(url(world.commune, "unit:questionnaire", questionnaire.pk)).text
    officer = signed_in(operator)
    assert officer.get(target).status_code == 200
    response = officer.post(target, {"definition": '{"title": {"vi": "x"},\n "questions": [}'})
    assert response.status_code == 400
    assert "Line 2" in response.text
    response = officer.post(target, {"definition": '{"title": {"vi": ""}, "questions": [{"key": "1x"}]}'})
    assert response.status_code == 400
    errors = response.context["form"].errors["definition"]
    assert "The title needs a Vietnamese text." in errors
    assert any("must start with a letter" in e for e in errors)
    good = copy.deepcopy(questionnaire_definition(world, "hong_thai_quick"))
    good["title"]["vi"] = "Phiếu mới"
    response = officer.post(target, {"definition": json.dumps(good, ensure_ascii=False)})
    assert response.status_code == 302
    assert (
        officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk), CONFIRM).status_code
        == 302
    )
    assert first(world.commune, Questionnaire, pk=questionnaire.pk).title_vi == "Phiếu mới"


def test_publishing_an_invalid_draft_is_refused_and_the_draft_stays_a_draft(world, officer):
    questionnaire = first(world.commune, Questionnaire, key="son_tay_2017")
    in_unit(
        world.commune,
        lambda: questionnaire_version_draft(questionnaire=questionnaire, definition={"title": {}}),
    )
    response = officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk), CONFIRM)
    assert response.status_code == 400
    assert "The title needs a Vietnamese text" in response.text
    assert (
        count(world.commune, QuestionnaireVersion, questionnaire=questionnaire, published_at__isnull=True)
        == 1
    )


def test_publishing_without_a_draft_is_refused(world, officer):
    questionnaire = first(world.commune, Questionnaire, key="son_tay_2017")
    response = officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk), CONFIRM)
    assert response.status_code == 400


def test_a_draft_can_be_discarded(world, officer):
    questionnaire = start_draft(officer, world)
    discard = url(world.commune, "unit:questionnaire_discard", questionnaire.pk)
    asked = officer.post(discard)
    assert asked.status_code == 200 and "cannot be recovered" in asked.content.decode()
    # asking is not discarding
    assert count(world.commune, QuestionnaireVersion, questionnaire=questionnaire) == 2
    assert officer.post(discard, CONFIRM).status_code == 302
    assert count(world.commune, QuestionnaireVersion, questionnaire=questionnaire) == 1


# --------------------------------------------------------------------------- sharing down the hierarchy


def share_from_district(world, district_admin) -> QuestionnaireShare:
    client = signed_in(district_admin)
    client.post(url(world.district, "unit:questionnaire_install"), {"key": "son_tay_2017"})
    questionnaire = first(world.district, Questionnaire, key="son_tay_2017")
    page = client.get(url(world.district, "unit:questionnaire", questionnaire.pk))
    assert "Share v1" in page.text or page.context["can_share"]
    response = client.post(url(world.district, "unit:questionnaire_share", questionnaire.pk))
    assert response.status_code == 302
    return QuestionnaireShare.objects.get(owner=world.district, key="son_tay_2017")


def test_a_district_admin_shares_and_a_commune_below_uses_it_as_is(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    assert share.version == 1
    page = officer.get(url(world.commune, "unit:questionnaires"))
    assert [o["share"].pk for o in page.context["offered"]] == [share.pk]
    response = officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "as_is"})
    assert response.status_code == 302
    used = first(world.commune, Questionnaire, shared_from=share.pk)
    assert (used.source, used.is_locked) == ("shared", True)
    assert used.key != "son_tay_2017"  # the commune already had its own Sơn Tây form
    # Pressing again changes nothing.
    officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "as_is"})
    assert count(world.commune, Questionnaire, shared_from=share.pk) == 1


def test_a_locked_questionnaire_cannot_get_a_draft(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "as_is"})
    used = first(world.commune, Questionnaire, shared_from=share.pk)
    response = officer.post(url(world.commune, "unit:questionnaire_draft", used.pk))
    assert response.status_code == 400
    assert "make a copy" in response.text
    assert count(world.commune, QuestionnaireVersion, questionnaire=used) == 1
    assert officer.get(url(world.commune, "unit:questionnaire_edit", used.pk)).status_code == 302
    assert officer.post(url(world.commune, "unit:questionnaire_publish", used.pk), CONFIRM).status_code == 400


def test_a_commune_copies_a_shared_questionnaire_and_may_edit_the_copy(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    response = officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "copy"})
    assert response.status_code == 302
    copied = first(world.commune, Questionnaire, key="son_tay_2017_copy")
    assert (copied.source, copied.is_locked, copied.shared_from) == ("custom", False, share.pk)
    page = officer.get(url(world.commune, "unit:questionnaire", copied.pk))
    assert "Copied from" in page.text
    assert officer.post(url(world.commune, "unit:questionnaire_draft", copied.pk)).status_code == 302


def test_a_newer_shared_version_is_followed_when_used_again(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "as_is"})

    def republish():
        questionnaire = Questionnaire.objects.get(key="son_tay_2017")
        draft = questionnaire_version_draft(questionnaire=questionnaire)
        draft.published_at = timezone.now()
        draft.save()
        return questionnaire_share(owner=world.district, questionnaire=questionnaire)

    newer = in_unit(world.district, republish)
    assert newer.version == 2
    officer.post(url(world.commune, "unit:share_use", newer.pk), {"mode": "as_is"})
    used = first(world.commune, Questionnaire, shared_from=newer.pk)
    assert in_unit(world.commune, lambda: used.latest_published.number) == 2


def test_a_sibling_or_a_unit_elsewhere_cannot_use_the_share(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    other_officer = User.objects.create_user(username="o@namdong.test", email="o@namdong.test", password="x")
    other_officer.memberships.create(unit=world.other, role=Role.OFFICER)
    client = signed_in(other_officer)
    assert client.get(url(world.other, "unit:questionnaires")).context["offered"] == []
    assert client.post(url(world.other, "unit:share_use", share.pk), {"mode": "as_is"}).status_code == 404
    assert count(world.other, Questionnaire) == 0


def test_only_a_manager_of_a_province_or_district_may_share(world, commune_admin, officer):
    questionnaire = first(world.commune, Questionnaire, key="son_tay_2017")
    assert officer.post(url(world.commune, "unit:questionnaire_share", questionnaire.pk)).status_code == 404
    admin = signed_in(commune_admin)
    assert admin.post(url(world.commune, "unit:questionnaire_share", questionnaire.pk)).status_code == 404
    assert not QuestionnaireShare.objects.exists()


def test_a_district_officer_without_manage_cannot_share(world):
    user = User.objects.create_user(username="o@vanlang.test", email="o@vanlang.test", password="x")
    user.memberships.create(unit=world.district, role=Role.OFFICER)
    client = signed_in(user)
    client.post(url(world.district, "unit:questionnaire_install"), {"key": "son_tay_2017"})
    questionnaire = first(world.district, Questionnaire, key="son_tay_2017")
    assert client.post(url(world.district, "unit:questionnaire_share", questionnaire.pk)).status_code == 404


def test_a_withdrawn_share_is_no_longer_offered(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    client = signed_in(district_admin)
    assert client.post(url(world.district, "unit:share_withdraw", share.pk)).status_code == 302
    assert officer.get(url(world.commune, "unit:questionnaires")).context["offered"] == []
    assert officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "copy"}).status_code == 404


def test_an_unknown_use_mode_is_refused(world, district_admin, officer):
    share = share_from_district(world, district_admin)
    assert officer.post(url(world.commune, "unit:share_use", share.pk), {"mode": "steal"}).status_code == 400
    assert count(world.commune, Questionnaire, shared_from=share.pk) == 0


# --------------------------------------------------------------------------- campaigns


def campaign_data(world, **overrides) -> dict:
    version = in_unit(world.commune, lambda: Questionnaire.objects.get(key="nam_dong_2024").latest_published)
    data = {
        "name": "Khảo sát năm 2026",
        "version": version.pk,
        "starts_on": day(today()),
        "ends_on": day(today() + dt.timedelta(days=90)),
        "channels": ["qr", "desk", "staff"],
    }
    data.update(overrides)
    return data


def test_an_officer_creates_and_edits_a_campaign_with_vietnamese_dates(world, officer):
    response = officer.post(url(world.commune, "unit:campaign_new"), campaign_data(world))
    assert response.status_code == 302
    campaign = first(world.commune, Campaign, name="Khảo sát năm 2026")
    assert campaign.starts_on == today()
    page = officer.get(url(world.commune, "unit:campaign", campaign.pk))
    assert page.status_code == 200
    assert day(today()) in page.text
    edit = officer.get(url(world.commune, "unit:campaign_edit", campaign.pk))
    assert day(today()) in edit.text
    response = officer.post(
        url(world.commune, "unit:campaign_edit", campaign.pk),
        campaign_data(world, name="Khảo sát 2026 (sửa)", channels=["qr"]),
    )
    assert response.status_code == 302
    campaign = first(world.commune, Campaign, pk=campaign.pk)
    assert (campaign.name, campaign.channels) == ("Khảo sát 2026 (sửa)", ["qr"])
    assert (
        officer.post(url(world.commune, "unit:campaign_active", campaign.pk), {"active": "0"}).status_code
        == 302
    )
    assert first(world.commune, Campaign, pk=campaign.pk).is_active is False


def unpublished_version(world):
    def make():
        questionnaire = Questionnaire.objects.get(key="nam_dong_2024")
        return questionnaire_version_draft(questionnaire=questionnaire)

    return in_unit(world.commune, make)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "01/01/2020"}, "ends_on"),
        ({"starts_on": "2026-13-45"}, "starts_on"),
        ({"starts_on": "31/02/2026"}, "starts_on"),
        ({"channels": ["qr", "carrier-pigeon"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"name": "Khảo sát phiếu nhanh"}, "name"),
        ({"name": "   "}, "name"),
        ({"version": "unpublished"}, "version"),
        ({"version": "999999"}, "version"),
    ],
)
def test_bad_campaigns_are_refused_with_a_clear_error_and_nothing_stored(world, officer, overrides, field):
    if overrides.get("version") == "unpublished":
        overrides = {"version": unpublished_version(world).pk}
    before = count(world.commune, Campaign)
    response = officer.post(url(world.commune, "unit:campaign_new"), campaign_data(world, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert count(world.commune, Campaign) == before


def test_inverted_dates_say_so(world, officer):
    response = officer.post(
        url(world.commune, "unit:campaign_new"),
        campaign_data(world, ends_on=day(today() - dt.timedelta(days=1))),
    )
    assert "The last day is before the first day." in response.context["form"].errors["ends_on"]


def test_the_version_of_a_campaign_with_responses_cannot_change(world, officer, procedure):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    in_unit(
        world.commune,
        lambda: response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(q_procedure=procedure.pk, q_satisfaction=3),
            submission_key=uuid.uuid4(),
            channel="qr",
        ),
    )
    other = in_unit(world.commune, lambda: Questionnaire.objects.get(key="nam_dong_2024").latest_published)
    data = campaign_data(world, name=campaign.name, version=other.pk)
    response = officer.post(url(world.commune, "unit:campaign_edit", campaign.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["version"]
    assert first(world.commune, Campaign, pk=campaign.pk).version_id == campaign.version_id
    page = officer.get(url(world.commune, "unit:campaign", campaign.pk))
    assert page.context["response_count"] == 1


# --------------------------------------------------------------------------- QR links


def make_desk_and_member(world):
    def make():
        desk = Desk.objects.create(name="Bộ phận một cửa")
        member = StaffMember.objects.create(full_name="Lê Thị Cúc", desk=desk)
        return desk, member

    return in_unit(world.commune, make)


def test_links_for_the_campaign_a_desk_and_a_civil_servant(world, officer):
    desk, member = make_desk_and_member(world)
    campaign = campaign_of(world.commune, "hong_thai_quick")
    target = url(world.commune, "unit:campaign_link_new", campaign.pk)
    assert officer.post(target).status_code == 302
    assert officer.post(target, {"desk": desk.pk}).status_code == 302
    assert officer.post(target, {"staff": member.pk}).status_code == 302
    links = in_unit(world.commune, lambda: list(QRLink.objects.filter(campaign=campaign).order_by("pk")))
    assert [link.channel for link in links] == ["qr", "desk", "staff"]
    assert ShortLink.objects.filter(code__in=[link.code for link in links], unit=world.commune).count() == 3
    # A double tap gives the same code, not a second one.
    assert officer.post(target, {"desk": desk.pk}).status_code == 302
    assert count(world.commune, QRLink, campaign=campaign) == 3
    page = officer.get(url(world.commune, "unit:campaign", campaign.pk))
    assert page.status_code == 200
    for link in links:
        assert f"/q/{link.code}" in page.text
    assert page.context["targets"] == {"campaign": False, "desks": [], "staff": []}


def test_a_link_is_deactivated_not_deleted(world, officer):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    officer.post(url(world.commune, "unit:campaign_link_new", campaign.pk))
    link = first(world.commune, QRLink, campaign=campaign)
    response = officer.post(url(world.commune, "unit:campaign_link_deactivate", campaign.pk, link.pk))
    assert response.status_code == 302
    assert first(world.commune, QRLink, pk=link.pk).is_active is False
    # The campaign may then get a fresh code.
    officer.post(url(world.commune, "unit:campaign_link_new", campaign.pk))
    assert count(world.commune, QRLink, campaign=campaign, is_active=True) == 1


def test_bad_link_requests_are_refused(world, officer):
    desk, member = make_desk_and_member(world)
    campaign = campaign_of(world.commune, "hong_thai_quick")
    target = url(world.commune, "unit:campaign_link_new", campaign.pk)
    assert officer.post(target, {"desk": "999999"}).status_code == 404
    assert officer.post(target, {"desk": "abc"}).status_code == 404
    assert officer.post(target, {"desk": desk.pk, "staff": member.pk}).status_code == 400
    in_unit(world.commune, lambda: Desk.objects.filter(pk=desk.pk).update(is_active=False))
    response = officer.post(target, {"desk": desk.pk})
    assert response.status_code == 400
    assert "inactive" in response.text
    in_unit(world.commune, lambda: Campaign.objects.filter(pk=campaign.pk).update(channels=["paper"]))
    response = officer.post(target, {"staff": member.pk})
    assert response.status_code == 400
    in_unit(
        world.commune,
        lambda: Campaign.objects.filter(pk=campaign.pk).update(is_active=False, channels=["qr"]),
    )
    assert officer.post(target).status_code == 400
    assert count(world.commune, QRLink) == 0
    assert not ShortLink.objects.exists()


def test_links_of_another_campaign_are_404(world, officer):
    first_campaign = campaign_of(world.commune, "hong_thai_quick")
    second = campaign_of(world.commune, "son_tay_2017")
    officer.post(url(world.commune, "unit:campaign_link_new", first_campaign.pk))
    link = first(world.commune, QRLink, campaign=first_campaign)
    response = officer.post(url(world.commune, "unit:campaign_link_deactivate", second.pk, link.pk))
    assert response.status_code == 404
    assert first(world.commune, QRLink, pk=link.pk).is_active is True


def test_the_campaign_page_offers_the_qr_downloads_that_are_installed(world, officer):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    officer.post(url(world.commune, "unit:campaign_link_new", campaign.pk))
    page = officer.get(url(world.commune, "unit:campaign", campaign.pk))
    (item,) = page.context["links"]
    for href in item["downloads"].values():
        assert href in page.text
        assert item["link"].code in href


@pytest.mark.parametrize(
    "name", ["unit:field_new", "unit:procedure_new", "unit:desk_new", "unit:staff_new", "unit:campaign_new"]
)
def test_every_new_form_renders_for_the_officer(world, officer, name):
    assert officer.get(url(world.commune, name)).status_code == 200


def test_an_overlong_search_is_ignored_not_an_error(world, officer):
    response = officer.get(url(world.commune, "unit:catalog"), {"q": "x" * 5000})
    assert response.status_code == 200
    assert len(response.context["procedures"]) == count(world.commune, Procedure)
