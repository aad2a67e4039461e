from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import Scope
from api.services import api_client_create
from tenants.models import Level, Structure, Unit, User
from tenants.selectors import unit_get


class Command(BaseCommand):
    help = "Create an API client (for example the national portal, scoped to the whole country: --unit VN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help='official code of the subtree\'s top unit, or "VN"')
        parser.add_argument("--structure", choices=Structure.values, default=Structure.CURRENT)
        parser.add_argument("--name", required=True)
        parser.add_argument("--scope", action="append", choices=Scope.values, required=True)
        parser.add_argument("--rate", type=int, default=600, help="requests per minute")
        parser.add_argument("--operator", required=True, help="e-mail of the platform operator creating it")

    def handle(self, *args: Any, **options: Any) -> None:
        operator = User.objects.filter(email__iexact=options["operator"], is_superuser=True).first()
        if operator is None:
            raise CommandError("No platform operator with that e-mail.")
        try:
            if options["unit"].upper() == "VN":
                unit = Unit.objects.get(level=Level.NATIONAL)
            else:
                unit = unit_get(code=options["unit"], structure=options["structure"])
            client, key = api_client_create(
                creator=operator,
                unit=unit,
                name=options["name"],
                scopes=options["scope"],
                rate_per_minute=options["rate"],
            )
        except (ValidationError, Unit.DoesNotExist) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(self.style.SUCCESS(f"Created “{client.name}” for {unit.name}."))
        self.stdout.write(f"Key (shown once, store it now): {key}")
