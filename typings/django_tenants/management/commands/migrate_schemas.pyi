from collections.abc import Callable
from typing import Any

from django_tenants.management.commands import SyncCommon

GET_EXECUTOR_FUNCTION: Callable[..., Any]

class MigrateSchemasCommand(SyncCommon):
    PUBLIC_SCHEMA_NAME: str
