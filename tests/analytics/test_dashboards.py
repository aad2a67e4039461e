"""Results dashboards, public results pages and the desk board: who sees what, and what is never shown."""

import base64
import datetime as dt
import re
import uuid
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from analytics.dashboards.selectors import (
    breakdown_check,
    breakdown_dimensions,
    dimension_labels,
    period_from_query,
    period_presets,
)
from analytics.facts.services import facts_refresh
from analytics.figures import charts
from analytics.figures.selectors import Period, unit_figures
from analytics.methodology import formulas as f
from analytics.methodology.methods import METHOD_NAMES
from surveys.models import Campaign, Procedure, StaffMember
from surveys.services import qr_link_create, response_submit
from tenants.routing import unit_reverse
from tests.conftest import TODAY, answer, post, signed_in

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Ông Trần Bí Mật đòi 500 nghìn"
STAFF_NAME = "Lò Thị Cán Bộ"


# --------------------------------------------------------------------------- helpers


def son_tay(unit, level):
    """One Sơn Tây ballot answering every 5-level question with `level`."""
    keys = ("access_information", "facilities", "procedure_requirements", "official_service", "result")
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="son_tay_2017")
        fields = {f"q_{k}": level for k in (*keys, "overall")}
        fields["q_feedback_handling"] = "na"
        response_submit(
            campaign=campaign,
            version_id=campaign.version_id,
            data=post(**fields),
            submission_key=uuid.uuid4(),
            channel="qr",
        )


def staff_link(unit, name=STAFF_NAME):
    with tenant_context(unit):
        staff = StaffMember.objects.create(full_name=name)
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
    return qr_link_create(unit=unit, campaign=campaign, staff=staff)


def results_url(unit, name="unit:results", *args) -> str:
    return unit_reverse(unit, name, *args)


def vi(text) -> str:
    with translation.override("vi"):
        return str(text)


@pytest.fixture
def answered(world):
    """Hồng Thái: 3 satisfied, 1 dissatisfied with two reasons and a comment; the sibling: 2 answers."""
    link = staff_link(world.commune)
    for level in (3, 3, 2):
        answer(world.commune, level, link=link)
    answer(world.commune, 1, reasons=["official_attitude", "procedure_fees"], comment=SECRET_TEXT, link=link)
    answer(world.sibling, 3)
    answer(world.sibling, 1, reasons=["other"], comment=SECRET_TEXT)
    facts_refresh()
    return world


# --------------------------------------------------------------------------- the unit dashboard


def test_a_commune_officer_sees_the_figures_with_n_period_and_method(answered, commune_officer):
    page = signed_in(commune_officer).get(results_url(answered.commune))
    assert page.status_code == 200
    text = page.text
    figures = unit_figures(unit=answered.commune, period=period_from_query(start=None, end=None))
    assert figures.overall.n == 4
    assert "n&nbsp;=&nbsp;4" in text
    assert vi(METHOD_NAMES["satisfaction_rate"]) in text
    assert str(period_from_query(start=None, end=None)) in text
    # the headline is formulas.display_percent of the figure (75,00 in Vietnamese notation)
    assert "75,00" in text
    assert 'class="few"' in text  # 4 answers: too few
    assert "<svg" in text


def test_the_commune_dashboard_names_its_own_procedures_and_civil_servants(answered, commune_officer):
    text = signed_in(commune_officer).get(results_url(answered.commune)).text
    with tenant_context(answered.commune):
        procedure = Procedure.objects.get(key="dang_ky_khai_sinh")
    assert procedure.name_vi in text
    assert STAFF_NAME in text


def test_the_dissatisfaction_profile_says_when_shares_add_up_past_100(answered, commune_officer):
    client = signed_in(commune_officer)
    page = client.get(results_url(answered.commune), HTTP_ACCEPT_LANGUAGE="en")
    assert "add up to more than 100 %" in page.text


def test_a_district_viewer_sees_the_pooled_figures_and_the_ranking_of_both_communes(
    answered, district_viewer
):
    page = signed_in(district_viewer).get(results_url(answered.district))
    assert page.status_code == 200
    ranking = page.text.split('id="ranking"')[1].split("</section>")[0]
    assert answered.commune.name in ranking
    assert answered.sibling.name in ranking
    # drill-down: the commune's own dashboard, for the same period
    assert results_url(answered.commune) in ranking
    # pooled: 6 answers over both communes, never the mean of their percentages
    assert "n&nbsp;=&nbsp;6" in page.text
    # a district sees procedure and channel breakdowns only, never its communes' civil servants
    assert STAFF_NAME not in page.text
    assert SECRET_TEXT not in page.text


def test_unranked_communes_come_last_with_the_reason(answered, district_viewer):
    ranking = signed_in(district_viewer).get(results_url(answered.district), HTTP_ACCEPT_LANGUAGE="en").text
    ranking = ranking.split('id="ranking"')[1].split("</section>")[0]
    assert "not ranked" in ranking
    assert "too few answers (n = 4, minimum 30)" in ranking


def test_a_district_viewer_on_a_commune_sees_figures_but_never_free_text(answered, district_viewer):
    page = signed_in(district_viewer).get(results_url(answered.commune))
    assert page.status_code == 200
    assert "n&nbsp;=&nbsp;4" in page.text
    assert SECRET_TEXT not in page.text
    assert "Bí Mật" not in page.text


@pytest.mark.parametrize("persona", ["outsider", "sibling_officer"])
def test_a_dashboard_outside_the_users_subtree_is_refused_with_no_figure(request, answered, persona):
    client = signed_in(request.getfixturevalue(persona))
    for name in ("unit:results", "unit:results_csv", "unit:results_xlsx", "unit:ranking_csv"):
        page = client.get(results_url(answered.commune, name))
        assert page.status_code == 403, name
        assert "Bạn không có quyền" in page.text
        assert "n&nbsp;=" not in page.text and "n = " not in page.text


def test_the_dashboard_needs_a_login(world):
    page = Client().get(results_url(world.commune))
    assert page.status_code == 302
    assert "/accounts/login/" in page["Location"]


def test_an_unknown_unit_is_404(commune_officer):
    assert signed_in(commune_officer).get("/u/lx99999/results/").status_code == 404


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("31/12/2025", "01/01/2025", "starts after it ends"),
        ("01/01/1900", "01/01/2025", "between 01/01/2015"),
        ("banana", "01/01/2025", "is not a date"),
        ("01/01/2019", "31/12/2025", "at most five years"),
        ("01/01/2025", "31/12/2099", "between 01/01/2015"),
    ],
)
def test_a_bad_period_is_400_with_the_message_on_the_page(world, commune_officer, start, end, message):
    client = signed_in(commune_officer)
    page = client.get(results_url(world.commune), {"from": start, "to": end}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert message in page.text
    assert 'role="alert"' in page.text


def test_a_very_long_period_input_is_cut_before_it_is_echoed(world, commune_officer):
    page = signed_in(commune_officer).get(results_url(world.commune), {"from": "x" * 5000})
    assert page.status_code == 400
    alert = page.text.split('role="alert"')[1].split("</div>")[0]
    assert "x" * 40 in alert
    assert "x" * 41 not in alert
    form = page.text.split('class="period')[1].split("</form>")[0]
    assert "x" * 41 not in form


def test_the_period_presets_and_a_chosen_period(world, commune_officer):
    presets = {p.key: p.period for p in period_presets(today=dt.date(2026, 11, 23))}
    assert presets["month"] == Period(dt.date(2026, 11, 1), dt.date(2026, 11, 23))
    assert presets["quarter"] == Period(dt.date(2026, 10, 1), dt.date(2026, 11, 23))
    assert presets["year"] == Period(dt.date(2026, 1, 1), dt.date(2026, 11, 23))
    assert presets["last12"] == Period(dt.date(2025, 11, 24), dt.date(2026, 11, 23))
    leap = {p.key: p.period for p in period_presets(today=dt.date(2028, 2, 29))}
    assert leap["last12"].start == dt.date(2027, 3, 1)
    page = signed_in(commune_officer).get(
        results_url(world.commune), {"from": f"01/01/{TODAY.year}", "to": TODAY.strftime("%d/%m/%Y")}
    )
    assert page.status_code == 200
    assert f"01/01/{TODAY.year} – {TODAY:%d/%m/%Y}" in page.text


def test_period_from_query_fills_a_missing_end():
    today = dt.date(2026, 5, 10)
    assert period_from_query(start="01/05/2026", end="", today=today) == Period(dt.date(2026, 5, 1), today)
    only_end = period_from_query(start=None, end="31/03/2026", today=today)
    assert only_end == Period(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValidationError):
        period_from_query(start="32/01/2026", end=None, today=today)


def test_a_breakdown_page_lists_every_value(answered, commune_officer):
    page = signed_in(commune_officer).get(results_url(answered.commune, "unit:results_breakdown", "staff"))
    assert page.status_code == 200
    assert STAFF_NAME in page.text


@pytest.mark.parametrize(("unit", "dim"), [("commune", "colour"), ("commune", ""), ("district", "staff")])
def test_an_unknown_or_unavailable_breakdown_is_400(answered, district_viewer, unit, dim):
    client = signed_in(district_viewer)
    url = results_url(getattr(answered, unit), "unit:results_breakdown", "x").replace("/by/x/", f"/by/{dim}/")
    page = client.get(url)
    expected = 404 if dim == "" else 400  # an empty segment matches no URL
    assert page.status_code == expected


@pytest.mark.usefixtures("english")
def test_breakdown_check_names_the_problem(world):
    with pytest.raises(ValidationError, match="Unknown breakdown"):
        breakdown_check(unit=world.commune, dim="<b>")
    with pytest.raises(ValidationError, match="not available"):
        breakdown_check(unit=world.district, dim="desk")
    assert breakdown_check(unit=world.commune, dim="desk") == "desk"


def test_breakdown_labels_fall_back_to_the_catalog_and_flag_unknown_values(world):
    labels = dimension_labels(
        unit=world.district, dim="procedure", values=["dang_ky_khai_sinh", "", "other", "zzz"], language="vi"
    )
    assert labels["dang_ky_khai_sinh"].startswith("Đăng ký khai sinh")
    assert set(labels) == {"dang_ky_khai_sinh", "", "other", "zzz"}
    assert "zzz" in labels["zzz"]


def test_quota_and_alert_links_appear_only_to_those_the_pages_open_for(
    answered, commune_officer, commune_admin
):
    quotas = results_url(answered.commune, "unit:quotas")
    alerts = results_url(answered.commune, "unit:alerts")
    officer = signed_in(commune_officer).get(results_url(answered.commune)).text
    admin = signed_in(commune_admin).get(results_url(answered.commune)).text
    # staff alerts go to the unit's admins: no link to a page that would refuse the officer
    assert quotas in officer and alerts not in officer
    assert quotas in admin and alerts in admin


# --------------------------------------------------------------------------- public pages and the board


def test_the_public_results_page_needs_no_login_and_shows_no_names_or_text(answered):
    page = Client().get(f"/ket-qua/{answered.commune.slug}/")
    assert page.status_code == 200
    assert answered.commune.name in page.text
    assert "n = 4" in page.text
    assert vi(METHOD_NAMES["satisfaction_rate"]) in page.text
    assert f"01/01/{TODAY.year}" in page.text
    assert f"/ket-qua/{answered.commune.slug}/bang/" in page.text
    assert STAFF_NAME not in page.text
    assert SECRET_TEXT not in page.text


def test_the_board_refreshes_itself_and_shows_todays_count(answered):
    page = Client().get(f"/ket-qua/{answered.commune.slug}/bang/")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="60">' in page.text
    assert "<script" not in page.text
    value = re.search(r'class="value">(\d+)<', page.text)
    assert value is not None
    assert value.group(1) == "4"
    assert timezone.localtime().strftime("%d/%m/%Y") in page.text
    assert STAFF_NAME not in page.text
    assert SECRET_TEXT not in page.text


def test_the_board_of_a_district_pools_its_communes(answered):
    page = Client().get(f"/ket-qua/{answered.district.slug}/bang/")
    assert re.search(r'class="value">6<', page.text)


@pytest.mark.parametrize("slug", ["lx99999", "lp20", "../etc", "a" * 80, "LX06175", "public"])
def test_an_unknown_or_not_onboarded_unit_has_no_public_page(world, slug):
    # lp20 is Lạng Sơn (legacy): in the registry but not onboarded in the test world
    assert not world.province.is_onboarded
    for url in (f"/ket-qua/{slug}/", f"/ket-qua/{slug}/bang/"):
        assert Client().get(url).status_code == 404


# --------------------------------------------------------------------------- SVG charts


def test_bar_chart_escapes_labels_and_texts():
    svg = charts.bar_chart(
        [charts.Bar('<script>alert("x")</script> & co', 0.5, 0.4, 0.6, text="<b>50 %</b>")],
        title='Title "quoted" <tag>',
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp; co" in svg
    assert "&lt;b&gt;50 %&lt;/b&gt;" in svg
    assert 'aria-label="Title &quot;quoted&quot; &lt;tag&gt;"' in svg


def test_bar_chart_with_no_bars_says_so():
    svg = charts.bar_chart([], title="t", empty_text="Không có <dữ liệu>")
    assert svg.startswith("<svg")
    assert "Không có &lt;dữ liệu&gt;" in svg
    assert "<rect" not in svg


def test_bar_chart_draws_whiskers_and_survives_odd_values():
    svg = charts.bar_chart(
        [
            charts.Bar("a", 0.8, 0.7, 0.9, text="80 %"),
            charts.Bar("no answers", None, None, None, text="—"),
            charts.Bar("odd", float("nan"), -1, 7, text="?", muted=True),
            charts.Bar("too big", 3.0, None, None),
        ],
        title="t",
    )
    assert svg.count("<g>") == 4
    assert "nan" not in svg.lower()
    # the whisker of "a" spans 70–90 % of the 268-unit track
    assert 'x1="187.6"' in svg
    assert 'x2="241.2"' in svg


def test_the_printed_bar_chart_is_the_drawing_without_its_texts_and_the_texts_in_html():
    html = charts.bar_chart_html(
        [
            charts.Bar('<script>alert("x")</script> & co', 0.8, 0.7, 0.9, text="80,00 %  n=40"),
            charts.Bar("Thủ tục hành chính", 0.5, 0.2, 0.8, text="chưa đủ ý kiến  n=12", muted=True),
        ],
        title='Title "quoted"',
    )
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; co" in html
    assert 'aria-label="Title &quot;quoted&quot;"' in html
    assert "chưa đủ ý kiến  n=12" in html  # whole: the SVG shortens it to fit its column
    assert '<div class="hbar-text few">' in html
    assert [f"{step} %" in html for step in (0, 25, 50, 75, 100)] == [True] * 5
    source = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert source is not None
    drawing = base64.b64decode(source.group(1)).decode()
    assert "<text" not in drawing and "<title>Title &quot;quoted&quot;</title>" in drawing
    assert drawing.count("<g>") == 2
    # the whisker of the first bar spans 70–90 % of the 390-unit track, as in the SVG the web page shows
    assert 'x1="273.0"' in drawing and 'x2="351.0"' in drawing
    assert 'stroke-dasharray="3 2"' in drawing  # the too-few bar drawn pale and dashed


def test_the_printed_bar_chart_with_no_bars_says_so():
    html = charts.bar_chart_html([], title="t", empty_text="Không có <dữ liệu>")
    assert "Không có &lt;dữ liệu&gt;" in html
    assert "<rect" not in html


def test_trend_chart_handles_empty_single_and_gapped_series():
    assert "nothing" in charts.trend_chart([], title="t", empty_text="nothing")
    assert "nothing" in charts.trend_chart([charts.Point("01/2026", None)], title="t", empty_text="nothing")
    single = charts.trend_chart([charts.Point("01/2026", 0.9, 0.8, 0.95, text="90 %")], title="t")
    assert single.count("<circle") == 1
    gapped = charts.trend_chart(
        [
            charts.Point("01/2026", 0.9, 0.8, 0.95),
            charts.Point("02/2026", None),
            charts.Point("03/2026", 0.7, 0.6, 0.8, muted=True),
            charts.Point("<04/2026>", 0.75, 0.65, 0.85),
        ],
        title="t",
    )
    assert gapped.count("<circle") == 3
    assert 'fill="#fff"' in gapped  # the too-few point is hollow
    assert "&lt;04/2026&gt;" in gapped
    assert "<04/2026>" not in gapped


def test_a_figure_shown_is_the_formulas_figure(answered):
    figures = unit_figures(unit=answered.commune, period=period_from_query(start=None, end=None))
    assert figures.overall.value == Fraction(3, 4)
    assert f.display_percent(figures.overall.value) == f.display_percent(Fraction(3, 4))


def test_element_figures_and_the_index_appear_for_a_five_level_questionnaire(world, commune_officer):
    for level in (5, 4, 2):
        son_tay(world.commune, level)
    facts_refresh()
    text = signed_in(commune_officer).get(results_url(world.commune), HTTP_ACCEPT_LANGUAGE="en").text
    assert "Access to the service" in text
    # mean score of 5-level answers: (5 + 4 + 2) / 3 over 6 questions each
    assert "3.67" in text


def test_a_merged_communes_successor_pools_its_history_without_mixing_staff_ids(answered, operator):
    # the current commune Hồng Thái was merged into reads the legacy commune's answers
    assert breakdown_dimensions(unit=answered.successor) == ["procedure", "field", "staff", "desk", "channel"]
    page = signed_in(operator).get(results_url(answered.successor))
    assert page.status_code == 200
    assert "n&nbsp;=&nbsp;4" in page.text
    assert STAFF_NAME not in page.text
    with tenant_context(answered.commune):
        procedure = Procedure.objects.get(key="dang_ky_khai_sinh")
    assert procedure.name_vi in page.text


def test_head_requests_are_answered_like_get(answered, commune_officer):
    assert signed_in(commune_officer).head(results_url(answered.commune)).status_code == 200
    assert Client().head(f"/ket-qua/{answered.commune.slug}/bang/").status_code == 200
    assert signed_in(commune_officer).post(results_url(answered.commune)).status_code == 405
