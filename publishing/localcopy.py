"""A per-process copy of public responses, replayed at the WSGI level: a warm page costs almost nothing.

``LocalCopies`` wraps the Django WSGI application (``cms/wsgi.py``, inside
the request log). For a GET or HEAD of an address the page cache may share
(``httpcache.cache_key_for``) and no conditional header, it keeps the whole
response Django gave (status, every header, the body) per address and
encoding, and answers the next identical request from memory without
entering Django: no request object, no middleware, no Redis round trip.

Freshness: every purge of the app's cache (``purge.AppCachePurger``) bumps
one counter in the shared cache (``GENERATION_KEY``), after the shared
copies are deleted and before any edge cache (Varnish, a CDN) is purged.
Each process reads that counter before answering from a copy (one small
Redis GET, ``LOCAL_COPY_CHECK_SECONDS=0``, the default) and drops all its
copies when it moved, so no copy is served once a purge has finished, and an
edge that refetches after its own purge gets fresh bytes. A positive
``LOCAL_COPY_CHECK_SECONDS`` reads the counter at most that often instead:
faster, but a replaced page can then be served for that long after the
purge, and an edge purged in that window would store the old bytes again,
so it is only for sites with no edge cache. If the counter cannot be read
(Redis down) the copies are dropped and not used until it can. A copy is
only taken of a 200 that is public (``Cache-Control: public``), sets no
cookie and does not vary on the cookie, so nothing personal is ever kept;
memory is bounded (``LOCAL_COPY_MAX_BYTES``, least recently used out
first).

On (``LOCAL_COPIES``) by default only with a Redis cache (services mode):
with the local-memory cache each process would have its own counter and a
purge in another process would go unseen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import caches

from .httpcache import BROTLI, cache_key_for, shared_value

logger = logging.getLogger(__name__)

GENERATION_KEY = "vetted:gen:local-copies"
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE")


def bump_generation() -> None:
    """Tell every process to drop its copies (called by each purge of the app cache; raises if the cache is down)."""
    cache = caches["default"]
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # missing: start past any number a process may have seen
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def _encoding(environ: dict) -> str:
    accepted = environ.get("HTTP_ACCEPT_ENCODING", "")  # as httpcache.encoding_for decides
    if BROTLI and "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted else ""


class LocalCopies:
    """WSGI wrapper keeping this process's copies of public responses (see the module docstring)."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._copies: OrderedDict[tuple[str, str], tuple[str, list, bytes]] = OrderedDict()
        self._bytes = 0
        self._generation: object = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def enabled(self) -> bool:
        return settings.LOCAL_COPIES and settings.READER_CACHE_SECONDS > 0

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._bytes = 0

    def _current(self) -> bool:
        """Check the purge counter when due; return False while copies may not be used."""
        now = time.monotonic()
        interval = settings.LOCAL_COPY_CHECK_SECONDS
        if interval > 0 and now - self._checked < interval:
            return self._generation is not None
        self._checked = now
        try:
            generation = shared_value(GENERATION_KEY)
            if generation is None:
                bump_generation()
                generation = caches["default"].get(GENERATION_KEY)
        except Exception as exc:
            logger.warning("Local page copies off until the cache answers: %s", exc)
            generation = None
        if generation != self._generation or generation is None:
            self.clear()
            self._generation = generation
        return generation is not None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or not self.enabled() or any(name in environ for name in _CONDITIONAL):
            return self.app(environ, start_response)
        key = cache_key_for(
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("HTTP_COOKIE", "")
        )
        if key is None or not self._current():
            return self.app(environ, start_response)
        slot = (key, _encoding(environ))
        generation = self._generation
        with self._lock:
            copy = self._copies.get(slot)
            if copy is not None:
                self._copies.move_to_end(slot)
        if copy is not None:
            status, headers, body = copy
            start_response(status, list(headers))
            return [b"" if method == "HEAD" else body]
        return self._fill(environ, start_response, slot, generation, method)

    def _fill(self, environ, start_response, slot, generation, method) -> Iterable[bytes]:
        seen: dict = {}

        def capture(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if method != "GET" or not self._keepable(seen):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._keep(slot, generation, seen["status"], seen["headers"], body)
        return [body]

    @staticmethod
    def _keepable(seen: dict) -> bool:
        if not seen.get("status", "").startswith("200"):
            return False
        headers = {name.lower(): value for name, value in seen["headers"]}
        return (
            "public" in headers.get("cache-control", "")
            and "set-cookie" not in headers
            and "cookie" not in headers.get("vary", "").lower()
        )

    def _keep(self, slot, generation, status: str, headers: list, body: bytes) -> None:
        size = len(body) + 64 * len(headers)
        limit = settings.LOCAL_COPY_MAX_BYTES
        if size > limit // 2:  # one page never crowds out the rest
            return
        with self._lock:
            if generation != self._generation:  # a purge was seen while this response was built
                return
            old = self._copies.pop(slot, None)
            if old is not None:
                self._bytes -= len(old[2]) + 64 * len(old[1])
            self._copies[slot] = (status, list(headers), body)
            self._bytes += size
            while self._bytes > limit and self._copies:
                _, evicted = self._copies.popitem(last=False)
                self._bytes -= len(evicted[2]) + 64 * len(evicted[1])
