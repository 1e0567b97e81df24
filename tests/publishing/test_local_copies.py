"""publishing/localcopy.py: warm public pages replayed from the process's memory, never stale past the check bound."""

from __future__ import annotations

import time
from io import BytesIO

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started

from publishing import services
from publishing.localcopy import GENERATION_KEY, LocalCopies
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

URL = "/articles/cmv-treatment/for/patient/"


class Counted:
    """How many requests reached Django (request_started fires for each one that does)."""

    def __init__(self) -> None:
        self.count = 0
        request_started.connect(self._seen, dispatch_uid="local-copies-test")

    def _seen(self, **kwargs) -> None:
        self.count += 1

    def close(self) -> None:
        request_started.disconnect(dispatch_uid="local-copies-test")


@pytest.fixture
def django_hits():
    counted = Counted()
    yield counted
    counted.close()


@pytest.fixture
def copies(settings):
    settings.LOCAL_COPIES = True
    settings.LOCAL_COPY_CHECK_SECONDS = 0  # the counter is read before every answer from a copy
    settings.ALLOWED_HOSTS = ["testserver"]
    return LocalCopies(WSGIHandler())


def call(app, path: str, *, method: str = "GET", **headers: str):
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": BytesIO(),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, list(response_headers)

    result = app(environ, start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return seen["status"], seen["headers"], body


@pytest.mark.django_db(transaction=True)
def test_a_warm_page_is_replayed_byte_for_byte_without_entering_django(published, copies, django_hits):
    replies = {}
    for encoding in ("", "gzip", "gzip, deflate, br"):
        first = call(copies, URL, accept_encoding=encoding)
        before = django_hits.count
        again = call(copies, URL, accept_encoding=encoding)
        assert django_hits.count == before, encoding  # answered from the copy
        assert again == first, encoding  # status, every header, the body
        assert first[0].startswith("200")
        replies[encoding] = first
    assert len({reply[2] for reply in replies.values()}) == 3  # one copy per encoding
    status, headers, body = call(copies, URL, method="HEAD")
    assert status.startswith("200") and body == b"" and headers == replies[""][1]
    assert django_hits.count == before  # a HEAD uses the GET's copy too


@pytest.mark.django_db(transaction=True)
def test_what_is_not_shared_is_never_kept(published, copies, django_hits):
    for path, headers in (
        ("/accounts/login/", {}),  # a staff page (no public Cache-Control, a cookie)
        ("/articles/cmv-treatment/", {"cookie": "vetted_audience=patient"}),  # a private redirect
        (URL + "?utm_source=x", {}),  # a query string the page cache does not share
        (URL, {"if_none_match": '"abc"'}),  # conditional requests are Django's to answer
    ):
        call(copies, path, **headers)
        before = django_hits.count
        call(copies, path, **headers)
        assert django_hits.count == before + 1, path


@pytest.mark.django_db(transaction=True)
def test_no_copy_is_served_once_a_withdrawal_has_purged(
    published, article, editor, copies, django_hits, django_capture_on_commit_callbacks
):
    assert call(copies, URL)[0].startswith("200")
    assert call(copies, URL)[0].startswith("200")  # from the copy
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(article, acting_user=editor, reason="Recalled.", mode="remove")
    assert call(copies, URL)[0].startswith("404")
    assert call(copies, URL)[0].startswith("404")


@pytest.mark.django_db(transaction=True)
def test_a_check_interval_bounds_how_long_an_old_copy_lives(
    published, article, editor, copies, settings, django_capture_on_commit_callbacks
):
    settings.LOCAL_COPY_CHECK_SECONDS = 60
    assert call(copies, URL)[0].startswith("200")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(article, acting_user=editor, reason="Recalled.", mode="remove")
    assert call(copies, URL)[0].startswith("200")  # within the interval: the stated staleness
    settings.LOCAL_COPY_CHECK_SECONDS = 0.05
    time.sleep(0.06)
    assert call(copies, URL)[0].startswith("404")


@pytest.mark.django_db(transaction=True)
def test_a_go_live_elsewhere_reaches_this_process_through_the_counter(published, copies, settings, django_hits):
    from django.core.cache import cache

    from publishing.purge import AppCachePurger

    call(copies, URL)
    before = cache.get(GENERATION_KEY)
    AppCachePurger().purge([URL])  # as a worker's purge after a go-live would
    assert cache.get(GENERATION_KEY) != before
    hits = django_hits.count
    call(copies, URL)
    assert django_hits.count == hits + 1  # the copy was dropped, Django answered afresh


@pytest.mark.django_db(transaction=True)
def test_memory_is_bounded_least_recently_used_first(published, copies, settings, django_hits):
    size = len(call(LocalCopies(WSGIHandler()), URL)[2])
    settings.LOCAL_COPY_MAX_BYTES = size * 3  # room for two or three pages, not four
    paths = [f"/articles/cmv-treatment/for/{slug}/" for slug in ("patient", "professional", "caregiver")]
    paths += ["/articles/cmv-treatment/"]
    for path in paths:
        call(copies, path)
    assert copies._bytes <= settings.LOCAL_COPY_MAX_BYTES
    before = django_hits.count
    call(copies, paths[-1])
    assert django_hits.count == before  # the newest is kept
    call(copies, paths[0])
    assert django_hits.count == before + 1  # the oldest went first


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_cannot_be_read_turns_copies_off_and_pages_still_answer(
    published, copies, settings, django_hits, monkeypatch
):
    call(copies, URL)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("publishing.localcopy.shared_value", down)
    for _ in range(2):
        before = django_hits.count
        assert call(copies, URL)[0].startswith("200")
        assert django_hits.count == before + 1  # not from a copy that can no longer be checked


def test_the_wsgi_entry_point_replays_copies_inside_the_request_log():
    from cms import wsgi
    from ops.logs import RequestLogMiddleware

    assert isinstance(wsgi.application, RequestLogMiddleware)
    assert isinstance(wsgi.application.app, LocalCopies)
