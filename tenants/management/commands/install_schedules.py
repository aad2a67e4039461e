from typing import Any

from django.core.management.base import BaseCommand

from tenants.schedules import schedules_install


class Command(BaseCommand):
    help = "Create or update the periodic tasks that celery beat runs (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, created in schedules_install():
            self.stdout.write(f"{'created' if created else 'up to date'}: {name}")
