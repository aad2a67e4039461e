"""Folds that overlap each other or a publication: no error, and facts equal to a rebuild after."""

import datetime as dt
import time

from django.utils import timezone

DAYS = 20


def wait_for(path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_two_folds_of_overlapping_unit_days_end_with_the_facts_of_a_rebuild(side, tmp_path):
    # given answers on 20 days in two communes of one district, every unit-day dirty
    stored = side("prepare", str(DAYS)).result()["stored"]
    assert stored == DAYS * 4
    # when one fold claims some unit-days and holds its transaction open
    held, release = tmp_path / "held", tmp_path / "release"
    first = side("fold", str(held), str(release), "15")
    wait_for(held)
    # and a second fold takes the rest: the district, the province and the current units above
    # both communes are summed by both
    second = side("fold", "", "", "1000")
    time.sleep(1)
    assert second.running(), "the second fold must wait for the first's node sums, not race them"
    release.touch()
    # then both end without an error, between them fold everything once
    assert first.result()["folded"] + second.result()["folded"] == DAYS * 2
    # and the facts at every level are those of a rebuild from the raw answers
    check = side("verify").result()
    assert check["equal"], check
    assert check["dirty"] == 0
    assert all(check["rows"])


def test_a_publication_snapshot_beside_a_fold_counts_every_answer(side, tmp_path):
    stored = side("prepare", str(DAYS)).result()["stored"]
    held, release = tmp_path / "held", tmp_path / "release"
    fold = side("fold", str(held), str(release), "10")
    wait_for(held)
    # the snapshot settles the district's dirty days: those the fold holds, it waits for
    today = timezone.localdate()
    start = today - dt.timedelta(days=DAYS)
    snapshot = side("snapshot", "182", start.isoformat(), today.isoformat())
    time.sleep(1)
    release.touch()
    assert fold.result()["folded"] == 10
    assert snapshot.result()["responses"] == stored
    check = side("verify").result()
    assert check["equal"], check
    assert check["dirty"] == 0
