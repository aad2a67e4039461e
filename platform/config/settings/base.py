"""Settings shared by every environment; dev, test and prod override only what they must."""

import datetime as dt
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from tenants.vietnam import VIETNAM_ZONE_NAME

from .env import databases_from_env, env_bool, env_list, env_origins, env_str

BASE_DIR = Path(__file__).resolve().parents[3]

# No key here: dev and test use a demo key, prod insists on a real one (env_secret); an empty key stops
# Django at its first use of it.
SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Absolute base of printed links (QR codes, e-mails, PDFs): the public address of the site.
BASE_URL = env_str("BASE_URL", "http://localhost:8000").rstrip("/")

# Persistent connections for 60 s where Django talks to PostgreSQL directly; production talks to
# PgBouncer and closes its connection after each request or task (prod.py, deploy/README.md).
DATABASES = databases_from_env(
    primary_url=env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sipas"), conn_max_age_default=60
)
# Dashboard, public-page, export and API reads marked with tenants.replica.reads_from_replica go to
# the "replica" alias when DATABASE_REPLICA_URL is set, the replica answers and it lags by at most
# REPLICA_MAX_LAG_SECONDS (checked at most every REPLICA_CHECK_SECONDS per process); everything
# else, and every write, goes to the primary.
DATABASE_ROUTERS = ("tenants.replica.ReplicaRouter", "django_tenants.routers.TenantSyncRouter")
REPLICA_MAX_LAG_SECONDS = float(env_str("REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(env_str("REPLICA_CHECK_SECONDS", "5"))
# Read on the primary even in a replica-read view: who may act (sessions, users, roles, API keys) must
# change the moment it is changed.
REPLICA_PRIMARY_ONLY_MODELS = frozenset(
    {"sessions.session", "tenants.user", "tenants.membership", "api.apiclient"}
)
# django-tenants sets the search_path of the connection it is told about (the primary); this hook
# moves the replica's connection to the same tenant at the same moment.
EXTRA_SET_TENANT_METHOD_PATH = "tenants.replica.replica_follow_tenant"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Proxies (CIDR) whose X-Real-IP header is believed (citizen-form burst flags, sign-in throttling), e.g.
# "127.0.0.1/32" behind a local nginx; with none, the connecting address is used.
TRUSTED_PROXY_NETWORKS = env_list("TRUSTED_PROXY_NETWORKS", [])
# Origins (https://host[:port]) of one-stop systems that may show the citizen form and the public results
# inside their pages; none by default (tenants.embedding).
FRAME_ANCESTORS = env_origins("FRAME_ANCESTORS")
# One SET search_path per schema switch instead of one per query (roughly halves round trips).
TENANT_LIMIT_SET_CALLS = True

SHARED_APPS = [
    # tenants first: its migrate_schemas overrides django-tenants' own.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.admin",
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "analytics",
    "api",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "surveys",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Unit"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# Subfolder routing (/u/<unit>/...): works on localhost and behind one certificate, no DNS.
TENANT_SUBFOLDER_PREFIX = "u"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# New schemas are cloned from a migrated template instead of replaying every migration.
TENANT_BASE_SCHEMA = "unit_template"
TENANT_CREATION_FAKES_MIGRATIONS = True

AUTH_USER_MODEL = "tenants.User"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (console and Django admin): 5 failures lock an account, 20 an address (a commune
# office signs in from one), for 15 minutes after the last failure; choosing a new password by e-mail
# lifts an account's lock. Failures are kept while they count; successful sign-ins are not logged.
AXES_HANDLER = "tenants.signin.SignInThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
SIGN_IN_ADDRESS_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "tenants.http.client_address"
AXES_LOCKOUT_CALLABLE = "tenants.account_views.signin_locked_out"
AXES_DISABLE_ACCESS_LOG = True
# Links in invitations and password-reset e-mails work once, for this long.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# A path, not a URL name: a unit's pages resolve against their own URLconf, which has no login.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

MIDDLEWARE = [
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django_tenants.middleware.TenantSubfolderMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.replica.PrimaryAfterWriteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tenants.context_processors.console",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "platform" / "locale"]
TIME_ZONE = VIETNAM_ZONE_NAME
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "platform" / "static"]

CSRF_FAILURE_VIEW = "config.error_views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
# A broker that is down or hangs must not hold a web request: sending a task gives up within seconds
# (connect 2 s, each command 3 s, one retry), and whatever was being sent is retried by beat
# (publications: publications_requeue). 3 s stays above the worker's 1 s BRPOP polling.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# PDF rendering (WeasyPrint, the heaviest work in memory and time) has a queue and worker of its own
# (deploy/: worker-pdf), so a province's reports never hold up the minute's fact refresh. Routed by
# the task's permanent name; everything else goes to the default "celery" queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
PDF_QUEUE = "pdf"
CELERY_TASK_ROUTES = {"analytics.publication_tasks.publication_render_task": {"queue": PDF_QUEUE}}

# The beat schedule installed by `manage.py install_schedules`: (name, task, crontab fields in
# Asia/Ho_Chi_Minh). Task names are permanent strings (tests/test_task_names.py).
BEAT_SCHEDULES: list[tuple[str, str, dict[str, str]]] = [
    (
        "Cập nhật số liệu tổng hợp / refresh count facts",
        "analytics.tasks.facts_refresh_task",
        {"minute": "*"},
    ),
    (
        "Kiểm tra schema các đơn vị / unit schema check",
        "tenants.tasks.units_schema_check_dispatch",
        {"minute": "17", "hour": "2"},
    ),
    (
        "Cảnh báo cán bộ, công chức / staff alerts",
        "analytics.alert_tasks.staff_alerts_dispatch",
        {"minute": "10", "hour": "6"},
    ),
    ("Công bố / publish", "analytics.publication_tasks.publications_dispatch", {"minute": "30", "hour": "6"}),
    (
        "Gửi lại công bố bị treo / requeue stuck publications",
        "analytics.publication_tasks.publications_requeue",
        {"minute": "*/10"},
    ),
    ("Điểm CCHC / PAR points", "analytics.par_tasks.par_recompute_dispatch", {"minute": "40", "hour": "3"}),
    ("Webhook số liệu / daily figures", "api.tasks.webhooks_daily_figures", {"minute": "0", "hour": "7"}),
    (
        "Xóa tên hộ gia đình sau khảo sát / erase household names",
        "surveys.household_tasks.household_erasure_dispatch",
        {"minute": "50", "hour": "2"},
    ),
    (
        "Khảo sát khách hàng: nhắc, xóa liên hệ, hạn kế hoạch / customer surveys and plans",
        "surveys.tasks.customer_surveys_dispatch",
        {"minute": "20", "hour": "7"},
    ),
    (
        "Nhắc phản ánh quá hạn / overdue feedback reminders",
        "surveys.tasks.feedback_reminders_dispatch",
        {"minute": "30", "hour": "7"},
    ),
]
# Spread of the per-unit fan-out of periodic tasks, so 3,000 units do not start at once.
PERIODIC_FANOUT_SECONDS = int(env_str("PERIODIC_FANOUT_SECONDS", "300"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SIPAS API",
    "DESCRIPTION": "Satisfaction figures of Vietnamese administrative units, dossier events in, "
    "one-time survey links out. Authenticate with `Authorization: Api-Key <key>`; errors are "
    '`{"error": {"code", "message", "field"}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_URLCONF": "config.urls_public",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}
# Webhooks go to public internet addresses only. The suite's receiver on 127.0.0.1 needs this switched
# on in the tests that use it; it is never read from the environment and prod.py pins it off.
WEBHOOKS_ALLOW_LOOPBACK_FOR_TESTS = False

# Rate limits of API clients; a cache outage lets calls through rather than failing them, and the short
# socket timeouts keep a hung Redis from holding a request.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Calls that bring no valid API key, per client address (see TRUSTED_PROXY_NETWORKS behind a proxy).
API_ANONYMOUS_RATE_PER_MINUTE = 30

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "khaosat@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
