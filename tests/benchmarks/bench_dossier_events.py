"""Dossier-event ingestion through the API on a real gunicorn: single events and batches of 1,000.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    .venv/bin/python tests/benchmarks/bench_dossier_events.py [--clients 4] [--seconds 10] [--workers 5]

It reuses the citizen benchmark's gunicorn runner and load loop (bench_citizen_form.py), on its own
database sipas_bench_dossiers: one onboarded commune (Hồng Thái) with the built-in catalog and an open
campaign that accepts dossier links, and an API key with the write:dossiers scope. Phases:

  single            POST /api/v1/units/legacy/06175/dossier-events/ with one finished dossier each
                    (a new dossier: stored, one transaction counted, a one-time survey link and its QR SVG)
  batch 1000        1,000 new finished dossiers per request, ?qr=none: each with its one-time link, as a
                    one-stop system that prints the QR code of the link on its own receipt asks for them
  batch 100 + QR    100 per request without ?qr=none (the API's default): each link's QR code as SVG
                    (segno's mask choice costs ~10 ms a code, so a batch of 1,000 would outlast the
                    gunicorn timeout under load)
  replay 1000       a batch already stored, sent again (?qr=none): every item "unchanged" (idempotency)

The server runs with production's settings and gunicorn configuration (bench_citizen_form.Server).

It prints requests/s and events/s with p50/p95 latency, checks that the stored dossiers equal the
accepted events, stops gunicorn and drops the database (unless --keep). Loopback only, bounded.
"""

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_citizen_form as bench  # noqa: E402 - a sibling script, not a package
import benchlib  # noqa: E402

bench.DATABASE = "sipas_bench_dossiers"
PROCEDURE = "1.001193"  # Đăng ký khai sinh, in the built-in catalog


def world_build() -> tuple[str, str]:
    """(schema name, API key) of one commune ready to take dossier events."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from api.models import Scope
    from api.services import api_client_create
    from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin
    from tenants.models import Unit, User
    from tenants.registry import registry_import
    from tenants.services import public_tenant_ensure, unit_onboard

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    public_tenant_ensure()
    registry_import(provinces={bench.PROVINCE})
    unit = Unit.objects.get(structure=bench.UNIT[0], code=bench.UNIT[1])
    unit_onboard(unit=unit)
    with tenant_context(unit):
        catalog_seed()
        today = timezone.localdate()
        campaign_create(
            name="Benchmark",
            version=questionnaire_install_builtin(key="hong_thai_quick").latest_published,
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=30),
            channels=["dossier"],
        )
    operator = User.objects.create_superuser(
        username="bench@example.test", email="bench@example.test", password="x"
    )
    _client, key = api_client_create(
        creator=operator, unit=unit, name="bench", scopes=[Scope.WRITE_DOSSIERS], rate_per_minute=100_000
    )
    return unit.schema_name, key


def event(code: str) -> dict:
    now = dt.datetime.now(dt.UTC)
    return {
        "MaHoSo": code,
        "MaTTHC": PROCEDURE,
        "NgayTiepNhan": (now - dt.timedelta(days=2)).isoformat(),
        "NgayHenTra": (now - dt.timedelta(days=1)).isoformat(),
        "NgayKetThucXuLy": (now - dt.timedelta(hours=30)).isoformat(),
        "TrangThaiHoSo": 10,
        "KenhThucHien": 1,
    }


def poster(
    port: int,
    key: str,
    size: int,
    prefix: str,
    replay: bytes | None = None,
    *,
    qr: bool = True,
    expect="created",
):
    path = f"/api/v1/units/{bench.UNIT[0]}/{bench.UNIT[1]}/dossier-events/" + ("" if qr else "?qr=none")
    headers = {**bench.PROXY_HEADERS, "Content-Type": "application/json", "Authorization": f"Api-Key {key}"}

    def one(conn: HTTPConnection, n: int) -> str | None:
        body = replay or json.dumps({"events": [event(f"{prefix}-{n}-{i}") for i in range(size)]}).encode()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except OSError as error:
            conn.close()
            return f"{type(error).__name__}: {error}"
        if response.status != 200:
            return f"{response.status}: {content[:300]!r}"
        # Every event answered: created (or unchanged when replayed), each with its one-time link.
        rows = json.loads(content)["results"]
        bad = [r for r in rows if r["status"] != expect or not r.get("survey", {}).get("url")]
        if len(rows) != (size or len(json.loads(replay)["events"])) or bad:
            return f"{len(rows)} results, {len(bad)} unexpected, e.g. {bad[:1]}"
        return None

    return one


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not (1 <= args.clients <= 32 and 0 < args.seconds <= 120):
        sys.exit("Keep it bounded: 1-32 clients, at most 120 s per phase.")
    url = bench.bench_url()
    benchlib.run_header("dossier-event ingestion benchmark")
    print(
        f"server: gunicorn -c deploy/gunicorn.conf.py, {args.workers} sync workers, config.settings.prod; "
        f"{args.clients} clients; {args.seconds:.0f} s per phase",
        flush=True,
    )
    benchlib.database_recreate(url)
    benchlib.django_start(url)
    schema, key = world_build()
    with tempfile.TemporaryDirectory() as folder:
        server = bench.Server(url, args.workers, Path(folder))
        try:
            server.wait()
            connect = lambda: HTTPConnection("127.0.0.1", server.port, timeout=120)  # noqa: E731
            replay = json.dumps({"events": [event(f"R-{i}") for i in range(1000)]}).encode()
            bench.run(
                "seed replay",
                clients=1,
                seconds=60,
                max_requests=1,
                opener=connect,
                one=poster(server.port, key, 0, "", replay, qr=False),
            )
            phases = [
                bench.run(
                    "single event",
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=100_000,
                    opener=connect,
                    one=poster(server.port, key, 1, "S"),
                ),
                bench.run(
                    "batch of 1000",
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=1_000,
                    opener=connect,
                    one=poster(server.port, key, 1000, "B", qr=False),
                ),
                bench.run(
                    "batch of 100 + QR SVGs",
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=1_000,
                    opener=connect,
                    one=poster(server.port, key, 100, "Q"),
                ),
                bench.run(
                    "replayed batch of 1000",
                    clients=args.clients,
                    seconds=args.seconds,
                    max_requests=1_000,
                    opener=connect,
                    one=poster(server.port, key, 0, "", replay, qr=False, expect="unchanged"),
                ),
            ]
        finally:
            server.stop()
    print(bench.table(phases))
    sizes = (1, 1000, 100, 1000)
    for phase, size in zip(phases, sizes, strict=True):
        print(
            f"{phase.name}: {phase.rate * size:,.0f} events/s"
            + (f" — first error: {phase.first_error}" if phase.errors else "")
        )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    import psycopg

    with psycopg.connect(url) as conn:
        stored = conn.execute(f'SELECT count(*) FROM "{schema}".surveys_dossier').fetchone()[0]  # noqa: S608
    accepted = 1000 + sum((p.done - p.errors) * size for p, size in zip(phases[:3], sizes, strict=False))
    print(
        f"dossiers stored: {stored}; accepted new events: {accepted}; "
        f"{'OK' if stored == accepted else 'MISMATCH'}"
    )
    if not args.keep:
        benchlib.database_recreate(url, drop_only=True)
    if stored != accepted:
        sys.exit(1)


if __name__ == "__main__":
    main()
