"""One printed QR code for life: a campaign with answers moves to a newer version of its questionnaire,
or a code moves to another campaign, and the posters at the desks keep working."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period, unit_figures
from surveys.models import Campaign, QRLink, Questionnaire, Response
from surveys.services import campaign_create
from tenants.models import AuditAction, AuditEvent
from tests.conftest import CONFIRM, signed_in

from .test_citizen_form import good_answers, make_link, open_form, qr_url, send
from .test_console_setup import (
    campaign_data,
    editor_data,
    first,
    in_unit,
    start_draft,
    url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW_TEXT = "Ông/bà có hài lòng với việc giải quyết hồ sơ hôm nay không?"


@pytest.fixture
def officer(commune_officer) -> Client:
    return signed_in(commune_officer)


def answer(world, link: QRLink, address: str = "203.0.113.1") -> None:
    """A citizen's answer through the printed code; each phone has its own address (no burst flag)."""
    _, token = open_form(Client(), qr_url(link.code))
    answers = good_answers("hong_thai_quick", world.commune)
    response = send(Client(), qr_url(link.code), answers, token, REMOTE_ADDR=address)
    assert response.status_code == 303, response.content.decode()[:400]


def publish_v2(world, officer) -> Questionnaire:
    """v2 of the Hồng Thái questionnaire through the console: a reworded satisfaction question."""
    questionnaire = start_draft(officer, world)
    data = editor_data(officer, world, questionnaire)
    data["q-satisfaction-text_vi"] = NEW_TEXT
    assert (
        officer.post(url(world.commune, "unit:questionnaire_edit", questionnaire.pk), data).status_code == 302
    )
    response = officer.post(url(world.commune, "unit:questionnaire_publish", questionnaire.pk), CONFIRM)
    assert response.status_code == 302
    assert response["Location"].endswith("#switch")
    return questionnaire


def test_a_campaign_with_answers_moves_to_the_new_version_and_its_printed_code_keeps_working(world, officer):
    # given a printed code with one answer to v1
    link = make_link(world.commune, "hong_thai_quick", desk=True)
    campaign = first(world.commune, Campaign, pk=link.campaign_id)
    answer(world, link)
    questionnaire = publish_v2(world, officer)
    # the page after publishing offers the move
    page = officer.get(url(world.commune, "unit:questionnaire", questionnaire.pk))
    assert [c.pk for c in page.context["behind"]] == [campaign.pk]
    assert url(world.commune, "unit:questionnaire_switch", questionnaire.pk) in page.text
    assert officer.get(url(world.commune, "unit:campaign", campaign.pk)).context["newer"].number == 2
    # when the officer moves it
    response = officer.post(
        url(world.commune, "unit:questionnaire_switch", questionnaire.pk), {"campaign": campaign.pk}
    )
    assert response.status_code == 302
    # and the activity log says who moved it, from which version to which
    (event,) = AuditEvent.objects.filter(action=AuditAction.CAMPAIGN_VERSION_SWITCH)
    assert (event.unit, event.target) == (world.commune, f"{campaign.name}: v1 → v2")
    assert event.actor is not None and event.actor_email
    # then the same code opens the new form and takes answers to it
    moved = first(world.commune, Campaign, pk=campaign.pk)
    assert in_unit(world.commune, lambda: moved.version.number) == 2
    assert first(world.commune, QRLink, pk=link.pk).campaign_id == campaign.pk
    form, _ = open_form(Client(), qr_url(link.code))
    assert NEW_TEXT in form.content.decode()
    answer(world, link, address="203.0.113.2")
    versions = in_unit(
        world.commune,
        lambda: sorted(Response.objects.filter(campaign=campaign).values_list("version__number", flat=True)),
    )
    assert versions == [1, 2]
    assert not officer.get(url(world.commune, "unit:questionnaire", questionnaire.pk)).context["behind"]
    # and the figures count the answers of both versions, under the one question they share
    facts_refresh()
    today = timezone.localdate()
    figures = unit_figures(unit=world.commune, period=Period(today - dt.timedelta(days=30), today))
    assert figures.responses == 2
    assert figures.overall.n == 2
    (satisfaction,) = [q for q in figures.questions if q.question == "satisfaction"]
    assert satisfaction.figure.n == 2
    assert officer.get(url(world.commune, "unit:campaign", campaign.pk)).context["response_count"] == 2


def test_the_campaign_form_also_moves_forward_but_never_back_or_to_another_questionnaire(world, officer):
    link = make_link(world.commune, "hong_thai_quick")
    campaign = first(world.commune, Campaign, pk=link.campaign_id)
    answer(world, link)
    questionnaire = publish_v2(world, officer)
    v1, v2 = in_unit(world.commune, lambda: list(questionnaire.versions.order_by("number")))
    other = in_unit(world.commune, lambda: Questionnaire.objects.get(key="nam_dong_2024").latest_published)
    edit = url(world.commune, "unit:campaign_edit", campaign.pk)
    response = officer.post(edit, campaign_data(world, name=campaign.name, version=other.pk))
    assert response.status_code == 400
    assert "can only move to a newer version" in response.context["form"].errors["version"][0]
    assert first(world.commune, Campaign, pk=campaign.pk).version_id == v1.pk
    assert officer.post(edit, campaign_data(world, name=campaign.name, version=v2.pk)).status_code == 302
    assert first(world.commune, Campaign, pk=campaign.pk).version_id == v2.pk
    response = officer.post(edit, campaign_data(world, name=campaign.name, version=v1.pk))
    assert response.status_code == 400
    assert first(world.commune, Campaign, pk=campaign.pk).version_id == v2.pk


@pytest.mark.parametrize("posted", [{}, {"campaign": ""}, {"campaign": "abc"}, {"campaign": ["1", "x"]}])
def test_a_bad_switch_request_is_refused_and_moves_nothing(world, officer, posted):
    questionnaire = publish_v2(world, officer)
    before = in_unit(world.commune, lambda: list(Campaign.objects.values_list("pk", "version_id")))
    response = officer.post(url(world.commune, "unit:questionnaire_switch", questionnaire.pk), posted)
    assert response.status_code == 400
    assert "Choose the campaigns to move." in response.text
    assert in_unit(world.commune, lambda: list(Campaign.objects.values_list("pk", "version_id"))) == before


def test_a_campaign_of_another_questionnaire_cannot_be_switched_through_this_one(world, officer):
    questionnaire = publish_v2(world, officer)
    other = first(world.commune, Campaign, version__questionnaire__key="nam_dong_2024")
    target = url(world.commune, "unit:questionnaire_switch", questionnaire.pk)
    response = officer.post(target, {"campaign": other.pk})
    assert response.status_code == 400
    assert first(world.commune, Campaign, pk=other.pk).version_id == other.version_id
    assert officer.post(target, {"campaign": "999999"}).status_code == 404


def second_campaign(world) -> Campaign:
    def make():
        version = Questionnaire.objects.get(key="hong_thai_quick").latest_published
        today = timezone.localdate()
        return campaign_create(
            name="Khảo sát năm sau",
            version=version,
            starts_on=today,
            ends_on=today + dt.timedelta(days=365),
            channels=["qr", "desk"],
        )

    return in_unit(world.commune, make)


def test_a_printed_code_moves_to_a_new_campaign_and_its_old_answers_stay(world, officer):
    link = make_link(world.commune, "hong_thai_quick", desk=True)
    old = first(world.commune, Campaign, pk=link.campaign_id)
    answer(world, link)
    new = second_campaign(world)
    page = officer.get(url(world.commune, "unit:campaign", old.pk))
    assert new in page.context["move_to"]
    response = officer.post(
        url(world.commune, "unit:campaign_link_move", old.pk, link.pk), {"campaign": new.pk}
    )
    assert response.status_code == 302
    assert first(world.commune, QRLink, pk=link.pk).campaign_id == new.pk
    (event,) = AuditEvent.objects.filter(action=AuditAction.QR_LINK_MOVE)
    assert (event.unit, event.target) == (world.commune, f"{link.code}: {old.name} → {new.name}")
    assert event.actor is not None
    answer(world, link, address="203.0.113.2")
    by_campaign = in_unit(
        world.commune, lambda: sorted(Response.objects.values_list("campaign__name", flat=True))
    )
    assert by_campaign == sorted([old.name, new.name])
    assert officer.get(url(world.commune, "unit:campaign", old.pk)).context["response_count"] == 1


def test_bad_code_moves_are_refused_and_the_code_stays(world, officer):
    link = make_link(world.commune, "hong_thai_quick", staff=True)
    old = first(world.commune, Campaign, pk=link.campaign_id)
    new = second_campaign(world)  # no civil-servant channel
    move = url(world.commune, "unit:campaign_link_move", old.pk, link.pk)
    for posted, message in [
        ({"campaign": new.pk}, "does not use the channel"),
        ({"campaign": old.pk}, "already opens this campaign"),
        ({}, "Choose the campaign"),
    ]:
        response = officer.post(move, posted)
        assert response.status_code == 400
        assert message in response.text
    assert officer.post(move, {"campaign": "abc"}).status_code == 404
    assert officer.post(move, {"campaign": "999999"}).status_code == 404
    in_unit(
        world.commune, lambda: Campaign.objects.filter(pk=new.pk).update(channels=["staff"], is_active=False)
    )
    assert "inactive" in officer.post(move, {"campaign": new.pk}).text
    in_unit(world.commune, lambda: Campaign.objects.filter(pk=new.pk).update(is_active=True))
    clash = in_unit(
        world.commune,
        lambda: QRLink.objects.create(code="zzzzzz2", campaign=new, channel="staff", staff=link.staff),
    )
    assert clash.code in officer.post(move, {"campaign": new.pk}).text
    assert first(world.commune, QRLink, pk=link.pk).campaign_id == old.pk
    in_unit(world.commune, lambda: QRLink.objects.filter(pk=link.pk).update(is_active=False))
    assert "deactivated" in officer.post(move, {"campaign": new.pk}).text
    assert first(world.commune, QRLink, pk=link.pk).campaign_id == old.pk
