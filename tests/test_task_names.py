"""Beat rows and queued messages name tasks by string: moving a module must not rename a task."""

from config.celery import app

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
    "analytics.tasks.facts_refresh_task",
    "api.tasks.webhook_deliver",
    "api.tasks.webhooks_daily_figures",
    "tenants.tasks.unit_schema_check",
    "tenants.tasks.units_schema_check_dispatch",
}


def test_every_task_keeps_the_name_that_beat_and_queued_messages_use():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == REGISTERED


def test_every_scheduled_task_is_registered():
    from tenants.schedules import SCHEDULES

    app.loader.import_default_modules()
    assert {task for _, task, _ in SCHEDULES} <= set(app.tasks)
