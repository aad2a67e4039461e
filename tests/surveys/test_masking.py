"""Phone, ID-card, card and e-mail numbers in what citizens type are masked wherever officers read it:
the response page, the list, the CSV and the API. The unit's admin alone sees the text as typed."""

import csv
import io
import uuid

import pytest
from django.test import Client

from api.services import api_client_create
from surveys.masking import mask_identifiers
from surveys.services import response_submit
from tenants.routing import unit_reverse
from tests.conftest import post, signed_in

pytestmark = pytest.mark.django_db

# (what a citizen wrote, what officers read)
CASES = [
    ("Gọi (091) 234 5678 nhé", "Gọi ••••••••78 nhé"),
    ("số 0912 - 345 - 678", "số ••••••••78"),
    ("số 0912.345.678.", "số ••••••••78."),
    ("Zalo +84 912 345 678", "Zalo •••••••••78"),
    ("0912345678", "••••••••78"),
    ("CCCD 0010 9901 2345", "CCCD ••••••••••45"),
    ("CCCD 001099012345", "CCCD ••••••••••45"),
    ("CMND 123 456 789", "CMND •••••••89"),
    ("thẻ 4111 1111 1111 1111", "thẻ ••••••••••••••11"),
    ("tài khoản 4111111111111111", "tài khoản ••••••••••••••11"),
    ("mail a.b [at] gmail.com nhé", "mail •••@••• nhé"),
    ("a.b(at)gmail.com", "•••@•••"),
    ("a.b @ gmail . com", "•••@•••"),
    ("an at gmail dot com", "•••@•••"),
    ("nguyen.van.an a còng gmail chấm com", "•••@•••"),
    ("an@example.vn", "•••@•••"),
    # what is not a personal number stays readable
    ("phí 1.500.000.000 đồng", "phí 1.500.000.000 đồng"),
    ("ngày 12/03/2024 lúc 10:30", "ngày 12/03/2024 lúc 10:30"),
    ("chờ 2 tiếng 30 phút, quầy số 3", "chờ 2 tiếng 30 phút, quầy số 3"),
    ("năm 2023, 2024 và 2025", "năm 2023, 2024 và 2025"),
    ("hẹn 5 ngày, 12345678 là 8 chữ số", "hẹn 5 ngày, 12345678 là 8 chữ số"),
]
TYPED = " | ".join(typed for typed, _shown in CASES[:16])
HIDDEN = ["234 5678", "345 - 678", "345.678", "912 345", "9901", "012345", "456 789", "1111"]
HIDDEN += ["gmail", "example.vn"]


@pytest.mark.parametrize(("typed", "shown"), CASES)
def test_identifiers_are_masked_and_other_numbers_kept(typed, shown):
    assert mask_identifiers(typed) == shown


@pytest.fixture
def typed_response(in_commune, campaigns, procedure):
    """A Hồng Thái answer whose comment and "other procedure" carry every way of writing a number."""
    campaign = campaigns["hong_thai_quick"]
    data = post(
        q_procedure="other",
        q_procedure_other="Xin gọi (091) 234 5678",
        q_satisfaction=1,
        q_reasons=["official_attitude"],
        q_comment=TYPED,
    )
    key = uuid.uuid4()
    response, _created = response_submit(
        campaign=campaign, version_id=campaign.version_id, data=data, submission_key=key, channel="qr"
    )
    return response


def assert_masked(text: str) -> None:
    leaked = [part for part in HIDDEN if part in text]
    assert not leaked, leaked
    assert "•••@•••" in text and "••••••••••••••11" in text


def test_the_response_page_masks_what_the_citizen_typed(
    world, commune_officer, commune_admin, typed_response
):
    address = unit_reverse(world.commune, "unit:response", typed_response.public_id)
    html = signed_in(commune_officer).get(address).content.decode()
    assert_masked(html)
    assert "••••••••78" in html
    assert TYPED in signed_in(commune_admin).get(address).content.decode()


def test_the_list_masks_a_procedure_typed_by_the_citizen(world, commune_officer, typed_response):
    html = signed_in(commune_officer).get(unit_reverse(world.commune, "unit:responses")).content.decode()
    assert "234 5678" not in html and "Xin gọi ••••••••78" in html


def test_the_csv_masks_what_the_citizen_typed(world, commune_admin, typed_response):
    response = signed_in(commune_admin).get(unit_reverse(world.commune, "unit:responses_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    row = next(r for r in rows if r[0] == str(typed_response.public_id))
    assert_masked(" ".join(row))
    assert row[4].endswith("Xin gọi ••••••••78")


def test_the_api_masks_what_the_citizen_typed(world, operator, typed_response):
    _client, key = api_client_create(
        creator=operator, unit=world.commune, name="một cửa", scopes=["read:responses"], rate_per_minute=100
    )
    page = Client().get(
        f"/api/v1/units/legacy/{world.commune.code}/responses/", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    assert page.status_code == 200
    assert_masked(page.content.decode())
