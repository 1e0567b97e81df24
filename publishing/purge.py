"""Purging changed addresses from every cache that holds them, with failures kept and retried.

On every change (go-live, withdrawal, expiry, a re-render) the affected
addresses are purged from:

1. the app's own page cache (Redis in services mode; always), and
2. the configured outside cache (``PURGE_BACKEND``): ``none``, ``http``
   (an nginx ``proxy_cache_purge``-style ``PURGE <address>`` request to
   ``PURGE_HTTP_URL``) or ``cloudflare`` (the purge-by-URL API of a CDN zone).

A purge that fails (Redis down, the proxy unreachable, the CDN refusing) never
breaks publishing: it is written to the database as ``PurgeRequest`` rows and
``purge_retry_pending`` (a beat job, every ``PURGE_RETRY_SECONDS``) sends it
again until it succeeds. So a withdrawn page leaves the app's cache at most
``PURGE_RETRY_SECONDS`` after Redis is reachable again (and while Redis is
down the app reads pages from the database, where the withdrawal already is).
This is the one invalidation mechanism: the older generation counters of
``publishing.cache`` are bumped here too, and their failures are recorded the
same way.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.module_loading import import_string

from .cache import _ARTICLE_GENERATION, _SITE_GENERATION
from .httpcache import keys_for_paths
from .models import PurgeRequest

logger = logging.getLogger(__name__)

APP_CACHE = "app-cache"
GENERATION_PREFIX = "gen:"  # pseudo-address: "gen:<slug>" bumps the article's generation counters


class Purger(Protocol):
    """Something that can drop addresses from a cache; raises on failure."""

    name: str

    def purge(self, paths: list[str]) -> None: ...


class AppCachePurger:
    """Delete the addresses from the app's page cache (and bump the old generation counters)."""

    name = APP_CACHE

    def purge(self, paths: list[str]) -> None:
        cache = caches["default"]
        addresses = [path for path in paths if not path.startswith(GENERATION_PREFIX)]
        if addresses:
            cache.delete_many(keys_for_paths(addresses))
        for path in paths:
            if path.startswith(GENERATION_PREFIX):
                for key in (_ARTICLE_GENERATION.format(slug=path[len(GENERATION_PREFIX) :]), _SITE_GENERATION):
                    try:
                        cache.incr(key)
                    except ValueError:  # missing: a fresh one starts past any older number
                        cache.set(key, time.time_ns(), timeout=None)


class NoPurger:
    """No outside cache."""

    name = "none"

    def purge(self, paths: list[str]) -> None:
        return None


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class HttpPurger:
    """Send ``PURGE <address>`` to a caching proxy (nginx ``proxy_cache_purge``, Varnish), one per address.

    ``PURGE_HTTP_URL`` is where the proxy listens (e.g. ``http://127.0.0.1:8080``);
    the Host header is the public site's, so the proxy finds the same cache key.
    A 200 or 404 (nothing cached there) counts as done.
    """

    name = "http"

    def purge(self, paths: list[str]) -> None:
        base = settings.PURGE_HTTP_URL.rstrip("/")
        host = urlsplit(settings.SITE_URL).netloc
        for path in paths:
            if path.startswith(GENERATION_PREFIX):
                continue
            request = urllib.request.Request(f"{base}{path}", method="PURGE", headers={"Host": host})
            try:
                with urllib.request.urlopen(request, timeout=settings.PURGE_TIMEOUT) as response:  # noqa: S310  # nosec B310 (an http(s) URL from settings)
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status not in (200, 204, 404, 412):
                raise RuntimeError(f"PURGE {path} answered {status}")


class CloudflarePurger:
    """Purge by URL through Cloudflare's API: ``POST /zones/<zone>/purge_cache`` with ``{"files": [...]}``.

    Settings: ``PURGE_CDN_ZONE``, ``PURGE_CDN_TOKEN`` (an API token allowed
    to purge), and ``PURGE_CDN_API`` (default ``https://api.cloudflare.com/client/v4``;
    tests point it at a local server). At most 30 URLs go in one call, the API's limit.
    """

    name = "cdn"
    batch = 30

    def purge(self, paths: list[str]) -> None:
        urls = [_absolute(path) for path in paths if not path.startswith(GENERATION_PREFIX)]
        endpoint = f"{settings.PURGE_CDN_API.rstrip('/')}/zones/{settings.PURGE_CDN_ZONE}/purge_cache"
        for start in range(0, len(urls), self.batch):
            payload = json.dumps({"files": urls[start : start + self.batch]}).encode()
            request = urllib.request.Request(
                endpoint,
                data=payload,
                method="POST",
                headers={"Authorization": f"Bearer {settings.PURGE_CDN_TOKEN}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=settings.PURGE_TIMEOUT) as response:  # noqa: S310  # nosec B310 (an http(s) URL from settings)
                answer = json.loads(response.read() or b"{}")
            if not answer.get("success"):
                raise RuntimeError(f"CDN purge refused: {answer.get('errors')}")


BACKENDS = {"none": NoPurger, "http": HttpPurger, "cloudflare": CloudflarePurger}


def configured_purgers() -> list[Purger]:
    """Return the app cache purger and the outside one named by PURGE_BACKEND (a name or a dotted path)."""
    backend = settings.PURGE_BACKEND or "none"
    outside = BACKENDS[backend]() if backend in BACKENDS else import_string(backend)()
    purgers: list[Purger] = [AppCachePurger()]
    if not isinstance(outside, NoPurger):
        purgers.append(outside)
    return purgers


def _record(target: str, paths: list[str], error: str) -> None:
    """Keep failed purges in the database, one row per address and target."""
    try:
        for path in paths:
            with transaction.atomic():
                updated = PurgeRequest.objects.filter(path=path, target=target).update(
                    attempts=F("attempts") + 1, last_error=error[:2000]
                )
                if not updated:
                    try:
                        with transaction.atomic():
                            PurgeRequest.objects.create(path=path, target=target, last_error=error[:2000])
                    except IntegrityError:
                        pass
    except Exception:
        logger.exception("Could not even record the failed purge of %d addresses on %s", len(paths), target)


def purge_paths(paths: Iterable[str], *, purgers: list[Purger] | None = None) -> bool:
    """Purge addresses from every cache; record what failed for the retry job. Never raises.

    Return True if every purger succeeded.
    """
    paths = sorted(set(paths))
    if not paths:
        return True
    ok = True
    if purgers is None:
        try:
            purgers = configured_purgers()
        except Exception as exc:  # a bad PURGE_BACKEND must not break publishing either
            logger.error(
                "PURGE_BACKEND=%r cannot be used (%s); purging the app's own cache only.", settings.PURGE_BACKEND, exc
            )
            purgers, ok = [AppCachePurger()], False
    for purger in purgers:
        try:
            purger.purge(paths)
        except Exception as exc:
            ok = False
            logger.warning("Purge on %s failed for %d addresses (kept for retry): %s", purger.name, len(paths), exc)
            _record(purger.name, paths, f"{type(exc).__name__}: {exc}")
    return ok


def purge_retry_pending(*, limit: int = 500) -> dict[str, int]:
    """Send the recorded failed purges again; delete the ones that succeed. Return counts per outcome."""
    try:
        by_name = {purger.name: purger for purger in configured_purgers()}
        configured = True
    except Exception as exc:
        logger.error("PURGE_BACKEND=%r cannot be used (%s); retrying the app cache only.", settings.PURGE_BACKEND, exc)
        by_name, configured = {APP_CACHE: AppCachePurger()}, False
    done = failed = 0
    for target in PurgeRequest.objects.values_list("target", flat=True).distinct().order_by():
        rows = list(PurgeRequest.objects.filter(target=target).order_by("pk")[:limit])
        purger = by_name.get(target)
        if purger is None:
            if configured:  # the backend was switched off since: nothing left to purge there
                PurgeRequest.objects.filter(pk__in=[row.pk for row in rows]).delete()
            continue
        try:
            purger.purge([row.path for row in rows])
        except Exception as exc:
            failed += len(rows)
            PurgeRequest.objects.filter(pk__in=[row.pk for row in rows]).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            logger.warning("Retried purge on %s still failing: %s", target, exc)
        else:
            done += len(rows)
            PurgeRequest.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return {"purged": done, "failed": failed}
