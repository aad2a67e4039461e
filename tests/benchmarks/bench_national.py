"""National-scale benchmark: onboarding, bulk responses, fact rebuild/refresh, a province dashboard.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench_national \\
        nice -n 10 .venv/bin/python tests/benchmarks/bench_national.py [--communes N] [--responses N]

The database named in DATABASE_URL is dropped and created anew (its name must contain "bench"), and
dropped again at the end unless --keep. Defaults are the full scale: every current commune (3,321) and
its province onboarded, 5,000,000 responses over a year, then one more day. Each measured figure is
printed beside its floor: one GROUP BY over the same raw rows, run as a loop over the unit schemas in
the same process (a UNION ALL over thousands of schemas would exceed the server's lock table).
The last line printed is `SUMMARY {json}`: dashboard_ms (warm median of figures + child ranking),
refresh_s, rebuild_s, each beside its *_floor_*, fact rows per response, onboarding and migration costs.
The reduced run `--communes 300 --responses 200000 --onboard-real 300` takes about 20 minutes here.
"""

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import os
import platform as stdlib_platform
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchlib import ROOT, database_recreate, django_start

TODAY = dt.date.today()  # noqa: DTZ011 - a calendar day for synthetic data, not a timestamp
YEAR_DAYS = 365
QUESTIONNAIRE_MIX = (("son_tay_2017", 0.55), ("hong_thai_quick", 0.35), ("nam_dong_2024", 0.10))
CHANNEL_MIX = (("qr", 0.45), ("desk", 0.20), ("staff", 0.15), ("dossier", 0.10), ("paper", 0.10))
TET = (dt.date(2026, 2, 14), dt.date(2026, 2, 22))
COMMENTS = ("Cán bộ nhiệt tình, hướng dẫn rõ ràng", "Phải chờ lâu", "Cần thêm ghế ngồi chờ")


# --------------------------------------------------------------------------- output


class Report:
    """Prints as it goes and keeps every line for the results file."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.rows: list[tuple[str, str, str, str]] = []

    def say(self, text: str = "") -> None:
        if text.startswith("\n## "):  # the machine is shared: say how busy it was at each phase
            text += " [load average {:.1f} {:.1f} {:.1f}]".format(*os.getloadavg())
        print(text, flush=True)
        self.lines.append(text)

    def progress(self, text: str) -> None:
        print(f"  … {text}", file=sys.stderr, flush=True)

    def row(self, what: str, measured: str, floor: str = "", note: str = "") -> None:
        self.rows.append((what, measured, floor, note))

    def table(self) -> None:
        head = ("measure", "measured", "floor (raw GROUP BY)", "note")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(4)]
        self.say(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
        self.say("-+-".join("-" * w for w in widths))
        for r in self.rows:
            self.say(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def secs(t: float) -> str:
    return f"{t:.3f} s" if t < 10 else f"{t:.1f} s" if t < 600 else f"{t:.0f} s ({t / 60:.1f} min)"


def size(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def timed[T](fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# --------------------------------------------------------------------------- database and Django


def raw_connection():
    """A plain psycopg connection beside Django's, for COPY and the floor queries."""
    import psycopg

    return psycopg.connect(os.environ["DATABASE_URL"])


def server_facts(conn) -> list[str]:
    settings = (
        "server_version",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "max_locks_per_transaction",
    )
    values = [f"{s}={conn.execute(f'SHOW {s}').fetchone()[0]}" for s in settings]
    return [
        f"machine: {os.cpu_count()} cores, {_memory()}, {stdlib_platform.platform()}",
        "postgres: " + ", ".join(values) + " (server defaults, untuned)",
    ]


def _memory() -> str:
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        return f"{kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        return "RAM unknown"


def database_size(conn) -> int:
    return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


# --------------------------------------------------------------------------- the world


def survey_template_setup(first_day: dt.date, last_day: dt.date) -> dict:
    """In the template schema: catalog, the three built-in questionnaires, one campaign each, desks, staff.

    Every unit schema is cloned from the template with its rows (clone_mode DATA), so this is done once
    and every unit gets the same ids, which the bulk loader relies on.
    """
    from django.conf import settings
    from django_tenants.utils import schema_context

    from surveys.models import Desk, Procedure, StaffMember
    from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin
    from tenants.services import template_schema_ensure

    template_schema_ensure()
    ids: dict = {"campaign": {}, "version": {}}
    with schema_context(settings.TENANT_BASE_SCHEMA):
        catalog_seed()
        for key, _share in QUESTIONNAIRE_MIX:
            version = questionnaire_install_builtin(key=key).latest_published
            campaign = campaign_create(
                name=f"Khảo sát {key}",
                version=version,
                starts_on=first_day,
                ends_on=last_day + dt.timedelta(days=30),
                channels=["qr", "desk", "staff", "dossier", "paper"],
            )
            ids["campaign"][key], ids["version"][key] = campaign.pk, version.pk
        desks = [Desk.objects.create(name=f"Bộ phận một cửa {i}") for i in (1, 2)]
        ids["desks"] = [d.pk for d in desks]
        ids["staff"] = [
            StaffMember.objects.create(full_name=f"Cán bộ {i}", desk=desks[i % 2]).pk for i in range(1, 6)
        ]
        ids["procedures"] = list(Procedure.objects.order_by("pk").values_list("pk", flat=True))
        from surveys.models import Field

        ids["fields"] = list(Field.objects.order_by("pk").values_list("pk", flat=True))
    return ids


def units_choose(n_communes: int):
    """Whole provinces, largest first, until n communes (the last province cut); their provinces too."""
    from django.db.models import Count

    from tenants.models import Level, Structure, Unit

    provinces = list(
        Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE)
        .annotate(n=Count("children"))
        .order_by("-n", "path")
    )
    chosen_provinces, communes = [], []
    for province in provinces:
        if len(communes) >= n_communes:
            break
        children = list(province.children.filter(level=Level.COMMUNE).order_by("path"))
        chosen_provinces.append(province)
        communes += children[: n_communes - len(communes)]
    return chosen_provinces, communes


def onboard_all(units: Sequence, report: Report) -> list[float]:
    """The production path, unit_onboard (the template's cached catalog script), timed per unit."""
    from bench_onboarding import onboarding_measure

    def progress(done: int, mean: float) -> None:
        report.progress(f"onboarded {done}/{len(units)}, last 50 at {mean:.3f} s/unit")

    return onboarding_measure(units, progress).durations


def schemas_replay(units: Sequence, report: Report, batch: int = 50) -> list[float]:
    """The rest of the world, fast: the template's pg_dump replayed under each unit's name, then onboarded.

    Kept from before unit_onboard replayed a cached script itself (django-tenants' clone_schema got slower
    with every schema); identical tables and rows. Returns the seconds per unit of each batch.
    """
    import re

    from django.conf import settings
    from django.utils import timezone

    from tenants.models import Domain, Unit

    template = settings.TENANT_BASE_SCHEMA
    url = os.environ["DATABASE_URL"]
    dump = subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_dump", "--schema", template, "--no-owner", "--no-privileges", "--dbname", url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    dump = "\n".join(line for line in dump.splitlines() if not re.match(r"\\(un)?restrict ", line))
    pattern = re.compile(rf"\b{re.escape(template)}\b")
    per_unit: list[float] = []
    for i in range(0, len(units), batch):
        part = units[i : i + batch]
        script = "".join(f"BEGIN;\n{pattern.sub(u.schema_name, dump)}\nCOMMIT;\n" for u in part)
        start = time.perf_counter()
        subprocess.run(  # noqa: S603 - fixed arguments
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", url],  # noqa: S607
            input=script,
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # what unit_onboard writes besides the schema: the route and the onboarding time
        Domain.objects.bulk_create(
            [Domain(domain=u.slug, tenant=u, is_primary=True) for u in part], ignore_conflicts=True
        )
        Unit.objects.filter(pk__in=[u.pk for u in part]).update(onboarded_at=timezone.now())
        took = time.perf_counter() - start
        per_unit += [took / len(part)] * len(part)
        report.progress(f"replayed {i + len(part)}/{len(units)}, {took / len(part):.3f} s/unit")
    return per_unit


def migrate_first(schemas: list[str]) -> float:
    """`manage.py migrate_schemas --tenant` restricted to these schemas (patches its schema list)."""
    from django.core.management import call_command

    import tenants.management.commands.migrate_schemas as command

    original = command.schemas_with_data
    command.schemas_with_data = lambda: list(schemas)
    try:
        _none, took = timed(
            lambda: call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        )
    finally:
        command.schemas_with_data = original
    return took


# --------------------------------------------------------------------------- synthetic responses


def day_weight(day: dt.date) -> float:
    if TET[0] <= day <= TET[1]:
        return 0.1
    weekday = day.weekday()
    base = 1.0 if weekday < 5 else 0.25 if weekday == 5 else 0.05
    seasonal = 1.0 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 60) / 365)
    return base * seasonal


@dataclass
class UnitPlan:
    schema: str
    unit_id: int
    weight: float
    questionnaire: str
    satisfied_p: float
    procedure_order: list[int]
    next_id: int = 1


@dataclass
class LoadStats:
    responses: int = 0
    answers: int = 0
    by_questionnaire: Counter = field(default_factory=Counter)
    seconds_generate: float = 0.0
    seconds_copy: float = 0.0


class Generator:
    """Writes a unit's responses and answers as COPY text; ids are the unit's own, counted from 1."""

    RESPONSE_COLUMNS = (
        "id, public_id, submission_key, campaign_id, version_id, channel, desk_id, staff_id, procedure_id, "
        "procedure_other, field_id, field_other, overall_bucket, language, submitted_at, answered_on, "
        "client_hash, review, flag_reasons, review_reason, void_reason"
    )
    ANSWER_COLUMNS = "response_id, question_key, kind, element, scale, value, bucket, option_key, text"

    def __init__(self, ids: dict, rng: random.Random) -> None:
        from surveys.builtin.questionnaires import BUILTIN_BY_KEY
        from surveys.models import Answer, Response

        # Django gives NOT NULL columns no database default: COPY must name each, or it fails after
        # the world is built. Say so before.
        for model, columns in ((Response, self.RESPONSE_COLUMNS), (Answer, self.ANSWER_COLUMNS)):
            named = {c.strip() for c in columns.split(",")}
            missing = [
                f.column
                for f in model._meta.concrete_fields
                if not f.null and not f.primary_key and f.column not in named
            ]
            if missing:
                raise SystemExit(f"bench_national: the generator does not fill {model.__name__}: {missing}")
        self.ids = ids
        self.rng = rng
        self.definitions = {key: BUILTIN_BY_KEY[key] for key, _s in QUESTIONNAIRE_MIX}
        self.times = [
            f"{h:02d}:{m:02d}:{s:02d}+07" for h in range(7, 17) for m in range(0, 60, 7) for s in (5, 41)
        ]
        zipf = [1 / (k + 1) ** 1.1 for k in range(len(ids["procedures"]))]
        self.procedure_cum = list(itertools.accumulate(zipf))
        self.channel_cum = list(itertools.accumulate(s for _c, s in CHANNEL_MIX))
        # Answer lines without the leading response id, prepared once: (question, value) -> text.
        self.rating_line: dict[tuple[str, int | None], str] = {}
        self.reason_line: dict[tuple[str, str], str] = {}
        for definition in self.definitions.values():
            for q in definition["questions"]:
                if q["kind"] == "rating":
                    values = (5, 4, 3, 2, 1) if q["scale"] == "5" else (3, 2, 1)
                    for v in (*values, None):
                        bucket = "" if v is None else self.bucket(q["scale"], v)
                        value = r"\N" if v is None else str(v)
                        self.rating_line[(q["key"], v)] = (
                            f"\t{q['key']}\trating\t{q['element']}\t{q['scale']}\t{value}\t{bucket}\t\t\n"
                        )
                elif q["kind"] == "reasons":
                    for o in q["options"]:
                        self.reason_line[(q["key"], o["key"])] = (
                            f"\t{q['key']}\treason\t{o.get('element', '')}\t\t\\N\t\t{o['key']}\t\n"
                        )

    @staticmethod
    def bucket(scale: str, value: int) -> str:
        if scale == "5":
            return "satisfied" if value >= 4 else "neutral" if value == 3 else "unsatisfied"
        return "satisfied" if value >= 2 else "unsatisfied"

    def plan(self, unit) -> UnitPlan:
        rng = self.rng
        r = rng.random()
        questionnaire = next(
            k
            for k, cum in zip(
                [k for k, _s in QUESTIONNAIRE_MIX],
                itertools.accumulate(s for _k, s in QUESTIONNAIRE_MIX),
                strict=True,
            )
            if r <= cum
        )
        order = list(self.ids["procedures"])
        rng.shuffle(order)
        return UnitPlan(
            schema=unit.schema_name,
            unit_id=unit.pk,
            weight=rng.lognormvariate(0, 0.9),  # a few busy wards, many quiet communes
            questionnaire=questionnaire,
            satisfied_p=min(0.98, max(0.45, rng.gauss(0.85, 0.08))),
            procedure_order=order,
        )

    def mood_value(self, plan: UnitPlan, scale: str) -> int:
        """A rating of this unit's typical respondent on a scale."""
        r = self.rng.random()
        if r < plan.satisfied_p:
            return (
                (5 if self.rng.random() < 0.45 else 4)
                if scale == "5"
                else (3 if self.rng.random() < 0.4 else 2)
            )
        if scale == "5":
            return 3 if self.rng.random() < 0.55 else (2 if self.rng.random() < 0.7 else 1)
        return 1

    def unit_rows(self, plan: UnitPlan, days: Iterable[dt.date], stats: LoadStats) -> tuple[str, str]:
        rng = self.rng
        ids, key = self.ids, plan.questionnaire
        campaign, version = ids["campaign"][key], ids["version"][key]
        responses, answers = [], []
        n_answers = 0
        for day in days:
            rid = plan.next_id
            plan.next_id += 1
            rid_text = str(rid)
            # channel, and the desk / civil servant it implies
            channel = CHANNEL_MIX[bisect.bisect_left(self.channel_cum, rng.random() * self.channel_cum[-1])][
                0
            ]
            desk = staff = r"\N"
            if channel in ("desk", "paper"):
                desk = str(rng.choice(ids["desks"]))
            elif channel == "staff" or (channel == "dossier" and rng.random() < 0.5):
                staff = str(rng.choice(ids["staff"]))
            procedure, procedure_other, field_id = r"\N", "", r"\N"
            if key == "hong_thai_quick" or rng.random() < 0.9:
                if rng.random() < 0.95:
                    k = bisect.bisect_left(self.procedure_cum, rng.random() * self.procedure_cum[-1])
                    procedure = str(plan.procedure_order[min(k, len(plan.procedure_order) - 1)])
                else:
                    procedure_other = "Thủ tục khác"
                    if key == "hong_thai_quick" and rng.random() < 0.7:
                        field_id = str(rng.choice(ids["fields"]))
            overall = ""
            lines = []
            if key == "son_tay_2017":
                base = self.mood_value(plan, "5")
                for q in (
                    "access_information",
                    "facilities",
                    "procedure_requirements",
                    "official_service",
                    "result",
                ):
                    v = base if rng.random() < 0.6 else max(1, min(5, base + rng.choice((-1, 1))))
                    lines.append(self.rating_line[(q, v)])
                feedback = None if rng.random() < 0.4 else base
                lines.append(self.rating_line[("feedback_handling", feedback)])
                lines.append(self.rating_line[("overall", base)])
                overall = self.bucket("5", base)
            elif key == "hong_thai_quick":
                v = self.mood_value(plan, "3")
                lines.append(self.rating_line[("satisfaction", v)])
                overall = self.bucket("3", v)
                if overall == "unsatisfied":
                    options = [o for (q, o) in self.reason_line if q == "reasons"]
                    for option in rng.sample(options, rng.choice((1, 1, 2, 3))):
                        lines.append(self.reason_line[("reasons", option)])
            else:
                base = self.mood_value(plan, "5")
                for q in ("access", "attitude", "responsibility", "guidance"):
                    v = base if rng.random() < 0.7 else max(1, min(5, base + rng.choice((-1, 1))))
                    lines.append(self.rating_line[(q, v)])
                lines.append(self.rating_line[("overall", base)])
                overall = self.bucket("5", base)
                if rng.random() < 0.05:
                    lines.append(
                        self.reason_line[("other_issues", rng.choice(("harassment", "unofficial_costs")))]
                    )
            if rng.random() < 0.03:
                comment = rng.choice(COMMENTS)
                lines.append(f"\tcomment\ttext\t\t\t\\N\t\t\t{comment}\n")
            flags, review = "{}", ""
            r = rng.random()
            if r < 0.002:
                flags = "{honeypot}"
            elif r < 0.005:
                flags, review = "{burst}", "held"
            uid = f"{plan.unit_id:08x}-0000-4000-{{}}-{rid:012x}"
            responses.append(
                f"{rid}\t{uid.format('8000')}\t{uid.format('9000')}\t{campaign}\t{version}\t{channel}\t{desk}\t"
                f"{staff}\t{procedure}\t{procedure_other}\t{field_id}\t\t{overall}\tvi\t"
                f"{day} {rng.choice(self.times)}\t{day}\t\t{review}\t{flags}\t\t\n"
            )
            answers.append(rid_text + rid_text.join(lines) if lines else "")
            n_answers += len(lines)
        stats.responses += len(responses)
        stats.answers += n_answers
        stats.by_questionnaire[key] += len(responses)
        return "".join(responses), "".join(answers)

    def copy_unit(self, conn, plan: UnitPlan, days: list[dt.date], stats: LoadStats) -> None:
        start = time.perf_counter()
        response_text, answer_text = self.unit_rows(plan, days, stats)
        stats.seconds_generate += time.perf_counter() - start
        if conn is None:
            return
        start = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy(
                f'COPY "{plan.schema}".surveys_response ({self.RESPONSE_COLUMNS}) FROM STDIN'
            ) as copy:
                copy.write(response_text)
            with cur.copy(f'COPY "{plan.schema}".surveys_answer ({self.ANSWER_COLUMNS}) FROM STDIN') as copy:
                copy.write(answer_text)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [f'"{plan.schema}".surveys_response', plan.next_id - 1],
            )
        conn.commit()  # one unit at a time: the FK checks of thousands of schemas overflow the lock table
        stats.seconds_copy += time.perf_counter() - start


def split_counts(total: int, weights: Sequence[float]) -> list[int]:
    """Integer shares of `total` proportional to weights (largest remainders)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --------------------------------------------------------------------------- floors (raw GROUP BY)

FLOOR_SQL = """
SELECT r.answered_on, a.question_key, a.value, count(*)
FROM "{schema}".surveys_response r JOIN "{schema}".surveys_answer a ON a.response_id = r.id
WHERE NOT ('honeypot' = ANY(r.flag_reasons)) AND r.review IN ('', 'accepted') AND r.voided_at IS NULL {where}
GROUP BY r.answered_on, a.question_key, a.value
"""
OVERALL_SQL = """
SELECT a.bucket, count(*)
FROM "{schema}".surveys_response r JOIN "{schema}".surveys_answer a ON a.response_id = r.id
WHERE NOT ('honeypot' = ANY(r.flag_reasons)) AND r.review IN ('', 'accepted') AND r.voided_at IS NULL
  AND a.kind = 'rating' AND a.element = 'OVERALL' AND r.answered_on BETWEEN %s AND %s
GROUP BY a.bucket
"""


FACT_TABLES = ("analytics_dailyfact", "analytics_rollupday", "analytics_rollupmonth")
FACT_TABLES_VACUUM = "VACUUM (ANALYZE) " + ", ".join(f"public.{t}" for t in FACT_TABLES)


class StatementTimes:
    """Django's statements timed while the context is open, to say where a fold's time went."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            # the statement's first words and table name it; the arrays of ids and days do not
            key = " ".join(sql.split())[:72]
            self.times.setdefault(key, []).append(time.perf_counter() - start)

    def __enter__(self) -> "StatementTimes":
        from django.db import connection

        self._context = connection.execute_wrapper(self)
        self._context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._context.__exit__(*exc)

    def lines(self, top: int = 6) -> list[str]:
        ranked = sorted(self.times.items(), key=lambda item: -sum(item[1]))[:top]
        return [f"  {sum(t):8.2f} s  × {len(t):4d}  {key}…" for key, t in ranked]


def vacuum_facts(raw) -> float:
    """VACUUM (ANALYZE) the fact tables (outside a transaction); returns the seconds it took."""
    raw.commit()
    raw.autocommit = True
    try:
        _n, took = timed(lambda: raw.execute(FACT_TABLES_VACUUM))
    finally:
        raw.autocommit = False
    return took


def fact_sizes(conn) -> dict[str, int]:
    return {
        # a partitioned table holds no rows itself: its yearly partitions do
        t: int(  # sum() of sizes comes back as a Decimal
            conn.execute(
                "SELECT coalesce((SELECT sum(pg_total_relation_size(relid))"
                " FROM pg_partition_tree(%s::regclass)), pg_total_relation_size(%s::regclass))",
                [f"public.{t}", f"public.{t}"],
            ).fetchone()[0]
        )
        for t in FACT_TABLES
    }


def sizes_text(sizes: dict[str, int]) -> str:
    return "fact tables with indexes: " + ", ".join(f"{t.split('_')[1]} {size(n)}" for t, n in sizes.items())


def _cache_backend() -> str:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def floor_loop(
    conn, schemas: Iterable[str], where: str = "", params: Sequence = ()
) -> tuple[float, int, int]:
    """One GROUP BY per schema, one after another on one connection: (seconds, groups, rows counted)."""
    start = time.perf_counter()
    groups = counted = 0
    with conn.cursor() as cur:
        for schema in schemas:
            cur.execute(FLOOR_SQL.format(schema=schema, where=where), params)  # noqa: S608 - our schema names
            rows = cur.fetchall()
            conn.rollback()  # one schema's locks at a time: thousands would overflow the lock table
            groups += len(rows)
            counted += sum(r[3] for r in rows)
    return time.perf_counter() - start, groups, counted


# --------------------------------------------------------------------------- the run


def world_build(raw, report: Report, args: argparse.Namespace, summary: dict):
    """Phase 1: migrations, the registry, the template's survey data, every chosen unit onboarded."""
    from django.core.management import call_command

    from tenants.models import Level, Structure, Unit
    from tenants.registry import registry_import
    from tenants.services import public_tenant_ensure

    first_day = TODAY - dt.timedelta(days=YEAR_DAYS)
    report.say("\n## 1. World: registry, template, onboarding")
    _n, took = timed(lambda: call_command("migrate_schemas", shared=True, interactive=False, verbosity=0))
    report.say(f"shared migrations: {secs(took)}")
    public_tenant_ensure()
    imported, took = timed(registry_import)
    counts = Counter(Unit.objects.exclude(level=Level.NATIONAL).values_list("structure", "level"))
    report.say(
        f"registry_import: {secs(took)}; units: "
        + ", ".join(f"{s} {lv}: {n}" for (s, lv), n in sorted(counts.items()))
    )
    all_current_communes = counts[(Structure.CURRENT, Level.COMMUNE)]
    ids, took = timed(lambda: survey_template_setup(first_day, TODAY))
    report.say(
        f"template schema with catalog ({len(ids['procedures'])} procedures), 3 questionnaires, "
        f"3 campaigns, 2 desks, 5 staff: {secs(took)} (cloned into every unit with its rows)"
    )
    provinces, communes = units_choose(args.communes or all_current_communes)
    if len(communes) < all_current_communes:
        report.say(f"SCALED: {len(communes)} of {all_current_communes} communes ({len(provinces)} provinces)")
    before = database_size(raw)
    raw.commit()
    world = [*provinces, *communes]
    real = world[: args.onboard_real]
    durations = onboard_all(real, report)
    total_onboard = sum(durations)
    middle = database_size(raw)
    raw.commit()
    quarters = [durations[i : i + 50] for i in range(0, len(durations), 50)]
    report.say(
        f"unit_onboard (production path) for the first {len(real)} units: "
        f"{secs(total_onboard)}, "
        f"mean {statistics.mean(durations):.3f} s, max {max(durations):.3f} s per unit; mean per 50 units: "
        + ", ".join(f"{statistics.mean(q):.2f}" for q in quarters)
        + " s"
    )
    report.say(
        f"database size: {size(before)} before onboarding, {size(middle)} after "
        f"({size((middle - before) // max(len(real), 1))} per empty unit schema)"
    )
    report.row(
        f"onboarding: unit_onboard, first {len(real)} units",
        secs(total_onboard),
        "",
        f"{statistics.mean(durations[:50]):.2f} s/unit first 50, "
        f"{statistics.mean(durations[-50:]):.2f} last 50",
    )
    rest = world[len(real) :]
    if rest:
        replayed = schemas_replay(rest, report)
        report.say(
            f"the other {len(rest)} units by pg_dump replay of the template: {secs(sum(replayed))}, "
            f"{statistics.mean(replayed[:50]):.3f} s/unit first batch, "
            f"{statistics.mean(replayed[-50:]):.3f} s/unit "
            f"last batch (not the production path; identical tables and rows)"
        )
        report.row(
            f"onboarding: the other {len(rest)} units, pg_dump replay",
            secs(sum(replayed)),
            "",
            f"{statistics.mean(replayed):.3f} s/unit",
        )
    after = database_size(raw)
    schema_count = raw.execute(
        "SELECT count(*), (SELECT count(*) FROM pg_class) FROM pg_namespace WHERE nspname ~ '^l?[pdx][0-9]'"
    ).fetchone()
    raw.commit()
    report.say(
        f"{schema_count[0]} unit schemas + template, {schema_count[1]:,} relations in pg_class; "
        f"database {size(after)}"
    )
    first100 = [u.schema_name for u in world[:100]]
    took = migrate_first(first100)
    report.say(
        f"migrate_schemas --tenant over the first {len(first100)} onboarded schemas (nothing to apply, "
        f"{schema_count[0]} schemas in the database): {secs(took)} = "
        f"{took / len(first100):.3f} s per schema; "
        f"x {schema_count[0] + 1} schemas ≈ {secs(took / len(first100) * (schema_count[0] + 1))}"
    )
    report.row(
        f"migrate_schemas --tenant, first {len(first100)} schemas",
        secs(took),
        "",
        f"{took / len(first100):.3f} s/schema",
    )

    summary["onboard_first_s_per_unit"] = round(statistics.mean(durations[:50]), 4)
    summary["onboard_last_s_per_unit"] = round(statistics.mean(durations[-50:]), 4)
    summary["onboard_units_production_path"] = len(real)
    summary["migrate_s_per_schema"] = round(took / len(first100), 4)
    return ids, provinces, communes, schema_count


def world_record(raw, report: Report, summary: dict) -> None:
    """Keep what phases 1 and 2 measured in the world's database, for a later --resume to report."""
    raw.execute("CREATE TABLE IF NOT EXISTS public.bench_world (measured jsonb NOT NULL)")
    raw.execute("DELETE FROM public.bench_world")
    raw.execute(
        "INSERT INTO public.bench_world VALUES (%s)",
        [json.dumps({"lines": report.lines, "rows": report.rows, "summary": summary})],
    )
    raw.commit()


def world_recall(raw, report: Report, summary: dict) -> None:
    """Report what the run that built this world measured in phases 1 and 2 (world_record), if it did."""
    exists = raw.execute("SELECT to_regclass('public.bench_world') IS NOT NULL").fetchone()[0]
    row = raw.execute("SELECT measured FROM public.bench_world").fetchone() if exists else None
    raw.commit()
    if row is None:
        report.say("(the run that built this world recorded no measures of phases 1 and 2)")
        return
    report.say("\n# Phases 1 and 2 as the run that built this world measured them (its own lines):")
    for line in row[0]["lines"]:
        report.say("#| " + line)
    report.rows.extend(tuple(r) for r in row[0]["rows"])
    summary.update(row[0]["summary"])


def world_resume(raw, n_communes: int | None):
    """The ids and units of a world that an earlier run built (--resume)."""
    from django.conf import settings
    from django_tenants.utils import schema_context

    from surveys.models import Campaign, Desk, Field, Procedure, StaffMember
    from tenants.models import Level, Structure, Unit

    with schema_context(settings.TENANT_BASE_SCHEMA):
        campaigns = Campaign.objects.select_related("version__questionnaire")
        ids = {
            "campaign": {c.version.questionnaire.key: c.pk for c in campaigns},
            "version": {c.version.questionnaire.key: c.version_id for c in campaigns},
            "desks": list(Desk.objects.order_by("pk").values_list("pk", flat=True)),
            "staff": list(StaffMember.objects.order_by("pk").values_list("pk", flat=True)),
            "procedures": list(Procedure.objects.order_by("pk").values_list("pk", flat=True)),
            "fields": list(Field.objects.order_by("pk").values_list("pk", flat=True)),
        }
    total = Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE).count()
    provinces, communes = units_choose(n_communes or total)
    schema_count = raw.execute("SELECT count(*) FROM pg_namespace WHERE nspname ~ '^l?[pdx][0-9]'").fetchone()
    raw.commit()
    return ids, provinces, communes, schema_count


def main() -> None:  # noqa: C901 - one linear script, phase after phase
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communes", type=int, default=None, help="communes to onboard (default: all 3,321)")
    parser.add_argument("--responses", type=int, default=5_000_000, help="responses over the year")
    parser.add_argument(
        "--onboard-real",
        type=int,
        default=100,
        help="units onboarded by unit_onboard itself (the rest by replaying the template's dump)",
    )
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the world and responses of an earlier run with the same options (--keep, or a crash)",
    )
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="with --resume: keep the facts of the earlier run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--out", type=Path, default=None, help="results file (default results/national-<date>.txt)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit(
            "Set DATABASE_URL=postgres://…/sipas_bench_national (the database is dropped and recreated)."
        )

    report = Report()
    summary: dict[str, object] = {}
    rng = random.Random(args.seed)
    out = args.out or ROOT / "tests/benchmarks/results" / f"national-{TODAY:%Y-%m-%d}.txt"
    report.say(f"# SIPAS national benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")  # noqa: DTZ005
    report.say("command: " + " ".join(["nice -n 10", ".venv/bin/python", *sys.argv]))
    commit = subprocess.run(  # noqa: S603 - a fixed command
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
    )
    report.say(f"code: main @ {commit.stdout.strip()}; database: {urlsplit(url).path.lstrip('/')}")

    if not args.resume:
        database_recreate(url)
    django_start()
    from django.db import connection
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext

    from analytics.facts.services import facts_mark_dirty, facts_rebuild, facts_refresh
    from analytics.figures.selectors import (
        Period,
        child_ranking,
        contributing_units,
        figures_cached,
        unit_figures,
    )
    from analytics.models import DailyFact, DirtyDay, RollupDay, RollupMonth

    raw = raw_connection()
    for line in server_facts(raw):
        report.say(line)
    raw.commit()

    first_day = TODAY - dt.timedelta(days=YEAR_DAYS)
    year = [first_day + dt.timedelta(days=i) for i in range(YEAR_DAYS)]  # the year before today
    if args.resume:
        ids, provinces, communes, schema_count = world_resume(raw, args.communes)
        report.say(
            f"RESUMED on the database built by an earlier run of the same command (phases 1 and 2 not "
            f"remeasured; the same seed regenerates the same rows without writing them): "
            f"{len(provinces)} provinces, {len(communes)} communes"
        )
        world_recall(raw, report, summary)
    else:
        ids, provinces, communes, schema_count = world_build(raw, report, args, summary)

    # ---------------------------------------------------------------- 2. responses
    # ---------------------------------------------------------------- 2. responses
    report.say(
        f"\n## 2. {args.responses:,} synthetic responses over {year[0]:%d/%m/%Y} – {year[-1]:%d/%m/%Y}, COPY"
    )
    generator = Generator(ids, rng)
    plans = [generator.plan(u) for u in communes]
    per_unit = split_counts(args.responses, [p.weight for p in plans])
    day_cum = list(itertools.accumulate(day_weight(d) for d in year))
    stats = LoadStats()
    start = time.perf_counter()
    for i, (plan, n) in enumerate(zip(plans, per_unit, strict=True), start=1):
        days = sorted(rng.choices(year, cum_weights=day_cum, k=n))
        generator.copy_unit(None if args.resume else raw, plan, days, stats)
        if i % 200 == 0 or i == len(plans):
            raw.commit()
            report.progress(f"loaded {i}/{len(plans)} units, {stats.responses:,} responses")
    raw.commit()
    load_wall = time.perf_counter() - start
    _n, analyze = timed(
        lambda: [
            (raw.execute(f'ANALYZE "{p.schema}".surveys_response, "{p.schema}".surveys_answer'), raw.commit())
            for p in plans
        ]
    )
    report.say(
        f"loaded {stats.responses:,} responses and {stats.answers:,} answers in {secs(load_wall)} "
        f"(generating {secs(stats.seconds_generate)}, COPY {secs(stats.seconds_copy)}"
        + ("" if args.resume else f": {(stats.responses + stats.answers) / stats.seconds_copy:,.0f} rows/s")
        + "); "
        f"ANALYZE {secs(analyze)}" + (" [resumed: regenerated, not written]" if args.resume else "")
    )
    report.say(
        "per unit: min {}, median {}, max {} responses; questionnaires: {}".format(
            min(per_unit),
            int(statistics.median(per_unit)),
            max(per_unit),
            ", ".join(f"{k} {n:,}" for k, n in stats.by_questionnaire.most_common()),
        )
    )
    raw_size = raw.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
        " WHERE c.relkind = 'r' AND c.relname IN ('surveys_response', 'surveys_answer')"
    ).fetchone()[0]
    raw.commit()
    report.say(
        f"raw responses + answers with indexes: {size(raw_size)}; database: {size(database_size(raw))}"
    )
    raw.commit()
    if not args.resume:
        world_record(raw, report, summary)

    # ---------------------------------------------------------------- 3a. full rebuild
    report.say("\n## 3a. Full rebuild (facts_rebuild): daily facts of every unit, then every roll-up")
    province = max(provinces, key=lambda p: sum(1 for c in communes if c.parent_id == p.pk))
    schemas = {p.unit_id: p.schema for p in plans}
    if args.skip_rebuild:
        report.say("skipped (--skip-rebuild): the facts an earlier run built are kept")
    else:
        with StatementTimes() as rebuild_statements:
            written, rebuild_time = timed(facts_rebuild)
        # Autovacuum would vacuum and analyze the freshly filled tables within minutes (PostgreSQL 13+
        # vacuums after inserts too); without it the planner believes they are tiny and no page is
        # marked all-visible, so the dashboard below would measure a stale plan and no index-only scan.
        took = vacuum_facts(raw)
        floor_all, groups_all, counted_all = floor_loop(raw, [schemas[c.pk] for c in communes])
        sizes = fact_sizes(raw)
        report.say(
            f"facts_rebuild: {secs(rebuild_time)}, {written:,} daily fact rows written "
            f"({written / max(stats.responses, 1):.2f} per response); "
            + sizes_text(sizes)
            + f"; VACUUM (ANALYZE) {secs(took)}"
        )
        report.say(
            f"floor: GROUP BY answered_on, question_key, value over all {counted_all:,} answers, "
            f"one query per schema ({len(communes)} schemas): {secs(floor_all)} ({groups_all:,} groups)"
        )
        report.say("where the rebuild's time went (its statements, slowest first):")
        for line in rebuild_statements.lines():
            report.say(line)
        report.row("full rebuild (facts_rebuild, all units)", secs(rebuild_time), secs(floor_all), "")
        summary["rebuild_s"] = round(rebuild_time, 2)
        summary["rebuild_floor_s"] = round(floor_all, 2)

    # ---------------------------------------------------------------- 3b. one more day
    report.say(f"\n## 3b. One more day ({TODAY:%d/%m/%Y}): insert, mark dirty, facts_refresh")
    if args.resume:  # a kept database may hold the extra day of its earlier run
        for plan in plans:
            response = f'"{plan.schema}".surveys_response'
            raw.execute(
                f'DELETE FROM "{plan.schema}".surveys_answer WHERE response_id IN '  # noqa: S608
                f"(SELECT id FROM {response} WHERE answered_on = %s)",
                [TODAY],
            )
            raw.execute(f"DELETE FROM {response} WHERE answered_on = %s", [TODAY])  # noqa: S608
            raw.commit()
    n_day = round(args.responses / YEAR_DAYS)
    picks = Counter(rng.choices(range(len(plans)), weights=[p.weight for p in plans], k=n_day))
    day_stats = LoadStats()
    _n, took_load = timed(
        lambda: [generator.copy_unit(raw, plans[i], [TODAY] * n, day_stats) for i, n in picks.items()]
    )
    raw.commit()
    units_by_pk = {u.pk: u for u in communes}
    _n, took_mark = timed(
        lambda: [facts_mark_dirty(unit=units_by_pk[plans[i].unit_id], day=TODAY) for i in picks]
    )
    report.say(
        f"inserted {day_stats.responses:,} responses / {day_stats.answers:,} answers in {len(picks)} units "
        f"({secs(took_load)}); facts_mark_dirty × {len(picks)}: {secs(took_mark)}"
    )
    calls, refreshed = 0, 0
    start = time.perf_counter()
    with StatementTimes() as refresh_statements:
        while DirtyDay.objects.exists():
            refreshed += facts_refresh()
            calls += 1
    refresh_time = time.perf_counter() - start
    day_facts = DailyFact.objects.filter(day=TODAY).count()
    floor_day, _g, counted_day = floor_loop(raw, [p.schema for p in plans], "AND r.answered_on = %s", [TODAY])
    report.say(
        f"facts_refresh: {calls} call(s), {refreshed} unit-days, {secs(refresh_time)}, "
        f"{day_facts:,} fact rows; floor over the day's {counted_day:,} answers "
        f"(one query per schema, {len(plans)} schemas): {secs(floor_day)}"
    )
    report.say("where the refresh's time went (its statements, slowest first):")
    for line in refresh_statements.lines():
        report.say(line)
    report.row(
        f"refresh after one day ({day_stats.responses:,} responses, {len(picks)} unit-days)",
        secs(refresh_time),
        secs(floor_day),
        f"{day_facts:,} fact rows",
    )
    summary["refresh_s"] = round(refresh_time, 2)
    summary["refresh_floor_s"] = round(floor_day, 2)
    summary["refresh_unit_days"] = refreshed

    # ---------------------------------------------------------------- 3c. province dashboard
    province_communes = [c for c in communes if c.parent_id == province.pk]
    period = Period(first_day, TODAY)
    contributors = contributing_units(province).count()
    report.say(
        f"\n## 3c. Province dashboard: {province.name} ({province.code}), {len(province_communes)} communes, "
        f"{contributors} contributing units (subtree + merged legacy units), period {period}"
    )
    slowest: list[tuple[float, str]] = []
    warm: list[float] = []
    for run in range(1, 7):
        if run == 1:
            connection.close()  # a new backend: cold caches of the catalog, warm OS and shared buffers
        with CaptureQueriesContext(connection) as ctx:
            figures, t_fig = timed(lambda: unit_figures(unit=province, period=period))
            ranking, t_rank = timed(lambda: child_ranking(unit=province, period=period))
        queries = len(ctx.captured_queries)
        slowest = sorted(((float(q["time"]), q["sql"]) for q in ctx.captured_queries), reverse=True)[:5]
        label = "cold-ish (new connection)" if run == 1 else "warm"
        if run > 1:
            warm.append(t_fig + t_rank)
        report.say(
            f"run {run} ({label}): unit_figures {secs(t_fig)} + child_ranking {secs(t_rank)} = "
            f"{secs(t_fig + t_rank)}, {queries} queries"
        )
        if run in (1, 2, 6):
            report.row(
                f"province dashboard run {run} ({label})",
                f"{secs(t_fig + t_rank)}",
                "",
                f"figures {secs(t_fig)}, ranking {secs(t_rank)}, {queries} queries",
            )
    dashboard = statistics.median(warm)
    report.say(f"warm median of runs 2–6: {dashboard * 1000:.0f} ms")
    # What 3,321 self-refreshing desk boards and the public pages cost between two folds: a cache read.
    cached = []
    for _ in range(5):
        _f, took = timed(
            lambda: figures_cached(
                node=province, what="bench", compute=lambda: unit_figures(unit=province, period=period)
            )
        )
        cached.append(took)
    report.say(
        f"figures_cached (the public page's path): first {cached[0] * 1000:.0f} ms, then "
        f"{statistics.median(cached[1:]) * 1000:.1f} ms (generation unchanged; cache {_cache_backend()})"
    )
    floor_province, groups_p, counted_p = floor_loop(
        raw,
        [schemas[c.pk] for c in province_communes],
        "AND r.answered_on BETWEEN %s AND %s",
        [period.start, period.end],
    )
    for i in (-3, -2, -1):
        report.rows[i] = (*report.rows[i][:2], secs(floor_province), report.rows[i][3])
    summary["dashboard_ms"] = round(dashboard * 1000, 1)
    summary["dashboard_floor_ms"] = round(floor_province * 1000, 1)
    summary["dashboard_queries"] = queries
    summary["dashboard_cached_ms"] = round(statistics.median(cached[1:]) * 1000, 2)
    report.say(
        f"floor: GROUP BY over the province's {counted_p:,} answers "
        f"({len(province_communes)} schemas, loop): {secs(floor_province)}"
    )

    # correctness: overall satisfied / valid from facts == from raw rows
    raw_buckets: Counter = Counter()
    with raw.cursor() as cur:
        for c in province_communes:
            cur.execute(OVERALL_SQL.format(schema=schemas[c.pk]), [period.start, period.end])  # noqa: S608
            raw_buckets.update(dict(cur.fetchall()))
            raw.rollback()
    fact_buckets = dict(
        DailyFact.objects.filter(
            unit__in=contributing_units(province),
            day__range=(period.start, period.end),
            kind="rating",
            element="OVERALL",
            dim="",
        )
        .values_list("bucket")
        .annotate(n=Sum("count"))
    )
    raw_valid = sum(raw_buckets[b] for b in ("satisfied", "neutral", "unsatisfied"))
    fact_valid = sum(fact_buckets.get(b, 0) for b in ("satisfied", "neutral", "unsatisfied"))
    ok = (
        raw_buckets["satisfied"] == fact_buckets.get("satisfied", 0)
        and raw_valid == fact_valid == figures.overall.n
    )
    report.say(
        f"check: satisfied/valid from raw rows {raw_buckets['satisfied']:,}/{raw_valid:,}, from facts "
        f"{fact_buckets.get('satisfied', 0):,}/{fact_valid:,}, figure n {figures.overall.n:,} "
        f"→ {'OK' if ok else 'MISMATCH'}; "
        f"{len(ranking)} communes ranked/listed"
    )
    report.say("slowest queries of the last run:")
    for t, sql in slowest[:3]:
        report.say(f"  {t:.3f} s  {sql[:300]}")
    if slowest:
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0][1])
            plan = [r[0] for r in cur.fetchall()]
        report.say("EXPLAIN (ANALYZE, BUFFERS) of the slowest:")
        for line in plan[:40]:
            report.say("  " + line)

    # ---------------------------------------------------------------- sizes and table
    total_size = database_size(raw)
    sizes = fact_sizes(raw)
    raw.commit()
    responses_all = stats.responses + day_stats.responses
    daily_rows = DailyFact.objects.count()
    rollup_rows = RollupDay.objects.count() + RollupMonth.objects.count()
    report.say("\n## Figures")
    report.say(
        f"responses {responses_all:,}, answers {stats.answers + day_stats.answers:,}, "
        f"daily fact rows {daily_rows:,} ({daily_rows / max(responses_all, 1):.2f} per response), "
        f"roll-up rows {rollup_rows:,}; {sizes_text(sizes)}; raw rows {size(raw_size)} (before the extra "
        f"day), database {size(total_size)}, unit schemas {schema_count[0]}"
    )
    summary["responses"] = responses_all
    summary["fact_rows_per_response"] = round(daily_rows / max(responses_all, 1), 3)
    summary["rollup_rows_per_response"] = round(rollup_rows / max(responses_all, 1), 3)
    summary["fact_tables_mib"] = round(sum(sizes.values()) / 2**20, 1)
    summary["unit_schemas"] = schema_count[0]
    summary["correct"] = ok
    report.table()
    if not ok:
        report.say("CORRECTNESS CHECK FAILED")

    report.say("machine load at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    report.say("SUMMARY " + json.dumps(summary, sort_keys=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report.lines) + "\n", encoding="utf-8")
    print(f"results written to {out}")
    raw.close()
    connection.close()
    if not args.keep:
        database_recreate(url, drop_only=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
