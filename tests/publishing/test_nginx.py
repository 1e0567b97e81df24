"""deploy/nginx/ with Debian's nginx: the export served byte for byte, the proxy cache bypassed and purged.

Each test starts /usr/sbin/nginx as a foreground process with its own prefix
and configuration in a temporary folder, on a free loopback port, in front of
pytest-django's live server (the app), and checks real responses.
"""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from articles import translations
from articles.models import Article
from publishing import services
from publishing.export import export_site
from tests import factories
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish
from tests.publishing.reader_fixtures import SPANISH_SLUG, translate
from tests.publishing.tools import require

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NGINX = "/usr/sbin/nginx"
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
DEPLOY = Path(django_settings.BASE_DIR) / "deploy" / "nginx"
URL = "/articles/cmv-treatment/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    def __init__(self, site_conf: str, folder: Path, *, modules: list[Path] = ()) -> None:
        self.port = _free_port()
        self.folder = folder
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / "site.conf").write_text(site_conf.replace("listen 80;", f"listen 127.0.0.1:{self.port};"))
        user = "user root;\n" if os.geteuid() == 0 else ""
        loads = "".join(f"load_module {module};\n" for module in modules)
        (folder / "nginx.conf").write_text(
            f"{user}{loads}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n  access_log off;\n"
            f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
            f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n"
            f"  scgi_temp_path {folder}/scgi;\n"
            f"  include {folder}/site.conf;\n}}\n"
        )
        self.process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start")

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        # The public host name, as in SITE_URL (the purger's Host, so the cache keys match).
        headers = {"Host": "localhost", **(headers or {})}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def live_site(live_server, article, author, reviewer, editor, settings):
    require(os.path.exists(NGINX), "needs Debian's nginx at /usr/sbin/nginx (apt-get install nginx)")
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    return live_server


@pytest.fixture(params=["en", "es"])
def language_site(request, live_site, article, author, editor) -> tuple[str, str]:
    """The app behind nginx with the article live in English, and in the "es" run its Spanish translation too.

    Returns the language's prefix and the address of its article's page.
    """
    if request.param == "en":
        return "", URL
    spanish_reviewer = factories.BoardMemberFactory(
        user=factories.UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    spanish = translate(article, author)
    request_and_publish(approve(spanish, author=author, reviewer=spanish_reviewer), editor=editor)
    return "/es", f"/es/articles/{SPANISH_SLUG}/"


def _site_conf(name: str, live_server, **replacements: str) -> str:
    text = (DEPLOY / name).read_text()
    text = text.replace("server 127.0.0.1:8000;", f"server {live_server.url.removeprefix('http://')};")
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def test_export_behind_nginx_serves_the_apps_bytes_and_hands_forms_and_audiences_to_the_app(
    live_site, language_site, tmp_path, client
):
    prefix, url = language_site
    slug = url.rstrip("/").rsplit("/", 1)[1]
    export = tmp_path / "export"
    export_site(export, static=False)
    conf = _site_conf("export.conf", live_site, **{"/srv/vetted/export": str(export)})
    nginx = Nginx(conf, tmp_path / "nginx")
    try:
        site = ["/", "/feed/", "/api/articles/", "/board/", "/editorial-policy/", f"/api/articles/{slug}/"]
        paths = [url, url + "for/patient/", url + "provenance.json", "/sitemap.xml", "/robots.txt"]
        paths += [prefix + path for path in site] + [f"{prefix}/api/articles/{slug}/?for=patient"]
        for path in paths:
            app = Client().get(path)
            assert app.status_code == 200, path
            status, headers, body = nginx.request("GET", path)
            assert status == 200, path
            assert body == app.content, path  # byte for byte
            assert headers["content-type"] == app["Content-Type"], path
            assert headers["cache-control"] == app["Cache-Control"], path  # the app's policy, revalidation too
            assert "set-cookie" not in headers, path
            status, headers, zipped = nginx.request("GET", path, {"Accept-Encoding": "gzip"})
            assert headers.get("content-encoding") == "gzip" and gzip.decompress(zipped) == app.content, path
        # What needs the app goes to it: ?for= links, the remembered audience, the form.
        status, headers, _ = nginx.request("GET", url + "?for=patient")
        assert status == 302 and headers["location"] == url + "for/patient/" and "set-cookie" in headers
        status, headers, _ = nginx.request("GET", url, {"Cookie": "vetted_audience=professional"})
        assert status == 302 and headers["location"] == url + "for/professional/"
        status, headers, _ = nginx.request("GET", f"{prefix}/personalise/?for=patient&next={url}")
        assert status == 302 and headers["location"] == url + "for/patient/"
        status, headers, _ = nginx.request(
            "POST",
            url + "question/",
            {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
            b"kind=question&message=Through+nginx",
        )
        assert status == 303, headers
        status, _, _ = nginx.request("GET", f"{prefix}/articles/no-such-article/")
        assert status == 404
        # The files of an article's audiences in the API are not addresses of their own.
        assert nginx.request("GET", f"{prefix}/api/articles/{slug}/for/patient.json")[0] == 404
        # Served from the export's files, the app not asked: the page, its API audience, the feed.
        folder = export / prefix.lstrip("/")
        for path, name in (
            (url, f"articles/{slug}/index.html"),
            (f"{prefix}/api/articles/{slug}/?for=patient", f"api/articles/{slug}/for/patient.json"),
            (f"{prefix}/feed/", "feed/index.xml"),
            (f"{prefix}/", "index.html"),
        ):
            (folder / name).write_bytes(b"from the export")
            for suffix in (".gz", ".br"):
                (folder / f"{name}{suffix}").unlink(missing_ok=True)
            assert nginx.request("GET", path)[2] == b"from the export", path
    finally:
        nginx.stop()


def test_proxy_cache_serves_hits_bypasses_for_the_audience_cookie_and_is_purged_on_withdrawal(
    live_site, language_site, tmp_path, settings, article, editor
):
    prefix, url = language_site
    require(PURGE_MODULE.exists(), "needs the nginx cache purge module (apt-get install libnginx-mod-http-cache-purge)")
    folder = tmp_path / "nginx"
    conf = _site_conf("proxy-cache.conf", live_site, **{"/var/cache/nginx/vetted": str(folder / "cache")})
    nginx = Nginx(conf, folder, modules=[PURGE_MODULE])
    try:
        statuses = []
        for _ in range(2):
            status, headers, body = nginx.request("GET", url)
            assert status == 200 and "set-cookie" not in headers
            statuses.append(headers["x-cache-status"])
        assert statuses == ["MISS", "HIT"]
        status, headers, _ = nginx.request("GET", url, {"Cookie": "vetted_audience=patient"})
        assert status == 302 and headers["x-cache-status"] == "BYPASS"
        assert headers["location"] == url + "for/patient/" and "private" in headers["cache-control"]
        status, headers, zipped = nginx.request("GET", url, {"Accept-Encoding": "gzip"})
        assert headers["x-cache-status"] == "HIT" and gzip.decompress(zipped) == body

        settings.PURGE_BACKEND = "http"
        settings.PURGE_HTTP_URL = f"http://127.0.0.1:{nginx.port}"
        withdrawn = Article.objects.get(slug=SPANISH_SLUG) if prefix else article  # the page's own article
        services.publication_withdraw(withdrawn, acting_user=editor, reason="Recall.", mode="remove")
        status, headers, _ = nginx.request("GET", url)
        assert status == 404 and headers["x-cache-status"] != "HIT"
        from publishing.models import PurgeRequest

        assert not PurgeRequest.objects.exists()
    finally:
        nginx.stop()


def test_export_behind_nginx_serves_list_pages_letters_sitemap_sections_and_api_pages_from_files(
    live_site, tmp_path, author, reviewer, editor, monkeypatch
):
    from publishing import api, presenters
    from publishing.pages import list_addresses
    from tests import factories

    monkeypatch.setattr(presenters, "INDEX_PAGE_SIZE", 1)
    monkeypatch.setattr(api, "PAGE_SIZE", 1)
    for slug, title, condition in [
        # A long title makes a cursor of over 200 characters: nginx joins its folders back.
        ("croup-steroids", "Do steroids help croup? " + "Dexamethasone, prednisolone and budesonide. " * 5, "Croup"),
        ("asthma-inhalers", "Which inhaler for mild asthma?", "Asthma"),
    ]:
        article = factories.make_article(author=author, slug=slug, title=title, condition=condition)
        request_and_publish(approve(article, author=author, reviewer=reviewer), editor=editor)
    # Two Spanish translations: the Spanish index has pages and letters of its own.
    spanish_reviewer = factories.BoardMemberFactory(
        user=factories.UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    for source, slug, condition in [
        ("croup-steroids", "corticoides-crup", "Crup"),
        ("asthma-inhalers", "inhaladores-asma", "Asma"),
    ]:
        spanish = translations.translation_create(
            Article.objects.get(slug=source), acting_user=author, language="es", slug=slug
        )
        spanish = edit(spanish, author=author, title=f"¿Qué tratamiento para {condition.lower()}?", condition=condition)
        request_and_publish(approve(spanish, author=author, reviewer=spanish_reviewer), editor=editor)
    export = tmp_path / "export"
    export_site(export, static=False)
    cursors = [a for a in list_addresses() if a.startswith("/api/articles/?cursor=")]
    assert len(cursors) >= 2 and max(len(c) for c in cursors) > 230
    conf = _site_conf("export.conf", live_site, **{"/srv/vetted/export": str(export)})
    nginx = Nginx(conf, tmp_path / "nginx")
    try:
        paths = ["/?page=2", "/?letter=C", "/?letter=C&page=2", "/?letter=Q", "/sitemap-articles-1.xml", *cursors]
        paths += ["/api/articles/croup-steroids/?for=patient"]
        paths += ["/es/", "/es/?page=2", "/es/?letter=A", "/es/?letter=C", "/es/?letter=Q", "/es/board/"]
        paths += ["/es/editorial-policy/", "/es/feed/", "/es/api/articles/"]
        for path in paths:
            app = Client().get(path)
            assert app.status_code == 200, path
            status, headers, body = nginx.request("GET", path)
            assert status == 200 and body == app.content, path
            assert headers["content-type"] == app["Content-Type"], path
            assert "public" in headers["cache-control"] and "set-cookie" not in headers, path
            status, headers, zipped = nginx.request("GET", path, {"Accept-Encoding": "gzip"})
            assert headers.get("content-encoding") == "gzip" and gzip.decompress(zipped) == app.content, path
        # Served from the export: the app is not asked (its files changed, nginx still has the export's).
        (export / "_query/index/page-2.html").write_bytes(b"from the export")
        assert nginx.request("GET", "/?page=2")[2] == b"from the export"
        (export / "es/_query/index/letter-A.html").write_bytes(b"Spanish, from the export")
        assert nginx.request("GET", "/es/?letter=A")[2] == b"Spanish, from the export"
        long_cursor = next(export.glob("_query/api/cursor/*/*.json"))
        long_cursor.write_bytes(b"long cursor from the export")
        assert b"long cursor from the export" in {nginx.request("GET", c)[2] for c in cursors}
        # Anything the export does not hold goes to the app, as the reader asked for it.
        for path in (
            "/?page=9",
            "/?letter=c",
            "/?page=2&letter=C",
            "/?q=croup",
            "/api/articles/?cursor=bad!",
            "/es/?page=9",
        ):
            status, _, body = nginx.request("GET", path)
            app = Client().get(path)
            assert status == app.status_code, path
            if status == 200:
                assert body == app.content, path
        # The files for query strings are not addresses of their own.
        assert nginx.request("GET", "/_query/index/letter-C.html")[0] == 404
        assert nginx.request("GET", "/es/_query/index/letter-A.html")[0] == 404
        assert nginx.request("GET", "/api/articles/croup-steroids/for/patient.json")[0] == 404
    finally:
        nginx.stop()
