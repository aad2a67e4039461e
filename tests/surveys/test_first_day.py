"""A unit's first day: its overview lists the steps to the first answer and ticks them off as they are done;
the unit switcher names the unit you are in; the console has a favicon."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from tenants.context_processors import console
from tenants.models import Role, User
from tenants.routing import public_reverse, unit_reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

STEPS = ["catalog", "desk", "staff", "questionnaire", "campaign", "poster"]


@pytest.fixture
def chairman(world) -> Client:
    """The admin of Nam Dong, onboarded with nothing set up yet."""
    user = User.objects.create_user(username="chair@namdong.test", email="chair@namdong.test", password="x")
    user.memberships.create(unit=world.other, role=Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


def done(client: Client, unit) -> dict[str, bool]:
    page = client.get(unit_reverse(unit, "unit:home"))
    assert page.status_code == 200
    return {step["key"]: step["done"] for step in page.context["steps"]}


def test_a_fresh_unit_is_walked_through_its_first_steps_until_the_poster(world, chairman):
    unit = world.other
    page = chairman.get(unit_reverse(unit, "unit:home"))
    steps = page.context["steps"]
    assert [s["key"] for s in steps] == STEPS
    assert not any(s["done"] for s in steps)
    assert "6 steps left before citizens can answer." in page.text
    for step in steps:  # every step's link is a page this admin may open
        assert step["url"] in page.text
        assert chairman.get(step["url"]).status_code == 200, step

    assert chairman.post(unit_reverse(unit, "unit:catalog_seed")).status_code == 302
    assert chairman.post(unit_reverse(unit, "unit:desk_new"), {"name": "Bộ phận một cửa"}).status_code == 302
    assert chairman.post(unit_reverse(unit, "unit:staff_new"), {"full_name": "Lê Văn Tâm"}).status_code == 302
    assert done(chairman, unit) == dict.fromkeys(STEPS[:3], True) | dict.fromkeys(STEPS[3:], False)

    install = chairman.post(unit_reverse(unit, "unit:questionnaire_install"), {"key": "nam_dong_2024"})
    assert install.status_code == 302
    page = chairman.get(unit_reverse(unit, "unit:campaign_new"))
    today = timezone.localdate()
    response = chairman.post(
        unit_reverse(unit, "unit:campaign_new"),
        {
            "name": "Khảo sát 2026",
            "version": page.context["form"].initial["version"],
            "starts_on": today.strftime("%d/%m/%Y"),
            "ends_on": (today + dt.timedelta(days=30)).strftime("%d/%m/%Y"),
            "channels": ["qr", "desk"],
        },
    )
    assert response.status_code == 302
    campaign_page = response["Location"]
    page = chairman.get(unit_reverse(unit, "unit:home"))
    poster = page.context["steps"][-1]
    assert (poster["done"], poster["url"]) == (False, campaign_page)  # where the QR codes are made
    assert "One step left before citizens can answer." in page.text

    assert chairman.post(campaign_page + "links/new/").status_code == 302
    page = chairman.get(unit_reverse(unit, "unit:home"))
    assert all(s["done"] for s in page.context["steps"])
    assert "Getting started" not in page.text  # a unit that is set up is not told again


def test_those_who_only_read_figures_get_no_steps_they_could_not_take(world, district_viewer):
    client = Client()
    client.force_login(district_viewer)
    page = client.get(unit_reverse(world.commune, "unit:home"))
    assert page.status_code == 200
    assert page.context["steps"] == []
    assert "Getting started" not in page.text


def selected_unit(page) -> str:
    match = re.search(r'<option value="\d+" selected>([^<]+)</option>', page.text)
    return match.group(1) if match else ""


def test_the_switcher_names_the_unit_you_are_in(world, operator, district_viewer):
    client = Client()
    client.force_login(operator)
    assert selected_unit(client.get(unit_reverse(world.commune, "unit:home"))).startswith(world.commune.name)
    registry = public_reverse("console:unit", world.sibling.structure, world.sibling.code)
    assert selected_unit(client.get(registry)).startswith(world.sibling.name)
    client.force_login(district_viewer)
    for unit in (world.commune, world.district):
        assert selected_unit(client.get(unit_reverse(unit, "unit:home"))).startswith(unit.name)


def test_the_switcher_never_names_a_unit_you_may_not_see(world, sibling_officer, rf):
    # The refusal page has no switcher, so the switcher's own context is asked directly.
    def switcher_on(unit) -> dict:
        path = public_reverse("console:unit", unit.structure, unit.code)
        request = rf.get(path)
        request.user = sibling_officer
        request.resolver_match = resolve(path, urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        return console(request)

    hidden = switcher_on(world.commune)
    assert hidden["current_unit"] is None
    assert world.commune not in hidden["switcher_units"]
    shown = switcher_on(world.sibling)
    assert shown["current_unit"] == world.sibling


def test_the_console_has_a_favicon_and_styled_messages(world, commune_officer):
    client = Client()
    client.force_login(commune_officer)
    page = client.get(unit_reverse(world.commune, "unit:staff"))
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', page.text)
    assert finders.find("favicon.svg")
    assert client.get("/favicon.ico")["Location"] == "/static/favicon.svg"
    response = client.post(unit_reverse(world.commune, "unit:desk_new"), {"name": "Quầy 2"}, follow=True)
    assert '<ul class="messages"><li class="success">' in response.text
    with open(finders.find("console.css"), encoding="utf-8") as css:
        assert "ul.messages > li.success" in css.read()
