"""Production: every secret must come from the environment, no defaults."""

from .base import *  # noqa: F403
from .env import databases_from_env, env_list, env_secret, env_str

SECRET_KEY = env_secret("SECRET_KEY")
# Behind PgBouncer (session mode) Django closes its connection after each request or task, so a
# pooled server connection serves whoever asks next; DATABASE_CONN_MAX_AGE=60 without a pooler.
DATABASES = databases_from_env(primary_url=env_str("DATABASE_URL"), conn_max_age_default=0)
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
BASE_URL = env_str("BASE_URL").rstrip("/")
DEBUG = False
WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# nginx redirects plain HTTP too; the exemption lets the container's health check speak HTTP to gunicorn.
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Entering the browsers' HSTS preload list is the decision of whoever owns the domain, not of this site.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
