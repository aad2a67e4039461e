"""Small typed readers for settings that come from the environment."""

import os
import re
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEMO_SECRET_KEY = "insecure-demo-key-change-me"  # noqa: S105 - dev and test only; prod refuses it
MIN_SECRET_LENGTH = 50


def env_secret(name: str) -> str:
    """A required secret key: long, and none of the well-known insecure ones; otherwise no start."""
    value = env_str(name)
    if len(value) < MIN_SECRET_LENGTH or value == DEMO_SECRET_KEY or value.startswith("django-insecure"):
        raise ImproperlyConfigured(
            f"{name} must be a random secret of at least {MIN_SECRET_LENGTH} characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return value


ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?", re.IGNORECASE)


def env_origins(name: str) -> list[str]:
    """Web origins ("https://motcua.example.gov.vn"), comma-separated; anything else stops the start."""
    origins = [origin.lower().rstrip("/") for origin in env_list(name, [])]
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise ImproperlyConfigured(
                f"{name}: “{origin}” is not an origin like https://host or https://host:port"
            )
    return origins


def database_from_url(url: str, *, conn_max_age: int) -> dict[str, object]:
    """Django DATABASES entry for a postgres:// URL, on django-tenants' backend as tenants.postgresql_backend
    extends it."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    return {
        "ENGINE": "tenants.postgresql_backend",
        "NAME": unquote(parts.path.lstrip("/")) or "sipas",
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": conn_max_age != 0,
    }


def databases_from_env(*, primary_url: str, conn_max_age_default: int) -> dict[str, dict[str, object]]:
    """The primary ("default") and, when DATABASE_REPLICA_URL is set, a streaming replica ("replica").

    Both use django-tenants' backend: the replica follows the primary's tenant (tenants.replica) and
    its search_path is set on its own connection. DATABASE_CONN_MAX_AGE applies to both, so web,
    workers and beat hold connections the same way (0 behind PgBouncer: deploy/README.md).
    """
    conn_max_age = int(env_str("DATABASE_CONN_MAX_AGE", str(conn_max_age_default)))
    databases = {"default": database_from_url(primary_url, conn_max_age=conn_max_age)}
    replica_url = env_str("DATABASE_REPLICA_URL", "").strip()
    if replica_url:
        replica = database_from_url(replica_url, conn_max_age=conn_max_age)
        # A replica that does not answer must cost a request seconds, not the kernel's TCP timeout;
        # its tests run against the primary's test database.
        replica["OPTIONS"] = {"connect_timeout": 2}
        replica["TEST"] = {"MIRROR": "default"}
        databases["replica"] = replica
    return databases
