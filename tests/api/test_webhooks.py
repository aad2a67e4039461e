"""Webhooks: signed with HMAC-SHA256 and a timestamp, delivered by Celery, retried with backoff, and
never a way into the platform's own network (public https addresses only, checked at registration and
at delivery, connected to as checked, no redirects, short timeouts, a coarse delivery log).

The receivers are real HTTP servers on loopback: the tests that deliver to them switch on
WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS (the `loopback_allowed` fixture); everything else runs with it off,
as production does. Names under example.vn "resolve" through a patched resolver: real DNS is outside
the machine.
"""

import http.server
import json
import socket
import socketserver
import threading
import time

import pytest
from django.utils import timezone

from api.models import Webhook, WebhookDelivery
from api.tasks import event_publish, retry_countdown, webhook_deliver
from api.webhooks import MAX_ATTEMPTS, signature, signature_verify

from .conftest import Api

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"


class Receiver:
    """A real HTTP endpoint on loopback that answers with the scripted statuses in turn.

    A status may be (code, headers); every connection is counted, even one that never sends a request.
    """

    def __init__(self, statuses=(), *, hang=0.0):
        self.statuses = list(statuses)
        self.received: list[tuple[str, dict, bytes]] = []
        self.connections = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self):
                receiver.connections += 1
                super().setup()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self._answer(body)

            def do_GET(self):
                self._answer(b"")

            def _answer(self, body):
                receiver.received.append((self.command, dict(self.headers), body))
                time.sleep(hang)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                code, headers = status if isinstance(status, tuple) else (status, {})
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS = True


@pytest.fixture
def dns(monkeypatch):
    """Names under example.vn resolve to what the test says (default: one public address).

    `dns[name]` lists the successive answers (the last one then stays); an answer is an address or a
    tuple of addresses.
    """
    table: dict[str, list[str | tuple[str, ...]]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if not str(host).endswith("example.vn"):
            return real(host, port, *args, **kwargs)
        answers = table.get(host, [PUBLIC])
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in (answer if isinstance(answer, tuple) else (answer,))
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def hook(world, make_api, dns):
    def make(url):
        api, client = make_api(world.district)
        created = api.post("/api/v1/webhooks/", {"url": url, "events": ["figures.daily"]})
        assert created.status_code == 201, created.json()
        return Webhook.objects.get(pk=created.json()["id"]), created.json()["secret"]

    return make


def deliver(django_capture_on_commit_callbacks, **payload) -> tuple[WebhookDelivery, str]:
    with django_capture_on_commit_callbacks(execute=False):
        (delivery,) = event_publish(event="figures.daily", payload=payload)
    result = webhook_deliver.apply(args=(delivery.pk,)).get()
    delivery.refresh_from_db()
    return delivery, result


@pytest.mark.usefixtures("loopback_allowed")
def test_a_delivery_is_signed_and_the_receiver_can_verify_it(hook, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        webhook, secret = hook(receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            (delivery,) = event_publish(event="figures.daily", payload={"unit": "182", "responses": 3})
        assert webhook_deliver.apply(args=(delivery.pk,)).get() == "delivered"
    _method, headers, body = receiver.received[0]
    assert json.loads(body)["data"] == {"unit": "182", "responses": 3}
    assert signature_verify(secret=secret, header=headers["X-Sipas-Signature"], body=body)
    assert not signature_verify(secret=secret, header=headers["X-Sipas-Signature"], body=body + b" ")
    assert not signature_verify(secret="other", header=headers["X-Sipas-Signature"], body=body)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED


def test_an_old_signature_is_refused_as_a_replay():
    header = signature(secret="s", timestamp=int(time.time()) - 3600, body=b"{}")
    assert not signature_verify(secret="s", header=header, body=b"{}")
    assert not signature_verify(secret="s", header="garbage", body=b"{}")


@pytest.mark.usefixtures("loopback_allowed")
def test_a_failed_delivery_is_retried_with_backoff_then_succeeds(hook, django_capture_on_commit_callbacks):
    with Receiver([500, 503, 200]) as receiver:
        webhook, _secret = hook(receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            (delivery,) = event_publish(event="figures.daily", payload={"n": 1})
        # run eagerly, Celery replays each retry at once instead of after its countdown
        assert webhook_deliver.apply(args=(delivery.pk,)).get() == "delivered"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status) == (3, WebhookDelivery.Status.DELIVERED)
    assert len(receiver.received) == 3


def test_the_backoff_doubles_from_one_minute():
    assert [retry_countdown(n) for n in range(1, MAX_ATTEMPTS)] == [60, 120, 240, 480, 960]


@pytest.mark.usefixtures("loopback_allowed")
def test_a_delivery_gives_up_after_the_last_attempt(hook, django_capture_on_commit_callbacks):
    with Receiver([500] * MAX_ATTEMPTS) as receiver:
        webhook, _secret = hook(receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            (delivery,) = event_publish(event="figures.daily", payload={})
        assert webhook_deliver.apply(args=(delivery.pk,)).get() == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, MAX_ATTEMPTS)
    assert webhook_deliver.apply(args=(delivery.pk,)).get() == "skipped"


def test_the_client_reads_its_delivery_log(hook, world, make_api, django_capture_on_commit_callbacks):
    webhook, _secret = hook("https://portal.example.vn/hook")
    with django_capture_on_commit_callbacks(execute=False):
        event_publish(event="figures.daily", payload={})
    from api.services import api_client_rotate

    api = Api(api_client_rotate(client=webhook.client))
    log = api.get("/api/v1/webhooks/deliveries/").json()
    assert [row["event"] for row in log] == ["figures.daily"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://portal.example.vn/x", "events": ["figures.daily"]},
        {"url": "https://portal.example.vn/x", "events": ["nothing"]},
        {"url": "not a url", "events": ["figures.daily"]},
    ],
)
@pytest.mark.usefixtures("dns")
def test_a_bad_subscription_is_refused(world, make_api, body):
    api, _ = make_api(world.district)
    answer = api.post("/api/v1/webhooks/", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] in {"url", "events", "events.0", "events[0]"}


def test_the_daily_figures_go_once_to_each_subscribed_client(hook, world, django_capture_on_commit_callbacks):
    from analytics.facts.services import facts_refresh
    from api.tasks import webhooks_daily_figures
    from tests.conftest import answer

    webhook, _secret = hook("https://portal.example.vn/hook")
    answer(world.commune, 3)
    facts_refresh()
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=False):
        assert webhooks_daily_figures.apply(kwargs={"day": today}).get() == 1
        assert webhooks_daily_figures.apply(kwargs={"day": today}).get() == 1  # the same delivery again
    (delivery,) = WebhookDelivery.objects.filter(webhook=webhook)
    assert delivery.payload["units"][0]["responses"] == 1
    assert delivery.payload["units"][0]["unit"]["code"] == world.district.code


def test_a_figure_has_one_shape_in_the_api_the_snapshot_and_the_webhook(
    hook, world, make_api, django_capture_on_commit_callbacks
):
    from analytics.facts.services import facts_refresh
    from analytics.figures.selectors import Period
    from analytics.publications.snapshot import publication_snapshot
    from api.tasks import webhooks_daily_figures
    from tests.conftest import answer

    webhook, _secret = hook("https://portal.example.vn/hook")
    for satisfaction in (3, 2, 1):
        answer(world.commune, satisfaction, reasons=["official_attitude"] if satisfaction == 1 else ())
    facts_refresh()
    today = timezone.localdate()
    api, _ = make_api(world.district)
    # given the district's figures of today through the API, in a snapshot and in the daily webhook
    body = api.get(
        f"/api/v1/units/{world.district.structure}/{world.district.code}/figures/",
        **{"from": today.isoformat(), "to": today.isoformat()},
    ).json()
    snapshot = publication_snapshot(unit=world.district, period=Period(today, today), internal=False)
    with django_capture_on_commit_callbacks(execute=False):
        webhooks_daily_figures.apply(kwargs={"day": today.isoformat()}).get()
    (delivery,) = WebhookDelivery.objects.filter(webhook=webhook)
    # then the overall rate is the same object in all three
    assert body["overall"] == snapshot["overall"] == delivery.payload["units"][0]["overall"]
    assert body["overall"]["exact"] == "2/3" and body["overall"]["n"] == 3
    # and the index carries its notes (elements nobody answered) in the API as in the snapshot
    assert body["sipas_index"] == snapshot["index"]
    assert body["sipas_index"]["notes"], body["sipas_index"]


def test_publishing_a_report_notifies_the_clients_above_it(hook, world, django_capture_on_commit_callbacks):
    import datetime as dt

    from analytics.models import Publication
    from analytics.publications.signals import publication_published

    webhook, _secret = hook("https://portal.example.vn/hook")
    webhook.events = ["publication.published"]
    webhook.save()
    publication = Publication.objects.create(
        unit=world.commune,
        kind="adhoc",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        cutoff_at=timezone.now(),
        status="published",
        published_at=timezone.now(),
        snapshot={},
    )
    with django_capture_on_commit_callbacks(execute=False):
        publication_published.send(sender=Publication, publication=publication)
    (delivery,) = WebhookDelivery.objects.filter(webhook=webhook)
    assert delivery.event_id == publication.public_id
    assert delivery.payload["unit"]["code"] == world.commune.code
    assert delivery.payload["period"] == {"start": "2026-01-01", "end": "2026-01-31"}


# --------------------------------------------------------------------------- no way into our network


@pytest.mark.parametrize(
    ("url", "resolves_to"),
    [
        ("http://127.0.0.1:8080/hook", None),
        ("http://localhost:6379/", None),
        ("https://localhost:6379/", None),
        ("https://127.0.0.1/", None),
        ("https://10.0.0.1/", None),
        ("https://172.16.0.1/", None),
        ("https://192.168.1.1/", None),
        ("https://169.254.169.254/latest/meta-data/", None),
        ("https://[::ffff:127.0.0.1]/", None),
        ("https://[::ffff:10.0.0.1]/", None),
        ("https://[::1]/", None),
        ("https://0.0.0.0/", None),
        ("https://[::]/", None),
        ("https://224.0.0.1/", None),
        ("https://[ff02::1]/", None),
        ("https://240.0.0.1/", None),
        ("https://100.64.0.1/", None),
        ("https://[fe80::1]/", None),
        ("https://[fc00::1]/", None),
        ("https://[2002:7f00:1::1]/", None),
        ("https://[64:ff9b::7f00:1]/", None),
        ("https://intranet.example.vn/hook", ["10.1.2.3"]),
        ("https://metadata.example.vn/hook", ["169.254.169.254"]),
        ("https://half.example.vn/hook", [(PUBLIC, "127.0.0.1")]),
        ("https://user:secret@portal.example.vn/hook", None),
        ("http://portal.example.vn/hook", None),
    ],
)
def test_a_webhook_to_anything_but_a_public_https_address_is_refused(world, make_api, dns, url, resolves_to):
    host = url.split("@")[-1].split("//")[-1].split("/")[0]
    if resolves_to:
        dns[host] = resolves_to
    api, _ = make_api(world.district)
    answer = api.post("/api/v1/webhooks/", {"url": url, "events": ["figures.daily"]})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "url"
    assert not Webhook.objects.exists()


def test_a_name_that_does_not_resolve_is_refused_with_its_own_message(world, make_api, monkeypatch):
    def nxdomain(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    api, _ = make_api(world.district)
    answer = api.post(
        "/api/v1/webhooks/", {"url": "https://nowhere.example.vn/", "events": ["figures.daily"]}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "dns"


def test_a_name_that_turns_internal_after_registration_is_refused_at_delivery(
    hook, dns, django_capture_on_commit_callbacks
):
    # given a receiver on loopback, and a name that was public when the webhook was registered
    with Receiver() as receiver:
        hook(f"https://rebind.example.vn:{receiver.port}/hook")
        dns["rebind.example.vn"] = ["127.0.0.1"]
        # when it is delivered
        delivery, result = deliver(django_capture_on_commit_callbacks)
    # then nothing connected to loopback, and the refusal is final
    assert receiver.connections == 0
    assert result == "failed"
    assert (delivery.status, delivery.last_outcome, delivery.attempts) == ("failed", "refused", 1)


@pytest.mark.usefixtures("loopback_allowed")
def test_the_delivery_connects_to_the_address_it_checked(hook, dns, django_capture_on_commit_callbacks):
    # given a name whose next answers, after the check, point elsewhere (DNS rebinding)
    with Receiver() as receiver:
        host = "pinned.example.vn"
        dns[host] = ["127.0.0.1"]
        hook(f"http://{host}:{receiver.port}/hook")
        dns[host] = ["127.0.0.1", "10.255.255.1"]
        delivery, result = deliver(django_capture_on_commit_callbacks, n=1)
    # then the POST went to the checked address, naming the host in its Host header
    assert result == "delivered"
    ((method, headers, body),) = receiver.received
    assert method == "POST"
    assert headers["Host"] == f"{host}:{receiver.port}"
    assert json.loads(body)["data"] == {"n": 1}


@pytest.mark.usefixtures("loopback_allowed")
def test_a_redirect_is_not_followed(hook, django_capture_on_commit_callbacks):
    with Receiver() as inside, Receiver([(302, {"Location": inside.url})] * MAX_ATTEMPTS) as outside:
        hook(outside.url)
        delivery, result = deliver(django_capture_on_commit_callbacks)
    assert inside.connections == 0  # the signature never reached the redirect's target
    assert len(outside.received) == MAX_ATTEMPTS
    assert (result, delivery.last_outcome) == ("failed", "rejected")


@pytest.mark.usefixtures("loopback_allowed")
def test_a_receiver_that_does_not_answer_in_time_is_cut_off(
    hook, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("api.webhooks.TIMEOUT_SECONDS", 0.3)
    with Receiver([200] * MAX_ATTEMPTS, hang=1) as receiver:
        hook(receiver.url)
        delivery, result = deliver(django_capture_on_commit_callbacks)
    assert (result, delivery.last_outcome, delivery.attempts) == ("failed", "unreachable", MAX_ATTEMPTS)


@pytest.mark.usefixtures("loopback_allowed")
def test_a_receiver_trickling_its_answer_is_cut_off(hook, monkeypatch, django_capture_on_commit_callbacks):
    """Each byte comes before the read timeout, but the whole answer takes longer than an attempt may."""
    monkeypatch.setattr("api.webhooks.TIMEOUT_SECONDS", 1)
    monkeypatch.setattr("api.webhooks.TOTAL_SECONDS", 0.5)

    class Trickle(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10:  # bounded: 10 x 0.2 s
                try:
                    self.request.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)
            self.request.sendall(b"\r\nContent-Length: 0\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook(f"http://127.0.0.1:{server.server_address[1]}/hook")
        delivery, result = deliver(django_capture_on_commit_callbacks)
    finally:
        server.shutdown()
        server.server_close()
    assert result == "failed"
    assert delivery.last_outcome == "unreachable"


def test_the_delivery_log_tells_no_port_from_another(world, make_api, django_capture_on_commit_callbacks):
    """Webhooks stored before addresses were checked: open and closed internal ports look the same."""
    api, client = make_api(world.district, scopes=["manage:webhooks"])
    with Receiver() as open_port:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
        closed.close()
        for port in (open_port.port, closed_port):
            client.webhooks.create(url=f"http://127.0.0.1:{port}/", events=["figures.daily"], secret="s")
        with django_capture_on_commit_callbacks(execute=False):
            deliveries = event_publish(event="figures.daily", payload={})
        for delivery in deliveries:
            webhook_deliver.apply(args=(delivery.pk,))
    assert open_port.connections == 0
    log = api.get("/api/v1/webhooks/deliveries/").json()
    shown = [{k: v for k, v in row.items() if k not in {"id", "webhook", "created_at"}} for row in log]
    assert shown[0] == shown[1]
    assert shown[0]["status"] == "failed" and shown[0]["last_outcome"] == "refused"
    assert set(log[0]) == {
        "id",
        "webhook",
        "event",
        "event_id",
        "status",
        "attempts",
        "last_outcome",
        "created_at",
        "delivered_at",
    }
