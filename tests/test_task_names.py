"""Beat rows and queued messages name tasks by string: moving a module must not rename a task."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]

# The names that beat's table and messages already in the queue carry (as of the first release).
REGISTERED = {
    "analytics.alert_tasks.staff_alerts_dispatch",
    "analytics.alert_tasks.unit_staff_alerts",
    "analytics.par_tasks.par_contribution_task",
    "analytics.par_tasks.par_province_task",
    "analytics.par_tasks.par_recompute_dispatch",
    "analytics.publication_tasks.publication_publish_task",
    "analytics.publication_tasks.publication_render_task",
    "analytics.publication_tasks.publication_scheduled_create_task",
    "analytics.publication_tasks.publications_dispatch",
    "analytics.publication_tasks.publications_requeue",
    "analytics.tasks.facts_refresh_task",
    "api.tasks.webhook_deliver",
    "api.tasks.webhooks_daily_figures",
    "surveys.household_tasks.household_erasure_dispatch",
    "surveys.household_tasks.unit_household_erasure",
    "surveys.tasks.customer_surveys_dispatch",
    "surveys.tasks.unit_customer_surveys",
    "surveys.tasks.feedback_reminders_dispatch",
    "surveys.tasks.unit_feedback_reminders",
    "tenants.tasks.unit_schema_check",
    "tenants.tasks.units_schema_check_dispatch",
}


def tasks_a_worker_registers() -> set[str]:
    """What a freshly started worker knows: nothing imported by the test session helps it."""
    code = (
        "import json, django; django.setup(); from config.celery import app; "
        "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": f"{ROOT}/platform:{ROOT}",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return {name for name in json.loads(out.splitlines()[-1]) if not name.startswith("celery.")}


def test_every_task_keeps_the_name_that_beat_and_queued_messages_use():
    assert tasks_a_worker_registers() == REGISTERED


def test_every_scheduled_task_is_registered():
    assert {task for _, task, _ in settings.BEAT_SCHEDULES} <= REGISTERED
