"""Public responses as shared bytes: one entry format, one way to answer, one cache.

Every public address (article pages, index, board, policy, sitemap, feed, API)
is answered from an ``Entry``: the body, the same body gzipped once, a strong
ETag derived from the body, and a Last-Modified time. ``respond`` turns an
entry into the HTTP response (``Cache-Control`` for browsers and shared
caches, ``304 Not Modified``, ``HEAD``, gzip when accepted), so a page read
from the database, from Redis or written to the static export carries the
same bytes and headers.

Nothing here depends on who is asking: no cookie is read (apart from the
audience cookie that turns the plain article address into a private
redirect, see ``cache_key_for``) and none is set.

``public_response`` is the decorator for views that build their body on each
request (index, sitemap, feed, API): it hides the visitor from the view (an
anonymous user and no flashed messages, so no staff navigation, CSRF token or
session access can end up in the bytes), then caches the result under its
address. ``publishing.fastpath.FastPathMiddleware`` answers a cached address, and a
stored article page on a cache miss, before the session, auth, messages and
CSRF middleware run.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import http_date, parse_http_date_safe

from cms.languages import without_prefix

logger = logging.getLogger(__name__)

AUDIENCE_COOKIE = "vetted_audience"
KEY_PREFIX = "vetted:resp:"

# Addresses whose 200 responses are the same for everyone and may be cached, in
# the source language; each is the same under a language's prefix (/es/board/),
# so the patterns are matched against ``without_prefix(path)``.
_EXACT = frozenset({"/", "/board/", "/editorial-policy/", "/sitemap.xml", "/feed/", "/robots.txt", "/api/articles/"})
_ARTICLE = re.compile(r"^/articles/[a-z0-9_-]+/(?:for/[a-z0-9_-]+/|provenance\.json)?$")
_PLAIN_ARTICLE = re.compile(r"^/articles/[a-z0-9_-]+/$")
_API_ARTICLE = re.compile(r"^/api/articles/[a-z0-9_-]+/$")
# Only these query strings are cached under their own key; anything else
# (a search, tracking parameters) is answered by the view, still with HTTP
# caching headers, but never fills the shared cache.
_QUERY = re.compile(r"^(?:page=[0-9]{1,6}|for=[a-z0-9_-]{1,60})$")


class Entry(NamedTuple):
    """One public response as bytes (a tuple, so the cache stores it cheaply)."""

    status: int
    content_type: str
    body: bytes
    body_gzip: bytes
    etag: str
    last_modified: float  # seconds since the epoch
    body_br: bytes = b""  # brotli, when the brotli package is installed


def etag_for(body: bytes) -> str:
    """Return the strong ETag of a body: a quoted prefix of its SHA-256."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def gzip_bytes(body: bytes) -> bytes:
    """Return body gzipped deterministically (no file name, mtime 0), so equal bytes give equal files."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def brotli_bytes(body: bytes, *, quality: int = 5) -> bytes:
    """Return body compressed with brotli, or b"" when the brotli package is missing."""
    try:
        import brotli
    except ImportError:
        return b""
    return brotli.compress(body, quality=quality)


def make_entry(
    body: bytes,
    content_type: str,
    *,
    status: int = 200,
    last_modified: float | None = None,
    brotli_quality: int = 5,
) -> Entry:
    """Build the entry of a body: its gzip, brotli and ETag are computed once, here.

    Stored pages (rendered once) use the smallest brotli
    (``STORED_BROTLI_QUALITY``, 11 by default); pages built on a request use a
    quick one.
    """
    return Entry(
        status=status,
        content_type=content_type,
        body=body,
        body_gzip=gzip_bytes(body),
        etag=etag_for(body),
        last_modified=float(int(last_modified if last_modified is not None else time.time())),
        body_br=brotli_bytes(body, quality=brotli_quality),
    )


# --- cache tags ------------------------------------------------------------------

# A purge list (``publishing.purge``) may hold "tag:<name>": purge every
# response carrying that tag at an edge cache that purges by tag.
TAG_PREFIX = "tag:"
_TAGGED_ARTICLE = re.compile(
    r"^(?:/[a-z]{2}(?:-[a-z0-9]{2,8})?)?/(?:api/)?articles/(?P<slug>[a-z0-9_-]+)/(?:for/(?P<audience>[a-z0-9_-]+)/)?"
)
_FURNITURE_TAGS = {"/board/": "board", "/editorial-policy/": "policy", "/changes/": "changes"}
# Header name -> separator. Varnish's xkey vmod reads ``xkey``, Fastly
# ``Surrogate-Key`` and Cloudflare ``Cache-Tag``; each edge drops its own
# header before the reader sees it (deploy/varnish/vetted.vcl does for xkey).
TAG_HEADERS = {"xkey": ("xkey", " "), "surrogate-key": ("Surrogate-Key", " "), "cache-tag": ("Cache-Tag", ",")}


def tags_for(path: str) -> list[str]:
    """Return the cache tags of a public address: what it shows, so one purge of a tag finds every copy.

    Every address of one article, whatever its query string (``?page=``, a
    tracking parameter an edge cached separately), carries
    ``article-<slug>``; an audience's version adds ``audience-<slug>``. Every
    other public address lists articles or shows site furniture and carries
    ``catalogue`` (and ``board``, ``policy`` or ``changes`` for those pages).
    All carry ``site``, to empty an edge of the whole site at once.
    """
    match = _TAGGED_ARTICLE.match(path)
    if match:
        tags = ["site", f"article-{match['slug']}"]
        if match["audience"]:
            tags.append(f"audience-{match['audience']}")
        return tags
    tags = ["site", "catalogue"]
    furniture = _FURNITURE_TAGS.get(without_prefix(path))  # /es/board/ shows the board too
    if furniture:
        tags.append(furniture)
    return tags


def tags_for_addresses(paths: list[str]) -> list[str]:
    """Return the tags a purge of these addresses means ("tag:" items kept as they are; never ``site``).

    Each address adds its narrowest tag, so purging the addresses an article
    change lists (its pages and the site's lists) becomes ``article-<slug>``
    and ``catalogue``, whatever query strings the edge holds copies for.
    """
    tags: set[str] = set()
    for address in paths:
        if address.startswith(TAG_PREFIX):
            tags.add(address[len(TAG_PREFIX) :])
        elif address.startswith("/"):
            tags.add(_narrowest_tag(address.partition("?")[0]))
    tags.discard("site")
    return sorted(tags)


def _narrowest_tag(path: str) -> str:
    """The one tag that stands for an address in a purge: its article, its furniture page, else the catalogue.

    A furniture page also carries ``catalogue`` (it lists articles), so an
    article's purge, which always names the index, refreshes it too; an
    edit of the policy alone purges only ``policy``.
    """
    match = _TAGGED_ARTICLE.match(path)
    if match:
        return f"article-{match['slug']}"
    return _FURNITURE_TAGS.get(without_prefix(path), "catalogue")


def _tag_headers(path: str) -> dict[str, str]:
    tags = tags_for(path)
    return {
        header: separator.join(tags)
        for name, (header, separator) in TAG_HEADERS.items()
        if name in settings.CACHE_TAG_HEADERS
    }


def cache_control(path: str = "") -> str:
    """Return the Cache-Control value of a public response (from settings).

    The plain article address is public for shared caches, but a browser
    must ask again each time (a cheap 304): once its reader picks an
    audience, the same address answers with a redirect to their version.
    """
    if _PLAIN_ARTICLE.match(without_prefix(path)):
        return f"public, max-age=0, must-revalidate, s-maxage={settings.PUBLIC_S_MAXAGE}"
    return (
        f"public, max-age={settings.PUBLIC_MAX_AGE}, s-maxage={settings.PUBLIC_S_MAXAGE}, "
        f"stale-while-revalidate={settings.PUBLIC_STALE_WHILE_REVALIDATE}"
    )


def _not_modified(request: HttpRequest, entry: Entry) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        # Weak comparison, as RFC 9110 requires for If-None-Match; "-gzip"
        # and "-br" mark the compressed representations of the same bytes.
        tags = {
            tag.strip().removeprefix("W/").replace('-gzip"', '"').replace('-br"', '"')
            for tag in if_none_match.split(",")
        }
        return entry.etag in tags
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        since = parse_http_date_safe(if_modified_since)
        return since is not None and entry.last_modified <= since
    return False


def respond(request: HttpRequest, entry: Entry) -> HttpResponse:
    """Answer a GET or HEAD from an entry: 304 if the client has it, brotli or gzip if accepted, no body for HEAD."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    encoding, body = "", entry.body
    if entry.body_br and "br" in accepted:
        encoding, body = "br", entry.body_br
    elif entry.body_gzip and "gzip" in accepted:
        encoding, body = "gzip", entry.body_gzip
    etag = f'{entry.etag[:-1]}-{encoding}"' if encoding else entry.etag
    if entry.status == 200 and _not_modified(request, entry):
        response = HttpResponse(status=304)
        del response["Content-Type"]
        # The length a 200 would have (RFC 9110 8.6), set here so that no
        # middleware adds a wrong "0" and the fast path and the view agree.
        response["Content-Length"] = str(len(body))
    else:
        response = HttpResponse(b"" if request.method == "HEAD" else body, status=entry.status)
        response["Content-Type"] = entry.content_type
        response["Content-Length"] = str(len(body))
        if encoding:
            response["Content-Encoding"] = encoding
    response["ETag"] = etag
    response["Last-Modified"] = http_date(entry.last_modified)
    response["Cache-Control"] = cache_control(request.path_info)
    response["Vary"] = "Accept-Encoding"
    for name, value in _tag_headers(request.path_info).items():
        response[name] = value
    return response


def private_redirect(location: str) -> HttpResponse:
    """Return a 302 that no shared cache may keep (it depends on the visitor's cookie)."""
    response = HttpResponseRedirect(location)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the shared cache ----------------------------------------------------------

_down_until = 0.0  # after a cache error, skip the cache in this process for a moment


def cache_key_for(path: str, query: str, cookies: str = "") -> str | None:
    """Return the cache key of a public address, or None if its response must not be shared.

    The plain article address of a visitor whose audience cookie is set is
    a private redirect, so it is never answered from the shared cache.
    """
    if query and not _QUERY.match(query):
        return None
    shape = without_prefix(path)  # /es/articles/<slug>/ is cached like /articles/<slug>/
    if shape in _EXACT or _ARTICLE.match(shape) or _API_ARTICLE.match(shape):
        if AUDIENCE_COOKIE in cookies and _PLAIN_ARTICLE.match(shape) and not query:
            return None
        return _address_key(path, query)
    return None


def _address_key(path: str, query: str) -> str:
    """Return the key of one address; a long query (an API cursor) is hashed so keys stay under 250 bytes."""
    if not query:
        return f"{KEY_PREFIX}{path}"
    if len(query) > 100:
        query = "#" + hashlib.sha256(query.encode()).hexdigest()
    return f"{KEY_PREFIX}{path}?{query}"


def request_cache_key(request: HttpRequest) -> str | None:
    """Return the cache key of a GET/HEAD request for a public address, or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    return cache_key_for(request.path_info, request.META.get("QUERY_STRING", ""), request.META.get("HTTP_COOKIE", ""))


try:
    import brotli as _brotli  # noqa: F401

    BROTLI = True
except ImportError:  # pragma: no cover - brotli is in requirements.txt
    BROTLI = False

# Each address is cached as one key per encoding, so a hit transfers only the
# bytes it sends (about 8 KB of brotli for a browser instead of every form).
ENCODINGS = ("", "gzip", "br")


def encoding_for(request: HttpRequest) -> str:
    """Return the encoding a request will be answered in: "br", "gzip" or "" (identity)."""
    accepted = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if BROTLI and "br" in accepted:
        return "br"
    return "gzip" if "gzip" in accepted else ""


def _encoded_key(key: str, encoding: str) -> str:
    return f"{key}|{encoding}" if encoding else key


def keys_for_paths(paths: list[str]) -> list[str]:
    """Return the cache keys (every encoding) of addresses given as ``/path`` or ``/path?query``."""
    keys = []
    for address in paths:
        path, _, query = address.partition("?")
        key = _address_key(path, query)
        keys += [_encoded_key(key, encoding) for encoding in ENCODINGS]
    return keys


_reader: tuple[int, object, Callable[[str], object]] | None = None


def _read(key: str):
    """Read one key from the default cache, through one long-lived Redis client when it is Redis.

    Django's RedisCache builds a new ``redis.Redis`` object (and its table of
    response callbacks) on every call, which was about half the CPU of a page
    cache hit; this keeps one per process and cache, and reads the value as
    Django stored it (an int as is, anything else pickled by Django itself).
    """
    global _reader
    backend = caches["default"]
    if _reader is None or _reader[0] != os.getpid() or _reader[1] is not backend:
        _reader = (os.getpid(), backend, _reader_for(backend))
    return _reader[2](key)


def _reader_for(backend) -> Callable[[str], object]:
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(backend, RedisCache):
        return backend.get
    return _redis_reader(settings.CACHES["default"], backend.make_and_validate_key)


def _redis_reader(config: dict, make_key: Callable[[str], str]) -> Callable[[str], object]:
    """Return a get(key) on the cache's own Redis, built from its settings as Django's RedisCache builds its own.

    The same servers (the first writes; with several, reads go to one of the
    others), the same connection options and the same serializer, so what
    ``caches["default"].set`` stored reads back identically.
    """
    import random

    import redis
    from django.core.cache.backends.redis import RedisSerializer
    from django.utils.module_loading import import_string

    location = config["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else list(location)
    server = servers[0] if len(servers) == 1 else random.choice(servers[1:])  # nosec B311 - load spreading, not security
    options = dict(config.get("OPTIONS", {}))
    serializer = options.pop("serializer", RedisSerializer)
    serializer = import_string(serializer) if isinstance(serializer, str) else serializer
    pool_class = options.pop("pool_class", redis.ConnectionPool)
    pool_class = import_string(pool_class) if isinstance(pool_class, str) else pool_class
    parser_class = options.pop("parser_class", None)
    if parser_class is not None:
        options["parser_class"] = import_string(parser_class) if isinstance(parser_class, str) else parser_class
    client = redis.Redis(connection_pool=pool_class.from_url(server, **options))
    loads = serializer().loads

    def get(key: str):
        raw = client.get(make_key(key))
        return None if raw is None else loads(raw)

    return get


def shared_value(key: str):
    """Read one value from the default cache through this process's long-lived client (raises if unreachable)."""
    return _read(key)


def cache_get(key: str, encoding: str = "") -> Entry | None:
    """Return the cached entry of key in one encoding; None on a miss or while the cache is unreachable."""
    global _down_until
    # READER_CACHE_SECONDS=0 turns the page cache off for reading too (an old
    # entry left from before must not answer: see BENCHMARKS.md).
    if settings.READER_CACHE_SECONDS <= 0 or (_down_until and time.monotonic() < _down_until):
        return None
    try:
        value = _read(_encoded_key(key, encoding))
    except Exception as exc:  # an outage costs speed, never a page
        _down_until = time.monotonic() + 5
        logger.warning("Page cache unavailable (reading): %s", exc)
        return None
    return Entry(*value) if value is not None else None


def cache_set(key: str, entry: Entry) -> None:
    """Keep an entry for READER_CACHE_SECONDS; a cache outage is logged and ignored."""
    global _down_until
    if settings.READER_CACHE_SECONDS <= 0 or (_down_until and time.monotonic() < _down_until):
        return
    forms = {
        key: entry._replace(body_gzip=b"", body_br=b""),
        _encoded_key(key, "gzip"): entry._replace(body=b"", body_br=b""),
    }
    if entry.body_br:
        forms[_encoded_key(key, "br")] = entry._replace(body=b"", body_gzip=b"")
    try:
        caches["default"].set_many(
            {name: tuple(form) for name, form in forms.items()}, timeout=settings.READER_CACHE_SECONDS
        )
    except Exception as exc:
        _down_until = time.monotonic() + 5
        logger.warning("Page cache unavailable (writing): %s", exc)


def public_response(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make a read-only public view's response shared bytes: cacheable, validated, gzipped, cached.

    The view sees an anonymous visitor with no flashed messages, so what it
    renders is the same for everyone (and the session is never touched, so
    no ``Vary: Cookie`` and no cookie is set). A 200 response becomes an
    entry, answered by ``respond`` and cached under its address when that
    address is cacheable; other responses pass through unchanged.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        request.user = AnonymousUser()
        request.shared_bytes = True  # cms.context_processors.messages then shows no flashed message
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.has_header("Set-Cookie"):
            return response
        if response.cookies:
            return response
        entry = make_entry(response.content, response["Content-Type"])
        key = request_cache_key(request)
        if key is not None:
            cache_set(key, entry)
        return respond(request, entry)

    return wrapper
