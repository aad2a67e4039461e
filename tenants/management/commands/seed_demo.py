from django.core.management.base import BaseCommand, CommandError

from tenants.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Onboard the units of the source documents and create the demo accounts (idempotent)."

    def handle(self, *args, **options):
        try:
            units, accounts = demo_seed()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{len(units)} demo units onboarded."))
        for account in accounts:
            self.stdout.write(f"  {account.email:36} {DEMO_PASSWORD}  {account.description}")
