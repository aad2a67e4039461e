"""Feedback through the API: portal events in (idempotent, refused whole), status and figures out,
webhooks on status changes; contact details never leave."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from api.models import Scope, Webhook, WebhookDelivery
from surveys.feedback import feedback_assign
from surveys.models import Feedback, FeedbackContact

PHONE = "0912345678"


def unit_url(unit, tail=""):
    return f"/api/v1/units/{unit.structure}/{unit.code}/{tail}"


def event(code="PAKN-1", **over):
    return {
        "MaPAKN": code,
        "NgayGui": "2026-02-13T09:00:00+07:00",
        "PhanLoai": "unofficial_costs",
        "NoiDung": "Bị đòi thêm tiền.",
        "MaHoSo": "HS-9",
        "SoDienThoai": PHONE,
        "HoTen": "Lê C",
        **over,
    }


def stored(unit) -> int:
    with tenant_context(unit):
        return Feedback.objects.count()


def test_portal_feedback_is_recorded_once_with_its_due_date(world, make_api):
    api, _ = make_api(world.province, scopes=[Scope.WRITE_FEEDBACK])
    answer = api.post(unit_url(world.commune, "feedback-events/"), {"events": [event()]})
    assert answer.status_code == 200, answer.json()
    [row] = answer.json()
    assert (row["status"], row["due_on"]) == ("created", "2026-03-06")  # ten working days across Tết
    again = api.post(unit_url(world.commune, "feedback-events/"), {"events": [event()]})
    assert again.json()[0]["status"] == "unchanged"
    assert stored(world.commune) == 1
    with tenant_context(world.commune):
        feedback = Feedback.objects.get()
        assert (feedback.source, feedback.portal_code, feedback.dossier_code) == ("portal", "PAKN-1", "HS-9")
        assert feedback.contact.phone == PHONE


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"PhanLoai": "spam"}, "events.1.PhanLoai"),
        ({"NgayGui": "hôm qua"}, "events.1.NgayGui"),
        ({"NoiDung": ""}, "events.1.NoiDung"),
        ({"Extra": 1}, "events.1.Extra"),
        ({"SoDienThoai": "call me"}, "events.1.SoDienThoai"),
        ({"Email": "@@"}, "events.1.Email"),
        ({"MaTTHC": "KHONG-CO"}, "events.1.MaTTHC"),
        ({"MaHoSo": "a b"}, "events.1.MaHoSo"),
        ({"NgayGui": (timezone.now() + dt.timedelta(days=2)).isoformat()}, "events.1.NgayGui"),
        ({"MaPAKN": "PAKN-1"}, "events.1.MaPAKN"),  # twice in the batch
    ],
)
def test_a_bad_event_refuses_the_whole_batch(world, make_api, bad, field):
    api, _ = make_api(world.province, scopes=[Scope.WRITE_FEEDBACK])
    answer = api.post(
        unit_url(world.commune, "feedback-events/"), {"events": [event(), event("PAKN-2", **bad)]}
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert field in [error["field"], *(d["field"] for d in error.get("details", []))]
    assert stored(world.commune) == 0
    with tenant_context(world.commune):
        assert not FeedbackContact.objects.exists()


@pytest.mark.parametrize("body", [[], {"events": []}, {"events": "x"}, "null", {"events": [1]}])
def test_malformed_bodies_are_refused(world, make_api, body):
    api, _ = make_api(world.province, scopes=[Scope.WRITE_FEEDBACK])
    assert api.post(unit_url(world.commune, "feedback-events/"), body).status_code == 400
    assert stored(world.commune) == 0


def test_without_the_scope_or_reach_nothing_is_written_or_read(world, make_api):
    reader, _ = make_api(world.province, scopes=[Scope.READ_FIGURES, Scope.READ_RESPONSES])
    assert reader.post(unit_url(world.commune, "feedback-events/"), {"events": [event()]}).status_code == 403
    assert reader.get(unit_url(world.commune, "feedback/PAKN-1/")).status_code == 403
    elsewhere, _ = make_api(world.other, scopes=[Scope.WRITE_FEEDBACK])
    assert (
        elsewhere.post(unit_url(world.commune, "feedback-events/"), {"events": [event()]}).status_code == 404
    )
    assert stored(world.commune) == 0


def test_status_out_and_webhooks_carry_dates_never_content_or_contact(
    world, make_api, commune_officer, commune_admin, django_capture_on_commit_callbacks
):
    api, client = make_api(world.province, scopes=[Scope.WRITE_FEEDBACK])
    Webhook.objects.create(
        client=client,
        url="https://hooks.example.vn/pakn",
        events=["feedback.status_changed"],
        secret="s" * 32,
    )
    with django_capture_on_commit_callbacks(execute=False):
        api.post(unit_url(world.commune, "feedback-events/"), {"events": [event()]})
        with tenant_context(world.commune):
            feedback = Feedback.objects.get()
        feedback_assign(unit=world.commune, feedback=feedback, official=commune_officer, by=commune_admin)
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [d.payload["status"] for d in deliveries] == ["received", "assigned"]
    status = api.get(unit_url(world.commune, "feedback/PAKN-1/"))
    assert status.status_code == 200
    body = status.json()
    assert (body["MaPAKN"], body["status"], body["due_on"]) == ("PAKN-1", "assigned", "2026-03-06")
    assert [h["status"] for h in body["history"]] == ["received", "assigned"]
    for text in [status.content.decode(), *(str(d.payload) for d in deliveries)]:
        assert PHONE not in text and "Lê C" not in text and "đòi thêm" not in text
    assert api.get(unit_url(world.commune, "feedback/KHONG-CO/")).status_code == 404


def test_figures_out_give_counts_and_rates_only(world, make_api):
    writer, _ = make_api(world.province, scopes=[Scope.WRITE_FEEDBACK])
    writer.post(
        unit_url(world.commune, "feedback-events/"), {"events": [event(), event("PAKN-2", PhanLoai="access")]}
    )
    reader, _ = make_api(world.province, scopes=[Scope.READ_FIGURES])
    answer = reader.get(
        unit_url(world.district, "feedback-figures/"), **{"from": "2026-01-01", "to": "2026-12-31"}
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["received"] == 2 and body["by_category"] == {"access": 1, "unofficial_costs": 1}
    assert body["on_time"]["method"] == "feedback_on_time" and body["on_time"]["minimum_n"] == 30
    assert PHONE not in answer.content.decode() and "đòi thêm" not in answer.content.decode()
    assert reader.get(unit_url(world.district, "feedback-figures/"), **{"from": "hôm qua"}).status_code == 400
