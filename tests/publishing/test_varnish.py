"""deploy/varnish/vetted.vcl with Debian's varnishd and the xkey vmod: one tag purge refreshes every copy of an article.

Each test starts /usr/sbin/varnishd in the foreground with its own work
folder, on a free loopback port, in front of pytest-django's live server,
with PURGE_BACKEND=varnish pointing at it, and checks real responses.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from publishing import services
from publishing.models import PurgeRequest
from publishing.purge import purge_paths
from tests import factories
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish
from tests.publishing.reader_fixtures import translate
from tests.publishing.test_nginx import Nginx, _free_port
from tests.publishing.tools import require

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VARNISHD = "/usr/sbin/varnishd"
VCL = Path(django_settings.BASE_DIR) / "deploy" / "varnish" / "vetted.vcl"
URL = "/articles/cmv-treatment/"
OTHER = "/articles/shingles-treatment/"


class Varnish:
    def __init__(self, backend_url: str, folder: Path) -> None:
        self.port = _free_port()
        self.host = backend_url.removeprefix("http://")  # the public Host, as the purger sends it (SITE_URL)
        folder.mkdir(parents=True, exist_ok=True)
        host, _, port = backend_url.removeprefix("http://").partition(":")
        vcl = VCL.read_text().replace('.host = "127.0.0.1";', f'.host = "{host}";')
        (folder / "vetted.vcl").write_text(vcl.replace('.port = "8000";', f'.port = "{port}";'))
        self.process = subprocess.Popen(
            [
                VARNISHD,
                "-F",
                "-j",
                "none",
                "-n",
                str(folder / "work"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-T",
                "none",
                "-f",
                str(folder / "vetted.vcl"),
                "-s",
                "malloc,64m",
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited: {self.process.stdout.read().decode()}")
            try:
                if self.request("GET", "/robots.txt")[0]:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("varnishd did not start")

    def request(self, method: str, path: str, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, headers={"Host": self.host, **(headers or {})})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, headers: dict | None = None):
        status, headers, body = self.request("GET", path, {"Accept-Encoding": "gzip", **(headers or {})})
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return status, headers, body

    stop = Nginx.stop  # terminate, then kill after 10 s


@pytest.fixture
def edge(live_server, article, author, reviewer, editor, settings, tmp_path):
    require(os.path.exists(VARNISHD), "needs Debian's varnish at /usr/sbin/varnishd (apt-get install varnish)")
    require(
        bool(list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))),
        "needs the xkey vmod (apt-get install varnish-modules)",
    )
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    other = factories.make_article(
        author=author, slug="shingles-treatment", title="What is the treatment for shingles?"
    )
    approve(other, author=author, reviewer=reviewer)
    request_and_publish(other, editor=editor)
    varnish = Varnish(live_server.url, tmp_path / "varnish")
    settings.PURGE_BACKEND = "varnish"
    settings.PURGE_HTTP_URL = f"http://127.0.0.1:{varnish.port}"
    yield varnish
    varnish.stop()
    shutil.rmtree(tmp_path / "varnish", ignore_errors=True)


def _addresses(prefix: str = "", slug: str = "cmv-treatment") -> tuple[str, ...]:
    """Every address of an article an edge may hold, including ones no purge list names.

    A tracking parameter and an audience page asked with a query string.
    """
    url = f"{prefix}/articles/{slug}/"
    return (
        url,
        url + "for/patient/",
        url + "for/professional/",
        url + "for/patient/?utm_source=newsletter",
        url + "?fbclid=abc",
        url + "provenance.json",
        f"{prefix}/api/articles/{slug}/",
        f"{prefix}/api/articles/{slug}/?for=patient",
    )


ADDRESSES = _addresses()


@pytest.fixture(params=["en", "es"])
def edge_site(request, edge, article, author, editor):
    """The edge in front of the article in English, or (the "es" run) of its live Spanish translation.

    Returns the language's prefix, the article and the reviewer who may approve it.
    """
    if request.param == "en":
        return "", article, request.getfixturevalue("reviewer")
    spanish_reviewer = factories.BoardMemberFactory(
        user=factories.UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    spanish = translate(article, author)
    request_and_publish(approve(spanish, author=author, reviewer=spanish_reviewer), editor=editor)
    return "/es", spanish, spanish_reviewer


def _fill(varnish: Varnish, paths) -> dict[str, bytes]:
    held = {}
    for path in paths:
        status, headers, body = varnish.get(path)
        assert status == 200, path
        again = varnish.get(path)
        assert again[1]["x-cache"] == "HIT", path  # stored at the edge
        assert again[2] == body, path
        assert "xkey" not in again[1] and "surrogate-key" not in again[1], path  # tags stay inside
        held[path] = body
    return held


def test_the_app_tags_every_public_response_with_what_it_shows(edge_site):
    prefix, article, _ = edge_site
    url, tag = f"{prefix}/articles/{article.slug}/", f"article-{article.slug}"
    client = Client()
    page = client.get(url + "for/patient/?utm_source=x")
    assert page["xkey"].split() == ["site", tag, "audience-patient"]
    assert page["Surrogate-Key"] == page["xkey"] and page["Cache-Tag"] == f"site,{tag},audience-patient"
    assert client.get(f"{prefix}/api/articles/{article.slug}/")["xkey"].split() == ["site", tag]
    assert client.get(f"{prefix}/")["xkey"].split() == ["site", "catalogue"]
    assert client.get(f"{prefix}/feed/")["xkey"].split() == ["site", "catalogue"]
    assert client.get(f"{prefix}/board/")["xkey"].split() == ["site", "catalogue", "board"]
    assert client.get(f"{prefix}/editorial-policy/")["xkey"].split() == ["site", "catalogue", "policy"]
    assert client.get("/sitemap.xml")["xkey"].split() == ["site", "catalogue"]
    assert "xkey" not in client.get("/accounts/login/")  # staff and forms are never tagged


def test_a_go_live_refreshes_every_copy_of_the_article_with_one_tag_purge_and_leaves_others_cached(
    edge, edge_site, author, editor
):
    prefix, article, reviewer = edge_site
    addresses = (*_addresses(prefix, article.slug), f"{prefix}/", f"{prefix}/feed/")
    before = _fill(edge, addresses)
    other_before = _fill(edge, (OTHER, OTHER + "for/patient/"))
    professional = f"{prefix}/articles/{article.slug}/for/professional/"
    assert b"Fresh wording for readers" not in before[professional]

    edit(article, author=author, summary="Fresh wording for readers: antivirals treat CMV [@kotton2018].")
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor, change_summary="New summary")

    app = Client()
    for path in addresses:
        status, headers, body = edge.get(path)
        assert status == 200, path
        assert headers["x-cache"] == "MISS", path  # no stale copy survived, not even the ones no list names
        assert body == app.get(path).content, path
    assert b"Fresh wording for readers" in edge.get(professional)[2]
    for path, body in other_before.items():
        status, headers, again = edge.get(path)
        assert headers["x-cache"] == "HIT" and again == body, path  # the unrelated article stayed cached
    assert PurgeRequest.objects.count() == 0


def test_a_withdrawal_empties_the_edge_of_the_article_at_once(edge, edge_site, editor):
    prefix, article, _ = edge_site
    addresses = _addresses(prefix, article.slug)
    _fill(edge, (*addresses, f"{prefix}/"))
    services.publication_withdraw(article, acting_user=editor, reason="Under correction.", mode="remove")
    for path in addresses:
        status, headers, body = edge.get(path)
        assert status == 404, path
        assert b"Fresh" not in body
        assert edge.get(path)[1]["x-cache"] == "MISS", path  # the 404 is not stored either
    status, headers, index = edge.get(f"{prefix}/")
    assert headers["x-cache"] == "MISS" and f"/articles/{article.slug}/".encode() not in index  # the list too
    assert edge.get(OTHER)[0] == 200


def test_a_reader_with_an_audience_gets_the_apps_private_redirect_past_the_edge(edge, edge_site):
    prefix, article, _ = edge_site
    url = f"{prefix}/articles/{article.slug}/"
    _fill(edge, (url,))
    for _ in range(2):  # never answered from, nor stored at, the edge
        status, headers, _body = edge.request("GET", url, {"Cookie": "vetted_audience=patient"})
        assert status == 302 and headers["location"] == url + "for/patient/"
        assert headers["x-cache"] != "HIT" and "private" in headers["cache-control"]
    assert edge.get(url)[1]["x-cache"] == "HIT"  # everyone else still gets the shared copy


def test_the_address_purge_misses_what_the_tag_purge_finds(edge, settings):
    _fill(edge, ADDRESSES)
    settings.PURGE_BACKEND = "http"  # the old way: PURGE each address the code can list
    purge_paths([URL, URL + "for/patient/", "/api/articles/cmv-treatment/"])
    assert edge.get(URL + "for/patient/")[1]["x-cache"] == "MISS"
    assert edge.get(URL + "for/patient/?utm_source=newsletter")[1]["x-cache"] == "HIT"  # stale at the edge
    settings.PURGE_BACKEND = "varnish"
    purge_paths([URL])
    assert edge.get(URL + "for/patient/?utm_source=newsletter")[1]["x-cache"] == "MISS"


def test_an_edge_that_is_down_keeps_the_tags_for_the_retry_job(edge, settings, tmp_path):
    from publishing import tasks

    edge.stop()
    settings.PURGE_TIMEOUT = 1
    assert purge_paths([URL, "/", "/?page=2"]) is False
    kept = set(PurgeRequest.objects.filter(target="varnish").values_list("path", flat=True))
    assert kept == {"tag:article-cmv-treatment", "tag:catalogue"}  # two tags, not every address
    restarted = Varnish(settings.SITE_URL, tmp_path / "again")
    settings.PURGE_HTTP_URL = f"http://127.0.0.1:{restarted.port}"
    try:
        assert tasks.retry_purges.apply().get()["purged"] == 2
        assert not PurgeRequest.objects.exists()
    finally:
        restarted.stop()
