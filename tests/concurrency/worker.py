"""One side of a race, in a process (and so a database connection) of its own.

Run by tests/concurrency/test_folds.py against a throw-away copy of the test database named by
DATABASE_URL: `python -m tests.concurrency.worker <step> [args]`; prints one JSON line. Every wait is
bounded in time.
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

import django

WAIT_SECONDS = 60


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)


def prepare(days: int) -> dict:
    """Answers in both legacy communes of one district on `days` days, each unit-day left dirty."""
    from django.utils import timezone

    from tenants.models import Structure, Unit
    from tests.conftest import answer

    today = timezone.localdate()
    communes = [Unit.objects.get(structure=Structure.LEGACY, code=c) for c in ("06175", "06133")]
    stored = 0
    for offset in range(days):
        for unit in communes:
            for satisfaction in (3, 1 + offset % 3):
                reasons = ["official_attitude"] if satisfaction == 1 else ()
                answer(unit, satisfaction, reasons=reasons, day=today - dt.timedelta(days=offset))
                stored += 1
    return {"stored": stored}


def fold(hold: str | None, release: str | None, limit: int) -> dict:
    """facts_refresh; with `hold`, keep the fold's transaction open until `release` appears."""
    from django.db import transaction

    from analytics.facts.services import facts_refresh

    with transaction.atomic():
        folded = facts_refresh(limit=limit)
        if hold and release:
            Path(hold).touch()
            wait_for(Path(release))
    return {"folded": folded}


def snapshot(legacy_code: str, start: str, end: str) -> dict:
    from analytics.figures.selectors import Period
    from analytics.publications.snapshot import publication_snapshot
    from tenants.models import Structure, Unit

    unit = Unit.objects.get(structure=Structure.LEGACY, code=legacy_code)
    period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    data = publication_snapshot(unit=unit, period=period, internal=False)
    return {"responses": data["responses"]}


def verify() -> dict:
    """Do the stored facts equal a rebuild from the raw answers, at every level? (Rolled back.)"""
    from django.db import transaction

    from analytics.facts.services import facts_rebuild
    from analytics.models import FACT_KEY, DailyFact, DirtyDay, RollupDay, RollupMonth

    def tables() -> list:
        return [
            sorted(DailyFact.objects.values_list("unit_id", "day", *FACT_KEY, "count"), key=str),
            sorted(RollupDay.objects.values_list("node_id", "day", *FACT_KEY, "count"), key=str),
            sorted(RollupMonth.objects.values_list("node_id", "month", *FACT_KEY, "count"), key=str),
        ]

    stored = tables()
    with transaction.atomic():
        facts_rebuild()
        rebuilt = tables()
        transaction.set_rollback(True)
    return {
        "equal": stored == rebuilt,
        "rows": [len(t) for t in stored],
        "dirty": DirtyDay.objects.count(),
    }


def main(argv: list[str]) -> None:
    django.setup()
    from tests.conftest import clock_pinned  # it imports models

    with clock_pinned():  # the suite's clock: the copied world's campaigns are open at its NOW
        run(argv[0], argv[1:])


def run(step: str, args: list[str]) -> None:
    if step == "prepare":
        result = prepare(int(args[0]))
    elif step == "fold":
        result = fold(args[0] or None, args[1] or None, int(args[2]))
    elif step == "snapshot":
        result = snapshot(args[0], args[1], args[2])
    elif step == "verify":
        result = verify()
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
