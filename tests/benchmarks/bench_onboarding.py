"""Onboarding and releases at national scale (issue 11), each figure beside its floor.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench_onboarding \\
        nice -n 10 .venv/bin/python tests/benchmarks/bench_onboarding.py [--units N] [--keep]

The database named in DATABASE_URL is dropped and created anew (its name must contain "bench"), and
dropped again at the end unless --keep. The world: the whole registry, the migrated template schema,
then every current province and commune (34 + 3,321 = 3,355 units, --units to stop earlier) onboarded
one after the other by `unit_onboard`, the production path (a script read once from the template's
pg_catalog rows, replayed under the unit's name, in one transaction with the unit's route). Measured:

- onboarding seconds per unit, the first 50 and the last 50 (with ~3,300 schemas already there),
  beside the floor: the same cached script replayed raw on a psycopg connection (CREATE SCHEMA, the
  script, COMMIT), at the start and at the end;
- `migrate_schemas --tenant` with nothing to apply, seconds per schema, beside its floor: the query that
  finds the schemas behind; and, for scale, Django's migrate in one schema with nothing to apply (what
  the command used to do for every schema);
- `migrate_schemas --tenant` when one migration applies to --behind schemas (the last migration of
  surveys undone in them), seconds per schema, extrapolated to all;
- for comparison, django-tenants' clone_schema() of the template (without its `migrate --fake`) into
  --old-path spare schemas once all the units exist.

onboarding_measure() and migrate_measure() are what bench_national.py calls for its SUMMARY keys
onboard_first_s_per_unit, onboard_last_s_per_unit and migrate_s_per_schema (summary_keys()).
"""

import argparse
import datetime as dt
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchlib import ROOT, database_recreate, django_start

EDGE = 50  # units at each end of the onboarding whose mean is reported


def timed[T](fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# --------------------------------------------------------------------------- measures bench_national reuses


@dataclass(frozen=True)
class OnboardingFigures:
    durations: list[float]  # seconds per unit, in onboarding order

    @property
    def first_s_per_unit(self) -> float:
        return statistics.mean(self.durations[:EDGE])

    @property
    def last_s_per_unit(self) -> float:
        return statistics.mean(self.durations[-EDGE:])


def onboarding_measure(
    units: Sequence, progress: Callable[[int, float], None] | None = None
) -> OnboardingFigures:
    """Onboard `units` (parents before children) by the production path, timing each; `progress(done, mean
    seconds of the last 50)` every 50 units."""
    from tenants.services import unit_onboard

    durations = []
    for done, unit in enumerate(units, start=1):
        _result, took = timed(lambda unit=unit: unit_onboard(unit=unit))
        durations.append(took)
        if progress is not None and (done % EDGE == 0 or done == len(units)):
            progress(done, statistics.mean(durations[-EDGE:]))
    return OnboardingFigures(durations)


@dataclass(frozen=True)
class MigrateFigures:
    schemas: int
    seconds: float  # `migrate_schemas --tenant` over all of them, nothing to apply
    check_seconds: float  # its floor: the query that finds the schemas behind, alone

    @property
    def s_per_schema(self) -> float:
        return self.seconds / self.schemas


def migrate_measure() -> MigrateFigures:
    """`migrate_schemas --tenant` over every schema that exists, when none has anything to apply."""
    from django.core.management import call_command

    from tenants.selectors import schemas_behind
    from tenants.services import schemas_with_data

    schemas = schemas_with_data()
    behind, check = timed(lambda: schemas_behind(schemas=schemas))
    if behind:
        raise RuntimeError(f"{len(behind)} schemas have migrations to apply; this measures a run with none")
    out = io.StringIO()
    _none, took = timed(lambda: call_command("migrate_schemas", tenant=True, interactive=False, stdout=out))
    return MigrateFigures(schemas=len(schemas), seconds=took, check_seconds=check)


def summary_keys(onboarding: OnboardingFigures, migrate: MigrateFigures) -> dict[str, float]:
    return {
        "onboard_first_s_per_unit": round(onboarding.first_s_per_unit, 4),
        "onboard_last_s_per_unit": round(onboarding.last_s_per_unit, 4),
        "migrate_s_per_schema": round(migrate.s_per_schema, 5),
    }


# --------------------------------------------------------------------------- floors and comparisons


def replay_floor(url: str, runs: int) -> float:
    """Median seconds to create a schema by replaying the cached script raw: CREATE SCHEMA, script, COMMIT."""
    import psycopg
    from django.conf import settings

    from tenants.cloning import template_script

    script = template_script(template=settings.TENANT_BASE_SCHEMA)
    seconds = []
    with psycopg.connect(url) as conn:
        for i in range(runs):
            name = f"bench_floor_{i}"
            start = time.perf_counter()
            conn.execute(f'CREATE SCHEMA "{name}"')
            conn.execute("SELECT set_config('search_path', %s, true)", [f'"{name}", pg_catalog'])
            conn.execute("SET LOCAL check_function_bodies = off")
            conn.execute(script.body)
            conn.commit()
            seconds.append(time.perf_counter() - start)
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
            conn.commit()
    return statistics.median(seconds)


def migrate_one_schema(schemas: Sequence[str]) -> float:
    """Median seconds of Django's migrate in one schema with nothing to apply (what every schema cost)."""
    from django.core.management import call_command

    seconds = []
    for schema in schemas:  # naming an app turns the skip off: migrate runs there as it used to
        _none, took = timed(
            lambda s=schema: call_command(
                "migrate_schemas", "surveys", tenant=True, schema_name=s, interactive=False, verbosity=0
            )
        )
        seconds.append(took)
    return statistics.median(seconds)


def migrate_with_one_migration(schemas: Sequence[str]) -> tuple[float, int]:
    """Undo surveys' last migration in `schemas` (its table and record), then time migrate_schemas."""
    from django.core.management import call_command
    from django.db import connection

    from tenants.selectors import tenant_migrations_expected

    app, name = max(m for m in tenant_migrations_expected() if m[0] == "surveys")
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DROP TABLE "{schema}".surveys_dossier')
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
                [app, name],
            )
    out = io.StringIO()
    _none, took = timed(lambda: call_command("migrate_schemas", tenant=True, interactive=False, stdout=out))
    if f"{len(schemas)} migrated, 0 failed" not in out.getvalue():
        raise RuntimeError(out.getvalue()[-2000:])
    workers = int(out.getvalue().split(" at a time)")[0].rsplit("(", 1)[1])
    return took, workers


def clone_schema_old(units: Sequence) -> list[float]:
    """django-tenants' clone_schema() of the template into each unit's schema name (then dropped)."""
    from django.conf import settings
    from django.db import connection
    from django_tenants.clone import CloneSchema

    seconds = []
    for unit in units:
        _none, took = timed(
            lambda u=unit: CloneSchema().clone_schema(settings.TENANT_BASE_SCHEMA, u.schema_name, "DATA")
        )
        seconds.append(took)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{unit.schema_name}" CASCADE')
    return seconds


# --------------------------------------------------------------------------- the run


def main() -> None:  # noqa: C901 - one linear script, phase after phase
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=None, help="stop after N units (default: all 3,355)")
    parser.add_argument("--floor-runs", type=int, default=15, help="raw replays for each floor measure")
    parser.add_argument("--behind", type=int, default=100, help="schemas given one migration to apply")
    parser.add_argument(
        "--old-path", type=int, default=3, help="django-tenants clone_schema() runs at the end"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--out", type=Path, default=None, help="results file (default results/onboarding-<date>.txt)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit(
            "Set DATABASE_URL=postgres://…/sipas_bench_onboarding (the database is dropped and recreated)."
        )
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    def uptime() -> str:  # in UTC: Django sets TZ to the project's time zone once it starts
        run = subprocess.run(  # noqa: S603 - a fixed command
            ["uptime"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TZ": "UTC"},
        )
        return run.stdout.strip()

    commit = subprocess.run(  # noqa: S603 - a fixed command
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    started = dt.datetime.now().astimezone()
    say(f"# SIPAS onboarding and migrate_schemas benchmark, {started:%Y-%m-%d %H:%M %Z}")
    say("command: " + " ".join(["nice -n 10", ".venv/bin/python", *sys.argv]))
    say(f"commit: {commit}; database: {urlsplit(url).path.lstrip('/')}; {os.cpu_count()} cores")
    say(f"uptime at the start: {uptime()}")

    database_recreate(url)
    django_start(url)
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Level, Structure, Unit
    from tenants.registry import registry_import
    from tenants.services import public_tenant_ensure, schemas_with_data, template_schema_ensure

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        say(f"postgres: {cursor.fetchone()[0].split(' on ')[0]}")
    _none, took = timed(lambda: call_command("migrate_schemas", shared=True, interactive=False, verbosity=0))
    public_tenant_ensure()
    registry_import()
    template_schema_ensure()
    say(f"shared migrations {took:.1f} s; registry imported; template schema migrated")

    provinces = Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE).order_by("code")
    units = [u for p in provinces for u in Unit.objects.filter(path__startswith=p.path).order_by("path")]
    units = units[: args.units] if args.units else units
    say(f"\n## Onboarding {len(units)} units one after the other (province, then its communes) [{uptime()}]")
    floor_start = replay_floor(url, args.floor_runs)

    def progress(done: int, mean: float) -> None:
        if done % 500 == 0 or done == len(units):
            print(
                f"  … {done}/{len(units)} onboarded, last 50 at {mean:.3f} s/unit",
                file=sys.stderr,
                flush=True,
            )

    onboarding, total = timed(lambda: onboarding_measure(units, progress))
    floor_end = replay_floor(url, args.floor_runs)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_class)")
        namespaces, relations = cursor.fetchone()
    durations = onboarding.durations
    say(
        f"onboarded {len(units)} units in {total:.0f} s ({total / 60:.1f} min): first {EDGE} "
        f"{onboarding.first_s_per_unit:.3f} s/unit, last {EDGE} {onboarding.last_s_per_unit:.3f} s/unit; "
        f"median {statistics.median(durations):.3f}, max {max(durations):.3f} s"
    )
    say(
        "mean per 500 units: "
        + ", ".join(f"{statistics.mean(durations[i : i + 500]):.3f}" for i in range(0, len(durations), 500))
    )
    say(
        f"floor, the cached script replayed raw (CREATE SCHEMA, the script, COMMIT; median of "
        f"{args.floor_runs}): {floor_start:.3f} s with few schemas, {floor_end:.3f} s at the end"
    )
    say(f"catalog at the end: {namespaces:,} schemas, {relations:,} relations in pg_class [{uptime()}]")

    say(f"\n## migrate_schemas --tenant, nothing to apply [{uptime()}]")
    migrate = migrate_measure()
    sample = [u.schema_name for u in units[-5:]]
    one = migrate_one_schema(sample)
    say(
        f"{migrate.schemas} schemas in {migrate.seconds:.2f} s = {migrate.s_per_schema:.5f} s/schema; floor, "
        f"the query finding the schemas behind: {migrate.check_seconds:.2f} s"
    )
    say(
        f"for scale, Django's migrate in one schema with nothing to apply (median of {len(sample)}): "
        f"{one:.2f} s (× {migrate.schemas} ≈ {one * migrate.schemas / 60:.0f} min: as a release cost before)"
    )

    behind = [u.schema_name for u in units[-args.behind :]] if args.behind else []
    if behind:
        say(f"\n## migrate_schemas --tenant, one migration to apply in {len(behind)} schemas [{uptime()}]")
        took, workers = migrate_with_one_migration(behind)
        say(
            f"{len(behind)} schemas migrated in {took:.1f} s with {workers} workers = "
            f"{took / len(behind):.3f} s/schema; × {migrate.schemas} schemas ≈ "
            f"{took / len(behind) * migrate.schemas / 60:.1f} min"
        )

    spare = list(
        Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE).order_by("path")[: args.old_path]
    )
    if spare:
        say(f"\n## django-tenants' clone_schema() with {namespaces:,} schemas present [{uptime()}]")
        old = clone_schema_old(spare)
        say(
            f"clone_schema() of the template, {len(old)} runs (without its migrate --fake): "
            + ", ".join(f"{s:.2f}" for s in old)
            + " s"
        )

    summary = summary_keys(onboarding, migrate)
    say("\n## Figures")
    say("| measure | measured | floor |\n| --- | ---: | ---: |")
    say(
        f"| onboarding, first {EDGE} units | {onboarding.first_s_per_unit:.3f} s/unit | {floor_start:.3f} s |"
    )
    say(f"| onboarding, last {EDGE} units | {onboarding.last_s_per_unit:.3f} s/unit | {floor_end:.3f} s |")
    say(
        f"| migrate_schemas, nothing to apply | {migrate.s_per_schema:.5f} s/schema "
        f"({migrate.seconds:.2f} s for {migrate.schemas}) | {migrate.check_seconds:.2f} s |"
    )
    say(f"SUMMARY {json.dumps(summary)}")
    say(f"uptime at the end: {uptime()}")
    assert len(schemas_with_data()) == len(units) + 1  # every unit and the template, nothing left over

    out = args.out or ROOT / "tests/benchmarks/results" / f"onboarding-{started:%Y-%m-%d}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"results written to {out}")
    connection.close()
    if not args.keep:
        database_recreate(url, drop_only=True)


if __name__ == "__main__":
    main()
