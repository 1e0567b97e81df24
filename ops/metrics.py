"""Task and outbox figures for editors (the desk panel) and for /readyz.

Queue length and jobs in progress are read from the Redis broker; recent task
failures are kept in the cache by the task_failure signal (ops/logs.py); the
outbox figures come from the Publication table.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from publishing.models import Publication

logger = logging.getLogger(__name__)

FAILURES_KEY = "ops:task-failures"
FAILURES_KEPT = 50
QUEUE = "celery"
# kombu's Redis transport keeps one list per priority step: "celery", "celery\x06\x163", ...
QUEUE_KEYS = [QUEUE] + [f"{QUEUE}\x06\x16{step}" for step in (3, 6, 9)]


def record_task_failure(task_name: str, task_id: str, exception: BaseException | None) -> None:
    """Remember a failed task (name, id, error, time) for the desk; never raises."""
    try:
        failures = cache.get(FAILURES_KEY) or []
        failures.insert(
            0,
            {"task": task_name, "id": task_id, "error": repr(exception)[:300], "at": timezone.now().isoformat()},
        )
        cache.set(FAILURES_KEY, failures[:FAILURES_KEPT], timeout=7 * 24 * 3600)
    except Exception:  # the cache being down must not hide the task's own failure
        logger.warning("Could not record the failure of task %s %s", task_name, task_id, exc_info=True)


def broker_redis_url() -> str | None:
    """Return the broker's URL if it is Redis and tasks go through it; None in the in-process mode."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    return url


def broker_queue() -> tuple[int, int]:
    """Return (messages waiting, messages taken by a worker and not yet acknowledged); raises if unreachable."""
    import redis

    client = redis.Redis.from_url(broker_redis_url(), socket_connect_timeout=1, socket_timeout=1)
    pipe = client.pipeline()
    for key in QUEUE_KEYS:
        pipe.llen(key)
    pipe.hlen("unacked")
    *lengths, unacked = pipe.execute()
    return sum(lengths), unacked


@dataclass
class OutboxFigures:
    pending: int = 0
    oldest_pending_at: dt.datetime | None = None
    failed: int = 0
    oldest_failed_at: dt.datetime | None = None

    def age_seconds(self, when: dt.datetime | None, now: dt.datetime) -> int | None:
        return None if when is None else max(0, int((now - when).total_seconds()))


def outbox_figures(now: dt.datetime | None = None) -> OutboxFigures:
    """Count publications waiting to go live now (due pending ones) and failed ones, with their oldest times."""
    now = now or timezone.now()
    State = Publication.State
    due = Publication.objects.filter(state=State.PENDING).exclude(go_live_at__gt=now)
    failed = Publication.objects.filter(state=State.FAILED)
    # A scheduled publication starts waiting at its go-live time, a direct one when requested.
    due_stats = due.aggregate(oldest=Min(Coalesce("go_live_at", "requested_at")))
    failed_stats = failed.aggregate(oldest=Min("requested_at"))
    return OutboxFigures(
        pending=due.count(),
        oldest_pending_at=due_stats["oldest"],
        failed=failed.count(),
        oldest_failed_at=failed_stats["oldest"],
    )


@dataclass
class TaskMetrics:
    mode: str  # "redis" or "in-process"
    queued: int | None = None
    running: int | None = None
    broker_error: str = ""
    failures: list[dict[str, Any]] = field(default_factory=list)
    failures_24h: int = 0
    outbox: OutboxFigures = field(default_factory=OutboxFigures)
    oldest_pending_age: int | None = None


def task_metrics() -> TaskMetrics:
    """Return the figures the desk panel shows; a broker that is down is reported, not raised."""
    now = timezone.now()
    metrics = TaskMetrics(mode="redis" if broker_redis_url() else "in-process")
    if metrics.mode == "redis":
        try:
            metrics.queued, metrics.running = broker_queue()
        except Exception as exc:
            metrics.broker_error = f"{type(exc).__name__}: {exc}"[:200]
    try:
        failures = cache.get(FAILURES_KEY) or []
    except Exception:
        failures = []
    since = now - dt.timedelta(hours=24)
    metrics.failures = failures[:5]
    metrics.failures_24h = sum(1 for f in failures if f.get("at", "") >= since.isoformat())
    metrics.outbox = outbox_figures(now)
    metrics.oldest_pending_age = metrics.outbox.age_seconds(metrics.outbox.oldest_pending_at, now)
    return metrics
