"""Staff alerts (Nam Dong rule): the rule at its edges through the real daily task, the e-mail to the
unit's administrators (counts only, once), and who may see the alerts page."""

import datetime as dt
import uuid

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.alerts.services import alert_window_end, staff_alerts_current
from analytics.alerts.tasks import staff_alerts_dispatch, unit_staff_alerts
from analytics.facts.services import facts_mark_dirty, facts_refresh
from analytics.methodology.policy import policy_update
from analytics.models import DailyFact, StaffAlert
from surveys.models import Campaign, QRLink, Response, StaffMember
from surveys.services import qr_link_create, response_submit
from tenants.models import Role, User
from tenants.routing import unit_reverse
from tests.analytics.test_quotas import client_for
from tests.conftest import TODAY, post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YESTERDAY = alert_window_end(TODAY)
STAFF_NAME = "Hà Thị Cán Bộ"
SECRET_TEXT = "Ông Lý Văn Bí Mật, số 0912345678, phàn nàn"


@pytest.fixture
def staff_link(world) -> QRLink:
    """A civil servant of the commune and their personal QR code on the Nam Dong questionnaire."""
    with tenant_context(world.commune):
        member = StaffMember.objects.create(full_name=STAFF_NAME, position="Công chức Tư pháp - Hộ tịch")
        campaign = Campaign.objects.get(version__questionnaire__key="nam_dong_2024")
    return qr_link_create(unit=world.commune, campaign=campaign, staff=member)


def rate(world, link: QRLink, overall: int, *, times: int = 1, day=YESTERDAY, comment: str = "") -> None:
    """`times` citizens answer the Nam Dong form through the civil servant's code, as if on `day`."""
    with tenant_context(world.commune):
        campaign = link.campaign
        for _ in range(times):
            fields = {
                "q_access": 4,
                "q_attitude": 4,
                "q_responsibility": 4,
                "q_guidance": 4,
                "q_overall": overall,
            }
            if comment:
                fields["q_comment"] = comment
            response, _created = response_submit(
                campaign=campaign,
                version_id=campaign.version_id,
                data=post(**fields),
                submission_key=uuid.uuid4(),
                channel="staff",
                link=link,
            )
            Response.objects.filter(pk=response.pk).update(answered_on=day)
        facts_mark_dirty(unit=world.commune, day=day)
    facts_refresh()


def staff_id(link: QRLink) -> int:
    return link.staff_id


def run(world, window_end=YESTERDAY) -> dict:
    """The daily task for the commune, through Celery's own machinery."""
    return unit_staff_alerts.apply(args=(world.commune.pk, window_end.isoformat())).get()


def overall_facts(world, link, day, counts: dict[tuple[int, str], int]) -> None:
    """Overall-question facts of one civil servant, inserted directly: {(value, bucket): answers}."""
    for (value, bucket), n in counts.items():
        DailyFact.objects.create(
            unit=world.commune,
            day=day,
            kind="rating",
            questionnaire="nam_dong_2024",
            question="overall",
            element="OVERALL",
            scale="5",
            value=value,
            bucket=bucket,
            dim="staff",
            dim_value=str(link.staff_id),
            count=n,
        )


# --------------------------------------------------------------------------- the rule at its edges


def test_exactly_a_quarter_dissatisfied_raises_no_alert(world, staff_link, commune_admin):
    rate(world, staff_link, 4, times=9)
    rate(world, staff_link, 2, times=2)
    rate(world, staff_link, 1, times=1)  # 3 of 12 = 25 %: not "over 25 %"
    assert run(world) == {"alerts": 0, "emails": 0}
    assert not StaffAlert.objects.exists()
    assert not mail.outbox


def test_twenty_six_percent_dissatisfied_raises_an_alert(world, staff_link, commune_admin):
    # 13 of 50 = 26 %, inserted as facts: 50 submissions would say nothing more
    overall_facts(
        world, staff_link, YESTERDAY, {(5, "satisfied"): 30, (3, "neutral"): 7, (2, "unsatisfied"): 13}
    )
    assert run(world) == {"alerts": 1, "emails": 1}
    alert = StaffAlert.objects.get()
    assert (alert.staff_id, alert.staff_name, alert.unsatisfied, alert.valid) == (
        staff_link.staff_id,
        STAFF_NAME,
        13,
        50,
    )
    assert (alert.window_start, alert.window_end) == (YESTERDAY - dt.timedelta(days=89), YESTERDAY)
    assert (alert.threshold, alert.minimum) == (pytest.approx(0.25), 10)


def test_nine_answers_all_dissatisfied_are_too_few_for_an_alert(world, staff_link, commune_admin):
    rate(world, staff_link, 1, times=9)
    assert run(world)["alerts"] == 0
    rate(world, staff_link, 5, times=1)  # the tenth answer: 9 of 10 dissatisfied
    assert run(world)["alerts"] == 1


def test_no_answer_is_not_in_the_denominator(world, staff_link, commune_admin):
    # 3 dissatisfied of 11 valid = 27 %; with the 5 "no answer" counted it would be 19 %
    overall_facts(world, staff_link, YESTERDAY, {(4, "satisfied"): 8, (1, "unsatisfied"): 3, (None, ""): 5})
    assert run(world)["alerts"] == 1
    assert StaffAlert.objects.get().valid == 11


def test_only_answers_inside_the_window_count(world, staff_link, commune_admin):
    today = timezone.localdate()
    rate(world, staff_link, 1, times=10, day=today)  # today: after the window, which ends yesterday
    rate(world, staff_link, 1, times=10, day=YESTERDAY - dt.timedelta(days=90))  # the day before it
    rate(world, staff_link, 5, times=10, day=YESTERDAY - dt.timedelta(days=89))  # its first day
    assert run(world)["alerts"] == 0
    # a 120-day window set by the province reaches the old answers
    policy_update(unit=world.province, alert_window_days=120)
    assert run(world)["alerts"] == 1


def test_the_threshold_and_minimum_come_from_the_policy(world, staff_link, commune_admin):
    overall_facts(world, staff_link, YESTERDAY, {(5, "satisfied"): 7, (1, "unsatisfied"): 3})  # 30 %
    policy_update(unit=world.province, alert_threshold="0.3")
    assert run(world)["alerts"] == 0  # not over 30 %
    policy_update(unit=world.commune, alert_threshold="0.29")
    assert run(world)["alerts"] == 1
    assert float(StaffAlert.objects.get().threshold) == pytest.approx(0.29)


def test_answers_not_tied_to_a_civil_servant_raise_nothing(world, commune_admin):
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="nam_dong_2024")
    link = qr_link_create(unit=world.commune, campaign=campaign)  # the campaign's general code
    rate(world, link, 1, times=12)
    assert run(world)["alerts"] == 0


# --------------------------------------------------------------------------- e-mail and idempotence


def test_the_admin_gets_one_email_with_counts_and_no_free_text(
    world, staff_link, commune_admin, commune_officer, province_admin
):
    rate(world, staff_link, 5, times=6)
    rate(world, staff_link, 1, times=4, comment=SECRET_TEXT)  # 4 of 10 = 40 %
    # when the task runs twice
    first = run(world)
    alert = StaffAlert.objects.get()
    notified = alert.notified_at
    second = run(world)
    # then one alert and one e-mail, to the commune's administrator only
    assert first == {"alerts": 1, "emails": 1}
    assert second == {"alerts": 1, "emails": 0}
    assert StaffAlert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.notified_at == notified is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [commune_admin.email]
    body = message.subject + message.body
    assert STAFF_NAME in body
    assert "10" in body
    assert "4 (40.0 %)" in body or "4 (40,0 %)" in body
    assert f"{(YESTERDAY - dt.timedelta(days=89)):%d/%m/%Y}" in body
    assert "Bí Mật" not in body
    assert "0912345678" not in body
    assert unit_reverse(world.commune, "unit:alerts") in body


@override_settings(LANGUAGE_CODE="vi")
def test_the_email_is_in_vietnamese_by_default(world, staff_link, commune_admin):
    overall_facts(world, staff_link, YESTERDAY, {(5, "satisfied"): 5, (1, "unsatisfied"): 5})
    run(world)
    # rendered under the site's language whatever the worker's: Vietnamese decimals
    assert "5 (50,0 %)" in mail.outbox[0].body


def test_a_continuing_alert_is_not_emailed_again_each_day(world, staff_link, commune_admin):
    day_before = YESTERDAY - dt.timedelta(days=1)
    overall_facts(world, staff_link, day_before, {(5, "satisfied"): 5, (1, "unsatisfied"): 5})
    run(world, window_end=day_before)
    run(world, window_end=YESTERDAY)
    alerts = list(StaffAlert.objects.order_by("window_end"))
    assert [a.window_end for a in alerts] == [day_before, YESTERDAY]
    assert len(mail.outbox) == 1
    assert alerts[1].notified_at == alerts[0].notified_at


def test_an_alert_waits_for_an_administrator(world, staff_link, commune_officer):
    overall_facts(world, staff_link, YESTERDAY, {(5, "satisfied"): 5, (1, "unsatisfied"): 5})
    assert run(world) == {"alerts": 1, "emails": 0}
    assert StaffAlert.objects.get().notified_at is None
    admin = User.objects.create_user(
        username="chair@hongthai.test", email="chair@hongthai.test", password="x"
    )
    admin.memberships.create(unit=world.commune, role=Role.ADMIN)
    assert run(world)["emails"] == 1
    assert mail.outbox[0].to == ["chair@hongthai.test"]


def test_the_dispatcher_runs_every_onboarded_unit(world, staff_link, commune_admin):
    from config.celery import app

    overall_facts(world, staff_link, YESTERDAY, {(5, "satisfied"): 5, (1, "unsatisfied"): 5})
    app.conf.task_always_eager = True
    try:
        queued = staff_alerts_dispatch.apply().get()
        staff_alerts_dispatch.apply().get()
    finally:
        app.conf.task_always_eager = False
    assert queued >= 5
    assert StaffAlert.objects.filter(unit=world.commune, window_end=YESTERDAY).count() == 1
    assert len(mail.outbox) == 1


# --------------------------------------------------------------------------- the chairman's page


def test_the_admin_sees_the_current_alerts_with_share_n_window_and_method(world, staff_link, commune_admin):
    rate(world, staff_link, 5, times=6)
    rate(world, staff_link, 1, times=4, comment=SECRET_TEXT)
    run(world)
    page = client_for(commune_admin).get(unit_reverse(world.commune, "unit:alerts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert STAFF_NAME in html
    assert "40.0 %" in html
    assert f"{YESTERDAY:%d/%m/%Y}" in html
    assert "Nam Dong rule" in html
    assert "Bí Mật" not in html
    current = staff_alerts_current(unit=world.commune)
    assert [row.alert.staff_name for row in current.alerts] == [STAFF_NAME]


def test_officers_and_district_viewers_do_not_see_the_alerts(
    world, commune_officer, district_viewer, sibling_officer
):
    url = unit_reverse(world.commune, "unit:alerts")
    for user in (commune_officer, district_viewer, sibling_officer):
        assert client_for(user).get(url).status_code == 403


def test_the_province_admin_may_see_a_communes_alerts(world, province_admin):
    assert client_for(province_admin).get(unit_reverse(world.commune, "unit:alerts")).status_code == 200
