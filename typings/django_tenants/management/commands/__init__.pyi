from typing import Any

from django.core.management.base import BaseCommand

class SyncCommon(BaseCommand):
    sync_tenant: bool
    sync_public: bool
    schema_name: str | None
    executor: str | None
    args: tuple[Any, ...]
    options: dict[str, Any]
    def handle(self, *args: Any, **options: Any) -> None: ...
