"""Rate limits hold under parallel calls, and calls without a valid key are limited before they are audited.

The parallel test runs the production shape: gunicorn (two worker processes, threads) in front of a
database of its own, sharing the Redis cache, hit by 40 real connections released at once. The database
is created for this module and dropped after it; the cache keys carry a prefix of their own.
"""

import http.client
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from api.models import ApiCall

from .conftest import Api

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(port, key of a client limited to 5 calls a minute) of gunicorn on a database of its own."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_rate"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    maintenance = f"postgres://{auth}@{address}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    folder = tmp_path_factory.mktemp("rate")
    (folder / "rate_settings.py").write_text(
        textwrap.dedent(f"""
            from config.settings.base import *  # noqa: F403

            CACHES["default"]["KEY_PREFIX"] = "rate-{uuid.uuid4().hex}"  # noqa: F405
            """)
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{address}/{name}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "rate_settings",
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "platform"), str(ROOT)]),
    }

    def manage(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    port = _free_port()
    web = None
    try:
        manage("migrate_schemas", "--shared", "-v0")
        key = manage("shell", "-c", SETUP).strip().splitlines()[-1]
        web = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--threads", "10", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(150):  # up to 30 s
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port, key
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
