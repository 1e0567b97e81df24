"""/healthz and /readyz: JSON for load balancers and monitors; no sign-in, never cached."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cms import replicas

from . import metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 while the process can serve a request; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _timed(check) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = check() or {}
        result = {"ok": True, **result}
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _cache() -> dict:
    key = f"ops:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("a value written to the cache could not be read back")
    cache.delete(key)
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _broker() -> dict:
    if metrics.broker_redis_url() is None:
        return {"mode": "in-process", "detail": "no broker: tasks run inside the web process"}
    queued, running = metrics.broker_queue()
    return {"mode": "redis", "queued": queued, "running": running}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Answer 200 if the database, the cache and the broker answer and the outbox is moving; else 503.

    With read replicas configured, lists each one as ok, lagging (with its
    lag) or down; readers then read the primary. Also reports the oldest
    publication waiting in the outbox and the oldest failed one (a failed
    publication needs an editor, not a restart, so it does not make the
    instance unready).
    """
    checks: dict[str, dict[str, Any]] = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "broker": _timed(_broker),
    }
    if checks["database"]["ok"]:
        now = timezone.now()

        def _outbox() -> dict:
            figures = metrics.outbox_figures(now)
            age = figures.age_seconds(figures.oldest_pending_at, now)
            if age is not None and age > settings.READYZ_OUTBOX_MAX_AGE:
                raise RuntimeError(
                    f"{figures.pending} publication(s) waiting; the oldest for {age} s "
                    f"(more than READYZ_OUTBOX_MAX_AGE={settings.READYZ_OUTBOX_MAX_AGE})"
                )
            return {"pending": figures.pending, "oldest_pending_age_seconds": age}

        def _failed() -> dict:
            figures = metrics.outbox_figures(now)
            return {
                "failed": figures.failed,
                "oldest_failed_age_seconds": figures.age_seconds(figures.oldest_failed_at, now),
            }

        checks["outbox"] = _timed(_outbox)
        failed = _timed(_failed)
    else:
        failed = {"ok": False, "error": "database unreachable"}
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "failed_publications": failed}
    if replicas.replica_aliases():
        # A replica down or lagging is skipped (the primary serves its reads), so it does not make this unready.
        body["replicas"] = replicas.replica_report()
    return JsonResponse(body, status=200 if ready else 503)
