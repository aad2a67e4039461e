"""The officers' view of a unit's responses (list, detail, CSV) and paper-ballot entry."""

import csv
import datetime as dt
import io
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from surveys.models import Answer, Desk, PaperBatch, Procedure, Response, StaffMember
from surveys.paper import paper_ballot_enter, paper_ballot_void, paper_batch_close, paper_batch_open
from surveys.services import SubmissionError, response_submit
from tenants.models import AuditEvent
from tenants.routing import unit_reverse
from tests.conftest import post

pytestmark = pytest.mark.django_db

PHONE_TEXT = "Cán bộ hẹn lại ba lần, gọi tôi số 0912 345 678 hoặc an@example.vn"


def in_english(client):
    """Messages are checked in English, which is complete whatever the state of the Vietnamese catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(unit, name, *args):
    return unit_reverse(unit, name, *args)


def submit(campaign, data, **updates):
    response, _created = response_submit(
        campaign=campaign,
        version_id=campaign.version_id,
        data=data,
        submission_key=uuid.uuid4(),
        channel=updates.pop("channel", "qr"),
    )
    if updates:
        Response.objects.filter(pk=response.pk).update(**updates)
        response.refresh_from_db()
    return response


def son_tay_ballot(overall=4, **extra):
    """A complete Sơn Tây ballot: every required rating at 4 unless told."""
    fields = {
        "q_access_information": 4,
        "q_facilities": 4,
        "q_procedure_requirements": 4,
        "q_official_service": 4,
        "q_result": 4,
        "q_overall": overall,
    }
    fields.update(extra)
    return post(**fields)


@pytest.fixture
def sample(in_commune, campaigns, procedure):
    """Four responses that differ in every filtered property."""
    today = timezone.localdate()
    desk = Desk.objects.create(name="Quầy một cửa số 1")
    staff = StaffMember.objects.create(full_name="Nguyễn Thị Lan", desk=desk)
    other_procedure = Procedure.objects.exclude(pk=procedure.pk).exclude(field=procedure.field).first()
    hong_thai, son_tay = campaigns["hong_thai_quick"], campaigns["son_tay_2017"]
    reasons = hong_thai.version.definition["questions"][3]["options"]
    data = {
        "old_satisfied": submit(
            hong_thai,
            post(q_procedure=procedure.pk, q_satisfaction=3),
            answered_on=today - dt.timedelta(days=10),
            submitted_at=timezone.now() - dt.timedelta(days=10),
        ),
        "unhappy_at_desk": submit(
            hong_thai,
            post(
                q_procedure=procedure.pk,
                q_satisfaction=1,
                q_reasons=[reasons[0]["key"], reasons[7]["key"]],
                q_comment=PHONE_TEXT,
                q_contact_name="Trần Văn Bình",
                q_contact_phone="0987654321",
                q_contact_consent="yes",
            ),
            channel="desk",
            desk=desk,
            answered_on=today - dt.timedelta(days=3),
            submitted_at=timezone.now() - dt.timedelta(days=3),
            review="held",
            flag_reasons=["burst"],
        ),
        "neutral_for_staff": submit(
            son_tay,
            son_tay_ballot(overall=3, q_procedure=other_procedure.pk),
            channel="staff",
            staff=staff,
        ),
        "satisfied_today": submit(son_tay, son_tay_ballot(overall=5)),
    }
    data.update(desk=desk, staff=staff, procedure=procedure, other_procedure=other_procedure)
    return data


def listed(client, unit, **params):
    response = client.get(url(unit, "unit:responses"), params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return {row.response.public_id for row in response.context["rows"]}


def ids(sample, *names):
    return {sample[n].public_id for n in names}


ALL = ("old_satisfied", "unhappy_at_desk", "neutral_for_staff", "satisfied_today")


# --------------------------------------------------------------------------- list and filters


def test_the_list_shows_the_units_responses_newest_first(client, world, commune_officer, sample):
    client.force_login(commune_officer)
    response = client.get(url(world.commune, "unit:responses"))
    assert response.status_code == 200
    order = [row.response.public_id for row in response.context["rows"]]
    assert order[-1] == sample["old_satisfied"].public_id
    assert set(order) == ids(sample, *ALL)
    html = response.content.decode()
    local = timezone.localtime(sample["old_satisfied"].submitted_at)
    assert local.strftime("%d/%m/%Y %H:%M") in html
    assert "1 – Không hài lòng" in html  # the overall answer's label, on the 3-level scale
    assert "n = 4" in html


def test_each_filter_narrows_the_list(client, world, commune_officer, sample, campaigns):
    client.force_login(commune_officer)
    today = timezone.localdate()
    d = lambda days: (today - dt.timedelta(days=days)).strftime("%d/%m/%Y")  # noqa: E731
    cases = [
        ({"date_from": d(5)}, ("unhappy_at_desk", "neutral_for_staff", "satisfied_today")),
        ({"date_to": d(5)}, ("old_satisfied",)),
        ({"date_from": d(4), "date_to": d(2)}, ("unhappy_at_desk",)),
        ({"date_from": (today - dt.timedelta(days=3)).isoformat()}, ALL[1:]),
        ({"campaign": campaigns["son_tay_2017"].pk}, ("neutral_for_staff", "satisfied_today")),
        ({"procedure": sample["procedure"].pk}, ("old_satisfied", "unhappy_at_desk")),
        ({"procedure": sample["other_procedure"].pk}, ("neutral_for_staff",)),
        ({"staff": sample["staff"].pk}, ("neutral_for_staff",)),
        ({"desk": sample["desk"].pk}, ("unhappy_at_desk",)),
        ({"channel": "desk"}, ("unhappy_at_desk",)),
        ({"channel": "qr"}, ("old_satisfied", "satisfied_today")),
        ({"satisfaction": "satisfied"}, ("old_satisfied", "satisfied_today")),
        ({"satisfaction": "neutral"}, ("neutral_for_staff",)),
        ({"satisfaction": "unsatisfied"}, ("unhappy_at_desk",)),
        ({"review": "held"}, ("unhappy_at_desk",)),
        ({"review": "rejected"}, ()),
        ({"campaign": campaigns["hong_thai_quick"].pk, "satisfaction": "satisfied"}, ("old_satisfied",)),
        ({"campaign": campaigns["nam_dong_2024"].pk}, ()),
    ]
    for params, expected in cases:
        assert listed(client, world.commune, **params) == ids(sample, *expected), params


def test_the_list_is_paginated_and_keeps_its_filters(client, world, commune_officer, campaigns, settings):
    from surveys import response_views

    response_views.PAGE_SIZE, saved = 2, response_views.PAGE_SIZE
    try:
        for _ in range(5):
            submit(campaigns["son_tay_2017"], son_tay_ballot())
        client.force_login(commune_officer)
        first = client.get(url(world.commune, "unit:responses"), {"channel": "qr"})
        assert len(first.context["rows"]) == 2
        assert "channel=qr&amp;page=2" in first.content.decode()
        last = client.get(url(world.commune, "unit:responses"), {"channel": "qr", "page": 3})
        assert len(last.context["rows"]) == 1
    finally:
        response_views.PAGE_SIZE = saved


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31/02/2024"}, "dd/mm/yyyy"),
        ({"date_from": "hôm qua"}, "dd/mm/yyyy"),
        ({"date_to": "2024-13-01"}, "dd/mm/yyyy"),
        ({"date_from": "10/09/2024", "date_to": "01/09/2024"}, "ends before it starts"),
        ({"campaign": "999999"}, "Unknown campaign"),
        ({"campaign": "abc"}, "Unknown campaign"),
        ({"campaign": "99999999999999999999999"}, "Unknown campaign"),
        ({"procedure": "999999"}, "Unknown procedure"),
        ({"staff": "-1"}, "Unknown civil servant"),
        ({"desk": "1.5"}, "Unknown desk"),
        ({"channel": "fax"}, "not in the list"),
        ({"satisfaction": "happy"}, "not in the list"),
        ({"review": "yes"}, "not in the list"),
        ({"page": "abc"}, "whole number"),
        ({"page": "0"}, "whole number"),
    ],
)
@pytest.mark.parametrize("view", ["unit:responses", "unit:responses_csv"])
def test_bad_filters_get_a_clear_message_and_400(
    client, world, commune_officer, sample, view, params, message
):
    client.force_login(commune_officer)
    in_english(client)
    response = client.get(url(world.commune, view), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")  # the message, not a CSV
    assert message in response.content.decode()


def test_a_page_past_the_end_is_400_with_the_number_of_pages(client, world, commune_officer, sample):
    client.force_login(commune_officer)
    in_english(client)
    response = client.get(url(world.commune, "unit:responses"), {"page": "99"})
    assert response.status_code == 400
    assert "There is no page 99: the list has 1." in response.content.decode()


# --------------------------------------------------------------------------- detail


def test_an_officer_sees_every_answer_with_free_text_masked_and_no_contact(
    client, world, commune_officer, sample
):
    client.force_login(commune_officer)
    r = sample["unhappy_at_desk"]
    response = client.get(url(world.commune, "unit:response", r.public_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ông (bà) có hài lòng với kết quả giải quyết TTHC" in html  # the question, in Vietnamese
    assert "1 – Không hài lòng" in html
    assert "Cung cấp thông tin" in html and "Thái độ" in html  # the two ticked reasons
    assert "•••••••78" in html and "0912 345 678" not in html and "an@example.vn" not in html
    assert "Trần Văn Bình" not in html and "0987654321" not in html
    assert "unflag" not in html
    in_english(client)
    html = client.get(url(world.commune, "unit:response", r.public_id)).content.decode()
    assert "only the unit's admin can see them" in html


def test_the_units_admin_sees_the_full_text_and_the_contact_details(client, world, commune_admin, sample):
    client.force_login(commune_admin)
    r = sample["unhappy_at_desk"]
    html = client.get(url(world.commune, "unit:response", r.public_id)).content.decode()
    assert "0912 345 678" in html and "an@example.vn" in html
    assert "Trần Văn Bình" in html and "0987654321" in html


def test_the_detail_follows_the_ui_language(client, world, commune_officer, sample):
    client.force_login(commune_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        url(world.commune, "unit:response", sample["neutral_for_staff"].public_id)
    ).content.decode()
    assert "How satisfied are you with the whole process of the procedure?" in html
    assert "3 – Neutral" in html


def test_an_unknown_or_other_units_response_is_404(client, world, commune_officer, sibling_officer, sample):
    client.force_login(commune_officer)
    assert client.get(url(world.commune, "unit:response", uuid.uuid4())).status_code == 404
    assert client.get(f"/u/{world.commune.slug}/responses/not-a-uuid/").status_code == 404
    client.force_login(sibling_officer)
    # The sibling's officer asks its own unit for the commune's response: it is not there.
    assert (
        client.get(url(world.sibling, "unit:response", sample["old_satisfied"].public_id)).status_code == 404
    )


def test_an_officer_accepts_a_held_answer_from_its_page_with_a_reason_and_its_flags_stay(
    client, world, commune_officer, sample
):
    r = sample["unhappy_at_desk"]
    client.force_login(commune_officer)
    in_english(client)
    page = client.get(url(world.commune, "unit:response", r.public_id)).content.decode()
    assert "Not yet: held for review" in page and 'value="accept"' in page
    decide = {"ids": str(r.public_id), "next": "detail", "decision": "accept"}
    refused = client.post(url(world.commune, "unit:review"), {**decide, "reason": "  "})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    r.refresh_from_db()
    assert r.review == "held"
    response = client.post(url(world.commune, "unit:review"), {**decide, "reason": "Checked at the desk"})
    assert response.status_code == 302 and response["Location"].endswith(f"/responses/{r.public_id}/")
    r.refresh_from_db()
    assert (r.review, r.reviewed_by, r.review_reason) == ("accepted", commune_officer, "Checked at the desk")
    assert r.flag_reasons == ["burst"]
    assert listed(client, world.commune, review="held") == set()
    assert listed(client, world.commune, review="accepted") == ids(sample, "unhappy_at_desk")


# --------------------------------------------------------------------------- CSV


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_has_vietnamese_headers_one_row_per_response_and_masked_text(
    client, world, commune_admin, sample, campaigns
):
    client.force_login(commune_admin)
    rows = read_csv(
        client.get(url(world.commune, "unit:responses_csv"), {"campaign": campaigns["hong_thai_quick"].pk})
    )
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "Mã phiếu",
        "Thời gian",
        "Ngày tính vào kỳ",
        "Kênh",
        "TTHC",
        "Lĩnh vực",
        "Cán bộ",
        "Quầy",
    ]
    question = campaigns["hong_thai_quick"].version.definition["questions"][2]["text"]["vi"]
    assert header[8] == question  # one column per rating question of the questionnaire
    assert len(header) == 13
    assert sorted(r[0] for r in body) == sorted(str(sample[n].public_id) for n in ALL[:2])
    unhappy = next(r for r in body if r[0] == str(sample["unhappy_at_desk"].public_id))
    assert unhappy[3] == "Mã QR của quầy"
    assert unhappy[7] == "Quầy một cửa số 1"
    assert unhappy[8] == "1 – Không hài lòng"
    assert unhappy[9] == "Cung cấp thông tin; Thái độ"
    assert "78" in unhappy[10] and "0912" not in unhappy[10] and "@example" not in unhappy[10]
    assert "0987654321" not in "".join(unhappy)  # contact details never leave in the CSV
    assert unhappy[11] == "Nhiều phiếu từ một địa chỉ hoặc một máy"
    assert unhappy[12] == "Chưa: đang tạm giữ chờ xem xét"
    old = next(r for r in body if r[0] == str(sample["old_satisfied"].public_id))
    assert (old[11], old[12]) == ("", "Có")
    local = timezone.localtime(sample["unhappy_at_desk"].submitted_at)
    assert unhappy[1] == local.strftime("%d/%m/%Y %H:%M")


def test_the_csv_speaks_english_when_the_ui_does(client, world, commune_officer, sample, campaigns):
    client.force_login(commune_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = read_csv(
        client.get(url(world.commune, "unit:responses_csv"), {"campaign": campaigns["son_tay_2017"].pk})
    )
    assert rows[0][:4] == ["Response id", "Time", "Counted on", "Channel"]
    assert "How satisfied are you with the whole process of the procedure?" in rows[0]
    assert len(rows) == 3
    overall = rows[0].index("How satisfied are you with the whole process of the procedure?")
    assert sorted(r[overall] for r in rows[1:]) == ["3 – Neutral", "5 – Very satisfied"]


def test_the_csv_of_several_questionnaires_names_each_column_by_its_questionnaire(
    client, world, commune_officer, sample
):
    client.force_login(commune_officer)
    rows = read_csv(client.get(url(world.commune, "unit:responses_csv")))
    assert len(rows) == 1 + len(ALL)
    assert sum(1 for h in rows[0] if h.startswith("Phiếu khảo sát mức độ hài lòng")) == 7  # Sơn Tây's ratings
    assert len({len(r) for r in rows}) == 1


def test_a_formula_typed_by_a_citizen_cannot_run_in_a_spreadsheet(client, world, commune_officer, campaigns):
    submit(campaigns["son_tay_2017"], son_tay_ballot(q_comment='=HYPERLINK("http://x.test","bấm")'))
    client.force_login(commune_officer)
    rows = read_csv(client.get(url(world.commune, "unit:responses_csv")))
    text_column = rows[0].index("Ý kiến (đã che thông tin cá nhân)")
    assert rows[1][text_column].startswith("'=")


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("persona", ["district_viewer", "province_admin", "sibling_officer", "outsider"])
def test_nobody_outside_the_unit_sees_its_responses_or_paper_batches(request, client, world, persona, sample):
    client.force_login(request.getfixturevalue(persona))
    r = sample["old_satisfied"]
    for address in (
        url(world.commune, "unit:responses"),
        url(world.commune, "unit:responses_csv"),
        url(world.commune, "unit:response", r.public_id),
        url(world.commune, "unit:paper"),
    ):
        assert client.get(address).status_code == 403, (persona, address)
    decision = {"ids": str(r.public_id), "decision": "reject", "reason": "x"}
    assert client.post(url(world.commune, "unit:review"), decision).status_code == 403
    assert client.get(url(world.commune, "unit:review")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, world, sample):
    response = client.get(url(world.commune, "unit:responses"))
    assert response.status_code == 302 and "login" in response["Location"]


# --------------------------------------------------------------------------- paper ballots


@pytest.fixture
def batch(in_commune, campaigns, commune_officer):
    today = timezone.localdate()
    return paper_batch_open(
        campaign=campaigns["son_tay_2017"],
        desk=Desk.objects.create(name="Bộ phận một cửa"),
        box_label="Hòm phiếu tháng 9",
        collected_from=today - dt.timedelta(days=30),
        collected_to=today - dt.timedelta(days=2),
        declared_count=3,
        opened_by=commune_officer,
    )


def ballot_post(client, unit, batch, data, key=None):
    """Post a ballot as the entry screen does: the answers, a submission key and the version."""
    fields = dict(data.lists())
    fields["submission_key"] = [str(key or uuid.uuid4())]
    fields["version"] = [str(batch.campaign.version_id)]
    return client.post(url(unit, "unit:paper_batch", batch.pk), fields)


def test_an_officer_opens_a_batch_from_the_paper_page(client, world, commune_officer, in_commune, campaigns):
    client.force_login(commune_officer)
    assert client.get(url(world.commune, "unit:paper")).status_code == 200
    today = timezone.localdate()
    response = client.post(
        url(world.commune, "unit:paper"),
        {
            "campaign": campaigns["son_tay_2017"].pk,
            "box_label": "Hòm 1",
            "collected_from": (today - dt.timedelta(days=7)).strftime("%d/%m/%Y"),
            "collected_to": today.strftime("%d/%m/%Y"),
            "declared_count": "40",
        },
    )
    batch = PaperBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/paper/{batch.pk}/")
    assert (batch.declared_count, batch.opened_by, batch.status) == (40, commune_officer, "open")
    page = client.get(response["Location"]).content.decode()
    assert "0 / 40" in page
    assert "autofocus" in page and 'accesskey="s"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"box_label": "  "}, "required"),
        ({"declared_count": "0"}, ""),
        ({"declared_count": "abc"}, ""),
        ({"collected_from": "32/01/2024"}, "dd/mm/yyyy"),
        ({"collected_to": "__past__"}, "before the first"),
        ({"collected_to": "__future__"}, "future"),
        ({"collected_from": "__before_campaign__"}, "within the campaign"),
        ({"campaign": "999999"}, ""),
    ],
)
def test_a_bad_batch_is_refused_and_nothing_is_stored(
    client, world, commune_officer, in_commune, campaigns, changes, message
):
    today = timezone.localdate()
    campaign = campaigns["son_tay_2017"]
    special = {
        "__past__": (today - dt.timedelta(days=9)).strftime("%d/%m/%Y"),
        "__future__": (today + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "__before_campaign__": (campaign.starts_on - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    data = {
        "campaign": campaign.pk,
        "box_label": "Hòm 1",
        "collected_from": (today - dt.timedelta(days=7)).strftime("%d/%m/%Y"),
        "collected_to": today.strftime("%d/%m/%Y"),
        "declared_count": "40",
    }
    data.update({k: special.get(v, v) for k, v in changes.items()})
    client.force_login(commune_officer)
    in_english(client)
    response = client.post(url(world.commune, "unit:paper"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaperBatch.objects.exists()


def test_a_campaign_without_the_paper_channel_takes_no_batch(in_commune, campaigns, commune_officer):
    campaign = campaigns["nam_dong_2024"]
    campaign.channels = ["qr"]
    campaign.save()
    today = timezone.localdate()
    with translation.override("en"), pytest.raises(ValidationError, match="paper"):
        paper_batch_open(
            campaign=campaign,
            desk=None,
            box_label="Hòm",
            collected_from=today,
            collected_to=today,
            declared_count=5,
            opened_by=commune_officer,
        )


def test_the_paper_flow_from_open_to_closed(client, world, commune_officer, batch):
    client.force_login(commune_officer)
    in_english(client)
    page = url(world.commune, "unit:paper_batch", batch.pk)

    # given two good ballots
    for overall in (5, 2):
        assert ballot_post(client, world.commune, batch, son_tay_ballot(overall=overall)).status_code == 302
    assert "entered 2 / 3" in client.get(page).content.decode()

    # a bad ballot is refused on its question, keeps what was typed, stores nothing
    bad = ballot_post(client, world.commune, batch, son_tay_ballot(overall=9, q_result=2))
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "not in the list" in html and 'id="err-overall"' in html
    assert 'name="q_result" value="2" data-key="2" checked' in html
    assert Response.objects.filter(paper_batch=batch).count() == 2

    # closing is refused while the counts differ
    refused = client.post(url(world.commune, "unit:paper_close", batch.pk))
    assert refused.status_code == 400
    assert "2 of 3 ballots are entered" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == "open"

    # a third ballot fills the box; a fourth is refused
    assert ballot_post(client, world.commune, batch, son_tay_ballot(overall=4)).status_code == 302
    extra = ballot_post(client, world.commune, batch, son_tay_ballot(overall=4))
    assert extra.status_code == 409 and "open another batch" in extra.content.decode()

    # voiding needs a reason, then keeps the ballot marked void: it no longer counts in the batch
    victim = Response.objects.filter(paper_batch=batch).order_by("submitted_at").first()
    void_url = url(world.commune, "unit:paper_void", batch.pk, victim.public_id)
    assert client.post(void_url, {"reason": "  "}).status_code == 400
    victim.refresh_from_db()
    assert victim.voided_at is None
    assert client.post(void_url, {"reason": "Nhập trùng"}).status_code == 302
    victim.refresh_from_db()
    assert (victim.void_reason, victim.voided_by) == ("Nhập trùng", commune_officer)
    assert Answer.objects.filter(response_id=victim.pk).exists()
    html = client.get(page).content.decode()
    assert "entered 2 / 3" in html and "Nhập trùng" in html
    event = AuditEvent.objects.get(action="paper_ballot_void")
    assert (event.actor, event.unit, event.reason) == (commune_officer, world.commune, "Nhập trùng")
    assert str(victim.public_id) in event.target and batch.box_label in event.target
    assert client.post(void_url, {"reason": "again"}).status_code == 400  # voided once

    # re-enter it, close
    assert ballot_post(client, world.commune, batch, son_tay_ballot(overall=5)).status_code == 302
    assert client.post(url(world.commune, "unit:paper_close", batch.pk)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "closed" and batch.closed_at is not None

    # a closed batch takes no more ballots and no voids
    closed = ballot_post(client, world.commune, batch, son_tay_ballot())
    assert closed.status_code == 409 and "closed" in closed.content.decode()
    ballot = Response.objects.filter(paper_batch=batch).first()
    assert (
        client.post(
            url(world.commune, "unit:paper_void", batch.pk, ballot.public_id), {"reason": "x"}
        ).status_code
        == 400
    )
    assert Response.objects.filter(paper_batch=batch, voided_at__isnull=True).count() == 3
    assert Response.objects.filter(paper_batch=batch).count() == 4


def test_paper_ballots_are_stored_as_paper_for_the_batch_and_count_on_its_last_day(
    in_commune, batch, commune_officer
):
    ballot, created = paper_ballot_enter(
        batch=batch, data=son_tay_ballot(), submission_key=uuid.uuid4(), entered_by=commune_officer
    )
    assert created
    assert (ballot.channel, ballot.paper_batch, ballot.entered_by) == ("paper", batch, commune_officer)
    assert ballot.desk == batch.desk
    assert ballot.answered_on == batch.collected_to


def test_a_double_submit_stores_one_ballot(client, world, commune_officer, batch):
    client.force_login(commune_officer)
    key = uuid.uuid4()
    assert ballot_post(client, world.commune, batch, son_tay_ballot(), key=key).status_code == 302
    again = ballot_post(client, world.commune, batch, son_tay_ballot(), key=key)
    assert again.status_code == 302
    assert Response.objects.filter(paper_batch=batch).count() == 1
    # Even after the batch has filled up, the repeat of a stored ballot is not an error.
    for _ in range(2):
        paper_ballot_enter(
            batch=batch, data=son_tay_ballot(), submission_key=uuid.uuid4(), entered_by=commune_officer
        )
    assert ballot_post(client, world.commune, batch, son_tay_ballot(), key=key).status_code == 302
    assert Response.objects.filter(paper_batch=batch).count() == 3


def test_a_submission_key_of_another_batch_is_refused(in_commune, batch, commune_officer, campaigns):
    key = uuid.uuid4()
    paper_ballot_enter(batch=batch, data=son_tay_ballot(), submission_key=key, entered_by=commune_officer)
    today = timezone.localdate()
    other = paper_batch_open(
        campaign=batch.campaign,
        desk=None,
        box_label="Hòm 2",
        collected_from=today,
        collected_to=today,
        declared_count=1,
        opened_by=commune_officer,
    )
    with pytest.raises(SubmissionError):
        paper_ballot_enter(batch=other, data=son_tay_ballot(), submission_key=key, entered_by=commune_officer)


def test_a_damaged_entry_form_is_refused(client, world, commune_officer, batch):
    client.force_login(commune_officer)
    response = client.post(
        url(world.commune, "unit:paper_batch", batch.pk), {"submission_key": "nope", "version": "1"}
    )
    assert response.status_code == 400
    assert not Response.objects.filter(paper_batch=batch).exists()


def test_void_and_close_refusals_in_the_services(in_commune, batch, commune_officer, campaigns):
    ballot, _ = paper_ballot_enter(
        batch=batch, data=son_tay_ballot(), submission_key=uuid.uuid4(), entered_by=commune_officer
    )
    online = submit(campaigns["son_tay_2017"], son_tay_ballot())
    with translation.override("en"):
        with pytest.raises(ValidationError, match="1 of 3"):
            paper_batch_close(batch=batch, user=commune_officer)
        with pytest.raises(ValidationError, match="not in this batch"):
            paper_ballot_void(batch=batch, response=online, reason="x", user=commune_officer)
        with pytest.raises(ValidationError, match="under"):
            paper_ballot_void(batch=batch, response=ballot, reason="x" * 301, user=commune_officer)
    assert Response.objects.filter(pk=ballot.pk).exists()


def test_only_the_admin_reopens_a_closed_batch(client, world, commune_officer, commune_admin, batch):
    for _ in range(3):
        paper_ballot_enter(
            batch=batch, data=son_tay_ballot(), submission_key=uuid.uuid4(), entered_by=commune_officer
        )
    paper_batch_close(batch=batch, user=commune_officer)
    reopen = url(world.commune, "unit:paper_reopen", batch.pk)
    client.force_login(commune_officer)
    assert "Reopen" not in client.get(url(world.commune, "unit:paper_batch", batch.pk)).content.decode()
    assert client.post(reopen).status_code == 403
    client.force_login(commune_admin)
    assert client.post(reopen).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "open" and batch.closed_at is None


def test_the_paper_list_shows_each_batch_with_its_counts(client, world, commune_officer, batch):
    paper_ballot_enter(
        batch=batch, data=son_tay_ballot(), submission_key=uuid.uuid4(), entered_by=commune_officer
    )
    client.force_login(commune_officer)
    html = client.get(url(world.commune, "unit:paper")).content.decode()
    assert "Hòm phiếu tháng 9" in html and "1 / 3" in html


def test_another_units_batch_is_out_of_reach(client, world, sibling_officer, batch):
    client.force_login(sibling_officer)
    assert client.get(url(world.sibling, "unit:paper_batch", batch.pk)).status_code == 404
    assert client.get(url(world.commune, "unit:paper_batch", batch.pk)).status_code == 403


def test_a_procedure_typed_by_the_citizen_is_masked_for_officers_like_free_text(
    client, world, commune_officer, commune_admin, campaigns
):
    typed = "Xin gọi lại 0912345678 giúp"
    r = submit(
        campaigns["hong_thai_quick"],
        post(q_procedure="other", q_procedure_other=typed, q_satisfaction=3),
    )
    client.force_login(commune_officer)
    for address in (url(world.commune, "unit:responses"), url(world.commune, "unit:response", r.public_id)):
        html = client.get(address).content.decode()
        assert "0912345678" not in html and "••••••••78" in html
    rows = read_csv(client.get(url(world.commune, "unit:responses_csv")))
    assert rows[1][4].endswith("Xin gọi lại ••••••••78 giúp")
    client.force_login(commune_admin)
    assert typed in client.get(url(world.commune, "unit:response", r.public_id)).content.decode()
