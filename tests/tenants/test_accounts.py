"""Accounts: invitations, choosing and resetting a password, and the throttle on guessing passwords.

Everything goes through the pages a person uses (console, sign-in, e-mailed links, Django admin).
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tenants.models import Membership, Role, Structure, Unit, User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # the password of the conftest personas
NEW_PASSWORD = "Hong-Thai-2026!"


def link_in(message) -> str:
    """The path of the one-time link in an e-mail (the e-mail carries BASE_URL in front of it)."""
    match = re.search(r"https?://[^/\s]+(/accounts/password/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def choose_password(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open an e-mailed link and choose a password, as a person does: the link redirects to a form."""
    opened = client.get(path)
    assert opened.status_code == 302, opened.status_code
    form = opened["Location"]
    return client.post(form, {"new_password1": password, "new_password2": password})


def sign_in(client: Client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)


# --------------------------------------------------------------------------- invitations


def test_a_member_added_from_the_console_gets_an_email_and_chooses_a_password(world, province_admin):
    # given a province admin adds someone new to a commune below
    page = signed_in(province_admin).post(
        f"/console/units/legacy/{world.commune.code}/members/",
        {"email": "Moi.CanBo@HongThai.test", "role": "officer"},
    )
    assert page.status_code == 302
    # then the person gets one e-mail, Vietnamese first, naming the unit and the role
    (message,) = mail.outbox
    assert message.to == ["moi.canbo@hongthai.test"]
    assert "Hồng Thái" in message.subject
    assert "Cán bộ" in message.body and "Officer" in message.body
    assert province_admin.email in message.body
    # and the e-mailed link lets them choose a password and lands them in the console
    citizen = Client()
    done = choose_password(citizen, link_in(message))
    assert done.status_code == 302 and done["Location"] == "/console/"
    assert world.commune.name in citizen.get("/console/").text
    # and from then on they sign in like anyone else
    assert sign_in(Client(), "moi.canbo@hongthai.test", NEW_PASSWORD).status_code == 302


def test_the_console_says_who_still_has_to_choose_a_password(world, province_admin):
    client = signed_in(province_admin)
    page = client.post(
        f"/console/units/legacy/{world.commune.code}/members/",
        {"email": "moi@hongthai.test", "role": "viewer"},
        follow=True,
    )
    assert "moi@hongthai.test" in page.text
    assert "chưa đặt mật khẩu" in page.text  # invited, no password chosen yet


def test_an_invitation_link_works_once(world, province_admin):
    signed_in(province_admin).post(
        f"/console/units/legacy/{world.commune.code}/members/", {"email": "a@hongthai.test", "role": "viewer"}
    )
    path = link_in(mail.outbox[0])
    assert choose_password(Client(), path).status_code == 302
    again = Client().get(path, follow=True)
    assert "không còn dùng được" in again.text  # this link can no longer be used
    user = User.objects.get(email="a@hongthai.test")
    assert user.check_password(NEW_PASSWORD)


def test_inviting_again_sends_a_fresh_link_and_someone_with_a_password_is_only_told(
    world, province_admin, outsider
):
    client = signed_in(province_admin)
    url = f"/console/units/legacy/{world.commune.code}/members/"
    client.post(url, {"email": "b@hongthai.test", "role": "viewer"})
    client.post(url, {"email": "b@hongthai.test", "role": "officer"})
    assert len(mail.outbox) == 2
    assert Membership.objects.get(user__email="b@hongthai.test", unit=world.commune).role == Role.OFFICER
    link_in(mail.outbox[1])
    # someone who already signs in gets no link, only the news
    client.post(url, {"email": outsider.email.upper(), "role": "viewer"})
    told = mail.outbox[2]
    assert "/accounts/password/" not in told.body
    assert "/accounts/login/" in told.body
    assert User.objects.filter(email__iexact=outsider.email).count() == 1


def test_an_invitation_that_cannot_be_sent_changes_nothing(world, province_admin, settings):
    # given the mail server is down (nothing listens on this loopback port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    page = signed_in(province_admin).post(
        f"/console/units/legacy/{world.commune.code}/members/", {"email": "c@hongthai.test", "role": "viewer"}
    )
    assert page.status_code == 400
    assert "Không gửi được" in page.text  # could not be sent
    assert not User.objects.filter(email="c@hongthai.test").exists()


def test_the_first_admin_of_an_onboarded_unit_is_invited():
    call_command("onboard_unit", "269", "--structure", "legacy", "--admin-email", "Chu.Tich@SonTay.test")
    unit = Unit.objects.get(structure=Structure.LEGACY, code="269")
    (message,) = mail.outbox
    assert message.to == ["chu.tich@sontay.test"]
    assert "Quản trị viên" in message.body
    client = Client()
    assert choose_password(client, link_in(message)).status_code == 302
    assert client.get(f"/u/{unit.schema_name}/console/").status_code == 200


def test_accounts_and_roles_are_not_added_in_django_admin(operator):
    client = signed_in(operator)
    assert client.get("/admin/tenants/user/add/").status_code == 403
    assert client.get("/admin/tenants/membership/add/").status_code == 403


# --------------------------------------------------------------------------- password reset


def test_the_sign_in_page_leads_to_a_vietnamese_password_reset(commune_officer):
    assert "/accounts/password/reset/" in Client().get("/accounts/login/").text
    page = Client().get("/accounts/password/reset/")
    assert page.status_code == 200 and "Quên mật khẩu" in page.text
    sent = Client().post("/accounts/password/reset/", {"email": "OFFICER@hongthai.test"}, follow=True)
    assert "Kiểm tra email" in sent.text
    (message,) = mail.outbox
    assert message.to == [commune_officer.email]
    assert "mật khẩu" in message.subject
    client = Client()
    assert choose_password(client, link_in(message))["Location"] == "/console/"
    commune_officer.refresh_from_db()
    assert commune_officer.check_password(NEW_PASSWORD)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing():
    sent = Client().post("/accounts/password/reset/", {"email": "nobody@example.test"}, follow=True)
    assert sent.status_code == 200 and "Kiểm tra email" in sent.text
    assert mail.outbox == []


def test_someone_whose_invitation_expired_can_still_ask_for_a_link(world, province_admin):
    signed_in(province_admin).post(
        f"/console/units/legacy/{world.commune.code}/members/", {"email": "d@hongthai.test", "role": "viewer"}
    )
    Client().post("/accounts/password/reset/", {"email": "d@hongthai.test"})
    assert len(mail.outbox) == 2
    assert choose_password(Client(), link_in(mail.outbox[1])).status_code == 302


def test_a_weak_password_is_refused_in_vietnamese(commune_officer):
    Client().post("/accounts/password/reset/", {"email": commune_officer.email})
    page = choose_password(Client(), link_in(mail.outbox[0]), password="12345678")
    assert page.status_code == 200
    assert "quá phổ biến" in page.text  # Django's own Vietnamese: this password is too common


def test_django_admin_sign_in_offers_the_reset():
    assert "/admin/password_reset/" in Client().get("/admin/login/").text


# --------------------------------------------------------------------------- throttling


def test_five_wrong_passwords_lock_the_account_from_any_address(commune_officer):
    for n in range(5):
        sign_in(Client(), commune_officer.email, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
    # even the right password, from yet another address, is refused for now
    page = sign_in(Client(), commune_officer.email, PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert page.status_code == 429
    assert "Tạm dừng đăng nhập" in page.text
    assert "15 phút" in page.text
    assert page["Retry-After"] == "900"
    assert "_auth_user_id" not in page.client.session


def test_four_wrong_passwords_do_not_lock_an_account(commune_officer):
    for _ in range(4):
        assert sign_in(Client(), commune_officer.email, "wrong").status_code == 200
    assert sign_in(Client(), commune_officer.email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked_and_other_addresses_are_not(commune_officer):
    for n in range(20):
        sign_in(Client(), f"guess{n}@example.test", "wrong", REMOTE_ADDR="203.0.113.7")
    locked = sign_in(Client(), commune_officer.email, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert locked.status_code == 429
    assert sign_in(Client(), commune_officer.email, PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 302


def test_an_office_address_may_fail_more_often_than_one_account(commune_officer):
    # 19 failures spread over several accounts of one office: nobody is locked out yet
    for n in range(19):
        sign_in(Client(), f"staff{n % 4}@example.test", "wrong", REMOTE_ADDR="203.0.113.9")
    assert sign_in(Client(), commune_officer.email, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_forged_real_ip_header_does_not_escape_the_address_limit(commune_officer):
    for n in range(20):
        forged = {"REMOTE_ADDR": "203.0.113.10", "HTTP_X_REAL_IP": f"10.0.0.{n}"}
        sign_in(Client(), f"g{n}@example.test", "wrong", **forged)
    page = sign_in(Client(), commune_officer.email, PASSWORD, REMOTE_ADDR="203.0.113.10")
    assert page.status_code == 429


def test_django_admin_sign_in_has_the_same_throttle(operator):
    for _ in range(5):
        Client().post("/admin/login/", {"username": operator.email, "password": "wrong"})
    page = Client().post("/admin/login/?next=/admin/", {"username": operator.email, "password": "x"})
    assert page.status_code == 429
    assert "Tạm dừng đăng nhập" in page.text


def test_choosing_a_new_password_lifts_the_lock_on_the_account(commune_officer):
    for _ in range(5):
        sign_in(Client(), commune_officer.email, "wrong")
    assert sign_in(Client(), commune_officer.email, PASSWORD).status_code == 429
    Client().post("/accounts/password/reset/", {"email": commune_officer.email})
    choose_password(Client(), link_in(mail.outbox[0]))
    page = sign_in(Client(), commune_officer.email, NEW_PASSWORD, REMOTE_ADDR="198.51.100.50")
    assert page.status_code == 302
