"""Webhook events: queued once per subscription, delivered by Celery with retries and exponential backoff
(about 1, 2, 4, 8, 16 minutes).

`event_publish` lives beside the task it enqueues, and the daily task calls it, so neither module
imports the other; the transport (signing, address checks, the POST) is in api.webhooks below both.
"""

import datetime as dt
import uuid
from functools import partial

from celery import Task, shared_task
from django.db import transaction
from django.utils import timezone

from analytics.figures.figure_json import figure_json
from analytics.figures.selectors import Period, unit_figures
from tenants.models import Level, Structure, Unit

from .models import Webhook, WebhookDelivery
from .webhooks import MAX_ATTEMPTS, delivery_attempt


class DeliveryFailed(Exception):
    pass


def retry_countdown(attempts: int) -> int:
    """Seconds before the next try: 1, 2, 4, 8, 16 minutes after tries 1–5."""
    return 60 * 2 ** (attempts - 1)


@shared_task(name="api.tasks.webhook_deliver", bind=True, max_retries=MAX_ATTEMPTS - 1)
def webhook_deliver(self: Task, delivery_id: int) -> str:
    """Deliver one queued webhook; idempotent (a delivered or failed one is left alone)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return "skipped"
    if delivery_attempt(delivery=delivery):
        return "delivered"
    if delivery.status == WebhookDelivery.Status.FAILED:
        return "failed"
    raise self.retry(countdown=retry_countdown(delivery.attempts), exc=DeliveryFailed(delivery.last_outcome))


def event_publish(
    *, event: str, payload: dict, client_ids: list[int] | None = None, event_id: uuid.UUID | None = None
) -> list[WebhookDelivery]:
    """Queue one delivery per active subscription to `event`; delivered by Celery after commit."""
    event_id = event_id or uuid.uuid4()
    hooks = Webhook.objects.filter(is_active=True, events__contains=[event], client__revoked_at__isnull=True)
    if client_ids is not None:
        hooks = hooks.filter(client_id__in=client_ids)
    deliveries = []
    for hook in hooks:
        delivery, created = WebhookDelivery.objects.get_or_create(
            webhook=hook, event_id=event_id, defaults={"event": event, "payload": payload}
        )
        if created:
            transaction.on_commit(partial(webhook_deliver.delay, delivery.pk))
        deliveries.append(delivery)
    return deliveries


def daily_figures_payload(*, unit: Unit, day: dt.date) -> dict:
    """One day's headline figures of a client's subtree (a national client: each current province)."""
    units = (
        list(Unit.objects.filter(level=Level.PROVINCE, structure=Structure.CURRENT).order_by("code"))
        if unit.level == Level.NATIONAL
        else [unit]
    )
    rows = []
    for u in units:
        figures = unit_figures(unit=u, period=Period(day, day), language="en")
        rows.append(
            {
                "unit": {"code": u.code, "structure": u.structure, "name": u.name},
                "responses": figures.responses,
                "overall": figure_json(figures.overall),
            }
        )
    return {"day": day.isoformat(), "units": rows}


@shared_task(name="api.tasks.webhooks_daily_figures")
def webhooks_daily_figures(day: str | None = None) -> int:
    """Beat, every morning: yesterday's figures to each client subscribed to figures.daily (idempotent)."""
    when = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    clients = {
        hook.client
        for hook in Webhook.objects.filter(
            is_active=True, events__contains=[Webhook.Event.DAILY_FIGURES], client__revoked_at__isnull=True
        ).select_related("client__unit")
    }
    sent = 0
    for client in clients:
        event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"sipas:figures.daily:{client.pk}:{when.isoformat()}")
        sent += len(
            event_publish(
                event=Webhook.Event.DAILY_FIGURES,
                client_ids=[client.pk],
                event_id=event_id,
                payload=daily_figures_payload(unit=client.unit, day=when),
            )
        )
    return sent
