"""Rate limits hold under parallel calls, and calls without a valid key are limited before they are audited.

The parallel test runs the production shape (tests/api/own_server.py): gunicorn in front of a database
of its own, sharing the Redis cache, hit by 40 real connections released at once.
"""

import http.client
import threading

import pytest

from api.models import ApiCall

from .conftest import Api
from .own_server import own_server

pytestmark = pytest.mark.django_db

PARALLEL = 40
SETUP = """
from api.services import api_client_create
from tenants.models import User
from tenants.services import public_tenant_ensure

national = public_tenant_ensure()
operator = User.objects.create_superuser(username="ops@rate.test", email="ops@rate.test", password="x")
_client, key = api_client_create(
    creator=operator, unit=national, name="rate", scopes=["read:figures"], rate_per_minute=5
)
print(key)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(port, key of a client limited to 5 calls a minute) of gunicorn on a database of its own."""

    def prepare(manage) -> str:
        manage("migrate_schemas", "--shared", "-v0")
        return manage("shell", "-c", SETUP).strip().splitlines()[-1]

    with own_server(tmp_path_factory.mktemp("rate"), "rate", prepare) as running:
        yield running


def test_parallel_calls_never_pass_a_clients_rate(server):
    # given a key allowed 5 calls a minute, and 40 connections ready to call at the same instant
    port, key = server
    start = threading.Barrier(PARALLEL, timeout=60)
    statuses: list[int] = []

    def call() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        start.wait()
        connection.request("GET", "/api/v1/units/?page_size=1", headers={"Authorization": f"Api-Key {key}"})
        statuses.append(connection.getresponse().status)
        connection.close()

    # when they all call
    threads = [threading.Thread(target=call) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    # then exactly 5 get through
    assert sorted(statuses) == [200] * 5 + [429] * (PARALLEL - 5)


def test_calls_without_a_valid_key_are_limited_by_address_before_they_are_audited(world, settings):
    settings.API_ANONYMOUS_RATE_PER_MINUTE = 3
    guesser, neighbour = Api("abcd1234.guess"), Api(None)
    answers = [
        guesser.client.get("/api/v1/units/", REMOTE_ADDR="203.0.113.7", **guesser.headers) for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 3 + [429] * 3
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 120
    assert ApiCall.objects.count() == 3
    # another address is not held back by the guesser; a call with no key at all is limited the same way
    assert neighbour.client.get("/api/v1/units/", REMOTE_ADDR="198.51.100.9").status_code == 401
