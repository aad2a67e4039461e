"""Staff alerts (Nam Dong rule): a civil servant whose unsatisfied share of overall answers exceeds the
threshold over a rolling window is reported to the unit's chairman (its administrators).

Counts only, from the daily facts: who answered is never known here, and no free text is read.
An alert is stored once per (unit, civil servant, window end), so a re-run changes nothing; the
administrators are e-mailed when an alert episode starts, not every day it continues.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from analytics.methodology import formulas as f
from analytics.methodology.policy import Policy, policy_effective
from analytics.models import DailyFact, Dimension, FactKind, StaffAlert
from tenants.models import Unit
from tenants.routing import unit_reverse
from tenants.selectors import unit_admin_emails

#: An alert within this many days before another of the same civil servant continues the same
#: episode (tolerates a few missed daily runs); the administrators were already told of it.
EPISODE_GAP_DAYS: Final = 7


def alert_method(policy: Policy | None = None) -> f.Method:
    """The rule, named on every alert shown or sent."""
    # Formatted in the page's language, like every other number beside it ("25,0", not "25.0").
    threshold = number_format(f.display_percent(policy.threshold_fraction, 1) if policy else 25, 1)
    minimum = policy.minimum if policy else 10
    return f.Method(
        "nam_dong_staff_alert",
        _(
            "Nam Dong rule: (dissatisfied + very dissatisfied) answers to the overall question, divided by "
            "the valid answers about this civil servant, above %(threshold)s %%, with at least %(minimum)s "
            "answers; responses given through the civil servant's QR code or dossier link."
        )
        % {"threshold": threshold, "minimum": minimum},
    )


def alert_window_end(today: dt.date | None = None) -> dt.date:
    """The last day of the window: yesterday, local time (today's answers are still coming in)."""
    return (today or timezone.localdate()) - dt.timedelta(days=1)


def staff_tallies(*, unit: Unit, start: dt.date, end: dt.date) -> dict[int, f.Tally]:
    """Overall-question answers per civil servant of this unit (their ids are the unit schema's)."""
    rows = (
        DailyFact.objects.filter(
            unit=unit,
            dim=Dimension.STAFF,
            kind=FactKind.RATING,
            element="OVERALL",
            day__range=(start, end),
        )
        .exclude(dim_value="")
        .values_list("dim_value", "value", "bucket")
        .annotate(n=Sum("count"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for staff, value, bucket, n in rows:
        if not staff.isdigit():
            continue
        counts[int(staff)]["no_answer" if value is None else bucket] += n
    return {
        staff: f.Tally(
            satisfied=c["satisfied"],
            neutral=c["neutral"],
            unsatisfied=c["unsatisfied"],
            no_answer=c["no_answer"],
        )
        for staff, c in counts.items()
    }


def staff_names(unit: Unit, ids: set[int]) -> dict[int, str]:
    if not ids or not unit.is_onboarded:
        return {}
    from surveys.models import StaffMember

    with tenant_context(unit):
        return dict(StaffMember.objects.filter(pk__in=ids).values_list("pk", "full_name"))


def _fallback_name(staff_id: int) -> str:
    return _("Civil servant no. %(id)s") % {"id": staff_id}


@dataclass(frozen=True)
class StaffStatus:
    """One civil servant's standing in a window, for the chairman's page."""

    staff_id: int
    name: str
    tally: f.Tally
    result: f.StaffAlert

    @property
    def share_percent(self) -> object:
        return None if self.result.share is None else f.display_percent(self.result.share, 1)

    @property
    def unsatisfied(self) -> int:
        return self.tally.unsatisfied


def staff_statuses(*, unit: Unit, window_end: dt.date, policy: Policy | None = None) -> list[StaffStatus]:
    """Every civil servant with answers in the window and the rule's verdict, alerts first."""
    policy = policy or policy_effective(unit)
    start, end = policy.alert_window(end=window_end)
    tallies = staff_tallies(unit=unit, start=start, end=end)
    names = staff_names(unit, set(tallies))
    statuses = [
        StaffStatus(
            staff_id,
            names.get(staff_id) or _fallback_name(staff_id),
            tally,
            f.staff_alert(tally, threshold=policy.threshold_fraction, minimum=policy.minimum),
        )
        for staff_id, tally in tallies.items()
    ]
    return sorted(statuses, key=lambda s: (not s.result.alert, -(s.result.share or 0), s.name))


def staff_alerts_compute(*, unit: Unit, window_end: dt.date) -> list[StaffAlert]:
    """Store an alert for each civil servant over the threshold in the window ending `window_end`.

    Idempotent: a (unit, civil servant, window end) already stored is kept as it was.
    """
    policy = policy_effective(unit)
    start, end = policy.alert_window(end=window_end)
    alerts = []
    for status in staff_statuses(unit=unit, window_end=window_end, policy=policy):
        if not status.result.alert:
            continue
        alert, _created = StaffAlert.objects.get_or_create(
            unit=unit,
            staff_id=status.staff_id,
            window_end=end,
            defaults={
                "staff_name": status.name[:200],
                "window_start": start,
                "unsatisfied": status.unsatisfied,
                "valid": status.result.n,
                "threshold": policy.threshold,
                "minimum": policy.minimum,
            },
        )
        alerts.append(alert)
    return alerts


def alerts_url(unit: Unit) -> str:
    return settings.BASE_URL + unit_reverse(unit, "unit:alerts")


def staff_alert_email(alert: StaffAlert, unit: Unit) -> tuple[str, str]:
    """(subject, body) in the site's default language: counts, window and rule, never a respondent."""
    share = Fraction(alert.unsatisfied, alert.valid) if alert.valid else Fraction(0)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "unit": unit,
            "alert": alert,
            "share": f.display_percent(share, 1),
            "threshold": f.display_percent(Fraction(alert.threshold), 1),
            "days": (alert.window_end - alert.window_start).days + 1,
            "url": alerts_url(unit),
        }
        subject = _("Staff alert: %(name)s, %(unit)s") % {"name": alert.staff_name, "unit": unit.name}
        body = render_to_string("analytics/alerts/email.txt", context)
    return subject, body


def staff_alerts_notify(*, unit: Unit, window_end: dt.date) -> int:
    """E-mail the unit's administrators about the alerts of this window that start an episode.

    Each alert is claimed under a row lock and marked notified in the transaction that sends it, so
    two workers or a re-run never send it twice, and a failed send leaves it to the retry. An alert
    that continues an episode already reported inherits that report's time instead of a new e-mail.
    """
    recipients = unit_admin_emails(unit)
    if not recipients:
        return 0  # nobody to tell yet: the alert waits, and is sent once an administrator exists
    sent = 0
    pending = StaffAlert.objects.filter(unit=unit, window_end=window_end, notified_at__isnull=True)
    for alert_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            alert = (
                StaffAlert.objects.select_for_update(skip_locked=True)
                .filter(pk=alert_id, notified_at__isnull=True)
                .first()
            )
            if alert is None:
                continue
            earlier = (
                StaffAlert.objects.filter(
                    unit=unit,
                    staff_id=alert.staff_id,
                    window_end__lt=alert.window_end,
                    window_end__gte=alert.window_end - dt.timedelta(days=EPISODE_GAP_DAYS),
                    notified_at__isnull=False,
                )
                .order_by("-window_end")
                .first()
            )
            if earlier is not None:
                alert.notified_at = earlier.notified_at
            else:
                subject, body = staff_alert_email(alert, unit)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
                alert.notified_at = timezone.now()
                sent += 1
            alert.save(update_fields=["notified_at"])
    return sent


def staff_alerts_run(*, unit: Unit, window_end: dt.date | None = None) -> dict[str, int]:
    """The daily work of one unit: compute the window's alerts, then notify. Safe to run again."""
    end = window_end or alert_window_end()
    alerts = staff_alerts_compute(unit=unit, window_end=end)
    sent = staff_alerts_notify(unit=unit, window_end=end)
    return {"alerts": len(alerts), "emails": sent}


@dataclass(frozen=True)
class AlertRow:
    alert: StaffAlert

    @property
    def share_percent(self) -> object:
        a = self.alert
        return f.display_percent(Fraction(a.unsatisfied, a.valid), 1) if a.valid else None

    @property
    def threshold_percent(self) -> object:
        return f.display_percent(Fraction(self.alert.threshold), 1)


@dataclass
class AlertsPage:
    window_end: dt.date | None
    window_start: dt.date | None
    alerts: list[AlertRow]
    statuses: list[StaffStatus]
    policy: Policy
    method: f.Method

    @property
    def threshold_percent(self) -> object:
        return f.display_percent(self.policy.threshold_fraction, 1)


def staff_alerts_current(*, unit: Unit) -> AlertsPage:
    """The latest computed window's alerts, and every civil servant's standing in that window."""
    policy = policy_effective(unit)
    latest = StaffAlert.objects.filter(unit=unit).aggregate(end=Max("window_end"))["end"]
    # Yesterday's window; the day before's while this morning's run has not happened yet.
    yesterday = alert_window_end()
    window_end = latest if latest and latest >= yesterday - dt.timedelta(days=1) else yesterday
    alerts = [
        AlertRow(a)
        for a in StaffAlert.objects.filter(unit=unit, window_end=window_end).order_by("staff_name")
    ]
    start = alerts[0].alert.window_start if alerts else policy.alert_window(end=window_end)[0]
    return AlertsPage(
        window_end=window_end,
        window_start=start,
        alerts=alerts,
        statuses=staff_statuses(unit=unit, window_end=window_end, policy=policy),
        policy=policy,
        method=alert_method(policy),
    )
