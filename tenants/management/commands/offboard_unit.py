from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Structure
from tenants.selectors import unit_get
from tenants.services import unit_offboard


class Command(BaseCommand):
    help = "Close a unit's routes; its schema and data are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--structure", choices=Structure.values, default=Structure.CURRENT)
        parser.add_argument("--reason", default="", help="why, for the activity log")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = unit_offboard(
                unit=unit_get(code=options["code"], structure=options["structure"]),
                reason=options["reason"].strip(),
                via="command",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Offboarded {unit.name}; schema {unit.schema_name} kept."))
