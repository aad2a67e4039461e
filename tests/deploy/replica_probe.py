"""One Django process with a primary and a streaming replica (DATABASE_URL, DATABASE_REPLICA_URL).

Run by tests/deploy/test_replica.py against private servers it started:
`python -m tests.deploy.replica_probe`; SIPAS_PROBE_STOP_REPLICA holds the command (JSON list) that
stops the replica half-way. Prints one JSON line: what each phase saw. Every wait is bounded in time.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import django

WAIT_SECONDS = 60
COMMUNE = "06175"  # legacy Hồng Thái, onboarded with questionnaires and campaigns by tests/conftest.py


def main() -> dict:
    from django.test.utils import setup_test_environment

    setup_test_environment()

    from django.core.cache import cache
    from django.db import connections
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings
    from django_tenants.utils import tenant_context

    from analytics.dashboards.selectors import period_from_query
    from analytics.facts.services import facts_refresh
    from analytics.figures.selectors import unit_figures
    from surveys.models import Response
    from tenants.models import Role, Structure, Unit, User
    from tenants.replica import reads_from_replica, replica_health
    from tests.conftest import answer as hong_thai_answer

    primary, replica = connections["default"], connections["replica"]
    unit = Unit.objects.get(structure=Structure.LEGACY, code=COMMUNE)
    viewer = User.objects.create_user(username=f"{uuid.uuid4().hex}@probe.test", password="x")
    viewer.memberships.create(unit=unit, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    dashboard = f"/u/{unit.slug}/results/"

    def replayed() -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            with replica.cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0]:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not replay {lsn} within {WAIT_SECONDS} s")
            time.sleep(0.05)

    def answer() -> int:
        """One more satisfied answer in the commune, folded; returns the figure's n read on the primary."""
        hong_thai_answer(unit, 3)
        facts_refresh()
        return unit_figures(unit=unit, period=period_from_query(start=None, end=None)).overall.n

    @contextmanager
    def recorded() -> Iterator[dict[str, list[str]]]:
        """The SQL each connection runs, the health probe's own queries left out."""
        seen: dict[str, list[str]] = {"default": [], "replica": []}

        def recorder(alias: str) -> Callable:
            def record(execute, sql, params, many, context):
                if "pg_current_wal_lsn" not in sql and "pg_is_in_recovery" not in sql:
                    seen[alias].append(sql)
                return execute(sql, params, many, context)

            return record

        with ExitStack() as stack:
            for alias in seen:
                stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
            yield seen

    def visit(path: str, expected_n: int) -> dict:
        cache.clear()  # figures are cached per fold: make every visit read the rows again
        with recorded() as seen:
            page = client.get(path)
        text = page.content.decode()
        reads = lambda alias: [q for q in seen[alias] if not q.startswith("SET search_path")]  # noqa: E731
        return {
            "status": page.status_code,
            "shows_figure": any(f"n{space}={space}{expected_n}" in text for space in (" ", "&nbsp;")),
            "replica_reads": len(reads("replica")),
            "replica_search_paths": sorted({q for q in seen["replica"] if q.startswith("SET search_path")}),
            "rollups_read_on": sorted(a for a in seen if any("analytics_rollupmonth" in q for q in reads(a))),
            "health": replica_health().status,
        }

    @reads_from_replica
    def count_responses(request) -> HttpResponse:
        return HttpResponse(str(Response.objects.count()))

    def tenant_count() -> dict:
        """The unit's responses counted by a replica-read view inside the unit's schema."""
        with tenant_context(unit), recorded() as seen:
            body = count_responses(RequestFactory().get("/")).content.decode()
            with replica.cursor() as cursor:  # what the replica's session had for that read
                cursor.execute("SHOW search_path")
                session_path = cursor.fetchone()[0]
        with tenant_context(unit):
            on_primary = Response.objects.count()
        return {
            "count": int(body),
            "on_primary": on_primary,
            "replica_reads": [q for q in seen["replica"] if "surveys_response" in q],
            "replica_search_paths": sorted({q for q in seen["replica"] if q.startswith("SET search_path")}),
            "replica_session_path": session_path,
        }

    def replica_rows() -> int:
        with replica.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{unit.schema_name}".surveys_response')  # noqa: S608 - a schema name from the registry
            return cursor.fetchone()[0]

    seen: dict[str, dict] = {}

    # 1. Caught up: the dashboard and a tenant read come from the replica, in the unit's schema.
    first = answer()
    replayed()
    seen["caught_up"] = {"dashboard": visit(dashboard, first), "tenant": tenant_count()}

    # 2. Replay paused: the primary has a newer answer the replica lacks; reads go to the primary.
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    second = answer()
    time.sleep(max(1.2 * float(os.environ["REPLICA_MAX_LAG_SECONDS"]), 0.5))
    seen["lagging"] = {"dashboard": visit(dashboard, second), "replica_rows": replica_rows()}
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    replayed()
    time.sleep(1.5 * float(os.environ["REPLICA_CHECK_SECONDS"]))  # the next health check sees it

    # 3. Caught up again; then a signed-in user's write pins their reads to the primary.
    seen["resumed"] = {"dashboard": visit(dashboard, second), "replica_rows": replica_rows()}
    pinned = client.post("/i18n/setlang/", {"language": "vi", "next": dashboard})
    seen["after_write"] = {
        "pin_cookie": pinned.cookies.get("sipas_primary") is not None,
        "dashboard": visit(dashboard, second),
    }
    client.cookies.pop("sipas_primary", None)

    # 4. The replica stops while this process still believes it healthy: the view is answered again
    #    from the primary, and the replica is marked down.
    with override_settings(REPLICA_CHECK_SECONDS=600):
        healthy_before = replica_health(fresh=True).status
        stop = json.loads(os.environ["SIPAS_PROBE_STOP_REPLICA"])
        subprocess.run(stop, check=True, capture_output=True, timeout=WAIT_SECONDS)  # noqa: S603
        seen["stopped"] = {"healthy_before": healthy_before, "dashboard": visit(dashboard, second)}

    # 5. Down: reads go straight to the primary; health says so.
    time.sleep(float(os.environ["REPLICA_CHECK_SECONDS"]) * 1.5)
    seen["down"] = {
        "dashboard": visit(dashboard, second),
        "public": visit(f"/ket-qua/{unit.slug}/", second),
        "healthz": client.get("/healthz").json(),
    }
    return {"schema": unit.schema_name, **seen}


if __name__ == "__main__":
    django.setup()
    from tests.conftest import clock_pinned  # it imports models

    with clock_pinned():  # the suite's clock: the copied world's campaigns are open at its NOW
        result = main()
    sys.stdout.write(json.dumps(result) + "\n")
