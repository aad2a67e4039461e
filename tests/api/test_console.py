"""Province admins manage API clients in the console; the key is shown once."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from api.models import ApiClient
from api.services import api_client_for_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


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
    new = client.post(page(world.province, f"{api.pk}/rotate/")).context["new_key"]
    assert api_client_for_key(key) is None
    assert api_client_for_key(new).pk == api.pk
    client.post(page(world.province, f"{api.pk}/revoke/"))
    api.refresh_from_db()
    assert not api.is_active


@pytest.mark.parametrize("persona", ["district_viewer", "commune_admin", "outsider"])
def test_only_a_province_admin_manages_clients(request, world, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(page(world.province)).status_code == 404
    assert (
        client.post(
            page(world.province), {"name": "x", "scopes": ["read:figures"], "rate_per_minute": 5}
        ).status_code
        == 404
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
