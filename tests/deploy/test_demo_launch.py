"""`make demo` as a newcomer meets it: the database is created when missing, the banner says where to go,
and the demo runs with DEBUG off (the product's own error pages)."""

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from .launcher import ROOT, dev

SEED_OUTPUT = """\
12 demo units onboarded.
  Xã Hồng Thái: 420 demo answers; QR links:
    http://localhost:8123/q/abc2345  (QR code)
    http://localhost:8123/q/def6789  (Desk)
  canbo.hongthai@demo.sipas.vn         demo-2026  commune officer
"""


def test_the_database_name_comes_from_the_url_path_unquoted():
    assert dev.database_name("postgres://u:p@db:5432/ux_demo") == "ux_demo"
    assert dev.database_name("postgres://u@db/t%C3%AAn%20l%E1%BA%A1") == "tên lạ"
    assert dev.database_name("postgres://u@db:5432") == ""


def test_the_database_is_created_through_postgres_or_template1_with_the_same_credentials():
    urls = dev.maintenance_urls("postgres://u:s%40cret@db:6432/ux_demo?sslmode=require")

    assert urls == [
        "postgres://u:s%40cret@db:6432/postgres?sslmode=require",
        "postgres://u:s%40cret@db:6432/template1?sslmode=require",
    ]


def test_the_citizen_form_address_is_the_first_qr_link_the_seed_printed():
    assert dev.citizen_link(SEED_OUTPUT) == "http://localhost:8123/q/abc2345"
    assert dev.citizen_link("Migrations applied.\n") is None


def test_the_banner_names_console_results_citizen_form_api_docs_and_the_accounts():
    text = dev.banner(8123, citizen="http://localhost:8123/q/abc2345", accounts="  canbo@x  demo-2026\n")

    for address in (
        "http://127.0.0.1:8123/console/",
        f"http://127.0.0.1:8123/u/{dev.DEMO_UNIT}/results/",
        f"http://127.0.0.1:8123/ket-qua/{dev.DEMO_UNIT}/",
        "http://localhost:8123/q/abc2345",
        "http://127.0.0.1:8123/api/v1/docs/",
    ):
        assert address in text
    assert "canbo@x  demo-2026" in text
    assert "DEBUG is off" in text
    assert "/q/…" in dev.banner(8123, citizen=None, accounts=None)


def test_the_banner_reads_the_real_accounts_file():
    accounts = dev.read_demo_accounts(dev.DEMO_ACCOUNTS, 8000)
    text = dev.banner(8000, citizen=None, accounts=accounts)

    assert "canbo.hongthai@demo.sipas.vn" in text
    assert "demo-2026" in text


def test_the_demo_web_serves_its_static_files_with_debug_off():
    assert "--insecure" in dict(dev.demo_processes(8123))["web"]


@pytest.mark.parametrize(("value", "expected"), [(None, "False"), ("1", "True")])
def test_the_demo_settings_keep_debug_off_unless_asked(value, expected):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    if value is not None:
        env["DEBUG"] = value
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import config.settings.dev as s; print(s.DEBUG)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    assert done.stdout.strip() == expected


# --------------------------------------------------------------------------- against the real PostgreSQL


@pytest.fixture
def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL names no PostgreSQL server")
    return url


@pytest.fixture
def fresh_url(server_url):
    """A database name no one uses, dropped afterwards whatever the test did."""
    name = f"ux_demo_{uuid.uuid4().hex[:10]}"
    url = urlsplit(server_url)._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(dev.maintenance_urls(server_url)[0], autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def exists(server_url: str, name: str) -> bool:
    with psycopg.connect(dev.maintenance_urls(server_url)[0]) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def test_a_missing_database_is_created_once(server_url, fresh_url, capsys):
    name = dev.database_name(fresh_url)
    assert not exists(server_url, name)

    dev.check_external_postgres(fresh_url)  # what `make demo` runs with DATABASE_URL set

    assert exists(server_url, name)
    assert f"created database {name}" in capsys.readouterr().out
    assert dev.ensure_external_database(fresh_url, python=ROOT / ".venv" / "bin" / "python") is False
    psycopg.connect(fresh_url).close()


def test_a_database_that_cannot_be_reached_is_a_clear_error_not_a_traceback(server_url, fresh_url):
    parts = urlsplit(fresh_url)
    stranger = parts._replace(netloc=f"nobody_{uuid.uuid4().hex[:6]}@{parts.hostname}:{parts.port or 5432}")
    stranger = stranger.geturl()

    with pytest.raises(dev.LauncherError) as refused:
        dev.ensure_external_database(stranger, python=ROOT / ".venv" / "bin" / "python")

    message = str(refused.value)
    assert "nobody_" in message
    assert "Traceback" not in message
    assert not exists(server_url, dev.database_name(fresh_url))
