"""Feedback due dates in working days over the stored holiday calendar, against a hand-made table."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tenants.models import CalendarDay, FeedbackDeadlineRule
from tenants.workdays import add_working_days, feedback_deadline_set, feedback_due_on, feedback_working_days

D = dt.date

# (received on, working days, due by), worked out by hand on a calendar.
TABLE = [
    # Tết Bính Ngọ 2026: off Mon 16 – Fri 20 February, weekends either side.
    (D(2026, 2, 12), 10, D(2026, 3, 5)),  # Fri 13 counts, then 23/2 … 5/3
    (D(2026, 2, 13), 10, D(2026, 3, 6)),
    (D(2026, 2, 14), 10, D(2026, 3, 6)),  # received on the Saturday: the same as the Friday
    (D(2026, 2, 13), 1, D(2026, 2, 23)),
    # Tết Ất Tỵ 2025: off Mon 27 – Fri 31 January.
    (D(2025, 1, 24), 5, D(2025, 2, 7)),
    # A plain weekend.
    (D(2025, 12, 5), 5, D(2025, 12, 12)),
    (D(2025, 12, 5), 1, D(2025, 12, 8)),
    # 30/4 and 1/5 2025, Friday 2/5 swapped with Saturday 17/5.
    (D(2025, 4, 29), 5, D(2025, 5, 9)),
    (D(2025, 5, 15), 1, D(2025, 5, 16)),
    (D(2025, 5, 15), 2, D(2025, 5, 17)),  # the Saturday worked in exchange counts
    # Giỗ Tổ Hùng Vương 2026 on a Sunday: compensated on Monday 27/4; then 30/4 and 1/5.
    (D(2026, 4, 24), 1, D(2026, 4, 28)),
    (D(2026, 4, 24), 3, D(2026, 5, 4)),
    # Tết Đinh Mùi 2027 (provisional): off Fri 5/2 and Mon 8 – Thu 11 February.
    (D(2027, 2, 4), 1, D(2027, 2, 12)),
    # National Day 2025: Mon 1/9 and Tue 2/9.
    (D(2025, 8, 29), 1, D(2025, 9, 3)),
]


@pytest.mark.parametrize(("received", "days", "due"), TABLE)
def test_due_dates_skip_weekends_and_the_official_days_off(world, received, days, due):
    feedback_deadline_set(province=world.province, working_days=days)
    assert feedback_due_on(unit=world.commune, received_on=received) == due


def test_the_default_is_ten_working_days_and_a_province_may_change_it(world):
    assert feedback_working_days(world.commune) == 10
    feedback_deadline_set(province=world.province, working_days=15)
    assert feedback_working_days(world.commune) == 15
    assert feedback_working_days(world.district) == 15
    assert feedback_working_days(world.other) == 10  # another province


def test_operators_edit_the_calendar_and_due_dates_follow(world):
    # given: a day off added for an exceptional event
    feedback_deadline_set(province=world.province, working_days=1)
    assert feedback_due_on(unit=world.commune, received_on=D(2026, 6, 8)) == D(2026, 6, 9)
    CalendarDay.objects.create(day=D(2026, 6, 9), name="Nghỉ đột xuất")
    # then
    assert feedback_due_on(unit=world.commune, received_on=D(2026, 6, 8)) == D(2026, 6, 10)


def test_the_calendar_is_pre_filled_for_2025_to_2027(world):
    tet = set(CalendarDay.objects.filter(name__startswith="Tết Nguyên đán").values_list("day", flat=True))
    assert {D(2025, 1, 29), D(2026, 2, 17)} <= tet
    hung = set(CalendarDay.objects.filter(name__contains="Hùng Vương").values_list("day", flat=True))
    assert hung == {D(2025, 4, 7), D(2026, 4, 27), D(2027, 4, 16)}
    years = set(CalendarDay.objects.values_list("day__year", flat=True))
    assert years == {2025, 2026, 2027}


@pytest.mark.parametrize("bad", [0, 91, -3, "10", 2.5, True, None])
def test_a_deadline_rule_out_of_range_is_refused(world, bad):
    with pytest.raises(ValidationError):
        feedback_deadline_set(province=world.province, working_days=bad)
    assert not FeedbackDeadlineRule.objects.exists()


def test_only_a_province_sets_the_deadline(world):
    with pytest.raises(ValidationError):
        feedback_deadline_set(province=world.commune, working_days=5)


@pytest.mark.parametrize("bad", [0, 91, True, "3"])
def test_add_working_days_refuses_a_bad_count(bad):
    with pytest.raises(ValueError, match="count"):
        add_working_days(D(2026, 1, 5), bad, days_off=set())


def test_operators_edit_the_calendar_and_the_rule_in_the_admin(world, operator, client):
    client.force_login(operator)
    assert client.get("/admin/tenants/calendarday/").status_code == 200
    response = client.post(
        "/admin/tenants/calendarday/add/", {"day": "2026-06-08", "kind": "day_off", "name": "Nghỉ đột xuất"}
    )
    assert response.status_code == 302
    # a rule out of range is refused (the form again, with its error), then a good one is saved
    rules = "/admin/tenants/feedbackdeadlinerule/add/"
    assert client.post(rules, {"province": world.province.pk, "working_days": "0"}).status_code == 200
    assert not FeedbackDeadlineRule.objects.exists()
    assert client.post(rules, {"province": world.province.pk, "working_days": "3"}).status_code == 302
    # Monday 8/6/2026 is now off: received Friday 5/6, three working days → 9, 10, 11 June
    assert feedback_due_on(unit=world.commune, received_on=D(2026, 6, 5)) == D(2026, 6, 11)
