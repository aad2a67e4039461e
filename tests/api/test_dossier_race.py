"""Two units under one key race for the same dossier codes: each code ends with exactly one of them.

A code is unique within a key's reach (no longer by a unique index over the whole country), so the
check and the insert must not interleave: two batches of the same 100 codes, sent at the same instant
to two communes of one district, through gunicorn on a database of its own (tests/api/own_server.py).
"""

import datetime as dt
import http.client
import json
import threading

import pytest

from .own_server import own_server

pytestmark = pytest.mark.django_db

CODES = [f"000.00.20.H37-261120-{n:04d}" for n in range(100)]
UNITS = ("06175", "06133")  # Hồng Thái and a sibling commune of Văn Lãng (legacy)
SETUP = f"""
from django_tenants.utils import tenant_context

from api.services import api_client_create
from surveys.services import catalog_seed
from tenants.models import Unit, User

for code in {UNITS!r}:
    with tenant_context(Unit.objects.get(structure="legacy", code=code)):
        catalog_seed()
operator = User.objects.create_superuser(username="ops@race.test", email="ops@race.test", password="x")
district = Unit.objects.get(structure="legacy", code="182")
_client, key = api_client_create(
    creator=operator, unit=district, name="race", scopes=["write:dossiers"], rate_per_minute=100_000
)
print(key)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def prepare(manage) -> str:
        manage("migrate_schemas", "-v0")
        manage("import_units", "--province", "20")
        for code in UNITS:
            manage("onboard_unit", code, "--structure", "legacy")
        return manage("shell", "-c", SETUP).strip().splitlines()[-1]

    with own_server(tmp_path_factory.mktemp("race"), "race", prepare) as running:
        yield running


def test_two_units_racing_for_the_same_codes_get_each_code_once(server):
    # given one district key, and the same batch of codes ready for two of its communes
    port, key = server
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    body = json.dumps(
        {
            "events": [
                {"MaHoSo": c, "MaTTHC": "1.001193", "NgayTiepNhan": received, "TrangThaiHoSo": 2}
                for c in CODES
            ]
        }
    )
    start = threading.Barrier(len(UNITS), timeout=60)
    answers: dict[str, dict] = {}

    def send(unit: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.connect()
        start.wait()
        connection.request(
            "POST",
            f"/api/v1/units/legacy/{unit}/dossier-events/?qr=none",
            body=body,
            headers={
                "Authorization": f"Api-Key {key}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
            },
        )
        answers[unit] = json.loads(connection.getresponse().read())
        connection.close()

    # when both batches are sent at the same instant
    threads = [threading.Thread(target=send, args=(unit,)) for unit in UNITS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    # then every code was created by exactly one commune and refused to the other
    created = {
        unit: {r["MaHoSo"] for r in answers[unit]["results"] if r["status"] == "created"} for unit in UNITS
    }
    assert created[UNITS[0]].isdisjoint(created[UNITS[1]])
    assert created[UNITS[0]] | created[UNITS[1]] == set(CODES)
    for unit in UNITS:
        refused = [r for r in answers[unit]["results"] if r["status"] == "error"]
        assert {r["errors"][0]["message"] for r in refused} <= {"This dossier belongs to another unit."}, (
            refused[:3]
        )
