"""`onboard_unit --province`: a whole province, resumable after a crash, idempotent."""

import signal
import subprocess
import sys
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tenants.models import Structure, Unit
from tenants.services import units_onboard

from .conftest import ROOT

pytestmark = pytest.mark.usefixtures("english")

# Lai Châu, the current province with the fewest communes (38); no unit of it is in the test world.
PROVINCE = "12"


def province_state(conn) -> dict[str, tuple[bool, bool, int]]:
    """schema name → (onboarded, schema exists, routes) for the province and every unit below it."""
    rows = conn.execute(
        "SELECT u.schema_name, u.onboarded_at IS NOT NULL,"
        " EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = u.schema_name),"
        " (SELECT count(*) FROM tenants_domain d WHERE d.tenant_id = u.id)"
        " FROM tenants_unit u WHERE u.path LIKE %s",
        [f"c:{PROVINCE}/%"],
    ).fetchall()
    return {name: (onboarded, schema, routes) for name, onboarded, schema, routes in rows}


def test_a_killed_province_run_resumes_where_it_stopped_and_a_third_run_changes_nothing(own_database):
    with own_database.connect() as conn:
        total = len(province_state(conn))
        assert total == 39  # the province and its 38 communes, none onboarded
        # given a run killed after a few units (SIGKILL: no clean-up of any kind)
        run = subprocess.Popen(  # noqa: S603 - this interpreter and manage.py
            [sys.executable, "manage.py", "onboard_unit", "--province", PROVINCE],
            cwd=ROOT,
            env=own_database.environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.poll() is None:
            if sum(onboarded for onboarded, _s, _r in province_state(conn).values()) >= 3:
                break
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        assert run.returncode == -signal.SIGKILL, "the run finished before it could be interrupted"
        own_database.idle(conn)
        state = province_state(conn)
        done = sum(onboarded for onboarded, _s, _r in state.values())
        # then nothing is half-done: a unit has its schema and its one route, or neither
        assert 3 <= done < total
        assert all(v in {(True, True, 1), (False, False, 0)} for v in state.values()), state
        # and one of them is offboarded meanwhile (its schema and data stay)
        offboarded = next(name for name, (onboarded, _s, _r) in state.items() if onboarded)
        assert own_database.manage("offboard_unit", offboarded.lstrip("px")).returncode == 0

        # when the same command runs again
        again = own_database.manage("onboard_unit", "--province", PROVINCE)
        # then it finishes the province, skipping what was done and reopening the offboarded unit
        assert again.returncode == 0, again.stderr
        assert f"{total - done + 1} units onboarded" in again.stdout
        assert f"{done - 1} already onboarded" in again.stdout
        assert "1 of them had a schema already" in again.stdout
        assert set(province_state(conn).values()) == {(True, True, 1)}

        # and a third run changes nothing
        third = own_database.manage("onboard_unit", "--province", PROVINCE)
        assert third.returncode == 0, third.stderr
        assert "0 units onboarded in" in third.stdout
        assert f"{total} already onboarded" in third.stdout


@pytest.mark.django_db
def test_only_a_province_can_be_onboarded_as_a_whole(world):
    onboarded = Unit.objects.filter(onboarded_at__isnull=False).count()
    with pytest.raises(ValidationError, match="not a province"):
        units_onboard(province=world.district)
    assert Unit.objects.filter(onboarded_at__isnull=False).count() == onboarded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give either a unit code or --province"),
        (("06172", "--province", PROVINCE), "Give either a unit code or --province"),
        (("--province", PROVINCE, "--admin-email", "a@b.test"), "cannot be used with --province"),
        (("--province", "99"), "No unit with code 99"),
        (("--province", "182", "--structure", Structure.LEGACY), "not a province"),
    ],
)
def test_the_province_command_refuses_bad_arguments_and_onboards_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("onboard_unit", *args)
    assert not Unit.objects.filter(path__startswith=f"c:{PROVINCE}/", onboarded_at__isnull=False).exists()
