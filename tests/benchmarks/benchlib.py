"""What the benchmark scripts share: a throw-away database and a Django set up against it.

Imported by the scripts beside it (run as `python tests/benchmarks/<script>.py`, which puts this folder
on sys.path); never collected by pytest.
"""

import os
import platform
import secrets
import shlex
import subprocess
import sys
import time
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


def run_header(title: str) -> None:
    """What a results file starts with: the command, the code and the machine's load at the start."""

    def git(*arguments: str) -> str:
        command = ["git", "-C", str(ROOT), *arguments]  # noqa: S607 - git from PATH, fixed arguments
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        return done.stdout.strip()

    commit, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "--untracked-files=no")
    print(f"# {title}, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    python = Path(sys.executable).relative_to(ROOT, walk_up=True).as_posix()
    print(f"command: {shlex.join([python, *sys.argv])}")
    print(f"code: {commit}{' with uncommitted changes' if dirty else ''}")
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at the start",
        flush=True,
    )
