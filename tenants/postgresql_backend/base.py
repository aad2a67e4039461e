"""django-tenants' PostgreSQL backend, remembering the search_path the session really has.

With TENANT_LIMIT_SET_CALLS, django-tenants sets the search_path once per schema switch, but it forgets
what it set at every set_tenant(), even one that asks for the schemas already set: each request then
pays a `SET search_path` to public before its first query (the middleware switches to public), and
again after the middleware's own look-up. This backend keeps what was last set on the session, and
skips the SET when a switch asks for exactly that. It forgets it whenever the session may have lost it:
a closed connection, a rollback, a rollback to a savepoint (a SET is transactional in PostgreSQL).

It also opens cursors for statements that name every table with their schema (schema_named_cursor),
and for savepoints, which name none: those need no `SET search_path`, so none is sent for them.
"""

from typing import Any, cast

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


def schema_named_cursor() -> CursorWrapper:
    """A cursor on the default connection for statements that name every table with its schema: the
    session's search_path is left as it is (the next other cursor sets the tenant's, if it differs)."""
    return cast("DatabaseWrapper", connection).schema_named_cursor()


class DatabaseWrapper(TenantDatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.search_path_in_session: list[str] | None = None
        self.search_path_unneeded = False
        super().__init__(*args, **kwargs)

    def schema_named_cursor(self) -> CursorWrapper:
        self.search_path_unneeded = True
        try:
            return self.cursor()
        finally:
            self.search_path_unneeded = False

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        if self.search_path_in_session is not None and (
            self.search_path_in_session == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self.search_path_in_session

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self.search_path_unneeded:
            return
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is not None:
            self.search_path_in_session = self.search_path_set_schemas

    def _savepoint(self, sid: str) -> None:
        with self.schema_named_cursor() as cursor:
            cursor.execute(self.ops.savepoint_create_sql(sid))

    def _savepoint_commit(self, sid: str) -> None:
        with self.schema_named_cursor() as cursor:
            cursor.execute(self.ops.savepoint_commit_sql(sid))

    def _savepoint_rollback(self, sid: str) -> None:
        with self.schema_named_cursor() as cursor:
            cursor.execute(self.ops.savepoint_rollback_sql(sid))

    def close(self) -> None:
        self.search_path_in_session = None
        super().close()

    def rollback(self) -> None:
        self.search_path_in_session = None
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self.search_path_in_session = None
