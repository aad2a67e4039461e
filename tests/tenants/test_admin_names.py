"""The Django admin names its apps and tables in Vietnamese, the platform operators' language."""

import pytest
from django.test import override_settings

from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@override_settings(LANGUAGE_CODE="vi")
def test_the_admin_index_names_every_app_and_table_in_vietnamese(operator):
    page = signed_in(operator).get("/admin/")
    assert page.status_code == 200
    text = page.content.decode()
    for name in (
        "Đơn vị hành chính và người dùng",  # the platform's own app
        "Vai trò tại đơn vị",
        "Nhật ký thao tác",
        "Địa chỉ trang của đơn vị",
        "Tác vụ định kỳ",  # django-celery-beat's, which ships no Vietnamese
        "Lần đăng nhập",  # django-axes'
    ):
        assert name in text, name
    for english in ("Memberships", "Audit events", "Domains", "Periodic tasks", "Access attempts"):
        assert english not in text, english
