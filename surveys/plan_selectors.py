"""Reads of plans: the timetable as a checklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import PlanStep, SurveyPlan
from .plan_services import REMIND_DAYS_BEFORE, step_when


@dataclass(frozen=True)
class ChecklistItem:
    step: PlanStep
    state: str  # done | late | due | upcoming

    @property
    def when(self) -> str:
        return step_when(self.step)


def plan_checklist(*, plan: SurveyPlan, today: dt.date | None = None) -> list[ChecklistItem]:
    """The timetable as a checklist (current unit's schema): done, late, due within three days, upcoming."""
    today = today or timezone.localdate()
    items = []
    for step in plan.steps.select_related("responsible_user").order_by("number"):
        if step.done_at is not None:
            state = "done"
        elif step.due_on < today:
            state = "late"
        elif step.due_on <= today + dt.timedelta(days=REMIND_DAYS_BEFORE):
            state = "due"
        else:
            state = "upcoming"
        items.append(ChecklistItem(step, state))
    return items
