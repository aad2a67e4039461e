"""A shared desk tablet stays usable: a desk or civil-servant QR code on a registered device is not flagged
for repeated use at a normal pace, and is still flagged when it goes faster than a queue can.

The rule (surveys.services): answers given on a registered desk device through the unit's desk and
civil-servant codes are paced per device, not per address; the device is flagged "burst" from its 21st
answer within 10 minutes, and "duplicate" when it repeats its previous answers within 30 seconds.
Anyone else (phones, unregistered browsers, the campaign's own code) keeps the per-address rule.
"""

import datetime as dt

import pytest
from django.db.models import F
from django.test import Client
from django_tenants.utils import tenant_context

from surveys.devices import device_cookie_name
from surveys.models import DeskDevice, Response
from tenants.models import AuditEvent
from tenants.routing import unit_reverse
from tests.surveys.test_citizen_form import first_procedure, make_link, open_form, qr_url, send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OFFICE = "198.51.100.7"  # the one-stop office's address: every phone on its Wi-Fi shares it
QUEUE_PACE = dt.timedelta(minutes=3)


@pytest.fixture
def desk_link(world):
    return make_link(world.commune, "hong_thai_quick", desk=True)


@pytest.fixture
def tablet(world, commune_officer) -> Client:
    """The desk's tablet, registered by an officer signed in on it, who then signs out."""
    client = Client()
    client.force_login(commune_officer)
    page = unit_reverse(world.commune, "unit:devices")
    registered = client.post(page, {"label": "Máy tính bảng quầy 1"})
    assert registered.status_code == 302
    cookie = client.cookies[device_cookie_name(world.commune)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "This device is registered as “Máy tính bảng quầy 1”" in client.get(page).text
    client.logout()  # the test client forgets every cookie here; a browser keeps all but the session's
    client.cookies[device_cookie_name(world.commune)] = cookie.value
    return client


def satisfied(client: Client, link, unit) -> str:
    """One "very satisfied" answer through the code, from the office's address; returns its flags."""
    url = qr_url(link.code)
    _page, token = open_form(client, url)
    fields = {"q_procedure": first_procedure(unit).pk, "q_satisfaction": "3"}
    assert send(client, url, fields, token, REMOTE_ADDR=OFFICE).status_code == 303
    with tenant_context(unit):
        latest = Response.objects.order_by("-pk").first()
        return ",".join(latest.flag_reasons) + ("|held" if latest.review == "held" else "")


def time_passes(unit, by: dt.timedelta) -> None:
    """Move every stored answer back in time, as if `by` had passed since."""
    with tenant_context(unit):
        Response.objects.update(submitted_at=F("submitted_at") - by)


def test_a_registered_tablet_at_a_normal_pace_is_never_flagged(world, tablet, desk_link):
    # 25 citizens in a row, one every three minutes, all very satisfied: the same answers each time
    results = []
    for _ in range(25):
        results.append(satisfied(tablet, desk_link, world.commune))
        time_passes(world.commune, QUEUE_PACE)
    assert results == [""] * 25
    with tenant_context(world.commune):
        device = DeskDevice.objects.get()
        assert Response.objects.filter(device=device, review="").count() == 25


def test_a_registered_tablet_also_serves_the_civil_servants_codes(world, tablet):
    link = make_link(world.commune, "hong_thai_quick", staff=True)
    for _ in range(3):
        assert satisfied(tablet, link, world.commune) == ""
        time_passes(world.commune, QUEUE_PACE)


def test_an_unregistered_browser_at_the_same_pace_is_still_flagged(world, desk_link):
    browser = Client()
    results = []
    for _ in range(3):
        results.append(satisfied(browser, desk_link, world.commune))
        time_passes(world.commune, QUEUE_PACE)
    assert results == ["", "duplicate|held", "duplicate|held"]


def test_a_registered_tablet_tapped_faster_than_a_queue_is_flagged(world, tablet, desk_link):
    # the same answers again within 30 seconds: nobody new stepped up and answered that fast
    assert satisfied(tablet, desk_link, world.commune) == ""
    assert satisfied(tablet, desk_link, world.commune) == "duplicate|held"
    # more than 20 answers in 10 minutes, even 20 seconds apart and varied, is a burst
    time_passes(world.commune, dt.timedelta(minutes=11))
    url = qr_url(desk_link.code)
    procedure = first_procedure(world.commune)
    flags = []
    for i in range(22):
        _page, token = open_form(tablet, url)
        level = str(3 - i % 2)  # alternating answers: not duplicates
        send(tablet, url, {"q_procedure": procedure.pk, "q_satisfaction": level}, token, REMOTE_ADDR=OFFICE)
        time_passes(world.commune, dt.timedelta(seconds=20))
        with tenant_context(world.commune):
            flags.append(Response.objects.order_by("-pk").first().flag_reasons)
    assert flags[:20] == [[]] * 20
    assert flags[20:] == [["burst"], ["burst"]]


def test_the_device_counts_only_on_desk_and_civil_servant_codes(world, tablet):
    campaign_link = make_link(world.commune, "hong_thai_quick")
    results = []
    for _ in range(2):
        results.append(satisfied(tablet, campaign_link, world.commune))
        time_passes(world.commune, QUEUE_PACE)
    assert results == ["", "duplicate|held"]
    with tenant_context(world.commune):
        assert not Response.objects.filter(device__isnull=False).exists()


def test_a_withdrawn_tablet_is_an_ordinary_browser_again(world, tablet, desk_link, commune_officer):
    officer = Client()
    officer.force_login(commune_officer)
    with tenant_context(world.commune):
        device = DeskDevice.objects.get()
    withdrawn = officer.post(unit_reverse(world.commune, "unit:device_revoke", device.pk))
    assert withdrawn.status_code == 302
    assert "withdrawn on" in officer.get(unit_reverse(world.commune, "unit:devices")).text
    results = []
    for _ in range(2):
        results.append(satisfied(tablet, desk_link, world.commune))
        time_passes(world.commune, QUEUE_PACE)
    assert results == ["", "duplicate|held"]
    actions = list(
        AuditEvent.objects.filter(unit=world.commune, action__startswith="desk_device")
        .order_by("-id")
        .values_list("action", "actor", "target")
    )
    assert actions == [
        ("desk_device_revoke", commune_officer.pk, "Máy tính bảng quầy 1"),
        ("desk_device_register", commune_officer.pk, "Máy tính bảng quầy 1"),
    ]


@pytest.mark.parametrize(
    "value", ["", "abc", "1.", ".secret", "1.wrong-secret", "99999999999999999999999.x", "1." + "x" * 5000]
)
def test_a_forged_or_garbled_device_cookie_is_ignored(world, tablet, desk_link, value):
    tablet.cookies[device_cookie_name(world.commune)] = value
    results = []
    for _ in range(2):
        results.append(satisfied(tablet, desk_link, world.commune))
        time_passes(world.commune, QUEUE_PACE)
    assert results == ["", "duplicate|held"]


def test_another_units_device_is_unknown_here(world, tablet):
    # the sibling commune's desk code, answered on the commune's tablet
    link = make_link(world.sibling, "hong_thai_quick", desk=True)
    results = []
    for _ in range(2):
        results.append(satisfied(tablet, link, world.sibling))
        time_passes(world.sibling, QUEUE_PACE)
    assert results == ["", "duplicate|held"]


@pytest.mark.parametrize(("label", "message"), [("  ", "Name the device"), ("x" * 101, "under 100")])
def test_a_device_needs_a_short_name(world, commune_officer, label, message):
    client = Client()
    client.force_login(commune_officer)
    answer = client.post(unit_reverse(world.commune, "unit:devices"), {"label": label})
    assert answer.status_code == 400 and message in answer.text
    assert device_cookie_name(world.commune) not in answer.cookies
    with tenant_context(world.commune):
        assert not DeskDevice.objects.exists()


@pytest.mark.parametrize("persona", ["district_viewer", "province_admin", "sibling_officer", "outsider"])
def test_only_the_units_officers_register_devices(request, world, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert client.post(unit_reverse(world.commune, "unit:devices"), {"label": "x"}).status_code == 403
    with tenant_context(world.commune):
        assert not DeskDevice.objects.exists()
