"""Structured logs: a JSON formatter, one line per request (a WSGI wrapper), one per task.

The request line is written by a WSGI wrapper around Django (cms/wsgi.py), not
by a middleware, so it also covers responses that a middleware answers early
(a public page cache put first in MIDDLEWARE) and the 500 page.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from celery import signals

request_logger = logging.getLogger("vetted.requests")
task_logger = logging.getLogger("vetted.tasks")

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

    converter = time.gmtime


def request_id_from(environ: dict) -> str:
    """Return the caller's X-Request-ID if it is a sane token, else a new random one."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    """WSGI wrapper: give each request an id (X-Request-ID) and log one line when it ends."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        request_id = request_id_from(environ)
        environ["HTTP_X_REQUEST_ID"] = request_id  # views and logs see the same id
        seen: dict[str, Any] = {}

        def _start_response(status: str, headers: list, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"] + [("X-Request-ID", request_id)]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, _start_response)
        except Exception:
            self._log(environ, request_id, started, 500, error=True)
            raise
        return _Logged(body, lambda: self._log(environ, request_id, started, seen.get("status", 0)))

    @staticmethod
    def _log(environ: dict, request_id: str, started: float, status: int, *, error: bool = False) -> None:
        fields = {
            "event": "request",
            "request_id": request_id,
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "status": status,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
        }
        level = logging.ERROR if error or status >= 500 else logging.INFO
        request_logger.log(level, "%s %s %s", fields["method"], fields["path"], status, extra=fields)


class _Logged:
    """Wrap a WSGI response body so the line is logged once it has been sent (or closed)."""

    def __init__(self, body: Iterable[bytes], on_close: Callable[[], None]) -> None:
        self.body = body
        self.on_close = on_close

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.on_close()


# --- tasks ---------------------------------------------------------------------

_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_prerun(task_id=None, task=None, **_kwargs) -> None:
    _task_started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_postrun(task_id=None, task=None, args=None, state=None, **_kwargs) -> None:
    started = _task_started.pop(task_id, None)
    fields = {
        "event": "task",
        "task_id": task_id,
        "task": getattr(task, "name", ""),
        "task_args": list(args or [])[:10],
        "state": state,
        "duration_ms": round((time.monotonic() - started) * 1000, 1) if started else None,
    }
    level = logging.WARNING if state == "FAILURE" else logging.INFO
    task_logger.log(level, "task %s %s", fields["task"], state, extra=fields)


@signals.task_failure.connect
def _task_failure(task_id=None, sender=None, exception=None, **_kwargs) -> None:
    # Lazy on purpose: settings load this module to configure logging before the apps are ready,
    # and metrics reads the Publication model.
    from .metrics import record_task_failure

    record_task_failure(getattr(sender, "name", "?"), task_id or "", exception)
