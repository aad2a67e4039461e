"""Publications: snapshots frozen at their cut-off, the publication calendar, publishing through Celery,
the official PDF, the permanent public pages, and who may see or do what.

Rendering uses WeasyPrint; the PDF's text is read with pdftotext (poppler-utils), skipped when it is
missing except on CI.
"""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import unicodedata
import uuid
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_refresh
from analytics.figures.figure_json import figure_json, figure_method_code
from analytics.figures.selectors import Period
from analytics.methodology import formulas as f
from analytics.models import Publication, PublicationSchedule, PublicationSubscriber
from analytics.publications.report import report_build, shown
from analytics.publications.services import (
    ADHOC,
    NotRendered,
    publication_create,
    publication_publish,
    publication_publish_finish,
    publication_refresh,
    publication_schedule_due,
    publication_subscriber_add,
    scheduled_period,
    semiannual_periods,
)
from analytics.publications.snapshot import period_cutoff, publication_snapshot
from analytics.publications.tasks import (
    publication_publish_task,
    publication_render_task,
    publications_dispatch,
)
from surveys.decree import decree_date, short_name
from surveys.models import Campaign, PaperBatch, Procedure, StaffMember
from surveys.services import qr_link_create, response_submit
from tenants.models import AuditEvent, Unit, User
from tenants.routing import public_reverse, unit_reverse
from tests.conftest import CONFIRM, TODAY, post, signed_in

# Assertions read the English messages (see the `english` fixture); the PDF is Vietnamese whatever
# the language, as the official document is.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

LAST_MONTH_END = TODAY.replace(day=1) - dt.timedelta(days=1)
LAST_MONTH = Period(LAST_MONTH_END.replace(day=1), LAST_MONTH_END)
DAY = LAST_MONTH.start + dt.timedelta(days=9)
STAFF_NAME = "Lò Thị Cán Bộ"
Monthly, Semiannual, Annual = (
    PublicationSchedule.Kind.MONTHLY,
    PublicationSchedule.Kind.SEMIANNUAL,
    PublicationSchedule.Kind.ANNUAL,
)


# --------------------------------------------------------------------------- Celery


@pytest.fixture
def eager(monkeypatch):
    """Celery runs its tasks in the test's process, and on-commit callbacks run at once (the test's
    transaction never commits; in production they run when the publishing transaction does)."""
    from config.celery import app

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


# --------------------------------------------------------------------------- answers


def ballot(unit: Unit, day: dt.date, satisfaction: int, *, reasons=(), staff: StaffMember | None = None):
    """One Hồng Thái quick-form paper ballot collected on `day` (3 = very satisfied … 1 = dissatisfied)."""
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        clerk = User.objects.get_or_create(username="clerk@test", defaults={"email": "clerk@test"})[0]
        batch = PaperBatch.objects.create(
            campaign=campaign,
            box_label="Hòm 1",
            collected_from=day,
            collected_to=day,
            declared_count=1,
            opened_by=clerk,
        )
        procedure = Procedure.objects.get(key="dang_ky_khai_sinh")
        fields = {"q_procedure": procedure.pk, "q_satisfaction": satisfaction}
        if reasons:
            fields["q_reasons"] = list(reasons)
        link = None
        if staff is not None:
            link = qr_link_create(unit=unit, campaign=campaign, staff=staff)
        response, _ = response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(**fields),
            submission_key=uuid.uuid4(),
            channel="paper",
            paper_batch=batch,
            entered_by=clerk,
            link=link,
        )
        return response


@pytest.fixture
def answered(world):
    """Last month: Hồng Thái 3 satisfied + 1 dissatisfied (two reasons), one of them about a civil
    servant; the sibling commune 2 answers."""
    with tenant_context(world.commune):
        staff = StaffMember.objects.create(full_name=STAFF_NAME)
    for level in (3, 3, 2):
        ballot(world.commune, DAY, level, staff=staff)
    ballot(world.commune, DAY, 1, reasons=["official_attitude", "procedure_fees"])
    ballot(world.sibling, DAY, 3)
    ballot(world.sibling, DAY, 1, reasons=["other"])
    facts_refresh()
    return world


def published(unit: Unit, *, internal: bool = False, user=None) -> Publication:
    """A publication of last month, published (the caller runs Celery eagerly)."""
    publication = publication_create(unit=unit, kind=ADHOC, period=LAST_MONTH, internal=internal)
    publication_publish(publication=publication, user=user)
    publication.refresh_from_db()
    return publication


def unit_url(unit: Unit, name: str, *args) -> str:
    return unit_reverse(unit, f"unit:{name}", *args)


# --------------------------------------------------------------------------- tools


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (python deploy/dev.py setup installs poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def pdf_text(pdf: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    """The PDF's text, spaces folded; with `layout`, as printed, pages separated by form feeds."""
    target = tmp_path / "report.pdf"
    target.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        [tool("pdftotext"), "-enc", "UTF-8", *(["-layout"] if layout else []), str(target), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = unicodedata.normalize("NFC", result.stdout)
    return text if layout else re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- the snapshot


def test_the_snapshot_holds_every_figure_with_n_interval_method_period_and_cutoff(answered):
    snapshot = publication_snapshot(unit=answered.commune, period=LAST_MONTH, internal=False)

    assert json.loads(json.dumps(snapshot)) == snapshot  # plain JSON, nothing Python-only
    assert snapshot["period"] == {"start": LAST_MONTH.start.isoformat(), "end": LAST_MONTH.end.isoformat()}
    assert snapshot["cutoff_at"] == period_cutoff(LAST_MONTH).isoformat()
    assert snapshot["responses"] == 4
    assert snapshot["format"] == 3  # figures in the shape of the API's (figure_json), with feedback
    overall = snapshot["overall"]
    assert overall["exact"] == "3/4"  # exact, beside its rounded value
    assert overall["value"] == 0.75
    assert overall["n"] == 4
    low, high = overall["interval"]
    assert low < 0.75 < high
    assert overall["too_few"] is True and overall["minimum_n"] == 30
    assert overall["method"]["code"] == "satisfaction_rate"
    assert overall["notes"] == []
    assert {"satisfaction_rate", "mean_of_elements"} <= snapshot["methods"].keys()
    assert snapshot["methods"]["satisfaction_rate"]["name"]["vi"] == "Tỷ lệ hài lòng"
    assert [p["key"] for p in snapshot["procedures"]] == ["dang_ky_khai_sinh"]
    assert snapshot["procedures"][0]["figure"]["n"] == 4
    profile = snapshot["profile"]
    assert profile["n"] == 1 and profile["sums_past_100"] is True
    assert {s["label"]["vi"] for s in profile["shares"]} == {"Thái độ", "Mức phí, lệ phí"}
    assert snapshot["ranking"] is None  # a commune has no units below
    assert snapshot["staff"] is None  # public: no civil servant named


# Figures as snapshots of format 1 stored them (reports published before figure_json): they never change.
FORMAT_1_RATE = {
    "value": "3/4",
    "n": 4,
    "low": "30.06",
    "high": "95.44",
    "too_few": False,
    "minimum_n": 4,
    "method": "satisfaction_rate",
    "notes": [],
    "percent": "75.00",
}
FORMAT_1_MEAN = {
    **FORMAT_1_RATE,
    "value": "7/2",
    "n": 2,
    "minimum_n": 2,
    "low": None,
    "high": None,
    "method": "mean_score",
}
del FORMAT_1_MEAN["percent"]
FORMAT_1_MEAN["score"] = "3.50"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_published_snapshot_of_format_1_reads_as_it_did(language):
    # given the same figures in both stored shapes
    rate = figure_json(f.rate_figure(f.Tally(satisfied=3, unsatisfied=1), minimum_n=4))
    mean = figure_json(f.mean_score_figure(f.Tally(satisfied=2, score_sum=7, scored=2), minimum_n=2))
    # then the report prints them alike, and finds the method's code in either
    assert shown(FORMAT_1_RATE, language) == shown(rate, language)
    assert shown(FORMAT_1_MEAN, language) == shown(mean, language)
    assert shown(rate, language).percent == ("75,00 %" if language == "vi" else "75.00 %")
    assert shown(mean, language).score == ("3,50" if language == "vi" else "3.50")
    assert figure_method_code(FORMAT_1_RATE) == figure_method_code(rate) == "satisfaction_rate"


def test_only_an_internal_snapshot_names_civil_servants(answered):
    public = publication_snapshot(unit=answered.commune, period=LAST_MONTH, internal=False)
    internal = publication_snapshot(unit=answered.commune, period=LAST_MONTH, internal=True)

    assert STAFF_NAME not in json.dumps(public, ensure_ascii=False)
    names = {row["name"]["vi"]: row["figure"]["n"] for row in internal["staff"]}
    assert names[STAFF_NAME] == 3


def test_a_district_snapshot_ranks_its_communes_and_keeps_small_ones_unranked(answered):
    snapshot = publication_snapshot(unit=answered.district, period=LAST_MONTH, internal=True)

    assert snapshot["pooled"] is True
    assert snapshot["responses"] == 6  # pooled counts, not averaged percentages
    rows = {row["name"]: row for row in snapshot["ranking"]}
    assert rows[answered.commune.name]["figure"]["n"] == 4
    assert rows[answered.commune.name]["rank"] is None  # 4 < 30 answers: listed, not ranked
    assert rows[answered.sibling.name]["figure"]["n"] == 2
    assert snapshot["staff"] is None  # civil servants are per commune, never pooled
    assert snapshot["quota"] is None


def test_the_snapshot_folds_answers_still_waiting_for_the_minute_refresh(world):
    ballot(world.commune, DAY, 3)  # no facts_refresh: the answer only marked its day dirty

    snapshot = publication_snapshot(unit=world.commune, period=LAST_MONTH, internal=False)

    assert snapshot["overall"]["n"] == 1


# --------------------------------------------------------------------------- creating


@pytest.mark.parametrize(
    "period",
    [
        Period(TODAY.replace(day=1), TODAY),  # ends today: not over until midnight
        Period(TODAY, TODAY + dt.timedelta(days=30)),
        Period(LAST_MONTH.start, TODAY),
    ],
)
def test_a_period_that_has_not_ended_is_refused_and_nothing_is_stored(world, period):
    with pytest.raises(ValidationError, match="has not ended yet"):
        publication_create(unit=world.commune, kind=ADHOC, period=period)
    assert not Publication.objects.filter(unit=world.commune).exists()


def test_the_same_period_is_published_once_per_kind(world):
    publication_create(unit=world.commune, kind=ADHOC, period=LAST_MONTH)
    with pytest.raises(ValidationError, match="already exists"):
        publication_create(unit=world.commune, kind=ADHOC, period=LAST_MONTH)
    # an internal report of the same period is another publication
    publication_create(unit=world.commune, kind=ADHOC, period=LAST_MONTH, internal=True)
    assert Publication.objects.filter(unit=world.commune).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "weekly"}, "Unknown kind"),
        ({"period": Period(dt.date(2014, 12, 1), dt.date(2014, 12, 31))}, "2015"),
        ({"period": Period(LAST_MONTH.end, LAST_MONTH.start)}, "starts after it ends"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(world, kwargs, message):
    arguments = {"unit": world.commune, "kind": ADHOC, "period": LAST_MONTH} | kwargs
    with pytest.raises(ValidationError, match=message):
        publication_create(**arguments)


def test_a_unit_that_is_not_onboarded_does_not_publish(world):
    with pytest.raises(ValidationError, match="onboarded"):
        publication_create(unit=world.province, kind=ADHOC, period=LAST_MONTH)


# --------------------------------------------------------------------------- publishing


def test_publishing_renders_the_pdf_in_celery_then_publishes_and_emails_the_subscribers(
    answered, commune_admin, eager
):
    for address in ("ba.lan@example.test", "bao.langson@example.test"):
        publication_subscriber_add(unit=answered.commune, email=address)
    draft = publication_create(unit=answered.commune, kind=ADHOC, period=LAST_MONTH)
    assert draft.status == Publication.Status.DRAFT and not draft.pdf

    publication_publish(publication=draft, user=commune_admin)

    draft.refresh_from_db()
    assert draft.status == Publication.Status.PUBLISHED
    assert bytes(draft.pdf).startswith(b"%PDF")
    assert len(draft.pdf_sha256) == 64
    assert draft.published_by == commune_admin and draft.published_at is not None
    # one message per subscriber, each with the permanent link
    link = public_reverse("publication_public", draft.public_id)
    assert sorted(m.to[0] for m in mail.outbox) == ["ba.lan@example.test", "bao.langson@example.test"]
    assert all(link in m.body and len(m.to) == 1 for m in mail.outbox)


def test_the_publish_task_never_publishes_without_the_pdf(answered):
    draft = publication_create(unit=answered.commune, kind=ADHOC, period=LAST_MONTH)
    Publication.objects.filter(pk=draft.pk).update(status=Publication.Status.SCHEDULED)

    # the task asks Celery to retry it later
    with pytest.raises(Retry, match="no PDF yet"):
        publication_publish_task.apply(args=(draft.pk, None), throw=True).get()
    with pytest.raises(NotRendered):
        publication_publish_finish(publication_id=draft.pk, user_id=None)

    draft.refresh_from_db()
    assert draft.status == Publication.Status.SCHEDULED and draft.published_at is None


def test_rendering_and_publishing_again_change_nothing_and_email_once(answered, eager):
    publication_subscriber_add(unit=answered.commune, email="dan@example.test")
    publication = published(answered.commune)
    pdf = bytes(publication.pdf)

    assert publication_render_task.apply(args=(publication.pk,)).get() is False
    assert publication_publish_task.apply(args=(publication.pk, None)).get() is False
    with pytest.raises(ValidationError, match="already published"):
        publication_publish(publication=publication, user=None)

    publication.refresh_from_db()
    assert bytes(publication.pdf) == pdf
    assert len(mail.outbox) == 1


def test_an_internal_report_is_never_emailed_to_subscribers(answered, eager):
    publication_subscriber_add(unit=answered.commune, email="dan@example.test")
    publication = published(answered.commune, internal=True)
    assert publication.status == Publication.Status.PUBLISHED
    assert mail.outbox == []


def test_a_published_snapshot_and_pdf_never_change(answered, eager):
    publication = published(answered.commune)
    snapshot, pdf = publication.snapshot, bytes(publication.pdf)

    # given: late ballots of the published period, folded into the facts
    for _ in range(3):
        ballot(answered.commune, DAY, 1, reasons=["official_attitude"])
    facts_refresh()
    assert publication_snapshot(unit=answered.commune, period=LAST_MONTH, internal=False)["responses"] == 7

    # then: the publication still says what it said
    publication.refresh_from_db()
    assert publication.snapshot == snapshot and bytes(publication.pdf) == pdf
    with pytest.raises(ValidationError, match="Only a draft"):
        publication_refresh(publication=publication)
    # and the database itself refuses a raw change or a deletion
    for statement in (
        "UPDATE analytics_publication SET snapshot = '{}'::jsonb WHERE id = %s",
        "UPDATE analytics_publication SET pdf = NULL WHERE id = %s",
        "UPDATE analytics_publication SET status = 'draft' WHERE id = %s",
        "DELETE FROM analytics_publication WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="published"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement, [publication.pk])
    publication.refresh_from_db()
    assert publication.snapshot == snapshot and bytes(publication.pdf) == pdf


def test_a_draft_can_be_computed_again_before_it_is_published(answered):
    draft = publication_create(unit=answered.commune, kind=ADHOC, period=LAST_MONTH)
    ballot(answered.commune, DAY, 3)

    publication_refresh(publication=draft)

    draft.refresh_from_db()
    assert draft.snapshot["responses"] == 5


# --------------------------------------------------------------------------- the calendar

Y = TODAY.year - 1  # a past year, so every period it publishes is over


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        (Monthly, dt.date(Y, 6, 1), Period(dt.date(Y, 5, 1), dt.date(Y, 5, 31))),
        (Monthly, dt.date(Y, 3, 5), Period(dt.date(Y, 2, 1), dt.date(Y, 2, 28 + (Y % 4 == 0)))),
        (Monthly, dt.date(Y, 1, 1), Period(dt.date(Y - 1, 12, 1), dt.date(Y - 1, 12, 31))),
        (Monthly, dt.date(Y, 6, 6), None),
        (Semiannual, dt.date(Y, 6, 1), Period(dt.date(Y - 1, 11, 1), dt.date(Y, 5, 31))),
        (Semiannual, dt.date(Y, 6, 9), Period(dt.date(Y - 1, 11, 1), dt.date(Y, 5, 31))),
        (Semiannual, dt.date(Y, 6, 10), None),
        (Semiannual, dt.date(Y, 11, 1), Period(dt.date(Y, 6, 1), dt.date(Y, 10, 31))),
        (Semiannual, dt.date(Y, 12, 1), None),
        (Annual, dt.date(Y, 1, 1), Period(dt.date(Y - 1, 1, 1), dt.date(Y - 1, 12, 31))),
        (Annual, dt.date(Y, 1, 10), Period(dt.date(Y - 1, 1, 1), dt.date(Y - 1, 12, 31))),
        (Annual, dt.date(Y, 1, 11), None),
        (Annual, dt.date(Y, 2, 1), None),
    ],
)
def test_each_schedule_publishes_its_period_in_its_window(kind, today, expected):
    assert scheduled_period(kind=kind, today=today) == expected


def test_the_six_monthly_periods_cover_every_day_once_and_close_before_the_10th():
    days = []
    for year in (2025, 2026):
        spring, autumn = semiannual_periods(year)
        days += [spring.start + dt.timedelta(days=i) for i in range(spring.days)]
        days += [autumn.start + dt.timedelta(days=i) for i in range(autumn.days)]
        assert spring.end < dt.date(year, 6, 10) and autumn.end < dt.date(year, 11, 10)
    assert len(days) == len(set(days))
    assert days == sorted(days)
    assert (days[-1] - days[0]).days + 1 == len(days)


@pytest.fixture
def schedules(world):
    PublicationSchedule.objects.create(unit=world.commune, kind=Monthly, review_first=True)
    PublicationSchedule.objects.create(unit=world.commune, kind=Semiannual, review_first=False)
    PublicationSchedule.objects.create(unit=world.sibling, kind=Annual, review_first=False)
    PublicationSchedule.objects.create(unit=world.other, kind=Monthly, is_active=False)
    return world


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(Y, 6, 1), {("commune", Monthly), ("commune", Semiannual)}),
        (dt.date(Y, 11, 3), {("commune", Monthly), ("commune", Semiannual)}),
        (dt.date(Y, 1, 2), {("commune", Monthly), ("sibling", Annual)}),
        (dt.date(Y, 7, 1), {("commune", Monthly)}),
        (dt.date(Y, 7, 6), set()),
    ],
)
def test_the_dispatcher_creates_what_is_due_on_its_day_and_nothing_on_a_second_run(
    schedules, commune_admin, eager, today, expected
):
    names = {schedules.commune.pk: "commune", schedules.sibling.pk: "sibling"}

    due = publications_dispatch.apply(kwargs={"today": today.isoformat()}).get()

    made = {(names[p.unit_id], p.kind): p for p in Publication.objects.all()}
    assert due == len(expected) and set(made) == expected
    for (_name, kind), publication in made.items():
        assert Period(publication.period_start, publication.period_end) == scheduled_period(
            kind=kind, today=today
        )
        assert publication.internal is False
    # review first: a draft, and the unit's admins are told; otherwise published at once, with its PDF
    if ("commune", Monthly) in made:
        assert made[("commune", Monthly)].status == Publication.Status.DRAFT
        assert any(commune_admin.email in m.to for m in mail.outbox)
    for key in made.keys() - {("commune", Monthly)}:
        assert made[key].status == Publication.Status.PUBLISHED and made[key].pdf

    # a second run the same day (or the next) creates nothing
    assert publications_dispatch.apply(kwargs={"today": today.isoformat()}).get() == 0
    assert publication_schedule_due(today=today + dt.timedelta(days=1)) == []
    assert Publication.objects.count() == len(expected)


def test_the_dispatcher_finishes_a_publication_whose_tasks_were_lost(answered, eager):
    # given: queued for publication two hours ago, but the worker died before rendering it
    lost = publication_create(
        unit=answered.commune, kind=ADHOC, period=LAST_MONTH, status=Publication.Status.SCHEDULED
    )
    Publication.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))

    publications_dispatch.apply(kwargs={"today": dt.date(Y, 7, 20).isoformat()}).get()

    lost.refresh_from_db()
    assert lost.status == Publication.Status.PUBLISHED and bytes(lost.pdf).startswith(b"%PDF")


# --------------------------------------------------------------------------- the PDF


def test_the_pdf_is_a_vietnamese_administrative_report_with_the_figures(answered, eager, tmp_path):
    publication = published(answered.commune)

    text = pdf_text(bytes(publication.pdf), tmp_path)

    assert "UBND HUYỆN VĂN LÃNG" in text and "UBND XÃ HỒNG THÁI" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số:" in text and "/BC-UBND" in text
    day, month, year = decree_date(timezone.localdate(publication.published_at))
    assert f"Hồng Thái, ngày {day} tháng {month} năm {year}" in text
    assert "BÁO CÁO" in text
    title = (
        "Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính"
    )
    assert f"{title} nhà nước" in text
    assert f"tháng {LAST_MONTH.end.month} năm {LAST_MONTH.end.year}" in text
    # 4 answers, under the minimum of 30: the official report says so instead of printing 75,00 %
    assert "chưa đủ ý kiến (n = 4)" in text and "75,00 %" not in text
    assert "Wilson" in text
    assert "Đăng ký khai sinh" in text  # by procedure
    assert "vượt quá 100 %" in text  # the profile's note: two reasons ticked by one response
    assert "Nơi nhận:" in text and "TM. ỦY BAN NHÂN DÂN" in text and "CHỦ TỊCH" in text
    # Decree 30: page numbers centred at the top from the second page on, none on the first
    pages = pdf_text(bytes(publication.pdf), tmp_path, layout=True).split("\f")
    assert len(pages) > 2
    assert not pages[0].strip().startswith("1")
    assert pages[1].strip().split()[0] == "2"
    assert STAFF_NAME not in text
    assert public_reverse("publication_public", publication.public_id) in text


def test_only_the_internal_pdf_names_civil_servants(answered, eager, tmp_path):
    publication = published(answered.commune, internal=True)

    text = pdf_text(bytes(publication.pdf), tmp_path)

    assert STAFF_NAME in text and "LƯU HÀNH NỘI BỘ" in text


def test_the_district_report_ranks_its_communes(answered):
    publication = publication_create(unit=answered.district, kind=ADHOC, period=LAST_MONTH)

    report = report_build(publication, language="vi")

    assert [line.label for line in report.ranking] == [answered.commune.name, answered.sibling.name]
    assert all(not line.extra for line in report.ranking)  # both under 30 answers: unranked
    assert report.issuer == "UBND HUYỆN VĂN LÃNG" and report.issuer_parent == "UBND TỈNH LẠNG SƠN"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 2, 5), ("05", "02", "2024")),
        (dt.date(2026, 11, 23), ("23", "11", "2026")),
        (dt.date(2026, 3, 9), ("09", "3", "2026")),
    ],
)
def test_dates_are_written_as_decree_30_writes_them(day, expected):
    assert decree_date(day) == expected


def test_the_place_name_drops_the_unit_type():
    assert short_name("Xã Hồng Thái") == "Hồng Thái"
    assert short_name("Thị xã Sơn Tây") == "Sơn Tây"
    assert short_name("Thành phố Hà Nội") == "Hà Nội"


# --------------------------------------------------------------------------- public pages


def test_the_permanent_page_and_pdf_are_public_only_once_published(answered, eager):
    draft = publication_create(unit=answered.commune, kind=ADHOC, period=LAST_MONTH)
    page = public_reverse("publication_public", draft.public_id)
    pdf = public_reverse("publication_public_pdf", draft.public_id)
    anonymous = Client()
    assert anonymous.get(page).status_code == 404
    assert anonymous.get(pdf).status_code == 404

    publication_publish(publication=draft, user=None)

    response = anonymous.get(page)
    assert response.status_code == 200
    assert "too few answers (n = 4)" in response.text and answered.commune.name in response.text
    assert pdf in response.text
    download = anonymous.get(pdf)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    assert "immutable" in download["Cache-Control"]
    again = anonymous.get(pdf, headers={"If-None-Match": download["ETag"]})
    assert again.status_code == 304
    # listed on the unit's public results page
    results = anonymous.get(public_reverse("public_results", answered.commune.slug))
    assert page in results.text


def test_an_internal_report_is_never_public(answered, eager, commune_officer):
    publication = published(answered.commune, internal=True)
    anonymous = Client()
    assert anonymous.get(public_reverse("publication_public", publication.public_id)).status_code == 404
    assert anonymous.get(public_reverse("publication_public_pdf", publication.public_id)).status_code == 404
    # the unit's own officers read it in the console
    officer = signed_in(commune_officer)
    response = officer.get(unit_url(answered.commune, "publication_pdf", publication.pk))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("address", ["/cong-bo/not-a-uuid/", "/cong-bo/123.pdf", f"/cong-bo/{uuid.uuid4()}/"])
def test_unknown_public_addresses_are_404(world, address):
    assert Client().get(address).status_code == 404


# --------------------------------------------------------------------------- permissions


@pytest.fixture
def draft(answered) -> Publication:
    return publication_create(unit=answered.commune, kind=ADHOC, period=LAST_MONTH)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("commune_officer", 200),  # officers prepare: they see drafts
        ("commune_admin", 200),
        ("province_admin", 200),  # admin above: inherited
        ("district_viewer", 404),  # viewers see what the public sees: no draft
        ("sibling_officer", 403),  # no role in the unit at all
        ("outsider", 403),
    ],
)
def test_who_may_review_a_draft(draft, request, persona, status):
    user = request.getfixturevalue(persona)
    response = signed_in(user).get(unit_url(draft.unit, "publication_detail", draft.pk))
    assert response.status_code == status
    if status == 200:
        assert "too few answers (n = 4)" in response.text  # the preview shows the snapshot's figures


def test_viewers_list_only_public_published_reports(draft, eager, district_viewer, commune_officer):
    publication_publish(publication=draft, user=None)
    internal = publication_create(unit=draft.unit, kind=ADHOC, period=LAST_MONTH, internal=True)
    listing = unit_url(draft.unit, "publications")

    viewer_page = signed_in(district_viewer).get(listing).text
    officer_page = signed_in(commune_officer).get(listing).text

    assert unit_url(draft.unit, "publication_detail", draft.pk) in viewer_page
    assert unit_url(draft.unit, "publication_detail", internal.pk) not in viewer_page
    assert unit_url(draft.unit, "publication_detail", internal.pk) in officer_page


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("commune_admin", True),
        ("province_admin", True),
        ("commune_officer", False),
        ("district_viewer", False),
    ],
)
def test_only_admins_publish(draft, eager, request, persona, allowed):
    user = request.getfixturevalue(persona)
    response = signed_in(user).post(unit_url(draft.unit, "publication_publish", draft.pk), CONFIRM)
    draft.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert draft.status == Publication.Status.PUBLISHED and draft.published_by == user
    else:
        assert response.status_code == 403
        assert draft.status == Publication.Status.DRAFT


def test_publishing_is_in_the_units_activity_log(draft, eager, commune_admin, province_admin):
    signed_in(commune_admin).post(unit_url(draft.unit, "publication_publish", draft.pk), CONFIRM)
    event = AuditEvent.objects.get(action="publication_publish")
    period = f"{LAST_MONTH.start:%d/%m/%Y} – {LAST_MONTH.end:%d/%m/%Y}"
    assert (event.actor, event.unit, event.target) == (commune_admin, draft.unit, period)
    log = signed_in(province_admin).get(f"/console/units/{draft.unit.structure}/{draft.unit.code}/audit/")
    assert [(row["action"], row["what"]) for row in log.context["rows"]] == [("Published results", period)]


def test_publishing_asks_first_and_says_what_cannot_be_undone(draft, eager, commune_admin):
    client = signed_in(commune_admin)
    asked = client.post(unit_url(draft.unit, "publication_publish", draft.pk), {"confirm": "maybe"})
    assert asked.status_code == 200
    assert "This cannot be undone." in asked.text and "permanent address" in asked.text
    draft.refresh_from_db()
    assert draft.status == Publication.Status.DRAFT
    assert not AuditEvent.objects.filter(action="publication_publish").exists()


def test_publishing_twice_is_a_clear_400(draft, eager, commune_admin):
    client = signed_in(commune_admin)
    client.post(unit_url(draft.unit, "publication_publish", draft.pk), CONFIRM)
    response = client.post(unit_url(draft.unit, "publication_publish", draft.pk), CONFIRM)
    assert response.status_code == 400
    assert "already published" in response.text


def test_an_admin_creates_an_adhoc_draft(answered, commune_admin):
    response = signed_in(commune_admin).post(
        unit_url(answered.commune, "publication_new"),
        {"period_start": f"{LAST_MONTH.start:%d/%m/%Y}", "period_end": f"{LAST_MONTH.end:%d/%m/%Y}"},
    )
    publication = Publication.objects.get(unit=answered.commune)
    assert response.status_code == 302
    assert response["Location"].endswith(unit_url(answered.commune, "publication_detail", publication.pk))
    assert publication.status == Publication.Status.DRAFT and publication.kind == ADHOC


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period_start": "01/01/2026", "period_end": f"{TODAY:%d/%m/%Y}"}, "has not ended yet"),
        ({"period_start": "31/02/2025", "period_end": "01/03/2025"}, "Enter a valid date"),
        ({"period_start": "x" * 500, "period_end": ""}, "Enter a valid date"),
        ({"period_start": "01/03/2025", "period_end": "01/02/2025"}, "starts after it ends"),
    ],
)
def test_a_bad_adhoc_period_is_a_400_with_a_message_and_nothing_stored(world, commune_admin, data, message):
    response = signed_in(commune_admin).post(unit_url(world.commune, "publication_new"), data)
    assert response.status_code == 400
    assert message in response.text
    assert not Publication.objects.exists()


def test_officers_may_not_create_reports_or_change_schedules(world, commune_officer):
    client = signed_in(commune_officer)
    for name in ("publication_new", "publication_schedules", "publication_subscribers"):
        assert client.get(unit_url(world.commune, name)).status_code == 403


def test_an_admin_sets_the_schedule(world, commune_admin):
    client = signed_in(commune_admin)
    response = client.post(
        unit_url(world.commune, "publication_schedules"),
        {"semiannual_active": "on", "semiannual_review": "on", "annual_active": "on"},
    )
    assert response.status_code == 302
    rows = {
        s.kind: (s.is_active, s.review_first) for s in PublicationSchedule.objects.filter(unit=world.commune)
    }
    assert rows == {Semiannual: (True, True), Annual: (True, False)}
    client.post(unit_url(world.commune, "publication_schedules"), {"annual_active": "on"})
    rows = {s.kind: s.is_active for s in PublicationSchedule.objects.filter(unit=world.commune)}
    assert rows == {Semiannual: False, Annual: True}


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "is not an e-mail address"),
        ("", "This field is required"),
        ("a@b.vn" * 60, "at most"),
    ],
)
def test_a_bad_subscriber_address_is_a_400_and_nothing_is_stored(world, commune_admin, email, message):
    response = signed_in(commune_admin).post(
        unit_url(world.commune, "publication_subscribers"), {"email": email}
    )
    assert response.status_code == 400
    assert message in response.text
    assert not PublicationSubscriber.objects.exists()


def test_a_subscriber_is_added_once_and_removed(world, commune_admin):
    client = signed_in(commune_admin)
    url = unit_url(world.commune, "publication_subscribers")
    assert client.post(url, {"email": " Dan@Example.test "}).status_code == 302
    duplicate = client.post(url, {"email": "dan@example.test"})
    assert duplicate.status_code == 400 and "already on the list" in duplicate.text
    subscriber = PublicationSubscriber.objects.get()
    assert subscriber.email == "dan@example.test"
    assert (
        client.post(unit_url(world.commune, "publication_subscriber_delete", subscriber.pk)).status_code
        == 302
    )
    assert not PublicationSubscriber.objects.exists()
