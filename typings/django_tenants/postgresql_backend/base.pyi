from typing import Any

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

def _check_schema_name(name: str) -> None: ...

class DatabaseWrapper(PostgresDatabaseWrapper):
    schema_name: str
    tenant: Any  # the unit, or a FakeTenant under schema_context
    include_public_schema: bool
    def set_tenant(self, tenant: Any, include_public: bool = True) -> None: ...
    search_path_set_schemas: list[str] | None
    def _get_cursor_search_paths(self) -> list[str]: ...
    def _handle_search_path(self, cursor: Any = None) -> None: ...
