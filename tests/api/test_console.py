"""Province admins manage API clients in the console; the key is shown once."""

import io

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiClient, Scope
from api.services import api_client_create, api_client_for_key
from tenants.models import Unit
from tenants.routing import unit_reverse
from tests.conftest import CONFIRM, signed_in

from .conftest import Api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def page(unit, tail=""):
    return f"/console/units/{unit.structure}/{unit.code}/api-clients/{tail}"


def test_a_province_admin_creates_a_client_and_sees_the_key_once(world, province_admin):
    client = signed_in(province_admin)
    created = client.post(
        page(world.province),
        {"name": "Một cửa tỉnh", "scopes": ["read:figures", "write:dossiers"], "rate_per_minute": 120},
    )
    assert created.status_code == 201
    key = created.context["new_key"]
    assert api_client_for_key(key).name == "Một cửa tỉnh"
    assert key not in client.get(page(world.province)).text


def test_rotation_shows_a_new_key_and_revocation_stops_the_client(world, province_admin):
    client = signed_in(province_admin)
    key = client.post(
        page(world.province), {"name": "A", "scopes": ["read:figures"], "rate_per_minute": 60}
    ).context["new_key"]
    api = ApiClient.objects.get(name="A")
    asked = client.post(page(world.province, f"{api.pk}/rotate/"))
    assert asked.status_code == 200 and "new_key" not in asked.context
    assert api_client_for_key(key).pk == api.pk  # asking is not rotating
    new = client.post(page(world.province, f"{api.pk}/rotate/"), CONFIRM).context["new_key"]
    assert api_client_for_key(key) is None
    assert api_client_for_key(new).pk == api.pk
    asked = client.post(page(world.province, f"{api.pk}/revoke/"))
    assert asked.status_code == 200 and "can never be turned on again" in asked.text
    api.refresh_from_db()
    assert api.is_active  # asking is not revoking
    client.post(page(world.province, f"{api.pk}/revoke/"), CONFIRM)
    api.refresh_from_db()
    assert not api.is_active


@pytest.mark.parametrize("persona", ["district_viewer", "commune_admin", "outsider"])
def test_only_a_province_admin_manages_clients(request, world, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(page(world.province)).status_code == 403
    assert (
        client.post(
            page(world.province), {"name": "x", "scopes": ["read:figures"], "rate_per_minute": 5}
        ).status_code
        == 403
    )
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    "form",
    [
        {"name": "", "scopes": ["read:figures"], "rate_per_minute": 5},
        {"name": "x", "scopes": ["root"], "rate_per_minute": 5},
        {"name": "x", "scopes": ["read:figures"], "rate_per_minute": 0},
    ],
)
def test_a_bad_client_form_is_refused_and_nothing_is_stored(world, province_admin, form):
    assert signed_in(province_admin).post(page(world.province), form).status_code == 400
    assert not ApiClient.objects.exists()


def test_an_operator_creates_the_national_portals_client_from_the_command_line(operator):
    out = io.StringIO()
    call_command(
        "create_api_client",
        "--unit",
        "VN",
        "--name",
        "Cổng DVC quốc gia",
        "--scope",
        "read:figures",
        "--operator",
        operator.email,
        stdout=out,
    )
    key = out.getvalue().split("Key (shown once, store it now): ")[1].strip()
    assert api_client_for_key(key).unit.level == "national"
    with pytest.raises(CommandError, match="operator"):
        call_command(
            "create_api_client",
            "--unit",
            "VN",
            "--name",
            "x",
            "--scope",
            "read:figures",
            "--operator",
            "nobody@example.test",
        )


# --------------------------------------------------------------------------- one rule for both doors

PERSONAS = ["commune_officer", "district_viewer", "province_admin", "outsider"]
# What each persona's console shows, per unit: (figures, raw responses). The same rule must bind any
# key they can get: what the console refuses, the API refuses too.
CONSOLE = {
    "commune_officer": {"commune": (True, True), "sibling": (False, False), "district": (False, False)},
    "district_viewer": {"commune": (True, False), "sibling": (True, False), "district": (True, False)},
    "province_admin": {"commune": (True, False), "sibling": (True, False), "district": (True, False)},
    "outsider": {"commune": (False, False), "sibling": (False, False), "district": (False, False)},
}


def _mint(browser, unit) -> str | None:
    """Every scope, through the console's own form; None when the page refuses the persona."""
    answer = browser.post(
        page(unit), {"name": "Một cửa", "scopes": list(Scope.values), "rate_per_minute": 600}
    )
    return answer.context["new_key"] if answer.status_code == 201 else None


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_reaches_no_further_than_the_console_of_whoever_issued_the_key(request, world, persona):
    # given a persona, their console, and whatever key they can issue themselves
    browser = signed_in(request.getfixturevalue(persona))
    key = _mint(browser, world.province)
    api = Api(key) if key else None
    assert (key is not None) == (persona == "province_admin")

    for name, (figures, responses) in CONSOLE[persona].items():
        unit = getattr(world, name)
        # when they read a unit's figures and raw responses through both doors
        console = (
            browser.get(unit_reverse(unit, "unit:results")).status_code == 200,
            browser.get(unit_reverse(unit, "unit:responses")).status_code == 200,
        )
        through_api = (
            api is not None and api.get(f"/api/v1/units/legacy/{unit.code}/figures/").status_code == 200,
            api is not None and api.get(f"/api/v1/units/legacy/{unit.code}/responses/").status_code == 200,
        )
        # then the console shows what the roles say, and the key never more than the console
        assert console == (figures, responses), name
        assert through_api == (console if api else (False, False)), name


def test_raw_responses_stay_with_the_unit_whose_own_key_reads_them(world, operator):
    """A commune's own system reads its responses; keys above it, even the national one, do not."""

    def key(unit):
        return Api(
            api_client_create(creator=operator, unit=unit, name=unit.code, scopes=["read:responses"])[1]
        )

    own, district, national = key(world.commune), key(world.district), key(Unit.objects.get(level="national"))
    path = f"/api/v1/units/legacy/{world.commune.code}/responses/"
    assert own.get(path).status_code == 200
    assert own.get(f"/api/v1/units/legacy/{world.sibling.code}/responses/").status_code == 404
    assert district.get(path).status_code == 404
    assert national.get(path).status_code == 404
