"""Purging changed addresses from every cache that holds them, with failures kept and retried.

On every change (go-live, withdrawal, expiry, a re-render) the affected
addresses are purged from:

1. the app's own page cache (Redis in services mode; always), by address:
   its keys are a closed set (``httpcache.cache_key_for`` admits only the
   query strings the site's own links use), so the address list is complete;
2. the configured outside cache (``PURGE_BACKEND``), by tag where it can:
   ``varnish`` (xkey: one ``PURGE`` with an ``xkey-purge`` header),
   ``fastly`` (surrogate keys) or ``cloudflare-tags`` (cache tags). An edge
   keeps a copy per query string it saw (a tracking parameter, a mistyped
   page number), which no address list can name; every public response is
   tagged with what it shows (``httpcache.tags_for``), and the tags of a
   purge are derived from its addresses (``httpcache.tags_for_addresses``),
   so one tag purge finds them all. By address, as the fallback: ``http``
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

import abc
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
from .httpcache import TAG_PREFIX, keys_for_paths, tags_for_addresses
from .localcopy import bump_generation
from .models import PurgeRequest

logger = logging.getLogger(__name__)

APP_CACHE = "app-cache"
GENERATION_PREFIX = "gen:"  # pseudo-address: "gen:<slug>" bumps the article's generation counters


class Purger(Protocol):
    """Something that can drop addresses from a cache; raises on failure.

    ``purge`` receives the items of a purge list: addresses ("/path?query"),
    "gen:<slug>" and "tag:<name>" pseudo-addresses; each purger uses the ones
    it understands. A purger may define ``wanted(paths)`` to reduce a list to
    what it will send (a tag purger: the tags), which is also what a failure
    records for the retry job.
    """

    name: str

    def purge(self, paths: list[str]) -> None: ...


def wanted_by(purger: Purger, paths: list[str]) -> list[str]:
    """Return the items of a purge list this purger sends (all of them unless it says otherwise)."""
    wanted = getattr(purger, "wanted", None)
    return wanted(paths) if wanted is not None else paths


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
        # Last, once the shared copies are gone: every process drops its own
        # (publishing/localcopy.py), and refills from fresh bytes.
        bump_generation()


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


class TagPurger(abc.ABC):
    """Base of the purgers by tag: they send the tags derived from a purge list, in batches (``purge_tags``)."""

    name = "tags"
    batch = 30

    def wanted(self, paths: list[str]) -> list[str]:
        return [f"{TAG_PREFIX}{tag}" for tag in tags_for_addresses(paths)]

    def purge(self, paths: list[str]) -> None:
        tags = tags_for_addresses(paths)
        for start in range(0, len(tags), self.batch):
            self.purge_tags(tags[start : start + self.batch])

    @abc.abstractmethod
    def purge_tags(self, tags: list[str]) -> None:
        """Drop everything tagged with any of these tags (at most ``batch``); raise on failure."""


class VarnishPurger(TagPurger):
    """Purge by tag at Varnish with the xkey vmod: ``PURGE /`` with ``xkey-purge: <tags>`` (deploy/varnish/vetted.vcl).

    ``PURGE_HTTP_URL`` is where Varnish listens. A hard purge: a withdrawn
    page must not be served stale during grace. Varnish answers 200 with the
    number of objects it dropped (0 is fine: nothing was cached).
    """

    name = "varnish"
    batch = 100

    def purge_tags(self, tags: list[str]) -> None:
        base = settings.PURGE_HTTP_URL.rstrip("/")
        headers = {"Host": urlsplit(settings.SITE_URL).netloc, "xkey-purge": " ".join(tags)}
        request = urllib.request.Request(f"{base}/", method="PURGE", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=settings.PURGE_TIMEOUT) as response:  # noqa: S310  # nosec B310 (an http(s) URL from settings)
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status != 200:
            raise RuntimeError(f"xkey purge of {len(tags)} tags answered {status}")


class FastlyPurger(TagPurger):
    """Purge by surrogate key through Fastly's API: ``POST /service/<id>/purge`` with ``Surrogate-Key: <keys>``.

    Settings: ``PURGE_FASTLY_SERVICE``, ``PURGE_FASTLY_TOKEN`` (an API token
    with purge rights) and ``PURGE_FASTLY_API`` (tests point it at a local
    server). The API takes at most 256 keys per call.
    """

    name = "fastly"
    batch = 256

    def purge_tags(self, tags: list[str]) -> None:
        endpoint = f"{settings.PURGE_FASTLY_API.rstrip('/')}/service/{settings.PURGE_FASTLY_SERVICE}/purge"
        headers = {
            "Fastly-Key": settings.PURGE_FASTLY_TOKEN,
            "Surrogate-Key": " ".join(tags),
            "Accept": "application/json",
        }
        request = urllib.request.Request(endpoint, data=b"", method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=settings.PURGE_TIMEOUT) as response:  # noqa: S310  # nosec B310 (an http(s) URL from settings)
            if response.status != 200:
                raise RuntimeError(f"Fastly purge answered {response.status}")


class CloudflareTagPurger(TagPurger):
    """Purge by cache tag through Cloudflare's API: ``POST /zones/<zone>/purge_cache`` with ``{"tags": [...]}``.

    The same settings as the URL purger (``PURGE_CDN_ZONE``,
    ``PURGE_CDN_TOKEN``, ``PURGE_CDN_API``); at most 30 tags per call.
    """

    name = "cdn-tags"
    batch = 30

    def purge_tags(self, tags: list[str]) -> None:
        endpoint = f"{settings.PURGE_CDN_API.rstrip('/')}/zones/{settings.PURGE_CDN_ZONE}/purge_cache"
        request = urllib.request.Request(
            endpoint,
            data=json.dumps({"tags": tags}).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {settings.PURGE_CDN_TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=settings.PURGE_TIMEOUT) as response:  # noqa: S310  # nosec B310 (an http(s) URL from settings)
            answer = json.loads(response.read() or b"{}")
        if not answer.get("success"):
            raise RuntimeError(f"CDN tag purge refused: {answer.get('errors')}")


BACKENDS = {
    "none": NoPurger,
    "http": HttpPurger,
    "cloudflare": CloudflarePurger,
    "varnish": VarnishPurger,
    "fastly": FastlyPurger,
    "cloudflare-tags": CloudflareTagPurger,
}


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
        items = paths
        try:
            items = wanted_by(purger, paths)
            if items:
                purger.purge(items)
        except Exception as exc:
            ok = False
            logger.warning("Purge on %s failed for %d items (kept for retry): %s", purger.name, len(items), exc)
            _record(purger.name, items, f"{type(exc).__name__}: {exc}")
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
