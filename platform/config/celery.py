"""The tenant-aware Celery app: a task sent from a unit's schema runs in that schema."""

import os

from tenant_schemas_celery.app import CeleryApp

# Like wsgi.py: a worker started without settings must not run on the demo's secret key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = CeleryApp("sipas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# analytics keeps one tasks module per feature package (surveys one for the household survey);
# autodiscovery looks for <package>.tasks.
app.autodiscover_tasks(
    ["analytics.facts", "analytics.alerts", "analytics.par", "analytics.publications", "surveys.households"]
)
