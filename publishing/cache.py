"""Cache keys for the reader site, with generation numbers that publishing bumps.

The reader caches whole responses under ``reader_cache_key`` (one article page
for one audience) and ``site_cache_key`` (index, sitemap, feed, API list).
Neither key is ever deleted: going live or withdrawing bumps a generation
number kept in the cache, so every old key simply stops being asked for and
expires on its own. A generation that is missing (evicted, or a fresh cache)
starts from the clock in nanoseconds, so it can never fall back to a number
an older entry was stored under.

Keys always include the audience, so one audience's page is never served to
another.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.utils import translation

from cms import languages

logger = logging.getLogger(__name__)

_ARTICLE_GENERATION = "vetted:gen:article:{slug}"
_SITE_GENERATION = "vetted:gen:site"
DEFAULT_AUDIENCE = "default"


def _generation(key: str) -> int:
    """Return the generation stored under key, creating it if missing."""
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, time.time_ns(), timeout=None)
            value = cache.get(key)
        return int(value) if value is not None else 0
    except Exception as exc:  # a cache outage must not break a reader page
        logger.warning("Cache unavailable reading %s: %s", key, exc)
        return 0


def _bump(key: str) -> None:
    """Advance the generation stored under key."""
    try:
        try:
            cache.incr(key)
        except ValueError:  # missing: start past any number used before
            cache.set(key, time.time_ns(), timeout=None)
    except Exception as exc:
        logger.error("Cache unavailable: could not invalidate %s: %s", key, exc)


def reader_cache_key(article_slug: str, audience_slug: str | None, variant: str = "page") -> str:
    """Return the cache key for one article's reader response for one audience.

    ``variant`` names the kind of response (``"page"``, ``"api"``, …) so the
    HTML page and the JSON of the same article never share a key.
    """
    generation = _generation(_ARTICLE_GENERATION.format(slug=article_slug))
    language = languages.base(translation.get_language())
    if language != languages.default_language():  # the /es/ copy has its own links
        variant = f"{variant}@{language}"
    return f"vetted:reader:{variant}:{article_slug}:{audience_slug or DEFAULT_AUDIENCE}:g{generation}"


def site_cache_key(name: str) -> str:
    """Return the cache key for a site-wide response (index, sitemap, feed, API list) in the active language.

    The same list under /es/ has its own links (the feed's self link, the API's
    next page), so each language keeps its own copy; the default's key is unchanged.
    """
    language = languages.base(translation.get_language())
    if language != languages.default_language():
        name = f"{name}@{language}"
    return f"vetted:site:{name}:g{_generation(_SITE_GENERATION)}"


def invalidate_article_cache(article_slug: str) -> None:
    """Invalidate every cached response of one article and the site-wide lists."""
    _bump(_ARTICLE_GENERATION.format(slug=article_slug))
    _bump(_SITE_GENERATION)
