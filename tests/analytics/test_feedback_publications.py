"""Feedback figures in the publications: the snapshot carries them (format 3, rolled up like every
figure), the official report prints all three with n and the too-few rule, the public page shows counts
and the on-time rate only, never a content; snapshots of earlier formats still read."""

import copy
import datetime as dt
import json

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.models import Publication
from analytics.publications.report import report_build, report_html
from analytics.publications.services import ADHOC, publication_create
from analytics.publications.snapshot import publication_snapshot
from surveys.models import Feedback
from tenants.routing import public_reverse
from tests.analytics.test_feedback_figures import record
from tests.analytics.test_publications import LAST_MONTH, eager, pdf_text, published  # noqa: F401

pytestmark = pytest.mark.django_db

DUE = LAST_MONTH.start + dt.timedelta(days=14)
SECRET = "Ông Nguyễn Văn X đòi tiền bồi dưỡng"
REFERENCE = "K7Q2M9XZ"


@pytest.fixture
def complaints(world):
    """Last month, worked out by hand.

    Hồng Thái: four records due on DUE: two replied on the day (on time), one a day late, one never
    replied (late) → on time 2 / 4; one of the on-time ones rated satisfied, the late one rated
    unsatisfied → handling 1 / 2; one more replied without contact details (not rateable). Categories:
    unofficial costs 1 (the never-replied one, its content a name), other 3.
    The sibling commune: one record, replied on time, harassment → the district: 3 / 5 on time.
    """
    with tenant_context(world.commune):
        record(due=DUE, replied=DUE, rating="satisfied")
        record(due=DUE, replied=DUE, rateable=False)
        record(due=DUE, replied=DUE + dt.timedelta(days=1), rating="unsatisfied")
        secret = record(due=DUE, category="unofficial_costs")
        Feedback.objects.filter(pk=secret.pk).update(content=SECRET, reference=REFERENCE)
    with tenant_context(world.sibling):
        record(due=DUE, replied=DUE, category="harassment")
    return world


def test_the_snapshot_carries_the_feedback_figures_never_a_content(complaints):
    snapshot = publication_snapshot(unit=complaints.commune, period=LAST_MONTH, internal=True)

    assert snapshot["format"] == 3
    feedback = snapshot["feedback"]
    assert feedback["received"] == 4
    assert [(c["key"], c["count"]) for c in feedback["by_category"]] == [
        ("other", 3),
        ("unofficial_costs", 1),
    ]
    assert feedback["by_category"][1]["label"]["vi"] == "Chi phí không chính thức"
    assert (feedback["on_time"]["exact"], feedback["on_time"]["n"]) == ("1/2", 4)
    assert feedback["on_time"]["too_few"] is True and feedback["on_time"]["minimum_n"] == 30
    assert (feedback["handling"]["exact"], feedback["handling"]["n"]) == ("1/2", 2)
    assert (feedback["unrateable"], feedback["pending"]) == (1, 0)
    assert feedback["units"] is None  # a commune has no units below
    assert {"feedback_on_time", "feedback_handling_satisfaction"} <= snapshot["methods"].keys()
    text = json.dumps(snapshot, ensure_ascii=False)
    assert SECRET not in text and REFERENCE not in text


def test_the_district_snapshot_sums_its_communes_feedback(complaints):
    snapshot = publication_snapshot(unit=complaints.district, period=LAST_MONTH, internal=False)

    feedback = snapshot["feedback"]
    assert feedback["received"] == 5
    assert (feedback["on_time"]["exact"], feedback["on_time"]["n"]) == ("3/5", 5)  # summed, not averaged
    units = {row["name"]: row for row in feedback["units"]}
    assert units[complaints.commune.name]["received"] == 4
    assert units[complaints.commune.name]["on_time"]["n"] == 4
    assert (
        units[complaints.sibling.name]["received"],
        units[complaints.sibling.name]["on_time"]["exact"],
    ) == (
        1,
        "1/1",
    )


def test_the_official_report_prints_the_three_figures_with_n_and_too_few(complaints):
    publication = publication_create(unit=complaints.commune, kind=ADHOC, period=LAST_MONTH)

    report = report_build(publication, language="vi")

    section = report.feedback
    assert section.title == "6. Tiếp nhận, xử lý phản ánh, kiến nghị"
    text = " ".join(section.lines)
    assert "Số phản ánh, kiến nghị tiếp nhận trong kỳ: 4." in text
    # 4 and 2 under the minimum of 30: no rate, "chưa đủ ý kiến (n = …)" like every figure
    assert "được xử lý đúng hạn: chưa đủ ý kiến (n = 4)" in text
    assert "hài lòng với việc xử lý phản ánh, kiến nghị: chưa đủ ý kiến (n = 2)" in text
    assert "không thể đánh giá (không tính vào tỷ lệ): 1." in text
    assert "50,00 %" not in text
    assert [(line.label, line.count) for line in section.categories] == [
        ("Khác", "3"),
        ("Chi phí không chính thức", "1"),
    ]
    assert any("đúng hạn" in line for line in report.methods)  # the method, named and described
    assert any("chưa đủ ý kiến" in line for line in report.limits)


def test_at_the_minimum_the_report_prints_the_rates_with_comma_decimals(complaints):
    publication = publication_create(unit=complaints.commune, kind=ADHOC, period=LAST_MONTH)
    snapshot = copy.deepcopy(publication.snapshot)
    for key in ("on_time", "handling"):
        snapshot["feedback"][key]["too_few"] = False  # as with a minimum of 2
    publication.snapshot = snapshot

    lines = " ".join(report_build(publication, language="vi").feedback.lines)

    assert "được xử lý đúng hạn: 50,00 % (khoảng tin cậy 95 %: " in lines
    assert "n = 4 phản ánh, kiến nghị đến hạn trong kỳ" in lines
    assert "hài lòng với việc xử lý phản ánh, kiến nghị: 50,00 % (khoảng tin cậy 95 %:" in lines


def test_the_district_report_lists_each_communes_feedback(complaints):
    publication = publication_create(unit=complaints.district, kind=ADHOC, period=LAST_MONTH)

    report = report_build(publication, language="vi")

    assert report.feedback.title == "7. Tiếp nhận, xử lý phản ánh, kiến nghị"  # after the ranking
    rows = {line.label: line for line in report.feedback.units}
    assert set(rows) == {complaints.commune.name, complaints.sibling.name}  # the quiet ones in a sentence
    assert report.feedback.quiet.startswith("Các đơn vị không tiếp nhận phản ánh, kiến nghị trong kỳ (")
    assert rows[complaints.commune.name].count == "4"
    assert rows[complaints.commune.name].figure.n == 4
    assert rows[complaints.sibling.name].count == "1"
    assert any("cộng dồn số lượng" in line for line in report.feedback.lines)


@pytest.mark.usefixtures("eager")
def test_the_pdf_prints_all_three_and_the_public_page_counts_and_the_on_time_rate_only(complaints, tmp_path):
    publication = published(complaints.commune)

    pdf = pdf_text(bytes(publication.pdf), tmp_path)
    assert "Tiếp nhận, xử lý phản ánh, kiến nghị" in pdf
    assert "được xử lý đúng hạn: chưa đủ ý kiến (n = 4)" in pdf
    assert "hài lòng với việc xử lý phản ánh, kiến nghị: chưa đủ ý kiến (n = 2)" in pdf
    assert "Chi phí không chính thức" in pdf
    assert SECRET not in pdf

    page = Client().get(public_reverse("publication_public", publication.public_id))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Số phản ánh, kiến nghị tiếp nhận trong kỳ: 4." in body
    assert "được xử lý đúng hạn: chưa đủ ý kiến (n = 4)" in body
    assert "Chi phí không chính thức" in body
    assert "hài lòng với việc xử lý phản ánh" not in body  # satisfaction with handling: the report only
    assert SECRET not in body and REFERENCE not in body


@pytest.mark.parametrize("old_format", [1, 2])
def test_a_snapshot_published_before_feedback_still_reads(complaints, old_format):
    # given a report published before the snapshot carried feedback
    draft = publication_create(unit=complaints.commune, kind=ADHOC, period=LAST_MONTH)
    snapshot = copy.deepcopy(draft.snapshot)
    del snapshot["feedback"]
    for code in ("feedback_on_time", "feedback_handling_satisfaction"):
        del snapshot["methods"][code]
    snapshot["format"] = old_format
    draft.delete()
    old = Publication.objects.create(
        unit=complaints.commune,
        kind=ADHOC,
        period_start=LAST_MONTH.start,
        period_end=LAST_MONTH.end,
        cutoff_at=draft.cutoff_at,
        status=Publication.Status.PUBLISHED,
        published_at=draft.created_at,
        snapshot=snapshot,
        pdf=b"%PDF-1.7 stored",
        pdf_sha256="0" * 64,
    )

    # then its report and page render as they did, without a feedback section
    report = report_build(old, language="vi")
    assert report.feedback is None
    html = report_html(old)
    assert "Tiếp nhận, xử lý phản ánh, kiến nghị" not in html and "xử lý đúng hạn" not in html
    page = Client().get(public_reverse("publication_public", old.public_id))
    assert page.status_code == 200
