"""The tenant-aware Celery app: a task sent from a unit's schema runs in that schema."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("sipas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# analytics keeps one tasks module per feature package; autodiscovery looks for <package>.tasks.
app.autodiscover_tasks(["analytics.facts", "analytics.alerts", "analytics.par", "analytics.publications"])
