"""Reads that can leave the primary: dashboards, public pages, exports and API reads on a streaming replica.

- DATABASES["replica"] exists when DATABASE_REPLICA_URL is set (config.settings.env), on the same
  django-tenants backend as the primary.
- A view opts in with @reads_from_replica (GET and HEAD only). Inside it, ORM reads go to the replica;
  raw SQL follows with `read_connection(Model)`. Every write goes to the primary, and so do reads of a
  model the request has written, reads inside a transaction, and reads of the models in
  settings.REPLICA_PRIMARY_ONLY_MODELS (sessions, users, roles, API keys: who may act changes at once).
- django-tenants sets the search_path of the one connection it is told about (the primary, by its
  middleware and by tenant_context / schema_context); `replica_follow_tenant`, installed as
  EXTRA_SET_TENANT_METHOD_PATH, sets the same tenant on this thread's replica connection, so a read
  there sees the same unit schema.
- Health: at most every REPLICA_CHECK_SECONDS a process compares the replica's replayed WAL position
  with the primary's; the replica serves only while it is a standby that answers and lags by at most
  REPLICA_MAX_LAG_SECONDS. A replica read that fails marks it down and the view is answered again from
  the primary (a GET in these views is read-only, so running it twice is safe).
- Read-your-own-write across requests: after a signed-in user's POST (or PUT, PATCH, DELETE),
  PrimaryAfterWriteMiddleware sets a short-lived cookie that keeps their reads on the primary until any
  replica still in use must have replayed the write (REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS).
  Citizens and API clients write without a session: the API's read-after-write endpoints (quotas,
  webhooks) do not opt in.
"""

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseBase

# Types only: django-tenants' backend imports this module (EXTRA_SET_TENANT_METHOD_PATH).
if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "sipas_primary"
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _Reads:
    """One replica-read view call: what it wrote (read back from the primary), whether it read the replica."""

    written: set[str] = field(default_factory=set)
    used_replica: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("sipas_replica_reads", default=None)


@dataclass(frozen=True)
class ReplicaHealth:
    usable: bool
    #: "ok", "lagging", "down", "not a standby" or "primary unavailable"
    status: str
    lag_seconds: float | None
    checked_at: float


_health: ReplicaHealth | None = None
_health_lock = threading.Lock()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_health(*, fresh: bool = False) -> ReplicaHealth:
    """The replica's state, probed at most every REPLICA_CHECK_SECONDS per process unless `fresh`."""
    global _health
    with _health_lock:
        current = _health
        if (
            fresh
            or current is None
            or time.monotonic() - current.checked_at >= settings.REPLICA_CHECK_SECONDS
        ):
            current = _health = _probe()
        return current


def _probe() -> ReplicaHealth:
    """Compare the replica's replay position with the primary's current WAL position.

    Caught up (replayed at least what the primary had written when asked): lag 0. Behind: the time since
    the last transaction it replayed, which can only overstate the lag (after an idle spell it counts
    the idle time too), so a doubt sends reads to the primary, never to a stale replica.
    """
    now = time.monotonic()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
    except DatabaseError:
        return ReplicaHealth(False, "primary unavailable", None, now)
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            in_recovery, caught_up, since_replay = cursor.fetchone()
    except DatabaseError:
        logger.warning("replica unavailable; reading from the primary", exc_info=True)
        with contextlib.suppress(DatabaseError):
            replica.close()
        return ReplicaHealth(False, "down", None, now)
    if not in_recovery:
        # A promoted former replica takes writes of its own: reading it would show another history.
        return ReplicaHealth(False, "not a standby", None, now)
    lag = 0.0 if caught_up else (float(since_replay) if since_replay is not None else None)
    if lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS:
        return ReplicaHealth(True, "ok", lag, now)
    return ReplicaHealth(False, "lagging", lag, now)


def pin_seconds() -> int:
    """How long a replica in use may still lack a write just made: its lag bound plus one check period."""
    return math.ceil(settings.REPLICA_MAX_LAG_SECONDS + settings.REPLICA_CHECK_SECONDS)


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: object) -> str | None:
        reads = _reads.get()
        if reads is None:
            return None
        instance = hints.get("instance")
        if isinstance(instance, Model) and instance._state.db:
            return instance._state.db
        label = model._meta.label_lower
        if (
            label in settings.REPLICA_PRIMARY_ONLY_MODELS
            or label in reads.written
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_health().usable
        ):
            return DEFAULT_DB_ALIAS
        reads.used_replica = True
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        reads = _reads.get()
        if reads is not None:
            reads.written.add(model._meta.label_lower)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool | None:
        # The replica holds the primary's rows: an object read there may be linked to one read here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: object
    ) -> bool | None:
        return False if db == REPLICA else None


def read_connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The connection the router picks to read `model`: raw SQL in a replica-read view follows the ORM."""
    return connections[router.db_for_read(model)]


def replica_follow_tenant(wrapper: "TenantDatabaseWrapper", tenant: object) -> None:
    """django-tenants' EXTRA_SET_TENANT_METHOD: the replica's connection follows the primary's tenant."""
    if wrapper.alias != DEFAULT_DB_ALIAS or not replica_configured():
        return
    replica = cast("TenantDatabaseWrapper", connections[REPLICA])
    if replica.tenant is tenant and replica.include_public_schema == wrapper.include_public_schema:
        return
    replica.set_tenant(tenant, wrapper.include_public_schema)


def reads_from_replica[R: HttpResponseBase](view: Callable[..., R]) -> Callable[..., R]:
    """Let a read-only GET view read from the replica (what stays on the primary: the module's docstring)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> R:
        if request.method not in READ_METHODS or not replica_configured() or PIN_COOKIE in request.COOKIES:
            return view(request, *args, **kwargs)
        reads = _Reads()
        token = _reads.set(reads)
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            # Judge the replica afresh: only its failure is answered from the primary.
            if not reads.used_replica or replica_health(fresh=True).usable:
                raise
            logger.warning("a replica read failed; answering %s from the primary", request.path)
        finally:
            _reads.reset(token)
        return view(request, *args, **kwargs)

    return wrapped


class PrimaryAfterWriteMiddleware:
    """After a signed-in user's write, keep their reads on the primary until the replica must have it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method not in READ_METHODS
            and replica_configured()
            and user is not None
            and user.is_authenticated
        ):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=pin_seconds(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
