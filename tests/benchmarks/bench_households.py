"""Household survey (seed 002): time to import a 10,000-household frame, to draw the 486-household
sample of the seed's design (18 villages × 27, with 5 reserves each), and to store 100 answers queued
offline through the sync path (each once by its submission key, then the same 100 again).

Run: .venv/bin/python tests/benchmarks/bench_households.py [--households 10000] [--keep]
It recreates the database `sipas_bench_households` on the server of $DATABASE_URL, imports the
Quảng Trị slice of the registry, onboards legacy Quảng Trị (45) and times each step with
time.perf_counter, printing one line per step and a last line `SUMMARY {json}`.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid

import benchlib
from benchlib import ROOT, database_recreate

SEED_COMMUNES = ("19342", "19345", "19351", "19358", "19360", "19705", "19495", "19522", "19498")


def manage(*args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own manage.py


def run(args: argparse.Namespace) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone
    from django.utils.datastructures import MultiValueDict
    from django_tenants.utils import tenant_context

    from surveys.households.frames import household_list_import
    from surveys.households.models import Slot, Village
    from surveys.households.services import (
        household_answer_submit,
        household_round_create,
        households_draw,
        village_add,
    )
    from tenants.models import Structure, Unit, User
    from tenants.services import unit_onboard

    province = Unit.objects.get(structure=Structure.LEGACY, code="45")
    unit_onboard(unit=province)
    user = User.objects.create_user(username="bench@qt.test", email="bench@qt.test", password="x")
    today = timezone.localdate()
    results: dict[str, float] = {}
    with tenant_context(province):
        survey_round = household_round_create(
            owner=province,
            name="Bench",
            structure=Structure.LEGACY,
            communes=list(Unit.objects.filter(structure=Structure.LEGACY, code__in=SEED_COMMUNES)),
            handout=(today - dt.timedelta(days=7), today - dt.timedelta(days=6)),
            collect=(today - dt.timedelta(days=5), today - dt.timedelta(days=4)),
            deliver=(today - dt.timedelta(days=1), today),
            user=user,
        )
        villages = []
        for rc in survey_round.communes.order_by("commune__path"):
            for name in ("Khu phố 1", "Khu phố 2"):
                villages.append(village_add(round_commune=rc, name=name, household_count=1))
        # 1. one 10,000-household list (the largest ward's frame), parsed, checked and stored
        rows = "\n".join(f"Nguyễn Văn Hộ {i};Số {i}, đường Lê Lợi" for i in range(args.households))
        data = f"Họ tên chủ hộ;Địa chỉ\n{rows}\n".encode()
        start = time.perf_counter()
        household_list_import(village=villages[0], filename="ds.csv", data=data)
        results["import_seconds"] = time.perf_counter() - start
        print(
            f"import of {args.households} households (CSV, {len(data) / 1e6:.1f} MB): "
            f"{results['import_seconds']:.2f} s"
        )
        # the other 17 villages share the same number of households in total as a second frame
        per_village = args.households // 17
        start = time.perf_counter()
        for village in villages[1:]:
            household_list_import(
                village=village,
                filename="ds.csv",
                data=("Họ tên chủ hộ\n" + "\n".join(f"Hộ {i}" for i in range(per_village)) + "\n").encode(),
            )
        results["import_17_lists_seconds"] = time.perf_counter() - start
        print(f"import of 17 lists of {per_village} households: {results['import_17_lists_seconds']:.2f} s")
        # 2. the seed's draw: 18 × 27 + 18 × 5 reserves
        start = time.perf_counter()
        households_draw(survey_round=survey_round, seed=20241121)
        results["draw_seconds"] = time.perf_counter() - start
        drawn = Slot.objects.filter(village__round_commune__round=survey_round, kind="main").count()
        print(f"draw of {drawn} households (+ reserves) over 18 villages: {results['draw_seconds']:.2f} s")
        # 3. 100 answers queued offline, synced once, then the same 100 again (already stored)
        slots = list(Slot.objects.filter(village__in=villages, kind="main").order_by("serial")[:100])
        answers = {
            f"q_assess_{k}": ["agree"] for k in ("access", "procedure", "official", "result", "feedback")
        }
        queued = [(slot, uuid.uuid4()) for slot in slots]
        for label in ("sync_100_seconds", "resync_100_seconds"):
            start = time.perf_counter()
            for slot, key in queued:
                household_answer_submit(
                    slot=slot,
                    data=MultiValueDict(answers | {"q_overall": ["4"]}),
                    submission_key=key,
                    user=user,
                )
            results[label] = time.perf_counter() - start
            print(f"{label.replace('_', ' ')}: {results[label]:.2f} s")
        assert Village.objects.filter(round_commune__round=survey_round).count() == 18
    connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sipas_bench_households")
    os.environ["DATABASE_URL"] = url
    database_recreate(url)
    try:
        benchlib.django_start()
        manage("migrate_schemas", "--shared")
        manage("import_units", "--province", "44")
        results = run(args)
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print("SUMMARY " + json.dumps({k: round(v, 3) for k, v in results.items()}))
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_recreate(url, drop_only=True)


if __name__ == "__main__":
    main()
