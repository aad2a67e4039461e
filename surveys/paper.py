"""Paper ballots (seed 001, Sơn Tây): a box of ballots is entered as one batch, then closed.

A batch declares how many ballots its box held; it closes only when exactly that many are entered,
so a lost or doubly entered ballot shows up before the figures count it. Each ballot goes through
`response_submit`, the same checks as a phone answer.
"""

import datetime as dt
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.audit import audit_record
from tenants.models import AuditAction
from tenants.selectors import unit_current

from .answers import PostData
from .models import Campaign, Channel, Desk, PaperBatch, Response
from .response_services import reason_clean
from .services import SubmissionError, response_submit
from .signals import responses_changed

logger = logging.getLogger(__name__)

MAX_DECLARED_COUNT = 10_000


def paper_batch_open(
    *,
    campaign: Campaign,
    desk: Desk | None,
    box_label: str,
    collected_from: dt.date,
    collected_to: dt.date,
    declared_count: int,
    opened_by: Any,
) -> PaperBatch:
    """Open a batch for one box; the collection days must lie in the campaign and not in the future."""
    errors: dict[str, str] = {}
    label = box_label.strip()
    if not label:
        errors["box_label"] = _("Name the ballot box, e.g. “Quầy 1, tháng 9”.")
    elif len(label) > 100:
        errors["box_label"] = _("Please keep the box name under 100 characters.")
    if Channel.PAPER not in campaign.channels or not campaign.is_active:
        errors["campaign"] = _("This campaign does not take paper ballots.")
    if desk is not None and not desk.is_active:
        errors["desk"] = _("This desk is no longer active.")
    if collected_to < collected_from:
        errors["collected_to"] = _("The last collection day is before the first.")
    elif collected_from < campaign.starts_on or collected_to > campaign.ends_on:
        errors["collected_from"] = _(
            "The collection days must lie within the campaign (%(start)s – %(end)s)."
        ) % {"start": campaign.starts_on.strftime("%d/%m/%Y"), "end": campaign.ends_on.strftime("%d/%m/%Y")}
    elif collected_to > timezone.localdate():
        errors["collected_to"] = _("Ballots cannot have been collected in the future.")
    if not 1 <= declared_count <= MAX_DECLARED_COUNT:
        errors["declared_count"] = _("Count the ballots in the box: between 1 and %(n)d.") % {
            "n": MAX_DECLARED_COUNT
        }
    if errors:
        raise ValidationError(errors)
    return PaperBatch.objects.create(
        campaign=campaign,
        desk=desk,
        box_label=label,
        collected_from=collected_from,
        collected_to=collected_to,
        declared_count=declared_count,
        opened_by=opened_by,
    )


def paper_batch_entered(batch: PaperBatch) -> int:
    """Ballots entered and not voided: what must match the count of the box."""
    return Response.objects.filter(paper_batch=batch, voided_at__isnull=True).count()


def paper_ballot_enter(
    *,
    batch: PaperBatch,
    data: PostData,
    submission_key: uuid.UUID,
    entered_by: Any,
    version_id: int | None = None,
) -> tuple[Response, bool]:
    """Store one ballot of an open batch; returns (response, created).

    The same form posted twice (a double click) stores one ballot: the repeat returns the first one,
    even if the batch has filled or closed in between. Raises SubmissionError (per-question errors,
    or "__all__" with status 409 when the batch takes no more ballots).
    """
    existing = Response.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.paper_batch_id != batch.pk:
            raise SubmissionError({"__all__": _("This form does not belong to this batch.")})
        return existing, False
    with transaction.atomic():
        # The row lock serialises entries into one batch, so two clerks cannot pass the count together.
        locked = PaperBatch.objects.select_for_update().select_related("campaign__version").get(pk=batch.pk)
        # A double click that waited on the lock finds the ballot its twin just stored.
        existing = Response.objects.filter(submission_key=submission_key, paper_batch=locked).first()
        if existing is not None:
            return existing, False
        if locked.status != PaperBatch.Status.OPEN:
            raise SubmissionError(
                {"__all__": _("This batch is closed: it takes no more ballots.")}, status=409
            )
        entered = paper_batch_entered(locked)
        if entered >= locked.declared_count:
            raise SubmissionError(
                {
                    "__all__": _(
                        "All %(n)d ballots declared for this box are entered. If the box held more, "
                        "open another batch for the rest."
                    )
                    % {"n": locked.declared_count}
                },
                status=409,
            )
        return response_submit(
            campaign=locked.campaign,
            version_id=version_id if version_id is not None else locked.campaign.version_id,
            data=data,
            submission_key=submission_key,
            channel=Channel.PAPER,
            paper_batch=locked,
            entered_by=entered_by,
            language="vi",
        )


@transaction.atomic
def paper_ballot_void(*, batch: PaperBatch, response: Response, reason: str, user: Any) -> Response:
    """Void a wrongly entered ballot of an open batch, saying why.

    The ballot is kept, marked void with who, when and why, and recorded in the activity log; it no
    longer counts in the batch (a corrected one can be entered) nor in any figure.
    """
    locked = PaperBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != PaperBatch.Status.OPEN:
        raise ValidationError(_("This batch is closed; reopen it before voiding a ballot."))
    if response.paper_batch_id != locked.pk:
        raise ValidationError(_("This ballot is not in this batch."))
    ballot = Response.objects.select_for_update().get(pk=response.pk)
    if ballot.voided_at is not None:
        raise ValidationError(_("This ballot is already voided."))
    reason = reason_clean(reason, example=_("entered twice"))
    ballot.voided_at = timezone.now()
    ballot.voided_by = user
    ballot.void_reason = reason
    ballot.save(update_fields=["voided_at", "voided_by", "void_reason"])
    unit = unit_current()
    audit_record(
        action=AuditAction.PAPER_BALLOT_VOID,
        actor=user,
        unit=unit,
        target=f"{locked.box_label} · {ballot.public_id}",
        reason=reason,
        details={"batch": locked.pk, "response": str(ballot.public_id)},
    )
    # The figures of that day must be refolded without it.
    responses_changed.send(sender=Response, unit=unit, day=ballot.answered_on)
    return ballot


@transaction.atomic
def paper_batch_close(*, batch: PaperBatch, user: Any) -> PaperBatch:
    """Close a batch once the ballots entered match the count of the box."""
    locked = PaperBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != PaperBatch.Status.OPEN:
        raise ValidationError(_("This batch is already closed."))
    entered = paper_batch_entered(locked)
    if entered != locked.declared_count:
        raise ValidationError(
            _(
                "%(entered)d of %(declared)d ballots are entered. Enter the missing ballots or void the "
                "extra ones before closing; if the box was miscounted, count it again."
            )
            % {"entered": entered, "declared": locked.declared_count}
        )
    locked.status = PaperBatch.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    logger.info("paper batch closed: batch=%s by user=%s", locked.pk, getattr(user, "pk", None))
    return locked


@transaction.atomic
def paper_batch_reopen(*, batch: PaperBatch, user: Any) -> PaperBatch:
    """Reopen a closed batch to correct it (the view lets only the unit's admin do this)."""
    locked = PaperBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != PaperBatch.Status.CLOSED:
        raise ValidationError(_("This batch is open already."))
    locked.status = PaperBatch.Status.OPEN
    locked.closed_at = None
    locked.save(update_fields=["status", "closed_at"])
    logger.info("paper batch reopened: batch=%s by user=%s", locked.pk, getattr(user, "pk", None))
    return locked
