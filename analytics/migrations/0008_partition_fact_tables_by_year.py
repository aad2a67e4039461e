"""The daily fact tables partitioned by year (RANGE on day).

A fold rewrites days of the current year only, so its dead rows, its VACUUM and its index churn stay in
one partition; past years are frozen once and left alone; a year can be detached and archived whole.
The unique key includes the day, so it holds per partition. Partitions exist for 2015–2035 and a
DEFAULT partition catches anything else (deploy/README.md says how to add years).
"""

from django.db import migrations

FIRST_YEAR, LAST_YEAR = 2015, 2035


def partition(table: str, key_constraint: str, key_columns: str) -> str:
    years = "\n".join(
        f"CREATE TABLE {table}_y{y} PARTITION OF {table} FOR VALUES FROM ('{y}-01-01') TO ('{y + 1}-01-01');"
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    )
    return f"""
ALTER TABLE {table} RENAME TO {table}_unpartitioned;
ALTER TABLE {table}_unpartitioned RENAME CONSTRAINT {key_constraint} TO {key_constraint}_unpartitioned;
CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (day);
ALTER TABLE {table} ADD PRIMARY KEY (id, day);
ALTER TABLE {table} ADD CONSTRAINT {key_constraint} UNIQUE NULLS NOT DISTINCT ({key_columns});
{years}
CREATE TABLE {table}_default PARTITION OF {table} DEFAULT;
INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {table}_unpartitioned;
SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 0) + 1, false);
DROP TABLE {table}_unpartitioned;
"""


KEY = "kind, questionnaire, question, element, scale, value, option, bucket, dim, dim_value"
FORWARD = (
    partition("analytics_dailyfact", "daily_fact_key", f"unit_id, day, {KEY}")
    + "ALTER TABLE analytics_dailyfact ADD FOREIGN KEY (unit_id) REFERENCES tenants_unit (id)"
    " DEFERRABLE INITIALLY DEFERRED;\n"
    + partition("analytics_rollupday", "rollup_day_key", f"node_id, day, {KEY}")
    + "ALTER TABLE analytics_rollupday ADD FOREIGN KEY (node_id) REFERENCES tenants_unit (id)"
    " ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;\n"
)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0007_rollup_pending")]

    # Django's model state is unchanged: the tables keep their columns, key and foreign key.
    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
