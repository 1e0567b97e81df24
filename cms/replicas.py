"""Read replicas: which database a read goes to, and whether each replica is fit to answer.

With ``DATABASE_REPLICA_URL`` set (one or more PostgreSQL streaming replicas,
comma-separated), the databases are ``default`` (the primary) and
``replica1``, ``replica2``…. The rule, in one place:

- every write goes to the primary (``ReplicaRouter.db_for_write``), and so
  does every read made inside a transaction on the primary (a read that a
  write depends on, ``select_for_update``, a service's lock → check → save);
- a read goes to a replica only inside a request that allows it
  (``ReplicaReadsMiddleware``: a GET or HEAD from a browser that has not
  written in the last ``REPLICA_PIN_SECONDS``), so Celery tasks, management
  commands and every POST read the primary;
- a replica is used only while its last check (at most every
  ``REPLICA_CHECK_SECONDS``, per process) found it up and no more than
  ``REPLICA_MAX_LAG_SECONDS`` behind; otherwise the primary answers, and
  ``/readyz`` says which replica is skipped and why.

Read-your-writes: any unsafe request (a staff save, a sign-in) sets the
``vetted_primary`` cookie for ``REPLICA_PIN_SECONDS``, longer than the lag a
replica may have and still be used, so the browser that wrote reads the
primary until every usable replica has its write.

A replica that dies between two checks fails the request that was using it;
that request is answered again once from the primary (a GET is safe to
repeat) and the replica is skipped until a check finds it back.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PIN_COOKIE = "vetted_primary"
SAFE_METHODS = ("GET", "HEAD")


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


# --- Health -------------------------------------------------------------------


@dataclass
class ReplicaState:
    alias: str
    health: str = "unchecked"  # ok, lagging, down
    lag_seconds: float | None = None
    error: str = ""
    checked_at: float = 0.0

    @property
    def usable(self) -> bool:
        return self.health == "ok"

    def as_dict(self) -> dict:
        body = {"alias": self.alias, "state": self.health, "lag_seconds": self.lag_seconds}
        if self.error:
            body["error"] = self.error
        return body


_states: dict[str, ReplicaState] = {}
_lock = threading.Lock()

# The primary's WAL position and each replica's replay position and last replayed commit.
_PRIMARY_LSN = "SELECT pg_current_wal_lsn()::text"
_REPLICA_LAG = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
    " EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))"
)


def _measure(alias: str) -> ReplicaState:
    """Check one replica now: up, a standby, and how far its replay is behind the primary."""
    state = ReplicaState(alias, checked_at=time.monotonic())
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(_PRIMARY_LSN)
            (primary_lsn,) = cursor.fetchone()
        with connections[alias].cursor() as cursor:
            cursor.execute(_REPLICA_LAG, [primary_lsn])
            in_recovery, caught_up, since_last_commit = cursor.fetchone()
    except DatabaseError as exc:
        connections[alias].close()  # a broken connection is not reused
        state.health, state.error = "down", str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return state
    if not in_recovery:
        state.health, state.error = "down", "not a standby (promoted, or not a replica): never read from it"
        return state
    # Caught up with the primary's position when asked: no lag, however long ago the last commit was.
    # Behind it: the time since the last commit it replayed (an upper bound; errs towards the primary).
    state.lag_seconds = 0.0 if caught_up else round(float(since_last_commit or 0.0), 3)
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if state.lag_seconds > limit:
        state.health = "lagging"
        state.error = f"{state.lag_seconds} s behind (more than REPLICA_MAX_LAG_SECONDS={limit})"
    else:
        state.health = "ok"
    return state


def replica_state(alias: str, *, fresh: bool = False) -> ReplicaState:
    """Return the last check of a replica, checking again when it is older than REPLICA_CHECK_SECONDS."""
    with _lock:
        state = _states.get(alias)
    if fresh or state is None or time.monotonic() - state.checked_at >= settings.REPLICA_CHECK_SECONDS:
        state = _measure(alias)
        with _lock:
            _states[alias] = state
        if not state.usable:
            logger.warning("Replica %s skipped: %s %s", alias, state.health, state.error)
    return state


def mark_down(alias: str, reason: str) -> None:
    with _lock:
        _states[alias] = ReplicaState(alias, "down", error=reason, checked_at=time.monotonic())
    connections[alias].close()
    logger.warning("Replica %s failed during a request and is skipped until it checks well: %s", alias, reason)


def replica_report() -> list[dict]:
    """Every replica's state, checked now (for /readyz)."""
    return [replica_state(alias, fresh=True).as_dict() for alias in replica_aliases()]


def forget_states() -> None:
    with _lock:
        _states.clear()


# --- Which reads may use a replica -------------------------------------------

# None: this context reads the primary. Otherwise the request's choice (a replica alias, or "" before choosing).
_reads: contextvars.ContextVar[dict | None] = contextvars.ContextVar("vetted_replica_reads", default=None)


def read_alias() -> str:
    """The database a read made now should use: a usable replica when this context allows it, else the primary."""
    allowed = _reads.get()
    if allowed is None or connections["default"].in_atomic_block:
        return "default"
    if "alias" not in allowed:  # one replica per request, so its reads are consistent with each other
        usable = [alias for alias in replica_aliases() if replica_state(alias).usable]
        allowed["alias"] = random.choice(usable) if usable else "default"  # nosec B311 - load spreading, not security
    return allowed["alias"]


class ReplicaRouter:
    """Reads to ``read_alias()``, writes and migrations to the primary (see the module's docstring)."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas are copies of the primary: every row is the same row

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == "default"


class ReplicaReadsMiddleware:
    """Let a GET or HEAD read a replica unless its browser wrote lately; pin the browser after a write.

    First in the stack, so the page cache's fast path and every view read
    through it. A request that fails after its replica broke is answered
    again from the primary.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.enabled = bool(replica_aliases())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if response.status_code < 500:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
            return response
        if request.COOKIES.get(PIN_COOKIE):
            return self.get_response(request)
        choice: dict = {}
        token = _reads.set(choice)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if choice.get("failed"):
            logger.warning("Answering %s again from the primary after replica %s failed", request.path, choice["alias"])
            response = self.get_response(request)
        return response


def _on_request_exception(sender, request=None, **kwargs) -> None:
    """A database error in a request that read a replica: skip that replica, and let the middleware answer again."""
    import sys

    exc = sys.exc_info()[1]
    choice = _reads.get()
    if choice is None or not isinstance(exc, DatabaseError) or choice.get("alias", "default") == "default":
        return
    choice["failed"] = True
    mark_down(choice["alias"], str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)


got_request_exception.connect(_on_request_exception, dispatch_uid="vetted-replica-failure")
