from typing import Any

def run_migrations(
    args: Any,
    options: dict[str, Any],
    executor_codename: str,
    schema_name: str,
    tenant_type: str = "",
    allow_atomic: bool = True,
    idx: int | None = None,
    count: int | None = None,
) -> None: ...
