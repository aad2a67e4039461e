"""What the benchmark scripts share: a throw-away database and a Django set up against it.

Imported by the scripts beside it (run as `python tests/benchmarks/<script>.py`, which puts this folder
on sys.path); never collected by pytest.
"""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def database_recreate(url: str, *, drop_only: bool = False) -> None:
    """Drop (and unless drop_only, create) the database of `url`; only one whose name says "bench"."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop the database {name!r}: its name must contain 'bench'.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def django_start(url: str | None = None) -> None:
    """Django on the base settings with DEBUG off (DEBUG would keep every query of a run in memory)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "platform")]
    if url is not None:
        os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # base settings have no default
    import django

    django.setup()
