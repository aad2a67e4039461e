"""Raw responses (unit schemas) → daily count facts (public schema).

A refresh recomputes whole unit-days from the raw rows and replaces them, so it is idempotent, safe
to retry, and a full rebuild must give exactly the incremental result.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from analytics.models import DailyFact, DirtyDay
from tenants.models import Unit

# One row per (response × dimension): the total and each breakdown partition the same responses.
# Response facts carry question = 'reasons' when their questionnaire asks for reasons, so the
# dissatisfaction profile divides only by the unsatisfied responses that could have given one.
# Honeypot hits are bots and never counted; other flags (bursts, duplicates) are counted and shown.
FACTS_SQL = """
WITH r AS (
    SELECT r.id, r.answered_on AS day, r.overall_bucket, q.key AS questionnaire,
           jsonb_path_exists(v.definition, '$.questions[*] ? (@.kind == "reasons")') AS asks_reasons,
           COALESCE(p.key, CASE WHEN r.procedure_other <> '' THEN 'other' ELSE '' END) AS procedure,
           COALESCE(f.key, CASE WHEN r.field_other <> '' THEN 'other' ELSE '' END) AS field,
           COALESCE(r.staff_id::text, '') AS staff, COALESCE(r.desk_id::text, '') AS desk, r.channel
    FROM surveys_response r
    JOIN surveys_questionnaireversion v ON v.id = r.version_id
    JOIN surveys_questionnaire q ON q.id = v.questionnaire_id
    LEFT JOIN surveys_procedure p ON p.id = r.procedure_id
    LEFT JOIN surveys_field f ON f.id = r.field_id
    WHERE r.answered_on = ANY(%(days)s) AND NOT ('honeypot' = ANY(r.flag_reasons))
), d AS (
    SELECT r.id, r.day, r.overall_bucket, r.questionnaire, r.asks_reasons, x.dim, x.dim_value
    FROM r CROSS JOIN LATERAL (VALUES ('', ''), ('procedure', r.procedure), ('field', r.field),
                                      ('staff', r.staff), ('desk', r.desk), ('channel', r.channel))
         AS x(dim, dim_value)
)
SELECT d.day, 'response', d.questionnaire, CASE WHEN d.asks_reasons THEN 'reasons' ELSE '' END, '', '',
       NULL::smallint, '', d.overall_bucket, d.dim, d.dim_value, count(*)
FROM d GROUP BY d.day, d.questionnaire, d.asks_reasons, d.overall_bucket, d.dim, d.dim_value
UNION ALL
SELECT d.day, 'rating', d.questionnaire, a.question_key, a.element, a.scale, a.value, '', a.bucket, d.dim,
       d.dim_value, count(*)
FROM d JOIN surveys_answer a ON a.response_id = d.id AND a.kind = 'rating'
GROUP BY d.day, d.questionnaire, a.question_key, a.element, a.scale, a.value, a.bucket, d.dim, d.dim_value
UNION ALL
SELECT d.day, 'reason', d.questionnaire, a.question_key, a.element, '', NULL::smallint, a.option_key,
       d.overall_bucket, d.dim, d.dim_value, count(*)
FROM d JOIN surveys_answer a ON a.response_id = d.id AND a.kind = 'reason'
GROUP BY d.day, d.questionnaire, a.question_key, a.element, a.option_key, d.overall_bucket, d.dim, d.dim_value
"""
FIELDS = (
    "day",
    "kind",
    "questionnaire",
    "question",
    "element",
    "scale",
    "value",
    "option",
    "bucket",
    "dim",
    "dim_value",
    "count",
)


def facts_compute(*, unit: Unit, days: Iterable[dt.date]) -> list[DailyFact]:
    """The facts of some days of one unit, computed from its raw responses (nothing is written)."""
    day_list = sorted(set(days))
    if not day_list:
        return []
    with tenant_context(unit), connection.cursor() as cursor:
        cursor.execute(FACTS_SQL, {"days": day_list})
        rows = cursor.fetchall()
    return [DailyFact(unit_id=unit.pk, **dict(zip(FIELDS, row, strict=True))) for row in rows]


@transaction.atomic
def facts_replace(*, unit: Unit, days: Iterable[dt.date]) -> int:
    """Replace the stored facts of these unit-days by freshly computed ones; returns rows written."""
    day_list = sorted(set(days))
    facts = facts_compute(unit=unit, days=day_list)
    DailyFact.objects.filter(unit=unit, day__in=day_list).delete()
    DailyFact.objects.bulk_create(facts, batch_size=5000)
    return len(facts)


def facts_mark_dirty(*, unit: Unit, day: dt.date) -> None:
    """Called with each stored response: the unit-day will be refolded by the next refresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.analytics_dirtyday (unit_id, day, marked_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (unit_id, day) DO UPDATE SET marked_at = EXCLUDED.marked_at",
            [unit.pk, day, timezone.now()],
        )


def facts_refresh(*, limit: int = 5000) -> int:
    """Fold the dirty unit-days into facts; a day marked again meanwhile stays dirty for the next run."""
    claimed = list(DirtyDay.objects.select_related("unit").order_by("marked_at")[:limit])
    by_unit: dict[int, list[DirtyDay]] = {}
    for mark in claimed:
        by_unit.setdefault(mark.unit_id, []).append(mark)
    for marks in by_unit.values():
        unit = marks[0].unit
        with transaction.atomic():
            facts_replace(unit=unit, days=[m.day for m in marks])
            for mark in marks:
                DirtyDay.objects.filter(pk=mark.pk, marked_at=mark.marked_at).delete()
    return len(claimed)


def units_with_responses() -> list[Unit]:
    return [
        u
        for u in Unit.objects.exclude(level="national").filter(onboarded_at__isnull=False)
        if schema_exists(u.schema_name)
    ]


def facts_rebuild(*, units: Iterable[Unit] | None = None) -> int:
    """Recompute every fact of these units (default: all onboarded) from raw responses."""
    written = 0
    for unit in units if units is not None else units_with_responses():
        with tenant_context(unit), connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT answered_on FROM surveys_response")
            days = [row[0] for row in cursor.fetchall()]
        with transaction.atomic():
            DailyFact.objects.filter(unit=unit).exclude(day__in=days).delete()
            written += facts_replace(unit=unit, days=days)
    return written
