"""Dossier batches through the API and the real schema: per-item results, idempotency, a bad item
among good ones, and one transaction for what a batch writes (surveys.dossiers.dossier_events_ingest)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.models import TransactionCount
from surveys.models import Dossier, DossierToken
from tenants.models import DossierIndex

from .test_api import event, unit_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def send(world, make_api):
    api, _ = make_api(world.district)

    def post(events, unit=None, qr="none"):
        path = unit_url(unit or world.commune, "dossier-events/") + (f"?qr={qr}" if qr else "")
        return api.post(path, {"events": events})

    return post


def stored(unit):
    with tenant_context(unit):
        dossiers = {d.code: d for d in Dossier.objects.all()}
        tokens = {t.dossier_code: t for t in DossierToken.objects.all()}
    return dossiers, tokens


def test_every_event_gets_its_own_result_in_order(world, send):
    # given one dossier already known, finished, with its link
    known = event("K-1")
    first = send([known]).json()["results"][0]
    now = timezone.now()
    # when a batch mixes a new dossier, the known one unchanged, the known one changed, a dossier still
    # in progress, one sent twice (received, then finished) and a bad one
    batch = [
        event("N-1"),
        known,
        event("P-1", status=4, NgayKetThucXuLy=None),
        event("T-1", status=2, NgayKetThucXuLy=None),
        {**known, "KenhThucHien": 3},
        event("T-1"),
        event("X-1", NgayKetThucXuLy=(now + dt.timedelta(days=1)).isoformat()),
    ]
    body = send(batch).json()
    # then each event has its outcome at its index
    rows = body["results"]
    assert [r["index"] for r in rows] == list(range(7))
    assert [r["MaHoSo"] for r in rows] == [e["MaHoSo"] for e in batch]
    assert [r["status"] for r in rows] == [
        "created",
        "unchanged",
        "created",
        "created",
        "updated",
        "updated",
        "error",
    ]
    assert (body["accepted"], body["failed"]) == (6, 1)
    assert rows[6]["errors"] == [
        {"field": "NgayKetThucXuLy", "code": "invalid", "message": "The end of processing is in the future."}
    ]
    # a finished dossier has its link; the known one keeps the link it had; one in progress has none
    assert rows[0]["survey"]["url"].startswith("http://localhost:8000/d/")
    assert rows[1]["survey"]["url"] == rows[4]["survey"]["url"] == first["survey"]["url"]
    assert "survey" not in rows[2] and "survey" not in rows[3]
    assert rows[5]["survey"]["url"] and rows[5]["survey"]["used"] is False
    assert "qr_svg" not in rows[0]["survey"]
    # and the stored state is that of the last event of each code
    dossiers, tokens = stored(world.commune)
    assert set(dossiers) == {"K-1", "N-1", "P-1", "T-1"}
    assert dossiers["K-1"].channel == 3
    assert dossiers["T-1"].status == 10 and dossiers["P-1"].status == 4
    assert set(tokens) == {"K-1", "N-1", "T-1"}
    assert tokens["T-1"].expires_at > timezone.now() + dt.timedelta(days=29)


def test_the_link_in_a_result_opens_the_form_of_that_dossier(world, send):
    from django.test import Client

    url = send([event("L-1")]).json()["results"][0]["survey"]["url"]
    page = Client().get(url.removeprefix("http://localhost:8000"))
    assert page.status_code == 200
    assert b'name="form_token"' in page.content


def test_a_batch_sent_again_changes_nothing(world, send):
    batch = [event(f"R-{i}", procedure="1.001193" if i % 2 else "dang_ky_khai_sinh") for i in range(40)]
    first = send(batch).json()
    counted = TransactionCount.objects.get(unit=world.commune, procedure="dang_ky_khai_sinh").count
    before = stored(world.commune)
    again = send(batch).json()
    assert {r["status"] for r in first["results"]} == {"created"}
    assert {r["status"] for r in again["results"]} == {"unchanged"}
    assert [r["survey"] for r in again["results"]] == [r["survey"] for r in first["results"]]
    # one transaction per new dossier, counted once, under the procedure's key whichever code was sent
    assert counted == 40
    assert TransactionCount.objects.get(unit=world.commune, procedure="dang_ky_khai_sinh").count == 40
    after = stored(world.commune)
    assert {c: d.updated_at for c, d in after[0].items()} == {c: d.updated_at for c, d in before[0].items()}
    assert {c: t.pk for c, t in after[1].items()} == {c: t.pk for c, t in before[1].items()}
    assert DossierIndex.objects.filter(unit=world.commune).count() == 40


def test_bad_items_are_refused_one_by_one_and_the_good_ones_stored(world, send):
    # given a code that the sibling commune already holds, within the district key's reach
    send([event("HELD-1")], unit=world.sibling)
    now = timezone.now()
    batch = [
        event("G-1"),
        event("HELD-1"),
        event("G-2", procedure="0.000000"),
        event("G-3", NgayTiepNhan=(now + dt.timedelta(hours=1)).isoformat()),
        event("G-4", status=9),
        event("G-5", status=10, NgayKetThucXuLy=None),
    ]
    body = send(batch).json()
    assert [r["status"] for r in body["results"]] == [
        "created",
        "error",
        "error",
        "error",
        "created",
        "error",
    ]
    assert [r["errors"][0]["field"] for r in body["results"] if r["status"] == "error"] == [
        "MaHoSo",
        "MaTTHC",
        "NgayHenTra",
        "NgayKetThucXuLy",
    ]
    dossiers, tokens = stored(world.commune)
    assert set(dossiers) == set(tokens) == {"G-1", "G-4"}
    assert not DossierIndex.objects.filter(unit=world.commune, code="HELD-1").exists()
    assert TransactionCount.objects.get(unit=world.commune, procedure="dang_ky_khai_sinh").count == 2


def test_what_a_batch_writes_is_written_whole_or_not_at_all(world, send):
    # given a link table that refuses one code (a real constraint in the commune's schema), so the
    # batch fails at its last write, after the dossiers, the index and the counts
    with tenant_context(world.commune), connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE surveys_dossiertoken ADD CONSTRAINT no_boom CHECK (dossier_code <> 'W-BOOM')"
        )
    # when
    with pytest.raises(IntegrityError):
        send([event("W-1"), event("W-2", status=4, NgayKetThucXuLy=None), event("W-BOOM")])
    # then nothing of the batch stayed
    dossiers, tokens = stored(world.commune)
    assert not dossiers and not tokens
    assert not DossierIndex.objects.filter(unit=world.commune).exists()
    assert not TransactionCount.objects.filter(unit=world.commune).exists()


def test_the_qr_code_is_drawn_only_when_asked_for(world, send):
    default = send([event("Q-1")], qr=None).json()["results"][0]["survey"]
    linked = send([event("Q-1")]).json()["results"][0]["survey"]
    assert "<svg" in default["qr_svg"]
    assert "qr_svg" not in linked
    assert linked["url"] == default["url"]
