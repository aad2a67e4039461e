"""Headless Chromium runs the enumerator's offline form: installed while online, reloaded and filled in
with the network cut, and sent when the network is back, each questionnaire stored once.

The server and the rule for skipping are those of tests/surveys/test_citizen_browser.py (a one-thread
Django server on the test's own connection and transaction). Chromium is driven over the DevTools
protocol on a pipe (`--remote-debugging-pipe`: our commands on its fd 3, its replies and events on fd 4,
each a JSON message ended by a NUL byte), so the test needs nothing beyond the standard library. The
network is cut with `Network.emulateNetworkConditions` (offline) on the page and on its service worker,
whose own fetches the page's emulation does not cover; the server records every request, so the test
sees that nothing reached it while the phone was offline. The page is shown 360 px wide (a phone's
metrics); its picture with two answers waiting goes to $BROWSER_SCREENSHOTS (else the test's tmp_path).
"""

import base64
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tenants.utils import tenant_context

from surveys.households.models import Slot
from surveys.models import Response
from tests.conftest import signed_in
from tests.surveys.test_citizen_browser import CHROME_FLAGS, CHROMIUM, MISSING, ON_CI, LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not ON_CI, reason=MISSING),
]
# The longest a step may take before the test gives up (a deadline for waiting, not a measurement).
PATIENCE = 60.0


class RecordingServer(LiveServer):
    """The test server, noting each request it receives (method and path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        super().__init__()

    def _app(self, environ, start_response):
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return super()._app(environ, start_response)


class DevTools:
    """One Chromium, driven over the DevTools protocol on a pipe."""

    def __init__(self, profile: Path, log: Path) -> None:
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()
        args = [
            CHROMIUM,
            *CHROME_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        with log.open("w") as stderr:
            # bash (dash takes one-digit descriptors only) puts the two pipes on the descriptors Chromium
            # reads and writes, then becomes Chromium.
            self.process = subprocess.Popen(  # noqa: S603 - our own browser on our own test server
                ["/bin/bash", "-c", f'exec "$@" 3<&{commands_in} 4>&{replies_out}', "sh", *args],
                pass_fds=(commands_in, replies_out),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        os.close(commands_in)
        os.close(replies_out)
        self._incoming: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._last_id = 0
        threading.Thread(target=self._read, name="devtools-pipe", daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._replies, 1 << 16):
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                self._incoming.put(json.loads(message))
        self._incoming.put(None)

    def _next(self, deadline: float) -> dict[str, Any]:
        message = self._incoming.get(timeout=max(0.1, deadline - time.monotonic()))
        if message is None:
            raise RuntimeError("Chromium closed the DevTools pipe")
        return message

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + PATIENCE
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def event(self, method: str) -> dict[str, Any]:
        """The first event of that kind not yet taken (waiting for it if need be)."""
        deadline = time.monotonic() + PATIENCE
        while True:
            for found in self.events:
                if found.get("method") == method:
                    self.events.remove(found)
                    return found["params"]
            self.events.append(self._next(deadline))

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, session: str, expression: str) -> Any:
        """Evaluate `expression` in the page until it is truthy (the page may be reloading meanwhile)."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(session, expression)
            except RuntimeError:  # the page is between two documents
                value = None
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"never true: {expression}")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError, queue.Empty):
            self.process.kill()
        self.process.wait(timeout=PATIENCE)
        os.close(self._commands)


OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = OFFLINE | {"offline": False}

# Fills the form as an enumerator does: a serial, an answer to every question, then "save".
FILL = """(() => {
  const form = document.getElementById("answer-form");
  const serial = document.getElementById("serial");
  serial.value = %(serial)s;
  for (const [name, value] of Object.entries(%(answers)s)) {
    form.querySelector(`input[name="${name}"][value="${value}"]`).click();
  }
  form.querySelector("button[type=submit]").click();
  return document.getElementById("pending").textContent;
})()"""
OFFERED = (
    "[...document.querySelectorAll('#serial option:not([disabled])')].map((o) => o.value).filter(Boolean)"
)
QUEUE = "JSON.parse(localStorage.getItem('household-queue:' + %s) || '[]')"


def fill(serial: str, overall: str) -> str:
    """The script that fills the form for that serial: "agree" to every assessment, `overall` overall."""
    assessments = ("access", "procedure", "official", "result", "feedback")
    answers = {f"q_assess_{k}": "agree" for k in assessments} | {"q_overall": overall}
    return FILL % {"serial": json.dumps(serial), "answers": json.dumps(answers)}


def test_the_offline_form_keeps_two_answers_without_network_and_sends_each_once(
    drawn, enumerator, villages, quang_tri, tmp_path
):
    first, second = villages[0].slots.filter(kind=Slot.Kind.MAIN).order_by("draw_order")
    session_cookie = signed_in(enumerator).cookies[django_settings.SESSION_COOKIE_NAME].value
    app = f"/u/{quang_tri.slug}/ho-gia-dinh/{drawn.pk}/ung-dung/"
    sync = f"/u/{quang_tri.slug}/ho-gia-dinh/dong-bo/"
    with RecordingServer() as server:
        browser = DevTools(tmp_path / "profile", tmp_path / "chromium.log")
        try:
            # Every new target (the page, then its service worker) is attached to as it appears.
            browser.send(
                "Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True}
            )
            target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            page = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            browser.send("Network.enable", {}, page)
            phone = {"width": 360, "height": 800, "deviceScaleFactor": 1, "mobile": True}
            browser.send("Emulation.setDeviceMetricsOverride", phone, page)
            for name, value in (
                (django_settings.SESSION_COOKIE_NAME, session_cookie),
                (django_settings.LANGUAGE_COOKIE_NAME, "vi"),
            ):
                browser.send("Network.setCookie", {"name": name, "value": value, "url": server.base}, page)

            # Online: the form loads, its service worker installs, caches it and takes control.
            browser.send("Page.navigate", {"url": server.base + app}, page)
            browser.wait_until(
                page, "document.readyState === 'complete' && !!document.getElementById('pending')"
            )
            assert browser.evaluate(
                page,
                """navigator.serviceWorker.ready.then(() => new Promise((done) => {
                     const controlled = () => navigator.serviceWorker.controller
                       ? done(true) : setTimeout(controlled, 50);
                     controlled();
                   }))""",
            )
            cached = browser.evaluate(
                page,
                "caches.keys().then(async (keys) => (await Promise.all(keys.map(async (k) =>"
                " (await (await caches.open(k)).keys()).map((r) => new URL(r.url).pathname)))).flat())",
            )
            assert app in cached and "/static/household-app.js" in cached, cached
            # Installable: the manifest (fetched with the enumerator's session) opens this very form.
            manifest = browser.send("Page.getAppManifest", {}, page)
            assert manifest["errors"] == [] and json.loads(manifest["data"])["start_url"] == app, manifest
            problems = browser.send("Page.getInstallabilityErrors", {}, page)["installabilityErrors"]
            assert problems == [], problems
            workers = [
                e["params"]["sessionId"]
                for e in browser.events
                if e.get("method") == "Target.attachedToTarget"
                and e["params"]["targetInfo"]["type"] == "service_worker"
            ]
            assert workers, "the service worker never started"

            # The network is cut, for the page and for its worker.
            for session in (page, *workers):
                browser.send("Network.enable", {}, session)
                browser.send("Network.emulateNetworkConditions", OFFLINE, session)
            assert browser.evaluate(page, "navigator.onLine") is False
            while_online = len(server.requests)

            # Offline, the form opens again from the phone (its service worker's cache): questionnaire and
            # assignments included.
            browser.events.clear()
            browser.send("Page.reload", {}, page)
            browser.wait_until(
                page, "document.readyState === 'complete' && !!document.getElementById('pending')"
            )
            serials = browser.evaluate(
                page, "[...document.querySelectorAll('#serial option')].map((o) => o.value).filter(Boolean)"
            )
            assert serials == [first.serial, second.serial]
            document = next(
                e["params"]["response"]
                for e in browser.events
                if e.get("method") == "Network.responseReceived" and e["params"]["type"] == "Document"
            )
            assert document["url"] == server.base + app and document["fromServiceWorker"]
            assert browser.evaluate(page, "document.querySelectorAll('#answer-form fieldset.q').length") >= 6

            # Two questionnaires filled in: both wait on the phone, the count shows them, and a serial
            # waiting on the phone is not offered again.
            assert browser.evaluate(page, fill(first.serial, "4")) == "1"
            assert browser.evaluate(page, OFFERED) == [second.serial]
            assert browser.evaluate(page, fill(second.serial, "2")) == "2"
            assert browser.evaluate(page, OFFERED) == []
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, page)["data"]
            shots = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
            shots.mkdir(parents=True, exist_ok=True)
            (shots / "household-offline-360.png").write_bytes(base64.b64decode(shot))
            queued = browser.evaluate(page, QUEUE % json.dumps(sync))
            assert [item["serial"] for item in queued] == [first.serial, second.serial]
            assert "Đã lưu trên điện thoại" in browser.evaluate(
                page, "document.getElementById('sync-status').textContent"
            )
            assert server.requests[while_online:] == []  # nothing reached the server while offline

            # The network comes back, but the server's reply to the first sending is lost on the way:
            # both are stored, and the phone, which never heard so, keeps them and sends them again.
            browser.send(
                "Fetch.enable", {"patterns": [{"urlPattern": f"*{sync}", "requestStage": "Response"}]}, page
            )
            for session in (page, *workers):
                browser.send("Network.emulateNetworkConditions", ONLINE, session)
            lost = browser.event("Fetch.requestPaused")
            browser.send(
                "Fetch.failRequest", {"requestId": lost["requestId"], "errorReason": "ConnectionReset"}, page
            )
            browser.send("Fetch.disable", {}, page)
            browser.wait_until(
                page, "document.getElementById('sync-status').textContent.includes('Không có mạng')"
            )
            assert browser.evaluate(page, "document.getElementById('pending').textContent") == "2"
            browser.evaluate(
                page, "window.dispatchEvent(new Event('online'))"
            )  # as when the phone reconnects
            browser.wait_until(page, "document.getElementById('pending').textContent === '0'")
            assert browser.evaluate(page, QUEUE % json.dumps(sync)) == []
            assert "Đã gửi" in browser.evaluate(page, "document.getElementById('sync-status').textContent")
        finally:
            browser.close()
            shutil.rmtree(tmp_path / "profile", ignore_errors=True)
    connection.set_schema_to_public()

    assert [r for r in server.requests if r == ("POST", sync)] == [("POST", sync)] * 2
    with tenant_context(quang_tri):
        stored = Response.objects.filter(campaign=drawn.campaign)
        assert stored.count() == 2  # sent twice, stored once each
        by_serial = {s.serial: s for s in Slot.objects.filter(pk__in=[first.pk, second.pk])}
        for item in queued:
            slot = by_serial[item["serial"]]
            assert slot.status == Slot.Status.COLLECTED
            assert str(slot.response.submission_key) == item["submission_key"]
        assert by_serial[first.serial].response.answers.get(question_key="overall").value == 4
        assert by_serial[second.serial].response.answers.get(question_key="overall").value == 2
