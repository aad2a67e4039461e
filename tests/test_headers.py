"""Security headers and settings: a Content-Security-Policy on every page, framing only by the one-stop
systems an operator lists, HSTS with subdomains and a real secret key in production.

tests/surveys/test_citizen_browser.py checks in Chromium that the policies let the pages work.
"""

import ipaddress
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.models import Campaign, Desk
from surveys.paper import paper_batch_open
from surveys.services import qr_link_create
from tenants.routing import public_reverse, unit_reverse
from tests.conftest import signed_in

ROOT = Path(__file__).resolve().parents[1]
ONE_STOP = "https://motcua.langson.gov.vn"


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in policy.split("; ")}


@pytest.fixture
def form_url(world) -> str:
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
    return public_reverse("citizen_qr", qr_link_create(unit=world.commune, campaign=campaign).code)


# --------------------------------------------------------------------------- Content-Security-Policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    ["/console/", "/accounts/login/", "/admin/login/", "/api/v1/docs/", "/u/{commune}/console/", "/nowhere/"],
)
def test_every_page_has_a_policy_without_inline_script_or_framing(world, commune_officer, page):
    response = signed_in(commune_officer).get(page.format(commune=world.commune.schema_name))
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_console_pages_carry_no_inline_script(world, commune_officer, commune_admin):
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="son_tay_2017")
        today = timezone.localdate()
        batch = paper_batch_open(
            campaign=campaign,
            desk=Desk.objects.create(name="Quầy 1"),
            box_label="Hòm phiếu",
            collected_from=today,
            collected_to=today,
            declared_count=2,
            opened_by=commune_officer,
        )
    pages = [
        unit_reverse(world.commune, "unit:paper_batch", batch.pk),
        unit_reverse(world.commune, "unit:results"),
        unit_reverse(world.commune, "unit:questionnaires"),
        f"/console/units/legacy/{world.commune.code}/",
        "/api/v1/docs/",
    ]
    for page in pages:
        html = signed_in(commune_admin).get(page).content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", html)
        handlers = re.findall(r"<[^>]+\son[a-z]+=", html)
        assert not inline and not handlers, page


@pytest.mark.django_db
def test_the_citizen_form_keeps_its_own_stricter_policy(form_url):
    policy = directives(Client().get(form_url))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"].startswith("'sha256-")
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_listed_one_stop_systems_may_frame_the_form_and_public_results_only(
    world, settings, form_url, commune_officer
):
    settings.FRAME_ANCESTORS = [ONE_STOP]
    for page in (form_url, f"/ket-qua/{world.commune.schema_name}/"):
        response = Client().get(page)
        assert directives(response)["frame-ancestors"] == ONE_STOP, page
        assert "X-Frame-Options" not in response, page
    console = signed_in(commune_officer).get("/console/")
    assert directives(console)["frame-ancestors"] == "'none'"
    assert console["X-Frame-Options"] == "DENY"


# --------------------------------------------------------------------------- production settings


def django_process(code: str, **env: str) -> subprocess.CompletedProcess:
    """Python with the production settings and `env` only (no inherited SECRET_KEY and friends)."""
    base = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        "DATABASE_URL": "postgres://sipas@127.0.0.1:5432/sipas",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "BASE_URL": "https://khaosat.langson.gov.vn",
        "ALLOWED_HOSTS": "khaosat.langson.gov.vn",
    }
    return subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


START = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"


@pytest.mark.parametrize(
    "secret",
    [None, "", "insecure-demo-key-change-me", "short", "django-insecure-" + "x" * 50],
    ids=["missing", "empty", "demo", "short", "django-insecure"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    done = django_process(START, **env)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def test_production_passes_djangos_deployment_checks():
    code = (
        "import sys, django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    done = django_process(code, SECRET_KEY=secrets.token_urlsafe(50), FRAME_ANCESTORS=ONE_STOP)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.django_db
def test_production_sends_hsts_with_subdomains():
    # the test database: the request goes through the tenant middleware, which reads the registry
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', secure=True, HTTP_HOST='khaosat.langson.gov.vn'); "
        "print(r['Strict-Transport-Security'])"
    )
    done = django_process(code, SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=url)
    assert done.stdout.strip().splitlines()[-1] == "max-age=31536000; includeSubDomains", done.stderr[-2000:]


def test_a_malformed_frame_ancestor_stops_the_start():
    done = django_process(
        START, SECRET_KEY=secrets.token_urlsafe(50), FRAME_ANCESTORS="https://a.vn; script-src *"
    )
    assert done.returncode != 0
    assert "FRAME_ANCESTORS" in done.stderr


# --------------------------------------------------------------------------- the compose file


def test_compose_believes_x_real_ip_only_from_its_nginx():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    nginx_address = services["nginx"]["networks"]["edge"]["ipv4_address"]
    for name in ("web", "worker", "beat"):
        trusted = services[name]["environment"]["TRUSTED_PROXY_NETWORKS"]
        assert trusted == f"{nginx_address}/32", name
    # only nginx and web share the edge network, and web publishes no port of its own
    on_edge = {name for name, s in services.items() if "edge" in (s.get("networks") or [])}
    assert on_edge == {"web", "nginx"}
    assert "ports" not in services["web"]
    subnet = compose["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet)
    nginx_conf = (ROOT / "deploy" / "nginx" / "sipas.conf").read_text()
    assert "proxy_set_header X-Real-IP $remote_addr;" in nginx_conf  # a client's own header is overwritten
