"""The beat schedule, stored in django-celery-beat's tables so operators can see and pause it."""

from django_celery_beat.models import CrontabSchedule, PeriodicTask

# (name, task, crontab fields in Asia/Ho_Chi_Minh). Apps add their periodic work here.
SCHEDULES: list[tuple[str, str, dict[str, str]]] = [
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
    ("Điểm CCHC / PAR points", "analytics.par_tasks.par_recompute_dispatch", {"minute": "40", "hour": "3"}),
    ("Webhook số liệu / daily figures", "api.tasks.webhooks_daily_figures", {"minute": "0", "hour": "7"}),
]


def schedules_install() -> list[tuple[str, bool]]:
    results = []
    for name, task, fields in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone="Asia/Ho_Chi_Minh", **fields)
        _, created = PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        results.append((name, created))
    return results
