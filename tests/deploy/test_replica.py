"""Reads on a real streaming replica (tenants.replica), with Debian's PostgreSQL binaries.

A private primary (initdb, wal_level=replica) gets a copy of the test world; pg_basebackup makes a
hot standby of it on another port. tests/deploy/replica_probe.py then runs Django against the pair:
figures written on the primary are read back from the replica in the unit's schema, reads fall back to
the primary while replay lags or after the replica stops. Both servers are stopped and their folders
removed whatever happens; every wait is bounded in time.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.concurrency.conftest import _client, _dsn
from tests.deploy.launcher import ROOT, dev

ON_CI = os.environ.get("CI") == "true"
BINDIR = dev.pg_bindir()
START_SECONDS = 60
MAX_LAG_SECONDS = 1.0
CHECK_SECONDS = 0.2


def _binaries() -> Path:
    if BINDIR is not None and (BINDIR / "pg_basebackup").exists():
        return BINDIR
    message = (
        "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: apt-get install postgresql"
    )
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Server:
    data: Path
    port: int

    def url(self, database: str = "sipas") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _run(cmd: list, what: str) -> None:
    result = dev.run_quiet(cmd, timeout=START_SECONDS)
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}{result.stderr}"


def _start(bindir: Path, server: Server) -> None:
    with (server.data / "postgresql.conf").open("a") as conf:
        # Last setting wins: the standby's copy of the primary's file gets its own port.
        conf.write(dev.pg_conf(server.port, run_dir=server.data))
        conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
    log = server.data.parent / f"{server.data.name}.log"
    _run(
        dev.as_postgres(
            [bindir / "pg_ctl", "-D", server.data, "-l", log, "-w", "-t", START_SECONDS, "start"]
        ),
        f"pg_ctl start {server.data.name} (log: {log})",
    )


def _stop_command(bindir: Path, server: Server) -> list[str]:
    return dev.as_postgres([bindir / "pg_ctl", "-D", server.data, "-m", "fast", "-w", "-t", "30", "stop"])


def _stop(bindir: Path, server: Server) -> None:
    """Stop the server if it runs; kill it if pg_ctl cannot."""
    pidfile = server.data / "postmaster.pid"
    if not pidfile.exists():
        return
    if dev.run_quiet(_stop_command(bindir, server), timeout=START_SECONDS).returncode == 0:
        return
    with contextlib.suppress(OSError, ValueError, IndexError):
        os.kill(int(pidfile.read_text().splitlines()[0]), signal.SIGKILL)


@pytest.fixture
def primary_and_replica(db) -> Iterator[tuple[Server, Server, Path]]:
    """A private primary holding a copy of the test world, and a streaming hot standby of it."""
    bindir = _binaries()
    folder = Path(tempfile.mkdtemp(prefix="sipas-replica-"))
    primary = Server(folder / "primary", dev.free_port())
    standby = Server(folder / "standby", dev.free_port())
    if dev.is_root():
        shutil.chown(folder, "postgres", "postgres")
    try:
        _run(
            dev.as_postgres(
                [
                    bindir / "initdb",
                    "-D",
                    primary.data,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]
            ),
            "initdb",
        )
        _start(bindir, primary)
        settings = dict(connection.settings_dict)
        _run(
            [_client("createdb"), "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "sipas"],
            "createdb",
        )
        # pg_dump reads a snapshot: the world committed at session setup, not this test's transaction.
        dump = subprocess.run(  # noqa: S603 - PostgreSQL's own client on our test database
            [_client("pg_dump"), "--no-owner", _dsn(settings, settings["NAME"])],
            capture_output=True,
            check=True,
            timeout=300,
        )
        subprocess.run(  # noqa: S603
            [_client("psql"), "-q", "-v", "ON_ERROR_STOP=1", primary.url()],
            input=dump.stdout,
            capture_output=True,
            check=True,
            timeout=300,
        )
        _run(
            dev.as_postgres(
                [
                    bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
                    "-D", standby.data, "-R", "-X", "stream", "-c", "fast",
                ]
            ),
            "pg_basebackup",
        )  # fmt: skip
        _start(bindir, standby)
        yield primary, standby, bindir
    finally:
        _stop(bindir, standby)
        _stop(bindir, primary)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def probe(primary_and_replica) -> dict:
    primary, standby, bindir = primary_and_replica
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": f"{ROOT}/platform:{ROOT}",
        "DATABASE_URL": primary.url(),
        "DATABASE_REPLICA_URL": standby.url(),
        "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG_SECONDS),
        "REPLICA_CHECK_SECONDS": str(CHECK_SECONDS),
        "SIPAS_PROBE_STOP_REPLICA": json.dumps(_stop_command(bindir, standby)),
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-m", "tests.deploy.replica_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_figures_are_read_from_the_replica_in_the_units_schema_and_fall_back_to_the_primary(probe):
    tenant_path = f'SET search_path = "{probe["schema"]}","public"'

    caught_up = probe["caught_up"]
    assert caught_up["dashboard"]["status"] == 200
    assert caught_up["dashboard"]["shows_figure"]
    assert caught_up["dashboard"]["health"] == "ok"
    assert caught_up["dashboard"]["replica_reads"] > 0
    assert caught_up["dashboard"]["rollups_read_on"] == ["replica"]
    assert tenant_path in caught_up["dashboard"]["replica_search_paths"]
    # a tenant table read through the router: the replica's connection is in the unit's schema
    assert caught_up["tenant"]["count"] == caught_up["tenant"]["on_primary"] == 1
    assert caught_up["tenant"]["replica_reads"]
    # set there, or kept from the dashboard's visit of the same unit (one SET per real switch)
    assert caught_up["tenant"]["replica_search_paths"] in ([tenant_path], [])
    assert caught_up["tenant"]["replica_session_path"] == f"{probe['schema']}, public"

    lagging = probe["lagging"]
    assert lagging["replica_rows"] == 1  # replay paused: the replica really lacks the second answer
    assert lagging["dashboard"]["health"] == "lagging"
    assert lagging["dashboard"]["replica_reads"] == 0
    assert lagging["dashboard"]["rollups_read_on"] == ["default"]
    assert lagging["dashboard"]["shows_figure"]  # the newer figure, from the primary

    resumed = probe["resumed"]
    assert resumed["replica_rows"] == 2
    assert resumed["dashboard"]["rollups_read_on"] == ["replica"]
    assert resumed["dashboard"]["shows_figure"]

    after_write = probe["after_write"]
    assert after_write["pin_cookie"]
    assert after_write["dashboard"]["replica_reads"] == 0
    assert after_write["dashboard"]["shows_figure"]

    stopped = probe["stopped"]
    assert stopped["healthy_before"] == "ok"
    assert stopped["dashboard"]["status"] == 200
    assert stopped["dashboard"]["shows_figure"]
    assert stopped["dashboard"]["rollups_read_on"] == ["default"]
    assert stopped["dashboard"]["health"] == "down"

    down = probe["down"]
    for page in (down["dashboard"], down["public"]):
        assert page["status"] == 200
        assert page["shows_figure"]
        assert page["replica_reads"] == 0
    assert down["healthz"]["replica"] == "down"
    assert down["healthz"]["database"] == "ok"
