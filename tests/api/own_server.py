"""For race tests: gunicorn (two worker processes with threads, the production shape) in front of a
database of its own, so requests really run in parallel on their own connections and commit.

The database is created for the test module and dropped after it; the cache keys carry a prefix of
their own. Only loopback is used.
"""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def own_server(
    folder: Path, suffix: str, prepare: Callable[[Callable[..., str]], str]
) -> Iterator[tuple[int, str]]:
    """Yields (port, what `prepare` returned); `prepare(manage)` sets the database up through manage.py."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_{suffix}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    address = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    maintenance = f"postgres://{auth}@{address}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    (folder / "own_settings.py").write_text(
        textwrap.dedent(f"""
            from config.settings.base import *  # noqa: F403

            CACHES["default"]["KEY_PREFIX"] = "{suffix}-{uuid.uuid4().hex}"  # noqa: F405
            """)
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{address}/{name}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "own_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),  # the base settings carry no key
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
        prepared = prepare(manage)
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
            raise RuntimeError("gunicorn did not start")
        yield port, prepared
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
