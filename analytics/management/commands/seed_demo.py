from typing import Any

from django.core.management.base import BaseCommand, CommandError

from analytics.demo import (
    HOUSEHOLD_ENUMERATOR,
    demo_feedback_seed_all,
    demo_household_seed_default,
    demo_surveys_seed,
)
from surveys.services import short_url
from tenants.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Onboard the units of the source documents and create the demo accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            units, accounts = demo_seed()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{len(units)} demo units onboarded."))
        for survey in demo_surveys_seed():
            self.stdout.write(f"  {survey.unit.name}: {survey.responses} demo answers; QR links:")
            for link in survey.links:
                self.stdout.write(f"    {short_url(link.code)}  ({link.get_channel_display()})")
        for unit, made in demo_feedback_seed_all().items():
            self.stdout.write(f"  {unit.name}: {made} demo feedback records")
        household_round = demo_household_seed_default()
        if household_round is not None:
            self.stdout.write(f"  {household_round.name}: in the field, enumerator {HOUSEHOLD_ENUMERATOR}")
        for account in accounts:
            self.stdout.write(f"  {account.email:36} {DEMO_PASSWORD}  {account.description}")
