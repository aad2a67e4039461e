"""One side of a race, in a process (and so a database connection) of its own.

Run by tests/concurrency/test_*.py against a throw-away copy of the test database named by
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


def issue(dossier_code: str) -> dict:
    """A one-time link of 06175's Hồng Thái campaign: its token's id and nonce."""
    from django_tenants.utils import tenant_context

    from surveys.models import Campaign
    from surveys.services import dossier_token_issue
    from tenants.models import Structure, Unit

    unit = Unit.objects.get(structure=Structure.LEGACY, code="06175")
    with tenant_context(unit):
        campaign = Campaign.objects.get(version__questionnaire__key="hong_thai_quick")
    token, _signed = dossier_token_issue(unit=unit, campaign=campaign, dossier_code=dossier_code)
    return {"token": token.pk, "nonce": token.nonce}


def submit(key: str, hold: str | None, release: str | None, token: str, nonce: str) -> dict:
    """One Hồng Thái answer in 06175 under submission key `key` (through the one-time link `token` with
    `nonce`, if given), as the citizen form stores it: on its own, or with `hold` inside a transaction
    kept open until `release` appears. Reports the response and whether it was stored here, or the
    refusal's status."""
    import contextlib
    import uuid

    from django.db import transaction
    from django_tenants.utils import tenant_context

    from surveys.models import Campaign, DossierToken, Procedure
    from surveys.services import SubmissionError, response_submit
    from tenants.models import Structure, Unit
    from tests.conftest import post

    unit = Unit.objects.get(structure=Structure.LEGACY, code="06175")
    with tenant_context(unit):
        campaign = Campaign.objects.select_related("version").get(
            version__questionnaire__key="hong_thai_quick"
        )
        procedure = Procedure.objects.filter(is_active=True).order_by("pk").first()
        dossier = (DossierToken.objects.get(pk=int(token)), nonce) if token else None
        data = post(
            q_procedure=procedure.pk, q_satisfaction=1, q_reasons=["official_attitude"], q_comment="x"
        )
        try:
            with transaction.atomic() if hold else contextlib.nullcontext():
                response, created = response_submit(
                    campaign=campaign,
                    version_id=campaign.version_id,
                    data=data,
                    submission_key=uuid.UUID(key),
                    channel=dossier[0].channel if dossier else "qr",
                    dossier=dossier,
                    client="race",
                )
                if hold and release:
                    Path(hold).touch()
                    wait_for(Path(release))
        except SubmissionError as error:
            return {"status": error.status}
    return {"response": response.pk, "created": created}


def undirty() -> dict:
    """No dirty day left for 06175: what a submission marks is then seen."""
    from analytics.models import DirtyDay
    from tenants.models import Structure, Unit

    unit = Unit.objects.get(structure=Structure.LEGACY, code="06175")
    return {"deleted": DirtyDay.objects.filter(unit=unit).delete()[0]}


def stored(key: str) -> dict:
    """06175's responses under submission key `key` (or all), their answers and its dirty days."""
    from django_tenants.utils import tenant_context

    from analytics.models import DirtyDay
    from surveys.models import Answer, Response
    from tenants.models import Structure, Unit

    unit = Unit.objects.get(structure=Structure.LEGACY, code="06175")
    with tenant_context(unit):
        responses = Response.objects.filter(submission_key=key) if key else Response.objects.all()
        ids = sorted(responses.values_list("pk", flat=True))
        answers = Answer.objects.filter(response_id__in=ids).count()
    return {"responses": ids, "answers": answers, "dirty": DirtyDay.objects.filter(unit=unit).count()}


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
    elif step == "issue":
        result = issue(args[0])
    elif step == "submit":
        result = submit(args[0], args[1] or None, args[2] or None, args[3], args[4])
    elif step == "undirty":
        result = undirty()
    elif step == "stored":
        result = stored(args[0])
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
