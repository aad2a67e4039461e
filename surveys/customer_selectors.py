"""Reads of customer surveys: progress and response rates per way of reaching people, and each
customer's contact history. Nothing here joins an invitation to a response."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from .models import Customer, CustomerSurvey, Invitation, Outreach


@dataclass(frozen=True)
class MethodRate:
    method: str
    label: str
    contacted: int  # customers reached at least once this way
    answered: int  # of those, how many answered (by any way)

    @property
    def rate(self) -> float | None:
        return self.answered / self.contacted if self.contacted else None


@dataclass(frozen=True)
class SurveyProgress:
    total: int
    statuses: dict[str, int]
    methods: list[MethodRate]

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        """(label, count) of each state, in the order of the states."""
        return [(str(label), self.statuses.get(value, 0)) for value, label in Invitation.Status.choices]

    @property
    def answered(self) -> int:
        return self.statuses.get(Invitation.Status.ANSWERED, 0)


def customer_survey_progress(*, survey: CustomerSurvey) -> SurveyProgress:
    """How many were invited, in each state, and the response rate of each way they were contacted
    (current unit's schema). A customer reached two ways counts under both."""
    statuses = Counter(
        dict(Invitation.objects.filter(survey=survey).values_list("status").annotate(n=Count("pk")))
    )
    methods = []
    for method, label in Invitation.Method.choices:
        reached = Invitation.objects.filter(survey=survey, attempts__method=method).distinct()
        counts = reached.aggregate(
            contacted=Count("pk", distinct=True),
            answered=Count("pk", distinct=True, filter=Q(status=Invitation.Status.ANSWERED)),
        )
        methods.append(MethodRate(method, str(label), counts["contacted"], counts["answered"]))
    return SurveyProgress(total=sum(statuses.values()), statuses=dict(statuses), methods=methods)


@dataclass(frozen=True)
class ContactHistory:
    invitation: Invitation
    attempts: list[Outreach]

    @property
    def reminders(self) -> int:
        return sum(attempt.is_reminder for attempt in self.attempts)


def customer_contact_history(*, customer: Customer) -> list[ContactHistory]:
    """Each survey the customer was invited to, the latest first, with every attempt to reach them:
    how, when, by whom and what came of it (current unit's schema). An invitation keeps nothing of an
    answer, so neither does its history."""
    invitations = (
        Invitation.objects.filter(customer=customer)
        .select_related("survey__campaign")
        .prefetch_related(Prefetch("attempts", queryset=Outreach.objects.select_related("by")))
        .order_by("-survey__campaign__starts_on", "-pk")
    )
    return [ContactHistory(invitation, list(invitation.attempts.all())) for invitation in invitations]


def customer_by_dossier_code(code: str) -> Customer | None:
    """The unit's customer of this dossier code (codes are unique per unit), or None."""
    return Customer.objects.filter(dossier_code=code.strip()).first()
