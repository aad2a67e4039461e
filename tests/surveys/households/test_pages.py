"""The household survey's pages: managers in the province's console, enumerators limited to their
villages, printed labels that name the slot and never the household, and the offline sync endpoint."""

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from surveys.households.models import HouseholdRound, Slot
from surveys.models import Response
from tenants.models import Role, User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def url(unit, path: str) -> str:
    return f"/u/{unit.slug}/ho-gia-dinh/{path}"


def _answers() -> dict[str, str]:
    return {f"q_assess_{k}": "agree" for k in ("access", "procedure", "official", "result", "feedback")} | {
        "q_overall": "4"
    }


def test_a_manager_creates_a_round_and_bad_input_is_refused(quang_tri, round_manager):
    client = signed_in(round_manager)
    form = {
        "name": "SIPAS 2025",
        "structure": "legacy",
        "communes": "19342, 19345",
        "handout_from": "21/11/2025",
        "handout_to": "22/11/2025",
        "collect_from": "23/11/2025",
        "collect_to": "24/11/2025",
        "deliver_from": "27/11/2025",
        "deliver_to": "28/11/2025",
    }
    for bad in (
        {"handout_to": "20/11/2025"},
        {"communes": "99999"},
        {"communes": "06175"},  # a commune of another province
        {"collect_from": "31/02/2025"},
        {"households_per_village": "-3"},
        {"name": ""},
    ):
        response = client.post(url(quang_tri, ""), form | bad)
        assert response.status_code == 400, bad
    assert not HouseholdRound.objects.exists()
    response = client.post(url(quang_tri, ""), form)
    assert response.status_code == 302
    assert HouseholdRound.objects.get().communes.count() == 2


def test_round_page_shows_progress_and_refuses_a_bad_list_whole(drawn, round_manager, quang_tri, villages):
    client = signed_in(round_manager)
    page = client.get(url(quang_tri, f"{drawn.pk}/"))
    assert page.status_code == 200
    assert "Khu phố 1" in page.content.decode()
    # after the draw the lists are frozen
    upload = client.post(
        url(quang_tri, f"{drawn.pk}/"),
        {"action": "list_import", "village": villages[0].pk, "file": _file("ds.csv", b"Ho ten chu ho\nAn\n")},
    )
    assert upload.status_code == 400
    assert villages[0].households.count() == 4


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_an_enumerator_reaches_only_their_villages(drawn, enumerator, villages, quang_tri, round_manager):
    client = signed_in(enumerator)
    mine = client.get(url(quang_tri, "cua-toi/"))
    assert mine.status_code == 200
    text = mine.content.decode()
    own = list(villages[0].slots.exclude(status=Slot.Status.RESERVE))
    assert all(s.serial in text and s.household.head_name in text for s in own)
    foreign = villages[1].slots.first()
    assert foreign.serial not in text and foreign.household.head_name not in text
    assert client.get(url(quang_tri, f"phieu/{foreign.serial}/")).status_code == 404
    # and nothing of the console: no round, no progress, no results (refused as to anyone without a role)
    for path in (
        "",
        f"{drawn.pk}/",
        f"{drawn.pk}/nhap-phieu/",
        f"{drawn.pk}/phieu.pdf",
        f"{drawn.pk}/ket-qua/",
    ):
        response = client.get(url(quang_tri, path))
        assert response.status_code == 403, path
        assert foreign.household.head_name not in response.content.decode()
    assert client.get(f"/u/{quang_tri.slug}/console/").status_code in (403, 404)
    # someone without any assignment gets nothing either
    stranger = User.objects.create_user(username="x@x.test", email="x@x.test", password="x")
    assert signed_in(stranger).get(url(quang_tri, "cua-toi/")).status_code == 404


def test_an_enumerator_records_the_field_work_and_the_answers(drawn, enumerator, villages, quang_tri):
    client = signed_in(enumerator)
    slot = villages[0].slots.filter(kind="main").order_by("draw_order").first()
    page = url(quang_tri, f"phieu/{slot.serial}/")
    day = drawn.handout_from.strftime("%d/%m/%Y")
    assert client.post(page, {"action": "status", "status": "handed_out", "day": day}).status_code == 302
    assert (
        client.post(page, {"action": "status", "status": "collected", "day": "99/99/2024"}).status_code == 400
    )
    assert client.post(page, {"action": "status", "status": "nonsense", "day": day}).status_code == 400
    key = str(uuid.uuid4())
    assert client.post(page, _answers() | {"submission_key": key, "q_overall": "7"}).status_code == 400
    assert client.post(page, _answers() | {"submission_key": "not-a-key"}).status_code == 400
    assert client.post(page, _answers() | {"submission_key": key}).status_code == 302
    assert client.post(page, _answers() | {"submission_key": key}).status_code == 302  # a double tap
    assert Response.objects.filter(campaign=drawn.campaign).count() == 1
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.COLLECTED


def test_queued_offline_answers_sync_once_each(drawn, enumerator, villages, quang_tri):
    client = signed_in(enumerator)
    first, second = villages[0].slots.filter(kind="main").order_by("draw_order")
    foreign = villages[1].slots.first()
    items = [
        {"serial": first.serial, "submission_key": str(uuid.uuid4()), "answers": _answers()},
        {"serial": second.serial, "submission_key": str(uuid.uuid4()), "answers": _answers()},
    ]
    sync = url(quang_tri, "dong-bo/")
    reply = client.post(sync, json.dumps(items), content_type="application/json")
    assert [r["status"] for r in reply.json()["results"]] == ["stored", "stored"]
    again = client.post(sync, json.dumps(items), content_type="application/json")
    assert [r["status"] for r in again.json()["results"]] == ["already_stored", "already_stored"]
    assert Response.objects.filter(campaign=drawn.campaign).count() == 2
    bad = [
        {"serial": foreign.serial, "submission_key": str(uuid.uuid4()), "answers": _answers()},
        {"serial": first.serial, "submission_key": "x", "answers": _answers()},
        {"serial": first.serial},
        "nonsense",
    ]
    reply = client.post(sync, json.dumps(bad), content_type="application/json")
    assert reply.status_code == 200
    assert [r["status"] for r in reply.json()["results"]] == ["invalid"] * 4
    assert client.post(sync, "{not json", content_type="application/json").status_code == 400
    assert client.post(sync, json.dumps({"a": 1}), content_type="application/json").status_code == 400
    assert Response.objects.filter(campaign=drawn.campaign).count() == 2


def test_paper_entry_by_serial(drawn, round_manager, quang_tri, villages):
    client = signed_in(round_manager)
    slot = villages[2].slots.filter(kind="main").first()
    entry = url(quang_tri, f"{drawn.pk}/nhap-phieu/")
    assert client.post(entry, _answers() | {"serial": "0-00-00"}).status_code == 400
    assert client.post(entry, _answers() | {"serial": slot.serial, "q_overall": ""}).status_code == 400
    assert client.post(entry, _answers() | {"serial": slot.serial}).status_code == 200
    assert Slot.objects.get(pk=slot.pk).response_id is not None
    assert client.post(entry, _answers() | {"serial": slot.serial}).status_code == 400  # already stored


def test_labels_carry_serial_and_qr_of_the_slot_never_the_household(
    drawn, round_manager, quang_tri, tmp_path
):
    pdftotext, pdftoppm, zbarimg = (shutil.which(t) for t in ("pdftotext", "pdftoppm", "zbarimg"))
    if not (pdftotext and pdftoppm and zbarimg):
        pytest.skip("poppler-utils and zbar-tools are needed")
    response = signed_in(round_manager).get(url(quang_tri, f"{drawn.pk}/phieu.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = Path(tmp_path / "labels.pdf")
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603 - our own tool on our own file
        [pdftotext, "-enc", "UTF-8", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    slots = Slot.objects.filter(village__round_commune__round=drawn).select_related("household")
    assert all(s.serial in text for s in slots[:6])
    assert not any(s.household.head_name in text for s in slots)
    subprocess.run([pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", path, tmp_path / "p"], check=True)  # noqa: S603
    page = sorted(tmp_path.glob("p*.png"))[0]
    decoded = subprocess.run(  # noqa: S603 - our own tool on our own file
        [zbarimg, "--raw", "-q", page], capture_output=True, text=True, check=False
    ).stdout
    serials = set(re.findall(r"/ho-gia-dinh/phieu/([^/]+)/", decoded))
    assert serials and serials <= {s.serial for s in slots}


def test_the_offline_form_carries_only_the_enumerators_slots_and_its_worker(
    drawn, enumerator, villages, quang_tri
):
    client = signed_in(enumerator)
    page = client.get(url(quang_tri, f"{drawn.pk}/ung-dung/"))
    assert page.status_code == 200
    text = page.content.decode()
    own = villages[0].slots.filter(kind="main")
    assert all(s.serial in text for s in own)
    assert villages[1].slots.first().serial not in text
    assert not any(s.household.head_name in text for s in own)  # the form needs no name
    payload = json.loads(
        re.search(r'id="household-data" type="application/json">(.*?)</script>', text).group(1)
    )
    assert payload["sync_url"] == url(quang_tri, "dong-bo/")
    worker = client.get(payload["worker_url"])
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert url(quang_tri, f"{drawn.pk}/ung-dung/") in worker.content.decode()
    manifest = client.get(url(quang_tri, f"{drawn.pk}/ung-dung/manifest.webmanifest")).json()
    app = url(quang_tri, f"{drawn.pk}/ung-dung/")
    assert manifest["start_url"] == manifest["scope"] == app and manifest["display"] == "standalone"
    # someone not assigned in this round gets nothing
    stranger = User.objects.create_user(username="x@x.test", email="x@x.test", password="x")
    assert signed_in(stranger).get(url(quang_tri, f"{drawn.pk}/ung-dung/")).status_code == 404


def test_the_results_page_names_the_method_beside_weighted_and_unweighted_figures(
    drawn, round_manager, quang_tri
):
    from django.test import override_settings

    slot = Slot.objects.filter(village__round_commune__round=drawn, kind="main").first()
    signed_in(round_manager).post(
        url(quang_tri, f"phieu/{slot.serial}/"), _answers() | {"submission_key": str(uuid.uuid4())}
    )
    with override_settings(LANGUAGE_CODE="vi"):
        page = signed_in(round_manager).get(url(quang_tri, f"{drawn.pk}/ket-qua/"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "có trọng số" in text.lower() and "theo cụm thôn" in text
    outsider = User.objects.create_user(username="o@o.test", email="o@o.test", password="x")
    assert signed_in(outsider).get(url(quang_tri, f"{drawn.pk}/ket-qua/")).status_code == 403


def test_double_entry_on_the_page_lists_differences_and_resolves_them(
    drawn, round_manager, quang_tri, villages
):
    clerk = User.objects.create_user(username="clerk@qt.test", email="clerk@qt.test", password="x")
    clerk.memberships.create(unit=quang_tri, role=Role.OFFICER)
    slot = villages[3].slots.filter(kind="main").first()
    entry = url(quang_tri, f"{drawn.pk}/nhap-phieu/")
    first = signed_in(round_manager).post(entry, _answers() | {"serial": slot.serial, "double": "1"})
    assert first.status_code == 200 and Slot.objects.get(pk=slot.pk).response_id is None
    second = signed_in(clerk).post(
        entry, _answers() | {"serial": slot.serial, "double": "1", "q_overall": "2"}
    )
    assert second.status_code == 200 and "q_overall" in second.content.decode()
    assert Slot.objects.get(pk=slot.pk).response_id is None
    resolved = signed_in(round_manager).post(entry, _answers() | {"serial": slot.serial, "resolve": "1"})
    assert resolved.status_code == 200
    stored = Slot.objects.get(pk=slot.pk).response
    assert stored.answers.get(question_key="overall").value == 4


def test_collected_reads_as_a_state_in_vietnamese_and_the_ballot_box_column_as_a_time():
    from django.utils import translation

    with translation.override("vi"):
        assert str(Slot.Status.COLLECTED.label) == "Đã thu phiếu"
        assert translation.pgettext("ballot box collection time", "Collected") == "Thời gian thu phiếu"
