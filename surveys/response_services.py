"""Writes on stored responses by the unit's own staff (the officers' review of responses)."""

import logging
from typing import Any

from django.db import transaction

from .models import Response

logger = logging.getLogger(__name__)


@transaction.atomic
def response_flag_clear(*, response: Response, user: Any) -> Response:
    """The unit's admin has looked at a flagged response and finds it genuine.

    `flagged` is cleared but `flag_reasons` stay, so the list still shows why it was flagged. Who cleared
    it and when has no field yet and goes to the log (a model change is proposed in the report). The
    figures do not change: they leave out honeypot hits by `flag_reasons`, not by `flagged`.
    """
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.flagged:
        locked.flagged = False
        locked.save(update_fields=["flagged"])
        logger.info(
            "response flag cleared: response=%s reasons=%s by user=%s",
            locked.public_id,
            ",".join(locked.flag_reasons),
            getattr(user, "pk", None),
        )
    return locked
