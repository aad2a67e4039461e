"""Two submissions racing on two connections: the same form sent twice (one submission key) stores one
response, and a one-time link is used once. surveys.services.response_submit stores a response, its
answers and its dirty day in one statement on its own (autocommit), or inside the caller's transaction."""

import time
import uuid

from .test_folds import wait_for


def test_the_same_form_sent_twice_at_once_stores_one_response_and_both_get_it(side, tmp_path):
    side("undirty").result()
    key = str(uuid.uuid4())
    # given a first submission stored but not yet committed (its transaction held open)
    held, release = tmp_path / "held", tmp_path / "release"
    first = side("submit", key, str(held), str(release), "", "")
    wait_for(held)
    # when the same form (the same submission key) is sent again on its own, outside any transaction
    second = side("submit", key, "", "", "", "")
    time.sleep(1)
    assert second.running(), "the second INSERT must wait for the first's submission key"
    release.touch()
    # then the first stores it, and the second, refused by the key, answers with the same response
    one, two = first.result(), second.result()
    assert one["created"] and not two["created"]
    assert one["response"] == two["response"]
    # and exactly one response is stored, with its three answers (rating, reason, comment), its day
    # marked dirty once
    assert side("stored", key).result() == {"responses": [one["response"]], "answers": 3, "dirty": 1}


def test_a_one_time_link_sent_from_two_forms_at_once_stores_one_response(side, tmp_path):
    link = side("issue", "HS-RACE-1").result()
    before = side("stored", "").result()["responses"]
    held, release = tmp_path / "held", tmp_path / "release"
    first = side("submit", str(uuid.uuid4()), str(held), str(release), str(link["token"]), link["nonce"])
    wait_for(held)
    # two forms of the same link (two submission keys): the second passes the first check (the first
    # is not committed), then waits for the link's row lock
    second = side("submit", str(uuid.uuid4()), "", "", str(link["token"]), link["nonce"])
    time.sleep(1)
    assert second.running(), "the second must wait for the link's row lock"
    release.touch()
    assert first.result()["created"]
    assert second.result() == {"status": 410}
    after = side("stored", "").result()["responses"]
    assert len(after) == len(before) + 1
