"""Webhook delivery with retries and exponential backoff (about 1, 2, 4, 8, 16 minutes)."""

from celery import shared_task

from .models import WebhookDelivery
from .webhooks import MAX_ATTEMPTS, delivery_attempt


class DeliveryFailed(Exception):
    pass


def retry_countdown(attempts: int) -> int:
    """Seconds before the next try: 1, 2, 4, 8, 16 minutes after tries 1–5."""
    return 60 * 2 ** (attempts - 1)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS - 1)
def webhook_deliver(self, delivery_id: int) -> str:
    """Deliver one queued webhook; idempotent (a delivered or failed one is left alone)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return "skipped"
    if delivery_attempt(delivery=delivery):
        return "delivered"
    if delivery.status == WebhookDelivery.Status.FAILED:
        return "failed"
    raise self.retry(countdown=retry_countdown(delivery.attempts), exc=DeliveryFailed(delivery.last_error))
