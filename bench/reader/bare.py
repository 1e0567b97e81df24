"""The ceiling: a bare WSGI app on gunicorn's sync workers returning a fixed body (no Django at all)."""

from __future__ import annotations

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
