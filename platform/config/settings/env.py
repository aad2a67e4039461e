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


def database_from_url(url: str) -> dict[str, object]:
    """Django DATABASES entry for a postgres:// URL, on django-tenants' backend."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(parts.path.lstrip("/")) or "sipas",
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
