"""The production files in deploy/, checked by the programs that read them where this machine has them:
`nginx -t` (Debian's nginx), `systemd-analyze verify`, `docker compose config` (only where the compose
plugin exists), gunicorn started with deploy/gunicorn.conf.py; and what the release shape promises:
migrations only in the release step, gunicorn's flags in one file, PDFs on a queue of their own.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import yaml
from django.conf import settings
from django.db import connection

from config.celery import app
from tests.deploy.launcher import ROOT, dev
from tests.test_task_names import REGISTERED

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ON_CI = os.environ.get("CI") == "true"
WAIT_SECONDS = 60
PDF_RENDER_TASK = "analytics.publication_tasks.publication_render_task"
GUNICORN_FLAGS = (
    "--bind",
    "--timeout",
    "--max-requests",
    "--access-logfile",
    "--forwarded-allow-ips",
    "--workers",
)


def program(name: str, package: str) -> str:
    """The path of a program; skip when it is missing here, fail when it is missing on CI."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found:
        return found
    message = f"{name} is not installed (python deploy/dev.py setup installs it: apt-get install {package})"
    if ON_CI:
        pytest.fail(message)
    pytest.skip(message)


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


# --------------------------------------------------------------------------- nginx


def test_the_nginx_site_passes_nginx_t(tmp_path):
    """The site as a systemd host installs it: conf.d/sipas.conf plus upstream-host.conf. (The compose
    upstream names the `web` service, which only resolves inside compose.)"""
    nginx = program("nginx", "nginx")
    openssl = program("openssl", "openssl")
    shutil.copy(DEPLOY / "nginx" / "sipas.conf", tmp_path / "sipas.conf")
    shutil.copy(DEPLOY / "nginx" / "upstream-host.conf", tmp_path / "sipas-upstream.conf")
    (tmp_path / "certs").mkdir()
    made = dev.run_quiet(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-keyout", tmp_path / "certs" / "privkey.pem", "-out", tmp_path / "certs" / "fullchain.pem",
        ],
        timeout=WAIT_SECONDS,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    # What Debian's /etc/nginx/nginx.conf wraps around conf.d: an events and an http block.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\nhttp {{\n    include sipas.conf;\n}}\n"
    )
    result = dev.run_quiet(
        [nginx, "-t", "-p", f"{tmp_path}/", "-c", tmp_path / "nginx.conf", "-e", "stderr"],
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --------------------------------------------------------------------------- systemd


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """Verified in a root holding the machine's own units, the programs the units start from
    /srv/sipas (stand-ins: the checkout is not installed there) and the system programs they name."""
    analyze = program("systemd-analyze", "systemd")
    system_units = Path("/usr/lib/systemd/system")
    if not system_units.is_dir():
        pytest.fail(f"{system_units} is missing: systemd-analyze has no units to resolve dependencies")
    shutil.copytree(system_units, tmp_path / "usr/lib/systemd/system", symlinks=True)
    installed = tmp_path / "etc/systemd/system"
    installed.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, installed / unit.name)
        for line in unit.read_text().splitlines():
            if not re.match(r"Exec\w+=", line):
                continue
            executable = Path(line.split("=", 1)[1].split()[0].lstrip("-@:+!"))
            target = tmp_path / executable.relative_to("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if executable.is_relative_to("/srv/sipas"):
                target.write_text("#!/bin/sh\n")
                target.chmod(0o755)
            elif executable.exists():
                shutil.copy(executable, target)
    result = dev.run_quiet(
        [analyze, "verify", f"--root={tmp_path}", *(f"/etc/systemd/system/{unit.name}" for unit in UNITS)],
        timeout=WAIT_SECONDS,
    )
    # Unknown keys and bad values are warnings with exit code 0: any output is a finding.
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""


def test_the_release_step_is_a_oneshot_unit_and_no_long_running_unit_migrates():
    release = (DEPLOY / "systemd" / "sipas-release.service").read_text()
    assert "Type=oneshot" in release
    assert "manage.py migrate_schemas --shared" in release
    assert "manage.py migrate_schemas --tenant" in release
    assert "[Install]" not in release  # never at boot
    for unit in UNITS:
        if unit.name != "sipas-release.service":
            assert "migrate_schemas" not in unit.read_text(), unit.name


# --------------------------------------------------------------------------- compose


def test_docker_compose_accepts_the_compose_file(tmp_path):
    docker = shutil.which("docker")
    if docker is None or dev.run_quiet([docker, "compose", "version"], timeout=WAIT_SECONDS).returncode != 0:
        pytest.skip(
            "the docker compose plugin is not installed on this machine (`docker compose version` fails)"
        )
    env = {**os.environ, "SECRET_KEY": "x", "POSTGRES_PASSWORD": "x", "SIPAS_HOST": "khaosat.example.gov.vn"}
    for profile in ([], ["--profile", "release"]):
        result = dev.run_quiet(
            [docker, "compose", "-f", DEPLOY / "compose.yaml", *profile, "config", "--quiet"],
            env=env,
            timeout=WAIT_SECONDS,
        )
        assert result.returncode == 0, result.stderr


def test_compose_migrates_in_the_release_profile_only():
    services = compose()["services"]
    release = services["release"]
    assert release["profiles"] == ["release"]
    steps = " ".join(release["command"])
    assert "migrate_schemas --shared" in steps
    assert "migrate_schemas --tenant" in steps
    assert "collectstatic" in steps
    for name, service in services.items():
        if name != "release":
            assert "profiles" not in service, name
            assert "migrate" not in " ".join(service.get("command") or []), name
    # web runs the image's command: gunicorn with deploy/gunicorn.conf.py
    assert "command" not in services["web"]


def test_the_app_reaches_postgresql_through_pgbouncer_and_the_release_step_directly():
    services = compose()["services"]
    for name in ("web", "worker", "worker-pdf", "beat"):
        assert "@pgbouncer:6432/" in services[name]["environment"]["DATABASE_URL"], name
    assert "@db:5432/" in services["release"]["environment"]["DATABASE_URL"]
    assert services["pgbouncer"]["volumes"] == [
        "./pgbouncer/compose.ini:/etc/pgbouncer/compose.ini:ro",
        "./pgbouncer/sipas.ini:/etc/pgbouncer/sipas.ini:ro",
    ]
    assert "%include /etc/pgbouncer/sipas.ini" in (DEPLOY / "pgbouncer" / "compose.ini").read_text()


def test_gunicorn_believes_forwarded_headers_from_nginx_alone_and_every_app_service_reaches_the_database():
    # (tests/test_headers.py checks the edge network and TRUSTED_PROXY_NETWORKS)
    services = compose()["services"]
    nginx_address = services["nginx"]["networks"]["edge"]["ipv4_address"]
    assert services["web"]["environment"]["FORWARDED_ALLOW_IPS"] == nginx_address
    for name in ("db", "pgbouncer", "redis", "release", "web", "worker", "worker-pdf", "beat"):
        assert "backend" in services[name]["networks"], name


def test_nginx_in_compose_gets_the_site_and_the_compose_upstream():
    volumes = compose()["services"]["nginx"]["volumes"]
    assert "./nginx/sipas.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert "./nginx/upstream-compose.conf:/etc/nginx/sipas-upstream.conf:ro" in volumes
    for volume in volumes:
        assert (DEPLOY / volume.split(":")[0]).exists() or volume.startswith(("./certs", "static:"))


# --------------------------------------------------------------------------- gunicorn


def test_gunicorn_flags_live_in_one_file():
    users = {
        "Dockerfile": (DEPLOY / "Dockerfile").read_text(),
        "compose.yaml": (DEPLOY / "compose.yaml").read_text(),
        "sipas-web.service": (DEPLOY / "systemd" / "sipas-web.service").read_text(),
    }
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]' in users["Dockerfile"]
    assert "gunicorn -c /srv/sipas/deploy/gunicorn.conf.py config.wsgi" in users["sipas-web.service"]
    for name, text in users.items():
        for flag in GUNICORN_FLAGS:
            assert flag not in text, (
                f"{flag} in {name}: gunicorn's settings belong in deploy/gunicorn.conf.py"
            )


def test_gunicorn_serves_the_site_with_the_shared_configuration(db):
    port = dev.free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": f"{ROOT}/platform:{ROOT}",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", DEPLOY / "gunicorn.conf.py", "config.wsgi"]
    printed = dev.run_quiet([*gunicorn, "--print-config"], cwd=ROOT, env=env, timeout=WAIT_SECONDS)
    assert printed.returncode == 0, printed.stderr
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", printed.stdout, re.MULTILINE))
    assert config["bind"] == f"['127.0.0.1:{port}']"
    assert (config["workers"], config["timeout"], config["max_requests"]) == ("1", "60", "2000")

    server = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
        [str(part) for part in gunicorn],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as page:  # noqa: S310
                    assert page.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1][-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
                time.sleep(0.2)
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=WAIT_SECONDS)
    assert '"GET /healthz HTTP/1.1" 200' in out  # the access log goes to stdout


# --------------------------------------------------------------------------- Celery queues


def test_every_routed_task_exists_and_pdf_rendering_has_its_own_queue():
    assert set(settings.CELERY_TASK_ROUTES) <= REGISTERED
    assert app.amqp.router.route({}, PDF_RENDER_TASK)["queue"].name == settings.PDF_QUEUE == "pdf"
    assert app.amqp.router.route({}, "analytics.tasks.facts_refresh_task")["queue"].name == "celery"


def test_the_pdf_worker_consumes_the_pdf_queue_and_the_default_worker_the_rest():
    services = compose()["services"]

    def queue(command: list[str]) -> str:
        return command[command.index("-Q") + 1]

    assert queue(services["worker-pdf"]["command"]) == settings.PDF_QUEUE
    assert queue(services["worker"]["command"]) == settings.CELERY_TASK_DEFAULT_QUEUE
    units = {unit.name: unit.read_text() for unit in UNITS}
    assert f"-Q {settings.PDF_QUEUE} " in units["sipas-worker-pdf.service"]
    assert f"-Q {settings.CELERY_TASK_DEFAULT_QUEUE} " in units["sipas-worker.service"]


def test_a_render_sent_to_the_broker_waits_in_the_pdf_queue():
    from analytics.publications.tasks import publication_render_task

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    sent = publication_render_task.apply_async(args=(0,))
    try:
        waiting = broker.lrange(settings.PDF_QUEUE, 0, -1)
        assert any(sent.id.encode() in message for message in waiting)
        assert not any(sent.id.encode() in message for message in broker.lrange("celery", 0, -1))
    finally:
        for message in broker.lrange(settings.PDF_QUEUE, 0, -1):
            if sent.id.encode() in message:
                broker.lrem(settings.PDF_QUEUE, 1, message)
