"""The public path's plumbing, on the dependencies' public APIs: the page cache's Redis reader and flashed messages."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cms import context_processors
from publishing import httpcache
from publishing.sitemaps import sitemap_entries
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)


@pytest.mark.redis
def test_the_page_cache_reader_reads_back_what_django_stored(settings):
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": settings.REDIS_CACHE_URL or settings.REDIS_URL,
        "KEY_PREFIX": "plumbing-test",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    with override_settings(CACHES={"default": backend}):
        cache = caches["default"]
        get = httpcache._reader_for(cache)
        entry = (b"<p>page</p>", b"gz", b"", '"etag"', "text/html", 1)
        cache.set("page-key", entry)
        cache.set("a-number", 7)
        try:
            assert get("page-key") == entry
            assert get("a-number") == 7  # Django stores an int unpickled; the reader reads it back as one
            assert get("absent") is None
            cache.delete("page-key")
            assert get("page-key") is None  # nothing kept on our side
        finally:
            cache.delete_many(["page-key", "a-number"])


def test_a_non_redis_cache_is_read_through_its_own_get():
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        cache = caches["default"]
        cache.set("k", ("v",))
        assert httpcache._reader_for(cache)("k") == ("v",)


def test_a_public_page_shows_no_flashed_message_and_leaves_it_queued(client, live_site, editor):
    request = RequestFactory().get("/")
    request.shared_bytes = True
    assert list(context_processors.messages(request)["messages"]) == []

    # A staff action flashes a message; a public page in between neither shows nor consumes it.
    client.force_login(editor)
    url = reverse("publishing:verify")
    assert client.post(url).status_code == 302
    page = client.get(live_site.url("/board/"))
    assert page.status_code == 200
    assert b"is running; this page shows its findings" not in page.content
    assert "Vary" not in page or "Cookie" not in page["Vary"]
    staff = client.get(url)
    assert "is running; this page shows its findings" in staff.content.decode()


def test_every_sitemap_row_has_its_lastmod_from_the_section(published):
    pages = sitemap_entries("pages", 1)
    assert pages and all(row["lastmod"] is None for row in pages)
    articles = sitemap_entries("articles", 1)
    assert articles and all(len(row["lastmod"]) == 10 for row in articles)  # YYYY-MM-DD
