"""What the surveys announce to the apps above them, which they never import."""

from django.dispatch import Signal

#: Sent inside the transaction that changes or removes a stored response (a void, a review, a paper
#: batch's ballots), so that what a receiver writes commits with it or not at all. kwargs: unit (the
#: tenant), day (the local day answered).
responses_changed = Signal()

#: Sent by response_submit before it stores a new response, in place of responses_changed: each receiver
#: returns what it writes as one data-modifying statement, (sql, params), every table named with its
#: schema, which runs inside the response's own INSERT (a WITH clause): it commits with the response or
#: not at all, in the same round trip. kwargs: unit (the tenant), day (the local day answered).
response_storing = Signal()

#: Sent inside the transaction that changes a feedback record's status (received, assigned, replied).
#: kwargs: unit (the tenant), feedback (the record, in the unit's schema).
feedback_status_changed = Signal()
