"""The suite's pinned clock (tests/conftest.py): no test depends on the day or hour it runs."""

import datetime as dt
import time

from django.utils import timezone

from tests.conftest import NOW, TODAY


def test_every_test_starts_at_the_pinned_moment_in_vietnam():
    assert timezone.localdate() == TODAY
    assert dt.timedelta(0) <= timezone.now() - NOW < dt.timedelta(seconds=30)
    assert timezone.localtime().hour == 10


def test_the_clock_ticks_on_so_waits_end():
    before = time.time()
    time.sleep(0.01)
    assert time.time() > before


def test_a_test_that_ran_long_does_not_move_the_next_ones_start():
    # the previous test slept; this one starts at NOW again
    assert timezone.now() - NOW < dt.timedelta(seconds=1)


def test_the_worlds_campaigns_are_open_on_the_pinned_day(world):
    from django_tenants.utils import tenant_context

    from surveys.models import Campaign

    with tenant_context(world.current_commune):
        campaigns = list(Campaign.objects.all())
    assert campaigns
    assert all(c.starts_on <= TODAY <= c.ends_on for c in campaigns)
