"""Publishing degrades instead of failing: with the broker down or hanging, the admin gets a clear answer
within seconds, the publication stays scheduled, and beat's requeue publishes it once the broker is back.

The broker is a real socket on loopback: a port where nothing listens, or a server that accepts the
connection and never answers.
"""

import contextlib
import datetime as dt
import signal
import socket
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from analytics.models import Publication
from analytics.publications.tasks import publications_requeue
from config.celery import app
from tests.analytics.test_publications import answered, draft, signed_in, unit_url  # noqa: F401
from tests.conftest import CONFIRM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def forget_connections() -> None:
    """The app's connection pool and the producer pool built on it: a test that sent a task earlier in
    the session leaves producers connected to the real broker, which would take this test's tasks."""
    app.close()
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker(fault: str):
    """Celery sends to a broker that is down or hangs, for the duration of the block."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    held: list[socket.socket] = []
    if fault == "down":
        listener.close()
    else:
        listener.listen(16)
        listener.settimeout(0.2)

        def accept_and_say_nothing() -> None:
            for _ in range(300):  # bounded: about a minute
                with contextlib.suppress(OSError):
                    held.append(listener.accept()[0])

        threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    previous = app.conf.broker_url
    forget_connections()  # drop pooled connections to the real broker
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    try:
        yield
    finally:
        forget_connections()
        app.conf.broker_url = previous
        listener.close()
        for connection in held:
            connection.close()


@contextlib.contextmanager
def at_most(seconds: int):
    """Fail instead of hanging the suite if the block does not return (a blocked read is interrupted)."""

    def expired(*_args):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("fault", ["down", "hangs"])
def test_publishing_without_a_broker_says_so_and_beat_publishes_it_later(
    draft,  # noqa: F811
    commune_admin,
    fault,
    monkeypatch,
):
    # given a broker that is down or hangs (and on-commit callbacks run when the publishing
    # transaction ends, as in production: the test's own transaction never commits)
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    client = signed_in(commune_admin)
    with broker(fault), at_most(30):
        # when the admin publishes
        response = client.post(unit_url(draft.unit, "publication_publish", draft.pk), CONFIRM, follow=True)
    # then the page says what happened and what comes next, and the publication waits, scheduled
    assert response.status_code == 200
    assert "task queue is not answering" in response.text
    assert "publish again" in response.text
    draft.refresh_from_db()
    assert draft.status == Publication.Status.SCHEDULED

    # when, later, the broker is back and beat's requeue runs (Celery runs the tasks in this process)
    Publication.objects.filter(pk=draft.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    app.conf.task_always_eager = True
    try:
        assert publications_requeue.apply().get() == 1
    finally:
        app.conf.task_always_eager = False
    # then it is published, with its PDF
    draft.refresh_from_db()
    assert draft.status == Publication.Status.PUBLISHED
    assert bytes(draft.pdf).startswith(b"%PDF")
