"""The activity log: every action that changes or hides data leaves a record (who, when, unit, what, why)
that the admins of the unit and of the units above read in the console, and platform operators export.

PAR rules and freezes, publishing, held answers and voided ballots are logged too; their tests sit beside
the rest of those features (tests/analytics, tests/surveys).
"""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from api.models import ApiClient
from tenants.models import AuditEvent, Membership, Role, User
from tests.conftest import CONFIRM, signed_in

pytestmark = pytest.mark.django_db

# Internal codes that must never reach a page or a file an official reads.
CODES = ("role_grant", "role_revoke", "api_key_issue", "api_key_rotate", "api_key_revoke", "unit_offboard")


@pytest.fixture
def new_events():
    """The records written during the test: module fixtures elsewhere (a province onboarded and put back
    for a whole module) leave records of their own, which nobody can delete."""
    start = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
    return lambda: AuditEvent.objects.filter(pk__gt=start).order_by("id")


def log_url(unit, tail="audit/") -> str:
    return f"/console/units/{unit.structure}/{unit.code}/{tail}"


def add_member(client: Client, unit, email: str, role: str):
    return client.post(log_url(unit, "members/"), {"email": email, "role": role})


def test_granting_changing_and_revoking_a_role_are_logged_and_read_by_the_admins(
    world, province_admin, commune_admin, new_events
):
    client = signed_in(province_admin)
    assert add_member(client, world.commune, "lan@hongthai.test", Role.OFFICER).status_code == 302
    assert add_member(client, world.commune, "lan@hongthai.test", Role.ADMIN).status_code == 302
    assert add_member(client, world.commune, "lan@hongthai.test", Role.ADMIN).status_code == 302  # no change
    membership = Membership.objects.get(user__email="lan@hongthai.test")
    assert client.post(f"/console/members/{membership.pk}/remove/").status_code == 302
    events = list(new_events())
    assert [(e.action, e.actor, e.unit, e.target) for e in events] == [
        ("role_grant", province_admin, world.commune, "lan@hongthai.test"),
        ("role_grant", province_admin, world.commune, "lan@hongthai.test"),
        ("role_revoke", province_admin, world.commune, "lan@hongthai.test"),
    ]
    assert [e.details["role"] for e in events] == ["officer", "admin", "admin"]
    # the commune's admin reads it, in Vietnamese, newest first, without internal codes
    for reader in (commune_admin, province_admin):
        page = signed_in(reader).get(log_url(world.commune))
        assert page.status_code == 200
        rows = page.context["rows"]
        assert [(row["action"], row["what"]) for row in rows] == [
            ("Thu hồi vai trò", "lan@hongthai.test · Quản trị viên"),
            ("Giao vai trò", "lan@hongthai.test · Quản trị viên"),
            ("Giao vai trò", "lan@hongthai.test · Cán bộ"),
        ]
        text = page.text
        assert "Thu hồi vai trò" in text and "lan@hongthai.test · Cán bộ" in text
        assert "admin@langson.test" in text
        visible = re.sub(r"<[^>]+>", " ", text)  # option values may be codes; what is read may not
        assert not any(code in visible for code in CODES)
        assert timezone.localtime(events[0].at).strftime("%d/%m/%Y %H:%M") in text
    # the province's own log gathers the units below it
    assert "Thu hồi vai trò" in signed_in(province_admin).get(log_url(world.province)).text


@pytest.mark.parametrize("persona", ["commune_officer", "district_viewer", "sibling_officer", "outsider"])
def test_only_admins_of_the_unit_or_above_read_its_log(request, world, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(log_url(world.commune)).status_code == 403
    assert client.get(log_url(world.commune, "audit.csv")).status_code == 403
    assert client.get("/console/audit/").status_code == 404
    assert Client().get(log_url(world.commune)).status_code == 302  # to the sign-in page


def test_an_admin_reads_the_log_but_only_operators_export_it(world, operator, province_admin):
    client = signed_in(province_admin)
    add_member(client, world.commune, "binh@hongthai.test", Role.VIEWER)
    formula = '=HYPERLINK("http://x.test","bấm")'
    client.post(
        log_url(world.province, "api-clients/"),
        {"name": formula, "scopes": ["read:figures"], "rate_per_minute": 60},
    )
    assert client.get(log_url(world.province, "audit.csv")).status_code == 403
    assert "Tải về CSV" not in client.get(log_url(world.province)).text
    assert "Tải về CSV" in signed_in(operator).get(log_url(world.province)).text
    exported = signed_in(operator).get(log_url(world.province, "audit.csv"))
    assert exported.status_code == 200 and exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Thời gian",
        "Đơn vị",
        "Mã đơn vị",
        "Người thực hiện",
        "Thao tác",
        "Đối tượng",
        "Lý do",
    ]
    binh = next(r for r in rows[1:] if "binh@hongthai.test" in r[5])
    assert binh[1:6] == [
        world.commune.name,
        world.commune.code,
        "admin@langson.test",
        "Giao vai trò",
        "binh@hongthai.test · Người xem",
    ]
    assert not any(code in "".join(r) for r in rows for code in CODES)
    # a name typed into the console cannot run as a spreadsheet formula
    key = next(r for r in rows[1:] if r[4] == "Cấp khóa API")
    assert key[5].startswith("'=HYPERLINK")


def test_operators_read_and_export_every_units_log(world, operator, province_admin, new_events):
    add_member(signed_in(province_admin), world.commune, "lan@hongthai.test", Role.OFFICER)
    add_member(signed_in(operator), world.other, "x@namdong.test", Role.OFFICER)  # another province
    page = signed_in(operator).get("/console/audit/")
    assert page.status_code == 200
    assert "lan@hongthai.test" in page.text and "x@namdong.test" in page.text
    assert "x@namdong.test" not in signed_in(province_admin).get(log_url(world.province)).text
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(signed_in(operator).get("/console/audit.csv").streaming_content).decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 1 + AuditEvent.objects.count()
    assert new_events().count() == 2


def test_the_log_filters_by_period_and_action_and_refuses_bad_filters(world, province_admin, commune_admin):
    client = signed_in(province_admin)
    add_member(client, world.commune, "lan@hongthai.test", Role.OFFICER)
    client.post(f"/console/members/{Membership.objects.get(user__email='lan@hongthai.test').pk}/remove/")
    reader = signed_in(commune_admin)
    today = timezone.localdate().strftime("%d/%m/%Y")
    only_revoked = reader.get(
        log_url(world.commune), {"action": "role_revoke", "date_from": today, "date_to": today}
    )
    assert [row["event"].action for row in only_revoked.context["rows"]] == ["role_revoke"]
    assert reader.get(log_url(world.commune), {"date_to": "01/01/2020"}).context["rows"] == []
    for params, message in [
        ({"date_from": "31/02/2026"}, "dd/mm/yyyy"),
        ({"date_from": "02/01/2026", "date_to": "01/01/2026"}, "ngày kết thúc kỳ trước ngày bắt đầu"),
        ({"action": "drop_table"}, "không có trong danh sách"),
        ({"page": "0"}, "số nguyên"),
        ({"page": "99"}, "không có trang 99"),
    ]:
        answer = reader.get(log_url(world.commune), params)
        assert answer.status_code == 400, params
        assert message in answer.text.lower(), (params, answer.text[-1500:])


def test_api_keys_issued_rotated_and_revoked_in_the_console_are_logged(world, province_admin, new_events):
    client = signed_in(province_admin)
    base = log_url(world.province, "api-clients/")
    assert (
        client.post(
            base, {"name": "Một cửa tỉnh", "scopes": ["read:figures"], "rate_per_minute": 60}
        ).status_code
        == 201
    )
    api_client = ApiClient.objects.get()
    first_prefix = api_client.key_prefix
    assert client.post(f"{base}{api_client.pk}/rotate/", CONFIRM).status_code == 200
    assert client.post(f"{base}{api_client.pk}/revoke/", CONFIRM).status_code == 200
    assert (
        client.post(f"{base}{api_client.pk}/revoke/", CONFIRM).status_code == 200
    )  # already revoked: nothing new
    api_client.refresh_from_db()
    events = list(new_events().values_list("action", "actor", "unit", "target"))
    assert events == [
        ("api_key_issue", province_admin.pk, world.province.pk, f"Một cửa tỉnh ({first_prefix}…)"),
        (
            "api_key_rotate",
            province_admin.pk,
            world.province.pk,
            f"Một cửa tỉnh ({first_prefix}… → {api_client.key_prefix}…)",
        ),
        ("api_key_revoke", province_admin.pk, world.province.pk, f"Một cửa tỉnh ({api_client.key_prefix}…)"),
    ]
    text = signed_in(province_admin).get(log_url(world.province)).text
    assert "Cấp khóa API" in text and "Đổi khóa API" in text and "Thu hồi khóa API" in text


def test_offboarding_from_the_command_line_is_logged_and_readable_above_the_unit(
    world, province_admin, new_events
):
    call_command(
        "offboard_unit", world.sibling.code, "--structure", "legacy", "--reason", "Sáp nhập vào xã mới"
    )
    event = new_events().get()
    assert (event.action, event.actor, event.unit, event.reason) == (
        "unit_offboard",
        None,
        world.sibling,
        "Sáp nhập vào xã mới",
    )
    text = signed_in(province_admin).get(log_url(world.province)).text
    assert "Đơn vị ngừng tham gia hệ thống" in text
    assert "Người vận hành (dòng lệnh)" in text and "Sáp nhập vào xã mới" in text


def test_roles_removed_in_the_django_admin_are_logged_too(world, operator, province_admin, new_events):
    for email in ("hoa@x.test", "mai@x.test", "lan@x.test"):
        add_member(signed_in(province_admin), world.commune, email, Role.VIEWER)
    first, second, third = Membership.objects.filter(unit=world.commune).order_by("user__email")
    client = signed_in(operator)
    # one from its page, two at once from the list
    assert client.post(f"/admin/tenants/membership/{first.pk}/delete/", {"post": "yes"}).status_code == 302
    bulk = client.post(
        "/admin/tenants/membership/",
        {"action": "delete_selected", "_selected_action": [second.pk, third.pk], "post": "yes"},
    )
    assert bulk.status_code == 302
    assert not Membership.objects.filter(unit=world.commune).exists()
    revoked = new_events().filter(action="role_revoke")
    assert sorted(revoked.values_list("target", "actor")) == [
        ("hoa@x.test", operator.pk),
        ("lan@x.test", operator.pk),
        ("mai@x.test", operator.pk),
    ]


def test_a_record_can_be_neither_changed_nor_deleted(world, province_admin, new_events):
    add_member(signed_in(province_admin), world.commune, "lan@hongthai.test", Role.OFFICER)
    event = new_events().get()
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="sửa lại"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
            attempt()
    assert new_events().get().reason == ""
    admin = signed_in(User.objects.create_superuser(username="r@x.test", email="r@x.test", password="x"))
    assert admin.post(f"/admin/tenants/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
