import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.models import Structure
from tenants.selectors import unit_get
from tenants.services import unit_onboard


class Command(BaseCommand):
    help = "Give an administrative unit its own schema, its /u/<slug>/ route and optionally a first admin."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Official GSO code of the unit")
        parser.add_argument("--structure", choices=Structure.values, default=Structure.CURRENT)
        parser.add_argument("--admin-email", help="E-mail of the unit's first administrator")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            unit = unit_get(code=options["code"], structure=options["structure"])
            result = unit_onboard(unit=unit, admin_email=options["admin_email"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        elapsed = time.perf_counter() - started
        note = "new schema" if result.schema_created else "existing schema reused"
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarded {unit.name} ({unit.code}) at /u/{unit.slug}/ ({note}, {elapsed:.2f} s)."
            )
        )
        if result.admin:
            self.stdout.write(f"Administrator: {result.admin.email}")
