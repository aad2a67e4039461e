import io
import platform as stdlib_platform
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from surveys.models import Desk
from tenants.models import Domain, Membership, Role, Structure, Unit
from tenants.services import unit_offboard, unit_onboard

# Assertions read the English messages (see the `english` fixture).
pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.django_db
def test_onboarding_creates_a_working_schema_a_route_and_an_admin():
    # given a unit of the registry that has no schema
    unit = Unit.objects.get(structure=Structure.CURRENT, code="20")
    assert not schema_exists(unit.schema_name)
    # when
    result = unit_onboard(unit=unit, admin_email="Chu.Tich@LangSon.test")
    # then
    assert result.schema_created
    assert schema_exists(unit.schema_name)
    assert Domain.objects.get(tenant=unit).domain == "p20"
    assert Membership.objects.get(unit=unit).role == Role.ADMIN
    assert result.admin.email == "chu.tich@langson.test"
    with tenant_context(unit):
        Desk.objects.create(name="Bộ phận một cửa")
        assert Desk.objects.count() == 1


@pytest.mark.django_db
def test_onboarding_twice_is_refused_and_changes_nothing(world):
    before = world.commune.onboarded_at
    with pytest.raises(ValidationError, match="already onboarded"):
        unit_onboard(unit=world.commune, admin_email="intruder@example.test")
    world.commune.refresh_from_db()
    assert world.commune.onboarded_at == before
    assert not Membership.objects.filter(unit=world.commune).exists()


@pytest.mark.django_db
def test_offboarding_keeps_the_data_and_onboarding_again_reuses_the_schema(world):
    with tenant_context(world.other):
        Desk.objects.create(name="Quầy 1")
    unit_offboard(unit=world.other)
    assert not Domain.objects.filter(tenant=world.other).exists()
    result = unit_onboard(unit=world.other)
    assert not result.schema_created
    with tenant_context(world.other):
        assert Desk.objects.filter(name="Quầy 1").exists()


@pytest.mark.django_db
def test_the_command_reports_a_clear_error_for_an_unknown_code():
    with pytest.raises(CommandError, match="No unit with code 99999"):
        call_command("onboard_unit", "99999")


@pytest.mark.django_db
def test_the_command_onboards_a_legacy_unit_by_code():
    out = io.StringIO()
    call_command(
        "onboard_unit", "269", "--structure", "legacy", "--admin-email", "st@sontay.test", stdout=out
    )
    assert "Onboarded Thị xã Sơn Tây" in out.getvalue()
    assert schema_exists("ld269")


@pytest.mark.django_db
def test_the_command_refuses_a_bad_email_and_writes_nothing():
    unit = Unit.objects.get(structure=Structure.CURRENT, code="44")
    with pytest.raises(CommandError, match="not an e-mail"):
        call_command("onboard_unit", "44", "--admin-email", "not-an-email")
    unit.refresh_from_db()
    assert not unit.is_onboarded
    assert not schema_exists(unit.schema_name)


@pytest.mark.django_db
def test_a_row_in_one_units_schema_is_invisible_from_another(world):
    with tenant_context(world.commune):
        Desk.objects.create(name="Bộ phận một cửa Hồng Thái")
    with tenant_context(world.sibling):
        assert not Desk.objects.filter(name__contains="Hồng Thái").exists()
    with tenant_context(world.commune):
        assert Desk.objects.filter(name__contains="Hồng Thái").count() == 1
    assert connection.schema_name == "public"


def test_platform_is_a_folder_not_a_package_and_the_stdlib_module_still_imports():
    root = Path(__file__).resolve().parents[2]
    assert (root / "platform" / "config").is_dir()
    assert not (root / "platform" / "__init__.py").exists()
    assert Path(stdlib_platform.__file__).parent != root / "platform"
    assert stdlib_platform.python_version()


def test_the_demo_accounts_printed_by_make_demo_match_the_seeded_ones():
    from tenants.demo import ACCOUNTS, DEMO_PASSWORD

    text = (Path(__file__).resolve().parents[2] / "deploy" / "demo-accounts.txt").read_text()
    assert DEMO_PASSWORD in text
    for account in ACCOUNTS:
        assert account.email in text
