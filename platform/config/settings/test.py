"""The pytest suite: its own database (pytest-django prefixes test_), fast hashing."""

from .base import *  # noqa: F403
from .env import DEMO_SECRET_KEY, env_str

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PERIODIC_FANOUT_SECONDS = 0
LOGGING = {"version": 1, "disable_existing_loggers": False}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
