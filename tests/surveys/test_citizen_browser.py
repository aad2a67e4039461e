"""Headless Chromium renders the citizen form at 360 px, with JavaScript off and on, and sends it.

How the server runs, and why this way
-------------------------------------
pytest-django's `live_server` forces `transactional_db`, whose flush (TRUNCATE) would wipe the session's
world (the registry and the onboarded units built once in `django_db_setup`). So each test here starts its
own single-threaded Django WSGI server in a thread that *shares the test's database connection*, as Django's
LiveServerTestCase does for in-memory SQLite. Every row the browser causes is written inside the test's own
transaction and rolled back with it: the world is never touched and nothing needs cleaning up. While the
server runs, `close_old_connections` is unhooked from the request signals (as Django's test client does),
so that a request does not close the shared connection in the middle of the test's transaction. Requests
are served one at a time, while the test itself waits for Chromium, so the connection is never used by
two threads at once.

How 360 px is measured
----------------------
Chromium's headless window is never narrower than 500 px, whatever `--window-size` says. So the form is
loaded into an iframe exactly 360 px wide on a harness page that only this test server serves
(`/__harness__/...`); the frame's `sandbox` turns the form's scripts off or on. (A sandbox without
`allow-scripts` is how scripts are turned off here: Chromium 156's `--blink-settings=scriptEnabled=false`
makes `--dump-dom` and `--screenshot` print nothing, as both evaluate script in the page themselves.)
A script of the harness (not of the form) reports the frame's scroll width, any element sticking out to
the right, the smallest touch target and, for the sending run, the page the browser lands on;
`--dump-dom` prints the report. The test server strips X-Frame-Options and the CSP's frame-ancestors so that
its harness may frame the form; production keeps both. The rest of the CSP stays, so the form's inline
script runs only if its hash matches.

Screenshots go to $BROWSER_SCREENSHOTS if set (else the test's tmp_path): `<name>.png` is the harness
window, `<name>-360.png` the 360 px frame cropped out of it when Pillow is installed.

Chromium is /usr/bin/chromium (Debian package `chromium`), or $CHROMIUM. Without it these tests are
skipped, except on CI (CI=true), where they fail instead.
"""

import html
import json
import os
import re
import shutil
import subprocess
import threading
import uuid
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from surveys.builtin.questionnaires import BUILTIN_BY_KEY
from surveys.models import Campaign, Desk, Response, StaffMember
from surveys.paper import paper_batch_open
from surveys.services import qr_link_create
from tenants.routing import public_reverse, unit_reverse

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MISSING = f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
ON_CI = os.environ.get("CI") == "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not ON_CI, reason=MISSING),
]
WIDTH = 360
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--mute-audio",
]
# Wait for the frame's loads and the form's navigation before dumping or shooting.
WAIT = "--virtual-time-budget=15000"


@pytest.fixture(scope="module", autouse=True)
def _chromium_present():
    if not Path(CHROMIUM).exists():  # only reached on CI: elsewhere the module is skipped
        pytest.fail(f"browser tests must run on CI: {MISSING}")


# --------------------------------------------------------------------------- the test server

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>harness</title>
<link rel="icon" href="data:,"></head><body style="margin:0;background:#777">
<iframe id="f" sandbox="{sandbox}" src="{src}"
 style="display:block;width:{width}px;height:{height}px;border:0;background:#fff"></iframe>
<pre id="out"></pre>
<script>
var f = document.getElementById("f"), out = document.getElementById("out"), loads = 0, fill = {fill};
function report(d, extra) {{
  var root = d.documentElement, r = {{load: loads, path: d.location.pathname + d.location.search,
    lang: root.lang, jsClass: root.className, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth}};
  var min = 1e9, minOf = "", wide = [];
  var targets = "label.o, select, textarea, input[type=text], input[type=tel], input[type=email], "
    + "button, .top a, a.btn";
  d.querySelectorAll(targets).forEach(function (e) {{
    var b = e.getBoundingClientRect();
    if (b.width && b.height && !e.closest(".hp") && b.height < min) {{
      min = b.height; minOf = e.outerHTML.slice(0, 90);
    }}
  }});
  d.querySelectorAll("body *").forEach(function (e) {{
    var b = e.getBoundingClientRect();
    if (b.width && b.right > root.clientWidth + 0.5 && !e.closest(".hp")) {{
      wide.push(e.tagName + "." + e.className);
    }}
  }});
  var reasons = d.getElementById("q-reasons-box");
  r.minTarget = min; r.minTargetOf = minOf; r.overflowing = wide.slice(0, 5);
  r.reasonsHidden = reasons ? reasons.hidden : null;
  r.names = Array.prototype.map.call(d.querySelectorAll("[name]"), function (e) {{ return e.name; }});
  r.text = d.body ? d.body.innerText.slice(0, 4000) : "";
  for (var k in (extra || {{}})) r[k] = extra[k];
  out.textContent += "REPORT " + JSON.stringify(r) + "\\n";
}}
function send(d) {{
  var form = d.getElementById("survey"), procedure = form.querySelector("select[name=q_procedure]");
  procedure.selectedIndex = 2;
  procedure.dispatchEvent(new d.defaultView.Event("change", {{bubbles: true}}));
  var before = d.getElementById("q-reasons-box").hidden;
  d.getElementById("q-satisfaction-1").click();  // unsatisfied: the form's own script shows the reasons
  var after = d.getElementById("q-reasons-box").hidden;
  d.getElementById("q-reasons-official_attitude").click();
  form.querySelector("textarea[name=q_comment]").value = "Chờ lâu quá";
  var filled = {{reasonsHiddenBefore: before, reasonsHiddenAfter: after}};
  out.textContent += "FILLED " + JSON.stringify(filled) + "\\n";
  form.querySelector("button.send").click();
}}
f.addEventListener("load", function () {{
  loads += 1;
  var d = f.contentDocument;
  report(d);
  if (fill && loads === 1) {{ fill = false; send(d); }}
}});
</script></body></html>"""


def _framable(header: str, value: str) -> str:
    """The page's own Content-Security-Policy, less `frame-ancestors`, so that the harness may frame it."""
    if header.lower() != "content-security-policy":
        return value
    return "; ".join(p for p in value.split("; ") if not p.startswith("frame-ancestors"))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class LiveServer:
    """A one-thread Django server on the test's own connection, plus harness pages of its own.

    `strip_framing=False` keeps the pages' X-Frame-Options and frame-ancestors, as production sends them.
    """

    def __init__(self, *, strip_framing: bool = True):
        self.strip_framing = strip_framing
        self.pages: dict[str, str] = {}
        self.cookies: list[str] = []  # Set-Cookie values sent with every harness page
        self.httpd = WSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=True)
        self.httpd.set_app(self._app)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.django = StaticFilesHandler(WSGIHandler())  # the console's script, as nginx serves it
        self.shared = connections["default"]
        self.thread = threading.Thread(target=self._serve, name="citizen-browser-server", daemon=True)

    def _serve(self):
        connections["default"] = self.shared  # this thread uses the test's connection and transaction
        self.httpd.serve_forever(poll_interval=0.05)

    def _app(self, environ, start_response):
        page = self.pages.get(environ["PATH_INFO"])
        if page is not None:
            cookies = [("Set-Cookie", cookie) for cookie in self.cookies]
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), *cookies])
            return [page.encode()]

        def start(status, headers, exc_info=None):
            if self.strip_framing:
                headers = [(k, _framable(k, v)) for k, v in headers if k.lower() != "x-frame-options"]
            return start_response(status, headers, exc_info)

        return self.django(environ, start)

    def harness(self, src: str, *, scripts: bool, fill: bool = False, height: int = 900) -> str:
        sandbox = "allow-same-origin allow-forms" + (" allow-scripts" if scripts else "")
        path = f"/__harness__/{uuid.uuid4().hex}"
        self.pages[path] = HARNESS.format(
            sandbox=sandbox, src=src, width=WIDTH, height=height, fill="true" if fill else "false"
        )
        return self.base + path

    def __enter__(self):
        self.shared.inc_thread_sharing()
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        self.shared.dec_thread_sharing()


@pytest.fixture
def server(world):
    with LiveServer() as running:
        yield running
    connection.set_schema_to_public()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- driving Chromium


def chromium(url: str, tmp_path: Path, *, size=(WIDTH, 800), screenshot: Path | None = None) -> str:
    """The DOM Chromium ends on (or a screenshot). The harness page itself always runs scripts."""
    profile = tmp_path / f"profile-{uuid.uuid4().hex[:8]}"
    args = [CHROMIUM, *CHROME_FLAGS, WAIT, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"]
    args.append(f"--screenshot={screenshot}" if screenshot else "--dump-dom")
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    shutil.rmtree(profile, ignore_errors=True)
    if screenshot:
        assert screenshot.exists() and screenshot.stat().st_size > 5000, done.stderr[-2000:]
        return ""
    assert "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


def harness_lines(dom: str, kind: str) -> list[dict]:
    """The harness's JSON lines of one kind, from the <pre id="out"> of the dumped DOM."""
    out = re.search(r'<pre id="out">(.*?)</pre>', dom, flags=re.DOTALL)
    assert out, dom[-3000:]
    lines = html.unescape(out.group(1)).splitlines()
    return [json.loads(line.removeprefix(kind + " ")) for line in lines if line.startswith(kind + " ")]


def reports(dom: str) -> list[dict]:
    found = harness_lines(dom, "REPORT")
    assert found, dom[-3000:]
    return found


def crop(png: Path) -> None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with WeasyPrint
        return
    with Image.open(png) as image:
        image.crop((0, 0, WIDTH, image.height)).save(png.with_name(png.stem + "-360.png"))


def make_link(unit, key: str):
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key=key)
        staff = StaffMember.objects.create(full_name="Nguyễn Thị Lan", position="Công chức Tư pháp – Hộ tịch")
    return qr_link_create(unit=unit, campaign=campaign, staff=staff)


def assert_fits(report: dict) -> None:
    assert report["clientWidth"] == WIDTH
    assert report["scrollWidth"] <= WIDTH, report
    assert report["overflowing"] == [], report
    assert report["minTarget"] >= 44, report


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize(
    ("key", "lang"),
    [("hong_thai_quick", "vi"), ("son_tay_2017", "vi"), ("nam_dong_2024", "vi"), ("hong_thai_quick", "en")],
)
def test_the_form_fits_360_px_without_javascript(world, server, shots, tmp_path, key, lang):
    link = make_link(world.commune, key)
    path = public_reverse("citizen_qr", link.code) + ("?lang=en" if lang == "en" else "")
    # scripts off (a sandboxed frame), 360 px wide: every question is there, nothing sticks out,
    # and every control is a big enough target
    harness = server.harness(path, scripts=False, height=900)
    (report,) = reports(chromium(harness, tmp_path, size=(500, 900)))
    assert report["path"] == path
    assert report["lang"] == lang
    assert report["jsClass"] == ""  # the form's script did not run
    questions = BUILTIN_BY_KEY[key]["questions"]
    assert {f"q_{q['key']}" for q in questions if q["kind"] != "contact"} <= set(report["names"])
    assert {"form_token", "website"} <= set(report["names"])
    assert questions[0]["text"][lang] in report["text"]
    assert_fits(report)
    if key == "hong_thai_quick":
        assert report["reasonsHidden"] is False  # without JavaScript the follow-up is always shown
    tall = server.harness(path, scripts=False, height=3200)
    png = shots / f"{key}-{lang}-nojs.png"
    chromium(tall, tmp_path, size=(500, 3200), screenshot=png)
    crop(png)


def test_the_form_fits_360_px_with_javascript_and_hides_the_follow_up(world, server, shots, tmp_path):
    link = make_link(world.commune, "hong_thai_quick")
    path = public_reverse("citizen_qr", link.code)
    harness = server.harness(path, scripts=True)
    (report,) = reports(chromium(harness, tmp_path, size=(500, 900)))
    assert "js" in report["jsClass"].split()
    assert report["reasonsHidden"] is True  # shown only after an unsatisfied rating
    assert_fits(report)
    png = shots / "hong_thai_quick-vi-js.png"
    chromium(server.harness(path, scripts=True, height=2000), tmp_path, size=(500, 2000), screenshot=png)
    crop(png)


def test_a_browser_fills_in_and_sends_the_form_without_cookies(world, server, shots, tmp_path):
    link = make_link(world.commune, "hong_thai_quick")
    path = public_reverse("citizen_qr", link.code)
    dom = chromium(server.harness(path, scripts=True, fill=True), tmp_path, size=(500, 900))
    (filled,) = harness_lines(dom, "FILLED")
    assert filled == {"reasonsHiddenBefore": True, "reasonsHiddenAfter": False}
    form_page, thanks_page = reports(dom)
    assert form_page["path"] == path
    # an unsatisfied citizen's thank-you page offers the feedback form (the link carries no answer)
    assert thanks_page["path"] == public_reverse("citizen_qr_thanks", link.code) + "?gop-y=1"
    assert_fits(thanks_page)
    with tenant_context(world.commune):
        response = Response.objects.get(link=link)
        assert response.channel == "staff"
        assert response.overall_bucket == "unsatisfied"
        assert list(response.answers.filter(kind="reason").values_list("option_key", flat=True)) == [
            "official_attitude"
        ]
        assert response.answers.get(kind="text").text == "Chờ lâu quá"
    png = shots / "thanks-vi.png"
    chromium(
        server.harness(thanks_page["path"], scripts=False, height=800),
        tmp_path,
        size=(500, 800),
        screenshot=png,
    )
    crop(png)


# --------------------------------------------------------------------------- framing and the console's policy

FRAMED = """<!doctype html><html><head><meta charset="utf-8"><title>one-stop</title></head><body>
<iframe id="f" src="{src}" style="width:360px;height:600px"></iframe><pre id="out"></pre>
<script>
var f = document.getElementById("f"), out = document.getElementById("out");
f.addEventListener("load", function () {{
  var d = null;
  try {{ d = f.contentDocument; }} catch (e) {{}}
  var seen = d && d.location && d.location.protocol.indexOf("http") === 0;
  out.textContent += "FRAMED " + JSON.stringify({{path: seen ? d.location.pathname : null}}) + "\\n";
}});
</script></body></html>"""


@pytest.mark.parametrize("listed", [True, False], ids=["listed", "not-listed"])
def test_only_a_listed_one_stop_system_can_show_the_form_in_its_page(world, settings, tmp_path, listed):
    link = make_link(world.commune, "hong_thai_quick")
    path = public_reverse("citizen_qr", link.code)
    with LiveServer(strip_framing=False) as live:
        settings.FRAME_ANCESTORS = [live.base] if listed else []
        page = f"/__harness__/{uuid.uuid4().hex}"
        live.pages[page] = FRAMED.format(src=path)
        (framed,) = harness_lines(chromium(live.base + page, tmp_path, size=(500, 700)), "FRAMED")
    connection.set_schema_to_public()
    assert framed["path"] == (path if listed else None)


CONSOLE_KEYS = """<!doctype html><html><head><meta charset="utf-8"><title>console</title></head><body>
<iframe id="f" src="{src}" style="width:900px;height:700px"></iframe><pre id="out"></pre>
<script>
var f = document.getElementById("f"), out = document.getElementById("out");
f.addEventListener("load", function () {{
  var d = f.contentDocument, radio = d.querySelector("#ballot input[type=radio]");
  radio.focus();
  var press = {{key: "2", bubbles: true, cancelable: true}};
  radio.dispatchEvent(new d.defaultView.KeyboardEvent("keydown", press));
  var checked = d.querySelector("input[type=radio][name='" + radio.name + "']:checked");
  var found = {{title: d.title, checked: checked ? checked.dataset.key : null}};
  out.textContent += "KEYS " + JSON.stringify(found) + "\\n";
}});
</script></body></html>"""


def test_the_paper_ballot_screens_script_runs_under_the_consoles_policy(
    world, server, tmp_path, commune_officer
):

    with tenant_context(world.commune):
        today = timezone.localdate()
        batch = paper_batch_open(
            campaign=Campaign.objects.get(version__questionnaire__key="son_tay_2017"),
            desk=Desk.objects.create(name="Quầy 1"),
            box_label="Hòm phiếu",
            collected_from=today,
            collected_to=today,
            declared_count=2,
            opened_by=commune_officer,
        )
    client = Client()
    client.force_login(commune_officer)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    server.cookies.append(f"{django_settings.SESSION_COOKIE_NAME}={session}; Path=/")
    page = f"/__harness__/{uuid.uuid4().hex}"
    server.pages[page] = CONSOLE_KEYS.format(src=unit_reverse(world.commune, "unit:paper_batch", batch.pk))
    (keys,) = harness_lines(chromium(server.base + page, tmp_path, size=(1000, 800)), "KEYS")
    assert keys["checked"] == "2", keys  # ballot-keys.js, loaded from the site's own files, picked the answer
