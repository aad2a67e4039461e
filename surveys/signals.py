"""What the surveys announce to the apps above them, which they never import."""

from django.dispatch import Signal

#: Sent inside the transaction that stores or removes a response, so that what a receiver writes
#: commits with the response or not at all. kwargs: unit (the tenant), day (the local day answered).
responses_changed = Signal()

#: Sent inside the transaction that changes a feedback record's status (received, assigned, replied).
#: kwargs: unit (the tenant), feedback (the record, in the unit's schema).
feedback_status_changed = Signal()
