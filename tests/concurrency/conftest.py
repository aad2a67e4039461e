"""Races need commits that another connection sees: each test here gets a database of its own, a copy
of the session's test database (the world, committed at setup), and runs each side of the race in a
process of its own. The rolled-back world of the other tests cannot show a race."""

import glob
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _dsn(settings: dict, name: str) -> str:
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _client(name: str) -> str:
    """A PostgreSQL client program, from PATH or Debian's versioned folder."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"{name} not found: install the PostgreSQL client (make setup does)")
    return found


@pytest.fixture
def own_database(db) -> Iterator[str]:
    """The URL of a fresh copy of the test database (the world committed at session setup), dropped
    afterwards. pg_dump reads a snapshot, so the test's own open transaction is no obstacle."""
    settings = dict(connection.settings_dict)
    source = _dsn(settings, settings["NAME"])
    copy = f"{settings['NAME']}_race_{uuid.uuid4().hex[:8]}"
    admin = _dsn(settings, "postgres")
    with psycopg.connect(admin, autocommit=True) as cursor:
        cursor.execute(f'CREATE DATABASE "{copy}"')
    try:
        dump = subprocess.run(  # noqa: S603 - PostgreSQL's own client on our test database
            [_client("pg_dump"), "--no-owner", source], capture_output=True, check=True, timeout=300
        )
        subprocess.run(  # noqa: S603
            [_client("psql"), "-q", "-v", "ON_ERROR_STOP=1", _dsn(settings, copy)],
            input=dump.stdout,
            capture_output=True,
            check=True,
            timeout=300,
        )
        yield _dsn(settings, copy)
    finally:
        with psycopg.connect(admin, autocommit=True) as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


class Side:
    """A worker process (tests/concurrency/worker.py) on the copy."""

    def __init__(self, database_url: str, *args: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHONPATH": f"{ROOT}/platform:{ROOT}",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and worker
            [sys.executable, "-m", "tests.concurrency.worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def running(self) -> bool:
        return self.process.poll() is None

    def result(self, timeout: float = 120) -> dict:
        out, err = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, err[-3000:]
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def side(own_database):
    started: list[Side] = []

    def start(*args: str) -> Side:
        started.append(Side(own_database, *args))
        return started[-1]

    yield start
    for s in started:
        if s.running():
            s.process.kill()
            s.process.communicate()
