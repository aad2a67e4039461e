"""deploy/pgbouncer/sipas.ini run by Debian's PgBouncer in front of the test database.

Django connects through it the way production does (a connection per request, CONN_MAX_AGE=0), on
django-tenants' backend: each connection reads its unit's schema, one server connection serves them
one after another, and DISCARD ALL leaves no unit's search_path behind for the next client.
"""

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from django_tenants.utils import tenant_context

from surveys.models import Questionnaire
from tests.concurrency.conftest import _client
from tests.deploy.launcher import ROOT, dev

ON_CI = os.environ.get("CI") == "true"
SIPAS_INI = ROOT / "deploy" / "pgbouncer" / "sipas.ini"
PASSWORD = "bouncer-test-secret"
WAIT_SECONDS = 30


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found:
        return found
    message = "pgbouncer is not installed (python deploy/dev.py setup installs it: apt-get install pgbouncer)"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def bouncer(db) -> Iterator[dict]:
    """PgBouncer on a free loopback port with the shipped pool settings; the settings of a
    connection to the test database through it."""
    binary = _pgbouncer()
    folder = Path(tempfile.mkdtemp(prefix="sipas-pgbouncer-"))
    target = connection.settings_dict
    port = dev.free_port()
    (folder / "userlist.txt").write_text(f'"postgres" "{PASSWORD}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{target['NAME']} = host={target['HOST'] or '127.0.0.1'} port={target['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
        "admin_users = postgres\n"
        f"%include {SIPAS_INI}\n"
    )
    if dev.is_root():  # PgBouncer refuses to run as root
        for path in (folder, *folder.iterdir()):
            shutil.chown(path, "postgres", "postgres")
    result = dev.run_quiet(dev.as_postgres([binary, "-d", folder / "pgbouncer.ini"]), timeout=WAIT_SECONDS)
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        deadline = time.monotonic() + WAIT_SECONDS
        while not dev.port_in_use(port):
            log = folder / "pgbouncer.log"
            assert time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
            time.sleep(0.05)
        yield {**target, "HOST": "127.0.0.1", "PORT": str(port), "PASSWORD": PASSWORD, "CONN_MAX_AGE": 0}
    finally:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((folder / "pgbouncer.pid").read_text()), signal.SIGTERM)
        shutil.rmtree(folder, ignore_errors=True)


def _admin(bouncer: dict, command: str) -> str:
    """A PgBouncer console command (simple query protocol: psql)."""
    result = dev.run_quiet(
        [
            _client("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            bouncer["PORT"],
            "-U",
            "postgres",
            "-At",
            "pgbouncer",
            "-c",
            command,
        ],
        env={**os.environ, "PGPASSWORD": PASSWORD},
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_units_read_their_own_schema_through_pgbouncer_and_share_one_server_connection(bouncer, world):
    counts = []
    for unit in (world.commune, world.district, world.commune):
        # A fresh Django connection per "request", as production opens and closes them.
        wrapper = ConnectionHandler({"default": bouncer})["default"]
        try:
            wrapper.set_tenant(unit)
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM surveys_questionnaire")
                cursor.execute("SELECT current_schema(), (SELECT count(*) FROM surveys_questionnaire)")
                counts.append(cursor.fetchone())
        finally:
            wrapper.close()
    expected = []
    for unit in (world.commune, world.district, world.commune):
        with tenant_context(unit):
            expected.append((unit.schema_name, Questionnaire.objects.count()))
    assert counts == expected
    assert expected[0][1] != expected[1][1]  # the two schemas really differ
    # one request after another: PgBouncer served all three from a single server connection
    servers = [line for line in _admin(bouncer, "SHOW SERVERS").splitlines() if line]
    assert len(servers) == 1

    # The next client on that server connection starts clean: DISCARD ALL removed the unit's search_path.
    dsn = f"host=127.0.0.1 port={bouncer['PORT']} dbname={bouncer['NAME']} user=postgres password={PASSWORD}"
    with psycopg.connect(dsn, autocommit=True) as plain:
        assert plain.execute("SHOW search_path").fetchone()[0] == '"$user", public'
        assert plain.execute("SELECT to_regclass('surveys_questionnaire')").fetchone()[0] is None


def test_every_setting_of_the_shipped_file_is_in_effect(bouncer):
    shipped = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in SIPAS_INI.read_text().splitlines())
        if key.strip() and not key.startswith(";")
    )
    effective = {
        key: value
        for key, value, *_ in (line.split("|") for line in _admin(bouncer, "SHOW CONFIG").splitlines())
    }
    assert shipped["pool_mode"] == "session"
    assert {key: effective.get(key) for key in shipped} == shipped
