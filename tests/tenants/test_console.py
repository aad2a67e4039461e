"""The staff console shell: sign-in, the units a user may act in, members, language, health."""

import pytest
from django.test import Client, override_settings

from tenants.models import Membership, Role, User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@override_settings(LANGUAGE_CODE="vi")
def test_the_login_page_is_vietnamese_by_default():
    page = Client().get("/accounts/login/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text
    assert "Đăng nhập" in page.text


def test_signing_in_with_email_and_password_opens_the_console(world, province_admin):
    client = Client()
    page = client.post(
        "/accounts/login/", {"username": "admin@langson.test", "password": "secret-pass-123"}, follow=True
    )
    assert page.redirect_chain[-1][0] == "/console/"
    assert world.province.name in page.text


def test_the_console_needs_a_login():
    page = Client().get("/console/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")


def test_a_province_admin_sees_the_subtree_with_onboarding_states(world, province_admin):
    page = signed_in(province_admin).get(f"/console/units/legacy/{world.province.code}/")
    assert page.status_code == 200
    assert world.district.name in page.text
    district = signed_in(province_admin).get(f"/console/units/legacy/{world.district.code}/")
    assert world.commune.name in district.text
    assert world.sibling.name in district.text


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("commune_officer", "sibling", 403),
        ("commune_officer", "commune", 200),
        ("district_viewer", "commune", 200),
        ("district_viewer", "other", 403),
        ("outsider", "commune", 403),
    ],
)
def test_a_unit_page_is_refused_outside_the_users_subtree(request, world, persona, unit, status):
    target = getattr(world, unit)
    page = signed_in(request.getfixturevalue(persona)).get(f"/console/units/legacy/{target.code}/")
    assert page.status_code == status


def test_a_unit_beyond_ones_roles_is_refused_by_name_with_a_way_on_and_an_unknown_one_is_404(outsider, world):
    client = signed_in(outsider)
    refused = client.get(f"/console/units/legacy/{world.commune.code}/")
    assert refused.status_code == 403
    assert "Bạn không có quyền xem trang này" in refused.text and world.commune.name in refused.text
    assert 'href="/console/"' in refused.text  # where to go: the person's own units
    assert f'href="/ket-qua/{world.commune.slug}/"' in refused.text  # and the unit's public results
    assert "Không có đơn vị này" not in refused.text
    assert client.get("/console/units/legacy/99999/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("commune_officer", "commune", 200),
        ("sibling_officer", "commune", 403),
        ("district_viewer", "commune", 200),
        ("outsider", "commune", 403),
    ],
)
def test_a_units_own_console_follows_the_permission_helper(request, world, persona, unit, status):
    target = getattr(world, unit)
    page = signed_in(request.getfixturevalue(persona)).get(f"/u/{target.schema_name}/console/")
    assert page.status_code == status


def test_a_province_admin_adds_an_officer_to_a_commune_below(world, province_admin):
    page = signed_in(province_admin).post(
        f"/console/units/legacy/{world.commune.code}/members/",
        {"email": "New.Officer@HongThai.test", "role": "officer"},
    )
    assert page.status_code == 302
    member = Membership.objects.get(unit=world.commune, user__email="new.officer@hongthai.test")
    assert member.role == Role.OFFICER
    assert member.granted_by == province_admin


def test_a_district_viewer_cannot_add_members_and_nothing_is_created(world, district_viewer):
    page = signed_in(district_viewer).post(
        f"/console/units/legacy/{world.commune.code}/members/", {"email": "x@y.test", "role": "admin"}
    )
    assert page.status_code == 403
    assert not User.objects.filter(email="x@y.test").exists()


def test_a_membership_outside_the_granters_subtree_is_refused(world, province_admin):
    page = signed_in(province_admin).post(
        f"/console/units/legacy/{world.other.code}/members/", {"email": "x@y.test", "role": "viewer"}
    )
    assert page.status_code == 403
    assert not User.objects.filter(email="x@y.test").exists()


@pytest.mark.parametrize(
    "form", [{"email": "not-an-email", "role": "viewer"}, {"email": "a@b.test", "role": "owner"}]
)
def test_a_bad_member_form_shows_errors_and_writes_nothing(world, province_admin, form):
    page = signed_in(province_admin).post(f"/console/units/legacy/{world.commune.code}/members/", form)
    assert page.status_code == 400
    assert not Membership.objects.filter(unit=world.commune).exclude(user=province_admin).exists()


@override_settings(LANGUAGE_CODE="vi")
def test_the_language_switch_gives_the_english_console(world, province_admin):
    client = signed_in(province_admin)
    assert 'lang="vi"' in client.get("/console/").text
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    page = client.get("/console/")
    assert 'lang="en"' in page.text
    assert "Your units" in page.text


def test_the_unit_switcher_opens_an_onboarded_units_console(world, commune_officer):
    page = signed_in(commune_officer).get("/console/switch/", {"unit": world.commune.pk})
    assert page["Location"] == f"/u/{world.commune.schema_name}/console/"
    assert signed_in(commune_officer).get("/console/switch/", {"unit": "abc"}).status_code == 302


def test_health_reports_the_database_and_the_broker():
    page = Client().get("/healthz")
    assert page.status_code == 200
    assert page.json()["database"] == "ok"
    assert page.json()["status"] in {"ok", "degraded"}


def test_an_anonymous_visitor_of_a_units_page_is_sent_to_sign_in(world):
    page = Client().get(f"/u/{world.commune.schema_name}/console/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/?next=/u/")
