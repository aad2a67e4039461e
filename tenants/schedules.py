"""The beat schedule, stored in django-celery-beat's tables so operators can see and pause it.

The table itself (settings.BEAT_SCHEDULES) is the project's: it names tasks of every app, which
the registry must not import.
"""

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from .vietnam import VIETNAM_ZONE_NAME


def schedules_install() -> list[tuple[str, bool]]:
    results = []
    for name, task, fields in settings.BEAT_SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone=VIETNAM_ZONE_NAME, **fields)
        _, created = PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True}
        )
        results.append((name, created))
    return results
