"""Headless Chromium loads every console page of a commune admin at 360 px, and the desk's TV board at
1280×720 and 1920×1080.

The pages are found by following the links of the console (the test client, from the console's home and
the unit's home), then shown one after another in a 360 px frame of one Chromium run; the server, the
frame and the skip-or-fail rule are those of tests/surveys/test_citizen_browser.py.
"""

import json
import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_refresh
from surveys.models import Campaign, Procedure
from surveys.services import response_submit
from surveys.setup_services import campaign_link_ensure
from tenants.routing import public_reverse, unit_reverse
from tests.surveys.conftest import post
from tests.surveys.test_citizen_browser import (
    CHROMIUM,
    MISSING,
    ON_CI,
    LiveServer,
    chromium,
    crop,
    harness_lines,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not ON_CI, reason=MISSING),
]
WIDTH = 360
MAX_PAGES = 80
# Downloads and actions are not pages: files are checked by their own tests, and a GET never acts.
NOT_PAGES = re.compile(r"\.(pdf|png|svg|csv|xlsx|json)$|/pdf/$|/switch/")

PAGES = """<!doctype html><html><head><meta charset="utf-8"><title>pages</title>
<link rel="icon" href="data:,"></head><body style="margin:0">
<iframe id="f" style="display:block;width:{width}px;height:{height}px;border:0"></iframe><pre id="out"></pre>
<script>
var urls = {urls}, i = 0, f = document.getElementById("f"), out = document.getElementById("out");
f.addEventListener("load", function () {{
  var d = f.contentDocument, root = d.documentElement, wide = [];
  d.querySelectorAll("body *").forEach(function (e) {{
    var b = e.getBoundingClientRect();
    if (b.width && b.right > root.clientWidth + 0.5) wide.push(e.tagName + "." + e.className);
  }});
  var lines = [];
  d.querySelectorAll("{measure}").forEach(function (e) {{
    var r = d.createRange(); r.selectNodeContents(e);
    var tops = {{}};
    Array.prototype.forEach.call(r.getClientRects(), function (x) {{ tops[Math.round(x.top)] = 1; }});
    lines.push({{text: e.textContent.trim(), lines: Object.keys(tops).length,
                 fits: e.scrollWidth <= e.clientWidth + 0.5}});
  }});
  out.textContent += "PAGE " + JSON.stringify({{url: urls[i], path: d.location.pathname,
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 6), measured: lines,
    title: d.title, console: !!d.querySelector("header.top")}}) + "\\n";
  i += 1;
  if (i < urls.length) f.src = urls[i];
}});
f.src = urls[0];
</script></body></html>"""


@pytest.fixture
def server(world):
    with LiveServer() as running:
        yield running
    connection.set_schema_to_public()


def _kind(path: str) -> str:
    """One page of each kind: /catalog/procedures/7/ stands for every procedure's page."""
    return re.sub(r"/\d+/", "/N/", path)


def console_pages(client: Client, starts: list[str], inside: list[str]) -> list[str]:
    """Every console page reachable by links from `starts`, staying under the `inside` prefixes."""
    seen, queue, pages = {_kind(p) for p in starts}, list(starts), []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages.append(path)
        for href in re.findall(r'href="([^"#?]+)', response.content.decode()):
            target = urlsplit(href).path
            wanted = target.startswith(tuple(inside)) and not NOT_PAGES.search(target)
            if wanted and _kind(target) not in seen:
                seen.add(_kind(target))
                queue.append(target)
    return pages


def show(server, client: Client, urls: list[str], tmp_path, *, size, measure: str = "h1") -> list[dict]:
    """Load `urls` one after another in a frame of `size`, signed in as the client's user."""
    # In Vietnamese, as officials and the desk's TV read it (Chromium itself asks for English).
    server.cookies.append(f"{django_settings.LANGUAGE_COOKIE_NAME}=vi; Path=/")
    session = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    if session is not None:
        server.cookies.append(f"{django_settings.SESSION_COOKIE_NAME}={session.value}; Path=/")
    page = f"/__harness__/{uuid.uuid4().hex}"
    server.pages[page] = PAGES.format(urls=json.dumps(urls), width=size[0], height=size[1], measure=measure)
    dom = chromium(server.base + page, tmp_path, size=(max(size[0], 500) + 20, size[1] + 40))
    return harness_lines(dom, "PAGE")


def test_every_console_page_of_a_commune_admin_fits_360_px(world, tmp_path, commune_admin):
    with tenant_context(world.commune):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        campaign_link_ensure(unit=world.commune, campaign=campaign)  # the campaign page with a QR code
    client = Client()
    client.force_login(commune_admin)
    unit_prefix = unit_reverse(world.commune, "unit:home").removesuffix("console/")
    starts = [public_reverse("console:home"), unit_reverse(world.commune, "unit:home")]
    pages = console_pages(client, starts, inside=["/console/", unit_prefix])
    assert len(pages) >= 25, pages  # the menu's pages, their detail and form pages
    for name in ("unit:campaign", "unit:questionnaire", "unit:campaign_edit"):
        assert any(p.startswith(unit_reverse(world.commune, name, 1).rsplit("/1/", 1)[0]) for p in pages)

    # Only now the server: the test client's requests hook Django's connection closing back on, which
    # would close the connection the server shares with this test.
    with LiveServer() as server:
        shown = show(server, client, pages, tmp_path, size=(WIDTH, 800))
        if os.environ.get("BROWSER_SCREENSHOTS"):  # pictures for a person to look at, one per page
            screenshots(server, pages, Path(os.environ["BROWSER_SCREENSHOTS"]), tmp_path)
    connection.set_schema_to_public()

    assert [s["url"] for s in shown] == pages
    assert [s["path"] for s in shown if not s["console"]] == []  # each one the page, not an error
    too_wide = [(s["path"], s["scrollWidth"], s["wide"]) for s in shown if s["scrollWidth"] > WIDTH]
    assert too_wide == []
    assert all(s["clientWidth"] == WIDTH for s in shown)


def screenshots(server, paths: list[str], folder: Path, tmp_path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        page = f"/__harness__/{uuid.uuid4().hex}"
        server.pages[page] = PAGES.format(urls=json.dumps([path]), width=WIDTH, height=1600, measure="h1")
        png = folder / f"console{path.replace('/', '_')}.png"
        chromium(server.base + page, tmp_path, size=(520, 1600), screenshot=png)
        crop(png)


def thirty_answers(unit) -> None:
    """25 satisfied and 5 unsatisfied answers today: 83,33 %, the widest common figure."""
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
        procedure = Procedure.objects.first()
        for value in [3] * 25 + [1] * 5:
            data = {"q_procedure": procedure.pk, "q_satisfaction": value}
            if value == 1:
                data["q_reasons"] = ["official_attitude"]
            response_submit(
                campaign=campaign,
                version_id=campaign.version_id,
                data=post(**data),
                submission_key=uuid.uuid4(),
                channel="qr",
            )
    facts_refresh()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
def test_the_tv_board_keeps_each_figure_on_one_line(world, server, tmp_path, size):
    thirty_answers(world.commune)
    board = public_reverse("public_board", world.commune.slug)

    (shown,) = show(server, Client(), [board], tmp_path, size=size, measure=".value:not(.withheld)")

    values = {m["text"]: m for m in shown["measured"]}
    assert "83,33\xa0%" in values, values
    for text, measured in values.items():
        assert measured["lines"] == 1, (text, measured)
        assert measured["fits"], (text, measured)
    assert shown["scrollWidth"] <= size[0]
