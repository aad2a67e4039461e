"""The citizen's answers reach the unit's schema exactly once, or not at all."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.models import (
    Answer,
    ContactDetail,
    DossierToken,
    Field,
    Procedure,
    QuestionnaireVersion,
    Response,
)
from surveys.services import (
    SubmissionError,
    dossier_token_issue,
    dossier_token_read,
    questionnaire_version_draft,
    response_submit,
)
from tests.conftest import post

# Assertions read the English messages (see the `english` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def submit(campaign, data, key=None, **kw):
    return response_submit(
        campaign=campaign,
        version_id=campaign.version_id,
        data=data,
        submission_key=key or uuid.uuid4(),
        channel=kw.pop("channel", "qr"),
        **kw,
    )


def hong_thai(procedure, **extra):
    return post(q_procedure=procedure.pk, q_field="other", q_field_other="Hộ tịch", **extra)


def test_a_satisfied_hong_thai_answer_is_stored_in_the_communes_schema(world, campaigns, procedure):
    response, created = submit(campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=3))
    assert created
    assert response.overall_bucket == "satisfied"
    assert response.procedure == procedure
    assert list(response.answers.values_list("kind", "element", "value")) == [("rating", "OVERALL", 3)]
    with tenant_context(world.sibling):
        assert not Response.objects.filter(public_id=response.public_id).exists()


def test_an_unsatisfied_answer_requires_a_reason_and_stores_nothing_without_one(campaigns, procedure):
    with pytest.raises(SubmissionError) as error:
        submit(campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=1))
    assert set(error.value.errors) == {"reasons"}
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0


def test_reasons_are_stored_once_each_with_their_element(campaigns, procedure):
    q = campaigns["hong_thai_quick"].version.definition["questions"][3]
    first, second = q["options"][0]["key"], q["options"][5]["key"]
    response, _ = submit(
        campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=1, q_reasons=[first, second, first])
    )
    reasons = list(response.answers.filter(kind="reason").values_list("option_key", "element"))
    assert reasons == [(first, q["options"][0]["element"]), (second, q["options"][5]["element"])]
    assert response.overall_bucket == "unsatisfied"


def test_reasons_posted_for_a_satisfied_answer_are_ignored(campaigns, procedure):
    option = campaigns["hong_thai_quick"].version.definition["questions"][3]["options"][0]["key"]
    response, _ = submit(
        campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=2, q_reasons=option)
    )
    assert not response.answers.filter(kind="reason").exists()


def test_a_son_tay_ballot_stores_all_ratings_and_no_answer_is_kept_out_of_buckets(campaigns):
    definition = campaigns["son_tay_2017"].version.definition
    ratings = [q for q in definition["questions"] if q["kind"] == "rating"]
    fields = {f"q_{q['key']}": 4 for q in ratings if q.get("required")}
    optional = [q["key"] for q in ratings if not q.get("required")]
    fields.update({f"q_{k}": "na" for k in optional})
    response, _ = submit(campaigns["son_tay_2017"], post(**fields, q_comment="Cán bộ nhiệt tình."))
    stored = response.answers.filter(kind="rating")
    assert stored.count() == len(ratings)
    assert set(stored.filter(value__isnull=True).values_list("question_key", flat=True)) == set(optional)
    assert set(stored.filter(value__isnull=True).values_list("bucket", flat=True)) <= {""}
    assert response.answers.get(kind="text").text == "Cán bộ nhiệt tình."


def test_a_nam_dong_answer_with_harassment_reported_is_stored(campaigns):
    definition = campaigns["nam_dong_2024"].version.definition
    fields = {f"q_{q['key']}": 5 for q in definition["questions"] if q["kind"] == "rating"}
    issues = next(q for q in definition["questions"] if q["kind"] == "reasons")
    fields[f"q_{issues['key']}"] = [issues["options"][0]["key"]]
    response, created = submit(campaigns["nam_dong_2024"], post(**fields))
    assert created
    assert response.answers.filter(kind="reason").count() == 1


@pytest.mark.parametrize(
    ("fields", "question", "message"),
    [
        ({}, "satisfaction", "choose an answer"),
        ({"q_satisfaction": "7"}, "satisfaction", "not in the list"),
        ({"q_satisfaction": "abc"}, "satisfaction", "not in the list"),
        ({"q_satisfaction": ["3", "2"]}, "satisfaction", "only one"),
        ({"q_satisfaction": "1", "q_reasons": "no-such-reason"}, "reasons", "not in the list"),
        ({"q_satisfaction": "3", "q_comment": "x" * 5000}, "comment", "under"),
        ({"q_satisfaction": "3", "q_procedure": "999999"}, "procedure", "not in the list"),
        ({"q_satisfaction": "3", "q_procedure": "9" * 25}, "procedure", "not in the list"),  # > bigint
        ({"q_satisfaction": "3", "q_procedure": "²"}, "procedure", "not in the list"),  # isdigit(), not int
        ({"q_satisfaction": "3", "q_field": "9" * 25}, "field", "not in the list"),
        ({"q_satisfaction": "3", "q_procedure": "other"}, "procedure", "which one"),
        ({"q_satisfaction": "3", "q_contact_phone": "0912345678"}, "contact", "consent"),
    ],
)
def test_bad_answers_are_refused_with_a_message_on_their_question(
    campaigns, procedure, fields, question, message
):
    base = {"q_procedure": procedure.pk, "q_field": "other", "q_field_other": "Khác"}
    with pytest.raises(SubmissionError) as error:
        submit(campaigns["hong_thai_quick"], post(**{**base, **fields}))
    assert message in error.value.errors[question].lower()
    assert Response.objects.count() == 0


def test_a_procedure_or_field_no_longer_active_is_not_in_the_list(campaigns, procedure):
    field = Field.objects.filter(is_active=True).order_by("pk").first()
    Procedure.objects.filter(pk=procedure.pk).update(is_active=False)
    Field.objects.filter(pk=field.pk).update(is_active=False)
    with pytest.raises(SubmissionError) as error:
        submit(
            campaigns["hong_thai_quick"], post(q_procedure=procedure.pk, q_field=field.pk, q_satisfaction=3)
        )
    assert "not in the list" in error.value.errors["procedure"].lower()
    assert "not in the list" in error.value.errors["field"].lower()
    assert Response.objects.count() == 0


def test_a_stored_answer_names_its_procedure_and_field_as_read_with_the_checks(campaigns, procedure):
    field = Field.objects.filter(is_active=True).order_by("pk").first()
    response, _created = submit(
        campaigns["hong_thai_quick"], post(q_procedure=procedure.pk, q_field=field.pk, q_satisfaction=3)
    )
    assert (response.procedure.name_vi, response.field.name_vi) == (procedure.name_vi, field.name_vi)
    stored = Response.objects.get(pk=response.pk)
    assert (stored.procedure_id, stored.field_id) == (procedure.pk, field.pk)


def test_the_same_form_posted_twice_stores_one_response(campaigns, procedure, key):
    first, created = submit(campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=3), key=key)
    again, created_again = submit(
        campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=3), key=key
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Response.objects.count() == 1


def test_a_tampered_form_version_is_refused(campaigns, procedure):
    campaign = campaigns["hong_thai_quick"]
    with pytest.raises(SubmissionError, match="out of date"):
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id + 999,
            data=hong_thai(procedure),
            submission_key=uuid.uuid4(),
            channel="qr",
        )


@pytest.mark.parametrize(("start", "end"), [(-30, -1), (1, 30)])
def test_a_closed_or_future_campaign_takes_no_answers(campaigns, procedure, start, end):
    campaign = campaigns["hong_thai_quick"]
    today = timezone.localdate()
    campaign.starts_on, campaign.ends_on = today + dt.timedelta(days=start), today + dt.timedelta(days=end)
    campaign.save()
    with pytest.raises(SubmissionError) as error:
        submit(campaign, hong_thai(procedure, q_satisfaction=3))
    assert error.value.status == 410


def test_contact_details_are_stored_apart_with_consent(campaigns, procedure):
    response, _ = submit(
        campaigns["hong_thai_quick"],
        hong_thai(
            procedure,
            q_satisfaction=3,
            q_contact_name="Nguyễn Văn A",
            q_contact_phone="0912 345 678",
            q_contact_consent="yes",
        ),
    )
    contact = ContactDetail.objects.get(response=response)
    assert contact.phone == "0912345678"
    assert not response.answers.filter(text__contains="0912").exists()


def test_free_text_is_stored_as_typed_and_masked_only_when_shown(campaigns, procedure):
    typed = "Gọi tôi 0912.345.678, CCCD 001099012345, a@b.vn"
    answers = hong_thai(procedure, q_satisfaction=3, q_comment=typed)
    response, _ = submit(campaigns["hong_thai_quick"], answers)
    # tests/surveys/test_masking.py checks every place it is shown
    assert response.answers.get(kind="text").text == typed


def test_repeated_identical_answers_from_one_address_are_held_not_dropped(campaigns, procedure):
    campaign = campaigns["hong_thai_quick"]
    first, _ = submit(campaign, hong_thai(procedure, q_satisfaction=3), client="abc")
    second, _ = submit(campaign, hong_thai(procedure, q_satisfaction=3), client="abc")
    other, _ = submit(campaign, hong_thai(procedure, q_satisfaction=3), client="xyz")
    assert (first.flag_reasons, first.review) == ([], "")
    assert (second.flag_reasons, second.review) == (["duplicate"], "held")
    assert (other.flag_reasons, other.review) == ([], "")
    assert Response.objects.count() == 3


def test_a_filled_honeypot_is_flagged_never_counted_and_not_held_for_review(campaigns, procedure):
    response, _ = submit(campaigns["hong_thai_quick"], hong_thai(procedure, q_satisfaction=3), honeypot=True)
    assert response.flag_reasons == ["honeypot"]
    assert response.review == "" and not response.counted


class TestDossierTokens:
    def _issue(self, world, campaigns, **kw):
        return dossier_token_issue(
            unit=world.commune,
            campaign=campaigns["hong_thai_quick"],
            dossier_code="000.00.20.H37-260101-0001",
            **kw,
        )

    def test_a_dossier_link_works_once(self, world, campaigns, procedure):
        token, signed = self._issue(world, campaigns, procedure=procedure)
        unit, token_id, nonce = dossier_token_read(signed)
        assert (unit, token_id) == (world.commune, token.pk)
        response, _ = submit(
            campaigns["hong_thai_quick"],
            post(q_satisfaction=3, q_field="other", q_field_other="x"),
            channel="dossier",
            dossier=(token, nonce),
        )
        assert response.procedure == procedure
        with pytest.raises(SubmissionError) as error:
            submit(
                campaigns["hong_thai_quick"],
                post(q_satisfaction=3, q_field="other", q_field_other="x"),
                channel="dossier",
                dossier=(token, nonce),
            )
        assert error.value.status == 410
        assert Response.objects.count() == 1

    def test_issuing_twice_for_one_dossier_gives_the_same_link(self, world, campaigns):
        first, _ = self._issue(world, campaigns)
        second, _ = self._issue(world, campaigns)
        assert first.pk == second.pk

    def test_an_expired_link_is_refused(self, world, campaigns):
        token, signed = self._issue(world, campaigns)
        DossierToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        token.refresh_from_db()
        with pytest.raises(SubmissionError, match="expired"):
            submit(
                campaigns["hong_thai_quick"],
                post(q_satisfaction=3, q_field="other", q_field_other="x"),
                channel="dossier",
                dossier=(token, dossier_token_read(signed)[2]),
            )
        assert Response.objects.count() == 0

    @pytest.mark.parametrize("mangle", [lambda s: s[:-2] + "xx", lambda s: "garbage", lambda s: s[::-1]])
    def test_a_forged_link_is_refused(self, world, campaigns, mangle):
        _, signed = self._issue(world, campaigns)
        with pytest.raises(SubmissionError) as error:
            dossier_token_read(mangle(signed))
        assert error.value.status == 404


class TestVersions:
    def test_a_published_version_cannot_change_even_behind_the_orms_back(self, campaigns):
        version = campaigns["hong_thai_quick"].version
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            QuestionnaireVersion.objects.filter(pk=version.pk).update(definition={"title": {"vi": "x"}})

    def test_editing_makes_a_new_draft_version_and_leaves_the_published_one(self, campaigns):
        version = campaigns["hong_thai_quick"].version
        draft = questionnaire_version_draft(questionnaire=version.questionnaire)
        assert draft.number == version.number + 1
        assert not draft.is_published
        version.refresh_from_db()
        assert version.is_published
