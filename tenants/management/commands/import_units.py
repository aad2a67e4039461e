from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Structure
from tenants.registry import known_province_codes, registry_import
from tenants.services import public_tenant_ensure


class Command(BaseCommand):
    help = "Load the official unit registry (current and legacy structures) from vietnam-provinces."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="Limit to these current provinces (GSO codes) and the legacy ones merged into them",
        )
        parser.add_argument("--structure", choices=Structure.values, action="append", default=[])

    def handle(self, *args: Any, **options: Any) -> None:
        provinces = {
            code.strip().zfill(2) for item in options["province"] for code in item.split(",") if code
        }
        unknown = provinces - known_province_codes()
        if unknown:
            raise CommandError(f"Unknown province code(s): {', '.join(sorted(unknown))}")
        public_tenant_ensure()
        report = registry_import(
            provinces=provinces or None, structures=options["structure"] or Structure.values
        )
        for (structure, level), count in sorted(report.by_level.items()):
            self.stdout.write(f"  {structure:8} {level:9} {count:6}")
        if not report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Registry already up to date ({report.unchanged} units); nothing changed."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
                f"successor links added {report.links_created}."
            )
        )
