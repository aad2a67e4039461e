"""Webhooks: signed with HMAC-SHA256 and a timestamp, delivered by Celery, retried with backoff."""

import http.server
import json
import threading
import time

import pytest
from django.utils import timezone

from api.models import Webhook, WebhookDelivery
from api.tasks import event_publish, retry_countdown, webhook_deliver
from api.webhooks import MAX_ATTEMPTS, signature, signature_verify

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP endpoint on loopback that answers with the scripted status codes in turn."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(world, make_api):
    def make(url):
        api, client = make_api(world.district)
        created = api.post("/api/v1/webhooks/", {"url": url, "events": ["figures.daily"]})
        assert created.status_code == 201
        return Webhook.objects.get(pk=created.json()["id"]), created.json()["secret"]

    return make


def test_a_delivery_is_signed_and_the_receiver_can_verify_it(hook, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        webhook, secret = hook(receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            (delivery,) = event_publish(event="figures.daily", payload={"unit": "182", "responses": 3})
        assert webhook_deliver.apply(args=(delivery.pk,)).get() == "delivered"
    headers, body = receiver.received[0]
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

    from .conftest import Api

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
def test_a_bad_subscription_is_refused(world, make_api, body):
    api, _ = make_api(world.district)
    answer = api.post("/api/v1/webhooks/", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] in {"url", "events", "events.0", "events[0]"}


def test_the_daily_figures_go_once_to_each_subscribed_client(hook, world, django_capture_on_commit_callbacks):
    from analytics.facts.services import facts_refresh
    from api.tasks import webhooks_daily_figures
    from tests.analytics.test_facts import hong_thai

    webhook, _secret = hook("https://portal.example.vn/hook")
    hong_thai(world.commune, 3)
    facts_refresh()
    today = timezone.localdate().isoformat()
    with django_capture_on_commit_callbacks(execute=False):
        assert webhooks_daily_figures.apply(kwargs={"day": today}).get() == 1
        assert webhooks_daily_figures.apply(kwargs={"day": today}).get() == 1  # the same delivery again
    (delivery,) = WebhookDelivery.objects.filter(webhook=webhook)
    assert delivery.payload["units"][0]["responses"] == 1
    assert delivery.payload["units"][0]["unit"]["code"] == world.district.code


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
