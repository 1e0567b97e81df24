"""Reader delivery: stored pages, shared cacheable bytes, 304/HEAD/gzip, purging and its retries."""

from __future__ import annotations

import gzip
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
from django.test import Client
from django.utils.http import http_date

from articles.models import Audience
from publishing import services, tasks
from publishing.httpcache import cache_key_for
from publishing.models import PurgeRequest, StoredPage
from publishing.purge import purge_paths
from tests.publishing.publish_helpers import request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/articles/cmv-treatment/"


def public_addresses(site) -> list[str]:
    """Every public address of the site in one language, its article's among them."""
    url = site.article_url
    paths = ["/", "/board/", "/editorial-policy/", "/feed/", "/api/articles/"]
    paths = [site.url(path) for path in paths] + [site.url(f"/api/articles/{site.slug}/")]
    paths += [url, url + "for/patient/", url + "for/professional/", url + "provenance.json"]
    return ["/robots.txt", "/sitemap.xml", *paths]  # one of each for every language, at the root


class _Recorder(BaseHTTPRequestHandler):
    """A local stand-in for a caching proxy or a CDN API: records requests, answers as told."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        status, payload = self.server.reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_PURGE = do_POST = do_GET = _answer  # noqa: N815

    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    server.reply = (200, b'{"success": true}')
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_go_live_stores_every_audience_page_and_a_request_is_one_query(
    client,
    article,
    author,
    reviewer,
    editor,
    disclaimers,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    from tests.publishing.publish_helpers import approve, run_publish

    approve(article, author=author, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.publication_request(article, acting_user=editor)
    run_publish(publication)
    stored = set(StoredPage.objects.values_list("path", flat=True))
    expected = {URL} | {
        f"{URL}for/{slug}/" for slug in Audience.objects.filter(active=True).values_list("slug", flat=True)
    }
    assert stored == expected
    row = StoredPage.objects.get(path=URL + "for/patient/")
    assert b"Most people take an antiviral medicine" in bytes(row.body)
    assert gzip.decompress(bytes(row.body_gzip)) == bytes(row.body)
    with django_assert_num_queries(1):  # one indexed lookup; no Markdown, no template
        response = client.get(URL + "for/patient/")
    assert response.content == bytes(row.body) and response["ETag"] == row.etag


@pytest.mark.parametrize("quality", [11, 4])
def test_stored_pages_are_brotli_compressed_once_at_the_configured_quality(
    article, author, reviewer, editor, disclaimers, settings, django_capture_on_commit_callbacks, quality
):
    from tests.publishing.publish_helpers import approve

    settings.STORED_BROTLI_QUALITY = quality
    approve(article, author=author, reviewer=reviewer)
    with django_capture_on_commit_callbacks(execute=True):  # pages are stored once the go-live commits
        request_and_publish(article, editor=editor)
    row = StoredPage.objects.get(path=URL)
    body = bytes(row.body)
    assert bytes(row.body_br) == brotli.compress(body, quality=quality)
    assert brotli.decompress(bytes(row.body_br)) == body


def test_every_public_address_is_shared_cacheable_bytes(live_site, editor):
    anonymous, staff = Client(), Client()
    staff.force_login(editor)
    for path in public_addresses(live_site):
        first = anonymous.get(path)
        assert first.status_code == 200, path
        for response in (first, staff.get(path)):
            assert not response.cookies, path
            assert "Cookie" not in response.get("Vary", ""), path
            control = response["Cache-Control"]
            assert "public" in control and "s-maxage=600" in control, path
            if path == live_site.article_url:  # browsers revalidate the address a chosen audience redirects from
                assert "max-age=0" in control and "must-revalidate" in control
            else:
                assert "max-age=60" in control and "stale-while-revalidate=30" in control, path
            assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"]), path
            assert response["Last-Modified"].endswith("GMT"), path
        assert staff.get(path).content == first.content, path  # a signed-in editor gets the same bytes


def test_conditional_requests_head_and_gzip(client, live_site):
    url = live_site.article_url
    for path in (
        url,
        url + "for/patient/",
        live_site.url("/"),
        live_site.url("/feed/"),
        live_site.url("/api/articles/"),
    ):
        first = client.get(path)
        etag, modified = first["ETag"], first["Last-Modified"]
        not_modified = client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified["ETag"] == etag
        assert client.get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
        assert client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head["Content-Length"] == str(len(first.content)) and head["ETag"] == etag
        zipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == first.content
        squeezed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert squeezed["Content-Encoding"] == "br" and brotli.decompress(squeezed.content) == first.content
        assert squeezed["ETag"] != zipped["ETag"] != etag  # one strong tag per representation
        assert client.get(path, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=squeezed["ETag"]).status_code == 304
        assert client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304


def test_search_and_other_queries_are_cacheable_over_http_but_never_fill_the_shared_cache():
    assert cache_key_for("/", "q=cmv") is None
    assert cache_key_for("/", "page=2") == "vetted:resp:/?page=2"
    assert cache_key_for(URL, "", "vetted_audience=patient") is None  # a private redirect
    assert cache_key_for(URL + "for/patient/", "", "vetted_audience=patient") is not None
    assert cache_key_for("/studio/", "") is None and cache_key_for(URL + "question/", "") is None


def test_a_long_api_cursor_gets_a_short_key_that_purging_finds():
    from publishing.httpcache import keys_for_paths

    # The export's files for API pages are purged by address; cursors carry a title and can be long.
    long_page = keys_for_paths(["/api/articles/?cursor=" + "W" * 400])
    assert long_page and all(len(key) < 250 for key in long_page)
    assert long_page != keys_for_paths(["/api/articles/?cursor=" + "W" * 399])
    assert keys_for_paths(["/?page=2"])[0] == cache_key_for("/", "page=2")


def test_feed_parses_without_bozo(client, published):
    import feedparser

    parsed = feedparser.parse(client.get("/feed/").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries and parsed.entries[0].link.endswith(URL)


def test_a_change_purges_its_addresses_through_the_http_purger(
    client, live_site, editor, settings, recorder, django_capture_on_commit_callbacks
):
    settings.PURGE_BACKEND = "http"
    settings.PURGE_HTTP_URL = f"http://127.0.0.1:{recorder.server_port}"
    url = live_site.article_url
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(
            live_site.publication.article, acting_user=editor, reason="Out of date.", mode="remove"
        )
    purged = {(seen["method"], seen["path"]) for seen in recorder.seen}
    site = live_site.url
    for path in (url, url + "for/patient/", url + "provenance.json", f"{site('/api/articles/')}{live_site.slug}/"):
        assert ("PURGE", path) in purged, path
    # Every list page of the article's language: its index, first page, letters, board, feed, API list.
    lists = ["/", "/?page=1", "/?letter=C", "/board/", "/editorial-policy/", "/feed/", "/api/articles/"]
    for path in [*map(site, lists), "/sitemap.xml"]:
        assert ("PURGE", path) in purged, path
    assert all(seen["headers"]["Host"] == "127.0.0.1:8000" or seen["headers"]["Host"] for seen in recorder.seen)
    assert client.get(url).status_code == 404  # and the app's own cache was purged too
    assert PurgeRequest.objects.count() == 0


def test_cdn_purger_posts_urls_in_batches_and_failures_are_kept_until_a_retry_succeeds(published, settings, recorder):
    settings.PURGE_BACKEND = "cloudflare"
    settings.PURGE_CDN_API = f"http://127.0.0.1:{recorder.server_port}/client/v4"
    settings.PURGE_CDN_ZONE = "zone123"
    settings.PURGE_CDN_TOKEN = "token-abc"
    paths = [f"/articles/a{n}/" for n in range(35)]
    recorder.reply = (200, b'{"success": false, "errors": [{"code": 1234, "message": "nope"}]}')
    assert purge_paths(paths) is False  # never raises
    assert set(PurgeRequest.objects.filter(target="cdn").values_list("path", flat=True)) == set(paths)
    recorder.reply = (200, b'{"success": true}')
    recorder.seen.clear()
    assert tasks.retry_purges.apply().get() == {"purged": 35, "failed": 0, "refreshed": 0, "refresh_failed": 0}
    assert PurgeRequest.objects.count() == 0
    assert [len(json.loads(seen["body"])["files"]) for seen in recorder.seen] == [30, 5]
    first = recorder.seen[0]
    assert first["path"] == "/client/v4/zones/zone123/purge_cache"
    assert first["headers"]["Authorization"] == "Bearer token-abc"
    assert json.loads(first["body"])["files"][0].startswith(settings.SITE_URL)


def test_an_unreachable_purger_never_breaks_publishing(
    client, published, article, editor, settings, recorder, django_capture_on_commit_callbacks
):
    port = recorder.server_port
    recorder.shutdown()
    recorder.server_close()  # nothing listens there now
    settings.PURGE_BACKEND = "http"
    settings.PURGE_HTTP_URL = f"http://127.0.0.1:{port}"
    settings.PURGE_TIMEOUT = 1
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.publication_withdraw(article, acting_user=editor, reason="Recall.", mode="remove")
    assert all(p.state == "withdrawn" for p in withdrawn)
    assert client.get(URL).status_code == 404
    kept = PurgeRequest.objects.filter(target="http")
    assert kept.filter(path=URL).exists() and kept.get(path=URL).last_error
    assert tasks.retry_purges.apply().get()["failed"] == kept.count()
    assert PurgeRequest.objects.get(path=URL, target="http").attempts == 2


def test_an_audience_or_board_change_re_renders_the_stored_pages_and_purges_them(
    client, published, reviewer, django_capture_on_commit_callbacks
):
    from publishing.pages import store_article_pages
    from review.models import BoardMember

    store_article_pages("cmv-treatment")
    before = client.get(URL + "for/caregiver/")
    assert "Caregiver" in before.content.decode()
    caregiver = Audience.objects.get(slug="caregiver")
    caregiver.name = "Family caregiver"
    with django_capture_on_commit_callbacks(execute=True):
        caregiver.save()
    after = client.get(URL + "for/caregiver/")  # the old bytes were purged from the page cache too
    assert "Showing the version for: <strong>Family caregiver</strong>" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert "Family caregiver" in bytes(StoredPage.objects.get(path=URL).body).decode()  # every page's form
    member = BoardMember.objects.get(user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        member.save()
    assert client.get(URL, HTTP_IF_NONE_MATCH=client.get(URL)["ETag"]).status_code == 304


def test_a_misconfigured_purger_still_purges_the_app_cache_and_keeps_the_rest(published, settings):
    settings.PURGE_BACKEND = "no.such.Purger"
    assert purge_paths([URL]) is False  # logged, never raised
    PurgeRequest.objects.create(path=URL, target="http", last_error="earlier failure")
    assert tasks.retry_purges.apply().get() == {"purged": 0, "failed": 0, "refreshed": 0, "refresh_failed": 0}
    assert PurgeRequest.objects.filter(target="http").exists()  # kept until the backend works again


def test_page_cache_hits_serve_each_encoding_from_its_own_key(client, live_site, django_assert_num_queries):
    from django.core.cache import cache

    patient = live_site.audience_url("patient")
    identity = client.get(patient)
    key = cache_key_for(patient, "")
    assert cache.get(key)[2] == identity.content and cache.get(key + "|br")[2] == b""  # no other form's bytes
    for accept, decode in (("", bytes), ("gzip", gzip.decompress), ("gzip, br", brotli.decompress)):
        with django_assert_num_queries(0):  # answered by the fast path
            hit = client.get(patient, HTTP_ACCEPT_ENCODING=accept)
        assert decode(hit.content) == identity.content
        assert hit.get("Content-Encoding", "") == accept.split(", ")[-1]


def test_a_cold_stored_page_is_answered_before_sessions_and_csrf_with_the_views_bytes(
    live_site, settings, django_assert_num_queries
):
    from django.core.cache import cache
    from django.test import override_settings

    from publishing.pages import store_article_pages

    store_article_pages(live_site.slug)
    fast_client, view_client = Client(), Client()
    without_fast_path = [name for name in settings.MIDDLEWARE if not name.endswith("FastPathMiddleware")]
    with override_settings(MIDDLEWARE=without_fast_path):  # the whole stack and the view answer this client
        view_client.handler.load_middleware()
    for path in (live_site.article_url, live_site.audience_url("patient")):
        for method, accept, extra in (
            ("get", "", {}),
            ("get", "gzip", {}),
            ("get", "gzip, br", {}),
            ("head", "gzip", {}),
            ("get", "", {"HTTP_IF_NONE_MATCH": StoredPage.objects.get(path=path).etag}),
        ):
            cache.clear()
            with django_assert_num_queries(1):  # the StoredPage row, nothing else
                fast = getattr(fast_client, method)(path, HTTP_ACCEPT_ENCODING=accept, **extra)
            request = fast.wsgi_request
            # Sessions, auth and CSRF never ran: nothing could read or set a cookie.
            assert not hasattr(request, "session") and not hasattr(request, "user"), path
            assert not getattr(request, "csrf_processing_done", False), path
            assert not fast.cookies and not fast.has_header("Set-Cookie"), path
            cache.clear()
            normal = getattr(view_client, method)(path, HTTP_ACCEPT_ENCODING=accept, **extra)
            assert hasattr(normal.wsgi_request, "session")  # this one did go through the stack
            assert fast.status_code == normal.status_code in (200, 304), path
            assert fast.content == normal.content, (path, method, accept)
            assert dict(fast.items()) == dict(normal.items()), (path, method, accept)
        row = StoredPage.objects.get(path=path)
        cache.clear()
        served = fast_client.get(path)
        assert served.content == bytes(row.body) and served["ETag"] == row.etag
        assert served["Last-Modified"] == http_date(row.rendered_at.timestamp())
        with django_assert_num_queries(0):  # the cold hit filled the page cache
            assert fast_client.get(path).status_code == 200


def test_the_cold_fast_path_leaves_the_audience_redirect_and_queries_to_the_view(client, live_site):
    from publishing.pages import store_article_pages

    url = live_site.article_url
    store_article_pages(live_site.slug)
    client.cookies["vetted_audience"] = "patient"
    redirect = client.get(url)
    assert redirect.status_code == 302 and redirect["Location"] == url + "for/patient/"
    assert redirect["Cache-Control"] == "private, no-store"
    assert client.get(url + "for/patient/").status_code == 200  # the cookie does not matter there
    del client.cookies["vetted_audience"]
    chosen = client.get(url + "?for=professional")
    assert chosen.status_code == 302 and chosen["Location"] == url + "for/professional/"
    assert chosen.cookies["vetted_audience"].value == "professional"
    assert hasattr(chosen.wsgi_request, "session")  # answered by the view, not the fast path


def test_refresh_live_pages_after_a_deploy_re_renders_stored_pages_and_purges_them(client, published):
    from io import StringIO

    from django.core.cache import cache
    from django.core.management import call_command

    from publishing.pages import store_article_pages

    store_article_pages("cmv-treatment")
    current = bytes(StoredPage.objects.get(path=URL).body)
    old = b"<p>rendered by the previous release</p>"
    StoredPage.objects.filter(path=URL).update(body=old, body_gzip=b"", body_br=b"", etag='"old"')
    cache.clear()
    assert client.get(URL).content == old  # and now in the page cache
    out = StringIO()
    call_command("refresh_live_pages", stdout=out)
    assert "1 live article" in out.getvalue()
    assert bytes(StoredPage.objects.get(path=URL).body) == current
    assert client.get(URL).content == current  # re-rendered, and the old copy purged from the page cache


def test_a_stored_page_past_its_expiry_is_not_served_even_before_the_expiry_job_runs(client, published):
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from publishing.pages import store_article_pages

    store_article_pages("cmv-treatment")
    published.expires_at = timezone.now() + dt.timedelta(minutes=5)
    published.save(update_fields=["expires_at"])
    assert client.get(URL + "for/patient/").status_code == 200
    cache.clear()
    published.expires_at = timezone.now() - dt.timedelta(seconds=1)
    published.save(update_fields=["expires_at"])
    assert client.get(URL + "for/patient/").status_code in (404, 410)  # the row is still there; the query says no


def test_fastly_purger_sends_the_tags_of_a_change_as_surrogate_keys(published, settings, recorder):
    settings.PURGE_BACKEND = "fastly"
    settings.PURGE_FASTLY_API = f"http://127.0.0.1:{recorder.server_port}"
    settings.PURGE_FASTLY_SERVICE = "svc42"
    settings.PURGE_FASTLY_TOKEN = "fastly-token"
    assert purge_paths([URL, URL + "for/patient/?utm=1", "/", "/?page=9", "/board/", "gen:cmv-treatment"]) is True
    (sent,) = recorder.seen  # one call for the whole change
    assert sent["method"] == "POST" and sent["path"] == "/service/svc42/purge"
    assert sent["headers"]["Fastly-Key"] == "fastly-token"
    assert sent["headers"]["Surrogate-Key"].split() == ["article-cmv-treatment", "board", "catalogue"]


def test_cloudflare_tag_purger_batches_tags_and_keeps_failed_tags_for_the_retry(published, settings, recorder):
    settings.PURGE_BACKEND = "cloudflare-tags"
    settings.PURGE_CDN_API = f"http://127.0.0.1:{recorder.server_port}/client/v4"
    settings.PURGE_CDN_ZONE = "zone9"
    paths = [f"/articles/a{n:02}/for/patient/" for n in range(40)]
    recorder.reply = (200, b'{"success": false, "errors": [{"code": 1, "message": "busy"}]}')
    assert purge_paths(paths) is False
    kept = set(PurgeRequest.objects.filter(target="cdn-tags").values_list("path", flat=True))
    assert kept == {f"tag:article-a{n:02}" for n in range(40)}  # tags, one per article, not addresses
    recorder.reply = (200, b'{"success": true}')
    recorder.seen.clear()
    assert tasks.retry_purges.apply().get()["purged"] == 40
    assert [len(json.loads(seen["body"])["tags"]) for seen in recorder.seen] == [30, 10]
    assert recorder.seen[0]["path"] == "/client/v4/zones/zone9/purge_cache"


def test_tag_headers_follow_the_setting(client, live_site, settings):
    settings.CACHE_TAG_HEADERS = ["cache-tag"]
    response = client.get(live_site.audience_url("patient"))
    assert response["Cache-Tag"] == f"site,article-{live_site.slug},audience-patient"
    for page, tag in (("/board/", "board"), ("/editorial-policy/", "policy"), ("/changes/", "changes")):
        assert client.get(live_site.url(page))["Cache-Tag"] == f"site,catalogue,{tag}", page
    assert "xkey" not in response and "Surrogate-Key" not in response
    settings.CACHE_TAG_HEADERS = []
    assert "Cache-Tag" not in client.get("/")


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_a_purge_list_becomes_the_same_narrow_tags_in_every_language(prefix):
    from publishing.httpcache import tags_for, tags_for_addresses

    assert tags_for_addresses([f"{prefix}/board/"]) == ["board"]
    assert tags_for_addresses([f"{prefix}/editorial-policy/", f"{prefix}/changes/"]) == ["changes", "policy"]
    assert tags_for_addresses([f"{prefix}/", f"{prefix}/?letter=C", f"{prefix}/feed/"]) == ["catalogue"]
    assert tags_for_addresses([f"{prefix}/articles/x/for/patient/", f"{prefix}/api/articles/x/"]) == ["article-x"]
    assert tags_for(f"{prefix}/board/") == ["site", "catalogue", "board"]
    # The page cache keys and the plain article's revalidation follow the same shapes.
    assert cache_key_for(f"{prefix}/board/", "") == f"vetted:resp:{prefix}/board/"
    assert cache_key_for(f"{prefix}/articles/x/", "", "vetted_audience=patient") is None
    assert cache_key_for(f"{prefix}/studio/", "") is None
