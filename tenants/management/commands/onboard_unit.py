import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Structure
from tenants.selectors import unit_get
from tenants.services import OnboardResult, unit_onboard, units_onboard

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Give an administrative unit its own schema, its /u/<slug>/ route and optionally a first admin; "
        "or, with --province, the province and every unit below it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="Official GSO code of the unit")
        parser.add_argument(
            "--province",
            metavar="CODE",
            help="onboard this province, its communes (and legacy districts) that are not onboarded yet; "
            "running it again after an interruption carries on where it stopped",
        )
        parser.add_argument("--structure", choices=Structure.values, default=Structure.CURRENT)
        parser.add_argument("--admin-email", help="E-mail of the unit's first administrator")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["code"]) == bool(options["province"]):
            raise CommandError("Give either a unit code or --province CODE.")
        if options["province"] and options["admin_email"]:
            raise CommandError(
                "--admin-email names the admin of one unit; it cannot be used with --province."
            )
        try:
            if options["province"]:
                self._province(options["province"], options["structure"])
            else:
                self._unit(options["code"], options["structure"], options["admin_email"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _unit(self, code: str, structure: str, admin_email: str | None) -> None:
        started = time.perf_counter()
        unit = unit_get(code=code, structure=structure)
        result = unit_onboard(unit=unit, admin_email=admin_email)
        elapsed = time.perf_counter() - started
        note = "new schema" if result.schema_created else "existing schema reused"
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarded {unit.name} ({unit.code}) at /u/{unit.slug}/ ({note}, {elapsed:.2f} s)."
            )
        )
        if result.admin:
            self.stdout.write(f"Administrator: {result.admin.email}")

    def _province(self, code: str, structure: str) -> None:
        started = time.perf_counter()
        province = unit_get(code=code, structure=structure)
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(done: int, total: int, result: OnboardResult, seconds: float) -> None:
            if tty:  # one line redrawn in place
                filled = BAR_WIDTH * done // total
                self.stdout.write(
                    f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} "
                    f"{result.unit.schema_name} {seconds:.2f} s\x1b[K",
                    ending="\n" if done == total else "",
                )
                self.stdout.flush()
            else:  # logs: one line per unit
                self.stdout.write(f"[{done}/{total}] {result.unit.name} ({result.unit.code}) {seconds:.2f} s")

        try:
            result = units_onboard(province=province, on_progress=progress)
        except BaseException:  # an error or Ctrl-C: say what is kept, then let it through
            if tty:
                self.stdout.write("")
            self.stderr.write(
                "Stopped. The units onboarded so far stay onboarded; run the same command again to go on."
            )
            raise
        elapsed = time.perf_counter() - started
        done = len(result.onboarded)
        self.stdout.write(
            self.style.SUCCESS(
                f"{province.name}: {done} units onboarded in {elapsed:.1f} s"
                + (f" ({elapsed / done:.2f} s per unit)" if done else "")
                + f", {result.already_onboarded} already onboarded."
            )
        )
        if result.schemas_reused:
            self.stdout.write(
                f"{result.schemas_reused} of them had a schema already (offboarded earlier): "
                "their data was kept."
            )
