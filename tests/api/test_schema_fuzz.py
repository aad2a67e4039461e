"""Schemathesis against the served OpenAPI schema, every operation, every check, both ways: data the
schema allows must be accepted, data it forbids refused, and every answer must match the schema.

It runs in-process on the WSGI app, inside the test database, with a commune's key that holds every
scope; unit operations are called on that commune (unknown units are 404s, tested elsewhere).
(Schemathesis' own pytest plugin does not run on pytest 9 yet, so each operation's strategy is
driven with Hypothesis directly.)

What JSON Schema cannot say is listed in BUSINESS_RULES: a rule relating two fields (a period runs
forward), a rule about the world (a procedure code of the unit's catalog, a webhook host with public
addresses). A schema-valid call may get a 400 for such a rule only, on the field the rule names; the
operation's description states the rule. Every other 400 to schema-valid data is a failure.
"""

import json
import os
import socket

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import Scope
from api.services import api_client_create

pytestmark = pytest.mark.django_db

# The suite runs a fixed, reproducible sample; SCHEMA_FUZZ_EXAMPLES=500 explores more on demand.
MAX_EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "20"))
DERANDOMIZE = "SCHEMA_FUZZ_EXAMPLES" not in os.environ
PERIOD = {"from", "to"}
BUSINESS_RULES = {
    "GET /api/v1/units/{structure}/{code}/figures/": PERIOD,
    "GET /api/v1/units/{structure}/{code}/ranking/": PERIOD,
    "GET /api/v1/units/{structure}/{code}/quotas/": PERIOD,
    "GET /api/v1/units/{structure}/{code}/responses/": PERIOD,
    "POST /api/v1/units/{structure}/{code}/transaction-counts/": {"procedure", "period_start", "period_end"},
    "POST /api/v1/webhooks/": {"url"},
    "GET /api/v1/units/{structure}/{code}/feedback-figures/": PERIOD,
    # Schema-valid feedback the unit refuses: a date in the future or before 2015, a procedure not in
    # its catalog, a phone number or e-mail that is not one, a malformed dossier code, a code twice.
    "POST /api/v1/units/{structure}/{code}/feedback-events/": {
        "MaPAKN",
        "NgayGui",
        "NoiDung",
        "MaTTHC",
        "MaHoSo",
        "HoTen",
        "SoDienThoai",
        "Email",
        "DiaChi",
    },
}


@pytest.fixture
def wsgi_app():
    # Django's test client keeps the test transaction's connection open between requests; a bare
    # WSGI app would close it at the end of each request, so do what the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def public_dns(monkeypatch):
    """Every generated webhook host name resolves to one public address: real DNS is off the machine."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            return real(host, port, *args, flags=socket.AI_NUMERICHOST)
        except (socket.gaierror, UnicodeError, TypeError):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _business_rule(operation, response) -> bool:
    fields = BUSINESS_RULES.get(operation.label, set())
    if response.status_code != 400 or not fields:
        return False
    error = json.loads(response.content)["error"]
    named = {d["field"] for d in error.get("details", [error])}
    return all(str(name).split(".")[-1].split("]")[-1] in fields for name in named)


@pytest.mark.usefixtures("public_dns")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_schema(world, operator, wsgi_app, settings, mode):
    # the checks that call without a key must meet 401s, not the address limit's 429s
    settings.API_ANONYMOUS_RATE_PER_MINUTE = 1_000_000
    # a commune's own key, so every unit operation reaches real data: figures, responses, dossiers
    _client, key = api_client_create(
        creator=operator,
        unit=world.commune,
        name="fuzz",
        scopes=list(Scope.values),
        rate_per_minute=100_000,
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 17
    failures = []

    unit = {"structure": world.commune.structure, "code": world.commune.code}
    for operation in operations:
        fixed = unit if "{structure}" in operation.path else None

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=DERANDOMIZE,
        )
        def check(case):
            # the key goes where the generated one was; a case that leaves it out on purpose stays without
            if "Authorization" in (case.headers or {}):
                case.headers["Authorization"] = f"Api-Key {key}"
            response = case.call()
            excluded = [positive_data_acceptance] if _business_rule(case.operation, response) else []
            case.validate_response(response, excluded_checks=excluded)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - every operation's failure, then one report
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
