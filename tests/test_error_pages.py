"""Pages for errors: Vietnamese, without Django's own wording, a way back, and a retry hint when the
database is down; the citizen's own 413 page for a body of any size."""

import sys
import types

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import path
from django_tenants.utils import tenant_context

from config import urls_public
from surveys.models import Campaign
from surveys.services import qr_link_create
from tenants.routing import public_reverse

pytestmark = pytest.mark.django_db


def failing(error):
    def view(request):
        raise error

    return view


# Views that fail the way a real fault would, mounted for these tests only.
FAULTS = {
    "operational": OperationalError("server closed the connection unexpectedly"),
    "interface": InterfaceError("connection already closed"),
    "bug": ZeroDivisionError("a bug"),
}


@pytest.fixture
def faults(settings, monkeypatch):
    """The public URLconf plus /fault/<kind>/ and /api/v1/fault/<kind>/ views that raise."""
    module = types.ModuleType("faulty_urls")
    module.urlpatterns = [
        *(
            path(f"{prefix}fault/{kind}/", failing(error))
            for prefix in ("", "api/v1/")
            for kind, error in FAULTS.items()
        ),
        *urls_public.urlpatterns,
    ]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, name, getattr(urls_public, name))
    monkeypatch.setitem(sys.modules, "faulty_urls", module)
    settings.PUBLIC_SCHEMA_URLCONF = "faulty_urls"


def anonymous() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_a_database_fault_is_a_vietnamese_503_with_retry_after(faults, kind):
    page = anonymous().get(f"/fault/{kind}/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert 'lang="vi"' in page.text and "tạm thời" in page.text
    assert "Server Error" not in page.text


def test_a_database_fault_in_the_api_is_a_structured_503(faults):
    page = anonymous().get("/api/v1/fault/operational/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert page.json()["error"]["code"] == "unavailable"


def test_a_bug_is_a_vietnamese_500_without_details(faults):
    page = anonymous().get("/fault/bug/")
    assert page.status_code == 500
    assert "Đã xảy ra lỗi" in page.text
    assert "ZeroDivisionError" not in page.text and "Retry-After" not in page


def test_a_bug_in_the_api_is_a_structured_500(faults):
    page = anonymous().get("/api/v1/fault/bug/")
    assert page.status_code == 500
    assert page.json()["error"]["code"] == "server_error"


def test_an_unknown_page_is_a_vietnamese_404_with_a_way_back():
    page = anonymous().get("/khong-co-trang-nay/")
    assert page.status_code == 404
    assert 'lang="vi"' in page.text and "Không tìm thấy trang" in page.text
    assert 'href="/"' in page.text
    assert "Not Found" not in page.text


def test_an_unknown_page_inside_a_unit_is_the_same_404(world):
    page = anonymous().get(f"/u/{world.commune.schema_name}/khong-co/")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.text


def test_an_unknown_api_address_answers_in_the_apis_shape():
    page = anonymous().get("/api/v1/khong-co/")
    assert page.status_code == 404
    assert page.json()["error"]["code"] == "not_found"


def test_a_refused_form_is_a_vietnamese_403(commune_officer):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(commune_officer)
    page = client.post("/accounts/logout/")
    assert page.status_code == 403
    assert "Không thực hiện được yêu cầu" in page.text
    assert "CSRF" not in page.text


def test_a_malformed_request_is_a_vietnamese_400():
    page = anonymous().get("/console/", HTTP_HOST="bad host")
    assert page.status_code == 400
    assert "Yêu cầu không hợp lệ" in page.text


def test_a_huge_body_gets_the_citizens_413_page(world):
    with tenant_context(world.commune):
        campaign = Campaign.objects.first()
    code = qr_link_create(unit=world.commune, campaign=campaign).code
    body = "q_comment=" + "x" * 2_700_000  # over Django's 2.5 MB limit for a form
    page = anonymous().post(
        public_reverse("citizen_qr", code), body, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413
    assert "Câu trả lời quá dài" in page.text
    assert "Mở lại phiếu" in page.text or "/q/" in page.text  # the way back to the form


def test_a_huge_body_to_a_console_page_is_a_vietnamese_413(commune_officer):
    client = Client(raise_request_exception=False)
    client.force_login(commune_officer)
    body = "x=" + "y" * 2_700_000
    page = client.post("/console/switch/", body, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413
    assert "quá lớn" in page.text
