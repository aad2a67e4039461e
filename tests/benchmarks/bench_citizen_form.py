"""Citizen form benchmark: GET and POST of /q/<code> on a real gunicorn, beside two floors, in one run.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    .venv/bin/python tests/benchmarks/bench_citizen_form.py [--clients 8] [--seconds 10] [--workers 5]
                                                            [--rounds 1]

It creates the database sipas_bench_citizen on the server of $DATABASE_URL (default the local
postgres://postgres@127.0.0.1:5432), dropping a leftover one first; imports one province of the registry
(Lạng Sơn), onboards the commune Hồng Thái with the built-in catalog, the Hồng Thái quick questionnaire,
an open campaign and a civil servant's QR code; then starts gunicorn (`config.wsgi`) on 127.0.0.1 with a
production's settings and gunicorn configuration (config.settings.prod, deploy/gunicorn.conf.py: DEBUG off,
TENANT_LIMIT_SET_CALLS on; the clients send nginx's X-Forwarded-Proto), in a settings module written for
this run that only adds /bench/floor, a minimal Django view, to the public URLs (production's URLs never
get it) and logs warnings only. Phases, one after the other, each with N
client threads (http.client, or psycopg for the database floor) for S seconds or --max-requests:

  form GET     GET  /q/<code>      the whole form page (about 20 KB), as a citizen's phone gets it
  floor GET    GET  /bench/floor   the framework floor: every middleware, a view returning a short page
  form POST    POST /q/<code>      a complete unsatisfied answer with a fresh form token; 303 to thanks
  floor POST   POST /bench/floor   the same body, parsed by Django; 303
  DB floor     INSERT of the same rows through psycopg: the response and its 4 answers, copied from
               one that the form stored, one transaction per submission, one connection per client

With --rounds N the four HTTP phases run N times in turn (form GET, floor GET, form POST, floor POST, then
again), each for S seconds, and each line of the table adds up its N rounds: a burst of other work on a
shared machine then falls on the form and its floor alike instead of on one phase.

It prints a table (requests, errors, requests/s, p50 and p95 latency) and the ratios, checks that every
accepted POST stored exactly one response, stops gunicorn and drops the database (unless --keep).
Everything runs on loopback, bounded in time and count.
"""

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from benchlib import ROOT, database_recreate, django_start, run_header

DATABASE = "sipas_bench_citizen"
UNIT = ("legacy", "06175")  # Hồng Thái (seed 000)
PROVINCE = "20"  # Lạng Sơn: the registry slice that holds it

# Production's settings (config.settings.prod, environment in Server) with two changes: the benchmark's
# URLconf, and warnings only in the log (production logs INFO to the console).
SETTINGS = '''"""Settings of one benchmark run (written by bench_citizen_form.py; not part of the project)."""
from config.settings.prod import *  # noqa: F403

PUBLIC_SCHEMA_URLCONF = "bench_citizen_urls"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
'''
# What nginx tells gunicorn on every request (deploy/nginx/sipas.conf): production redirects plain HTTP.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

URLS = '''"""Public URLs of one benchmark run: production's, plus /bench/floor (the framework floor)."""
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def floor(request):
    if request.method == "POST":
        request.POST  # parse the body, as the form does
        return HttpResponseRedirect("/bench/floor", status=303)
    return HttpResponse("<!doctype html><title>floor</title><p>ok</p>")


urlpatterns = [path("bench/floor", floor), path("", include("config.urls_public"))]
'''


# --------------------------------------------------------------------------- database and Django


def bench_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(urlsplit(base)._replace(path=f"/{DATABASE}"))


@dataclass
class World:
    schema: str
    code: str
    link_id: str
    campaign_id: int
    version_id: int
    answers: dict


def world_build() -> World:
    """One onboarded commune with an open campaign and a civil servant's QR code."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from surveys.models import Procedure, StaffMember
    from surveys.services import campaign_create, catalog_seed, qr_link_create, questionnaire_install_builtin
    from tenants.models import Unit
    from tenants.registry import registry_import
    from tenants.services import public_tenant_ensure, unit_onboard

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    registry_import(provinces={PROVINCE})
    unit = Unit.objects.get(structure=UNIT[0], code=UNIT[1])
    unit_onboard(unit=unit)
    with tenant_context(unit):
        catalog_seed()
        today = timezone.localdate()
        version = questionnaire_install_builtin(key="hong_thai_quick").latest_published
        campaign = campaign_create(
            name="Benchmark",
            version=version,
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=30),
            channels=["qr", "desk", "staff"],
        )
        staff = StaffMember.objects.create(full_name="Nguyễn Thị Lan", position="Công chức Tư pháp – Hộ tịch")
        procedure = Procedure.objects.order_by("pk").first()
    link = qr_link_create(unit=unit, campaign=campaign, staff=staff)
    answers = {
        "q_procedure": str(procedure.pk),
        "q_satisfaction": "1",
        "q_reasons": ["official_attitude", "procedure_fees"],
        "q_comment": "Phải chờ lâu, cán bộ chưa niềm nở.",
    }
    return World(unit.schema_name, link.code, f"q:{link.code}", campaign.pk, campaign.version_id, answers)


# --------------------------------------------------------------------------- gunicorn


class Server:
    """gunicorn as deployed: deploy/gunicorn.conf.py and config.settings.prod, on loopback."""

    def __init__(self, url: str, workers: int, folder: Path) -> None:
        (folder / "bench_citizen_settings.py").write_text(SETTINGS)
        (folder / "bench_citizen_urls.py").write_text(URLS)
        self.log = folder / "gunicorn.log"
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            # No PgBouncer here: persistent connections, as prod.py says for a direct connection.
            "DATABASE_CONN_MAX_AGE": "60",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "BASE_URL": "https://127.0.0.1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The token signer of the forms made in this process (benchlib.django_start sets it).
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "DJANGO_SETTINGS_MODULE": "bench_citizen_settings",
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "platform"), str(ROOT)]),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
        }
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "config.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                conn = HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/bench/floor", headers=PROXY_HEADERS)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"gunicorn did not answer in {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    first_error: str = ""

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return (self.done - self.errors) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def run(
    name: str,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    opener: Callable[[], object],
    one: Callable[[object, int], str | None],
    closer: Callable[[object], None] = lambda state: None,
) -> Phase:
    """`one(state, n)` does request n and returns None, or what went wrong."""
    phase = Phase(name)
    counter = itertools.count()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline: list[float] = []

    def client() -> None:
        state = opener()
        mine: list[float] = []
        errors, first = 0, ""
        start_gate.wait()
        while time.monotonic() < deadline[0]:
            n = next(counter)
            if n >= max_requests:
                break
            t0 = time.perf_counter()
            problem = one(state, n)
            mine.append(time.perf_counter() - t0)
            if problem:
                errors += 1
                first = first or problem
        closer(state)
        with lock:
            phase.latencies.extend(mine)
            phase.errors += errors
            phase.first_error = phase.first_error or first

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    deadline.append(time.monotonic() + seconds)
    t0 = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(seconds + 120)
    phase.elapsed = time.perf_counter() - t0
    return phase


def http_one(port: int, method: str, path: str, expect: int, body: Callable[[int], bytes] | None = None):
    headers = (
        {**PROXY_HEADERS, "Content-Type": "application/x-www-form-urlencoded"} if body else PROXY_HEADERS
    )

    def one(conn: HTTPConnection, n: int) -> str | None:
        try:
            conn.request(method, path, body=body(n) if body else None, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except OSError as error:
            conn.close()
            return f"{type(error).__name__}: {error}"
        if response.status != expect:
            return f"{response.status}: {content[:300]!r}"
        return None

    return one


def db_floor(url: str, world: World, clients: int, seconds: float, max_requests: int) -> Phase:
    """INSERT copies of the last stored response and its answers, as the service does in one transaction."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f'SET search_path TO "{world.schema}", public')
        cur = conn.execute("SELECT * FROM surveys_response ORDER BY id DESC LIMIT 1")
        columns = [d.name for d in cur.description]
        row = dict(zip(columns, cur.fetchone(), strict=True))
        cur = conn.execute("SELECT * FROM surveys_answer WHERE response_id = %s ORDER BY id", [row["id"]])
        answer_columns = [d.name for d in cur.description]
        answers = [dict(zip(answer_columns, r, strict=True)) for r in cur.fetchall()]
    response_columns = [c for c in columns if c != "id"]
    answer_columns = [c for c in answer_columns if c != "id"]
    # Column names come from the table itself (whatever migrations added); values are parameters.
    insert_response = (
        f"INSERT INTO surveys_response ({', '.join(response_columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(response_columns))}) RETURNING id"
    )
    one_answer = f"({', '.join(['%s'] * len(answer_columns))})"
    insert_answers = f"INSERT INTO surveys_answer ({', '.join(answer_columns)}) VALUES " + ", ".join(  # noqa: S608
        [one_answer] * len(answers)
    )

    def opener():
        conn = psycopg.connect(url)
        conn.execute(f'SET search_path TO "{world.schema}", public')
        conn.commit()
        return conn

    def one(conn, n: int) -> str | None:
        values = {**row, "public_id": uuid.uuid4(), "submission_key": uuid.uuid4()}
        try:
            with conn.transaction():
                new_id = conn.execute(insert_response, [values[c] for c in response_columns]).fetchone()[0]
                params = [new_id if c == "response_id" else a[c] for a in answers for c in answer_columns]
                conn.execute(insert_answers, params)
        except psycopg.Error as error:
            return f"{type(error).__name__}: {error}"
        return None

    return run(
        "DB floor (INSERT)",
        clients=clients,
        seconds=seconds,
        max_requests=max_requests,
        opener=opener,
        one=one,
        closer=lambda conn: conn.close(),
    )


# --------------------------------------------------------------------------- report


def merged(rounds: list[Phase]) -> Phase:
    """One phase's rounds as one line: their requests, errors and time added up."""
    phase = Phase(rounds[0].name)
    for part in rounds:
        phase.latencies.extend(part.latencies)
        phase.errors += part.errors
        phase.elapsed += part.elapsed
        phase.first_error = phase.first_error or part.first_error
    return phase


def table(phases: list[Phase]) -> str:
    head = ("phase", "requests", "errors", "req/s", "p50 ms", "p95 ms")
    rows = [
        (p.name, str(p.done), str(p.errors), f"{p.rate:.1f}", f"{p.pct(50):.1f}", f"{p.pct(95):.1f}")
        for p in phases
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def ratio(a: Phase, b: Phase) -> str:
    if not (a.rate and b.rate):
        return "n/a"
    return f"{a.rate / b.rate:.2f}× the throughput, p50 {a.pct(50) / b.pct(50):.1f}× the latency"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients per phase (default 8)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase (default 10)")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per phase (default 20000)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (5, as deployed)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="the four HTTP phases in turn, N times (default 1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    if not (
        1 <= args.clients <= 64
        and 0 < args.seconds <= 120
        and 0 < args.max_requests <= 200_000
        and 1 <= args.rounds <= 10
    ):
        sys.exit("Keep it bounded: 1-64 clients, at most 120 s and 200000 requests per phase, 1-10 rounds.")

    url = bench_url()
    run_header("citizen form benchmark")
    print(
        f"server: gunicorn -c deploy/gunicorn.conf.py, {args.workers} sync workers, config.settings.prod "
        f"(TENANT_LIMIT_SET_CALLS on, persistent connections); {args.clients} clients; "
        f"{args.seconds:.0f} s per phase, {args.rounds} round(s). Other work on the machine skews every "
        "figure alike: read the ratios to the floors of the same run.",
        flush=True,
    )
    database_recreate(url)
    server = None
    try:
        django_start(url)
        t0 = time.perf_counter()
        world = world_build()
        took = time.perf_counter() - t0
        print(f"world built in {took:.1f} s: unit schema {world.schema}, code {world.code}")
        from django.db import connection
        from django_tenants.utils import schema_context

        from surveys.citizen_views import form_token_issue
        from surveys.models import Response

        print(f"PostgreSQL {connection.cursor().connection.info.server_version}", flush=True)
        connection.close()

        folder = Path(tempfile.mkdtemp(prefix="bench-citizen-"))
        server = Server(url, args.workers, folder)
        server.wait()
        port = server.port
        form_path = f"/q/{world.code}"

        # Fresh tokens (each a new submission key), made before the clock starts; each POST of the run
        # takes the next one, whatever its phase or round.
        link = {"link_id": world.link_id, "campaign_id": world.campaign_id, "version_id": world.version_id}
        tokens = [form_token_issue(**link) for _ in range(2 * args.rounds * args.max_requests + 200)]
        next_token = itertools.count()
        base_body = urlencode(world.answers, doseq=True)

        def body(_n: int) -> bytes:
            return f"{base_body}&{urlencode({'form_token': tokens[next(next_token)]})}".encode()

        def http(name, method, path, expect, payload=None, *, seconds=args.seconds, cap=args.max_requests):
            return run(
                name,
                clients=args.clients,
                seconds=seconds,
                max_requests=cap,
                opener=lambda: HTTPConnection("127.0.0.1", port, timeout=60),
                one=http_one(port, method, path, expect, payload),
                closer=lambda conn: conn.close(),
            )

        # Warm every worker (connections, template cache) with a few unmeasured requests of each kind;
        # the warm-up POSTs use the spare tokens after --max-requests.
        http("warm-up", "GET", form_path, 200, seconds=3, cap=100)
        http("warm-up", "GET", "/bench/floor", 200, seconds=3, cap=100)
        http("warm-up", "POST", form_path, 303, body, seconds=3, cap=100)
        with schema_context(world.schema):
            before = Response.objects.count()
        connection.close()

        rounds = [
            [
                http("form GET", "GET", form_path, 200),
                http("floor GET", "GET", "/bench/floor", 200),
                http("form POST", "POST", form_path, 303, body),
                http("floor POST", "POST", "/bench/floor", 303, body),
            ]
            for _ in range(args.rounds)
        ]
        phases = [merged(list(same)) for same in zip(*rounds, strict=True)]
        with schema_context(world.schema):
            stored = Response.objects.count() - before
        connection.close()
        phases.append(db_floor(url, world, args.clients, args.seconds, args.max_requests))

        print()
        print(table(phases))
        form_get, floor_get, form_post, floor_post, db = phases
        print()
        print(f"form GET  vs floor GET : {ratio(form_get, floor_get)}")
        print(f"form POST vs floor POST: {ratio(form_post, floor_post)}")
        print(f"form POST vs DB floor  : {ratio(form_post, db)}")
        accepted = form_post.done - form_post.errors
        print(f"stored by the form POSTs: {stored} responses for {accepted} accepted POSTs")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        for p in phases:
            if p.first_error:
                print(f"first error of {p.name}: {p.first_error}")
        if stored != accepted:
            sys.exit("MISMATCH: every accepted POST must store exactly one response")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            database_recreate(url, drop_only=True)


if __name__ == "__main__":
    main()
