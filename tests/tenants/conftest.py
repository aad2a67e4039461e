"""A database of its own, for commands that run in other processes and commit."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class OwnDatabase:
    name: str
    url: str

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """`manage.py <args>` against this database, in a process of its own, as an operator runs it."""
        return subprocess.run(  # noqa: S603 - this interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def environment(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}

    def idle(self, conn: psycopg.Connection, timeout: float = 30) -> None:
        """Wait until no session but `conn` uses the database (a killed client's work is rolled back)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            others = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.name} still has sessions after {timeout} s")


@pytest.fixture(scope="module")
def own_database(django_db_setup, django_db_blocker):
    """A copy of the session's test database (the registry, the template, the world's units)."""
    settings = connection.settings_dict
    source = settings["NAME"]
    name = f"{source}_{os.getpid()}_own"
    server = f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}"
    with django_db_blocker.unblock():
        connection.close()  # CREATE DATABASE ... TEMPLATE wants no session on the source
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    yield OwnDatabase(name=name, url=f"{server}/{name}")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
