"""Static export: write every live page, the index, sitemap, feed, API and assets to a folder.

Pages are produced by the reader site's own views through Django's test
``Client`` (no template is duplicated here), so the export is byte for byte
what the site serves. Layout, for nginx or a CDN:

    DIR/index.html                                  /
    DIR/articles/<slug>/index.html                  /articles/<slug>/ (default text)
    DIR/articles/<slug>/for/<audience>/index.html   /articles/<slug>/?for=<audience>
    DIR/editorial-policy/index.html, DIR/board/index.html
    DIR/sitemap.xml, DIR/robots.txt, DIR/feed/index.xml
    DIR/api/articles/index.json, DIR/api/articles/<slug>/index.json
    DIR/static/...                                  collectstatic output

nginx: ``index index.html index.json index.xml;`` and, to honour ``?for=``,
``if ($arg_for ~ "^[a-z0-9-]+$") { rewrite ^/articles/([^/]+)/$ /articles/$1/for/$arg_for/ break; }``.
Forms (follow-up questions, the personalise POST) still need the Django app
behind ``/articles/<slug>/question/`` and ``/personalise/``.

Every file is written to a temporary file in its own folder and moved into
place with ``os.replace``, so a reader never sees half a file. Only live pages
are written; folders of articles that are no longer live are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client

from articles.models import Audience

from .selectors import publication_live_list

logger = logging.getLogger(__name__)

SITE_FILES = {
    "/": "index.html",
    "/editorial-policy/": "editorial-policy/index.html",
    "/board/": "board/index.html",
    "/sitemap.xml": "sitemap.xml",
    "/robots.txt": "robots.txt",
    "/feed/": "feed/index.xml",
    "/api/articles/": "api/articles/index.json",
}


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path via a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _client() -> Client:
    site = urlsplit(settings.SITE_URL)
    host = site.netloc or "localhost"
    allowed = settings.ALLOWED_HOSTS
    if "*" not in allowed and host.split(":")[0] not in allowed and not settings.DEBUG:
        host = allowed[0].lstrip(".") if allowed else "localhost"
    return Client(HTTP_HOST=host, secure=site.scheme == "https")


def _fetch(client: Client, url: str, result: ExportResult) -> bytes | None:
    response = client.get(url, secure=client.defaults.get("secure", False))
    if response.status_code != 200:
        result.skipped.append(f"{url} ({response.status_code})")
        return None
    return response.content


def _export_pages(client: Client, root: Path, slug: str, audiences: list[str], result: ExportResult) -> None:
    base = root / "articles" / slug
    body = _fetch(client, f"/articles/{slug}/", result)
    if body is None:
        return
    write_atomic(base / "index.html", body)
    result.written.append(f"articles/{slug}/index.html")
    for audience in audiences:
        body = _fetch(client, f"/articles/{slug}/?for={audience}", result)
        if body is not None:
            write_atomic(base / "for" / audience / "index.html", body)
            result.written.append(f"articles/{slug}/for/{audience}/index.html")
    if (base / "for").is_dir():
        for stale in (base / "for").iterdir():
            if stale.is_dir() and stale.name not in audiences:
                shutil.rmtree(stale)
                result.removed.append(f"articles/{slug}/for/{stale.name}")
    api = _fetch(client, f"/api/articles/{slug}/", result)
    if api is not None:
        write_atomic(root / "api" / "articles" / slug / "index.json", api)
        result.written.append(f"api/articles/{slug}/index.json")


def _remove_article(root: Path, slug: str, result: ExportResult) -> None:
    for folder in (root / "articles" / slug, root / "api" / "articles" / slug):
        if folder.is_dir():
            shutil.rmtree(folder)
            result.removed.append(str(folder.relative_to(root)))


def _export_site_files(client: Client, root: Path, result: ExportResult) -> None:
    for url, name in SITE_FILES.items():
        body = _fetch(client, url, result)
        if body is not None:
            write_atomic(root / name, body)
            result.written.append(name)


def _prune(root: Path, live: set[str], result: ExportResult) -> None:
    for parent in (root / "articles", root / "api" / "articles"):
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.is_dir() and folder.name not in live:
                shutil.rmtree(folder)
                result.removed.append(str(folder.relative_to(root)))


def _copy_static(root: Path, result: ExportResult) -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    source = Path(settings.STATIC_ROOT)
    for path in source.rglob("*"):
        if path.is_file():
            relative = path.relative_to(source)
            write_atomic(root / "static" / relative, path.read_bytes())
    result.written.append("static/")


def export_site(directory: str | os.PathLike, *, static: bool = True) -> ExportResult:
    """Write every live page for every audience, the site files and assets; remove what is not live."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    client = _client()
    audiences = list(Audience.objects.filter(active=True).values_list("slug", flat=True))
    live = set(publication_live_list().values_list("slug", flat=True))
    for slug in sorted(live):
        _export_pages(client, root, slug, audiences, result)
    _prune(root, live, result)
    _export_site_files(client, root, result)
    if static:
        _copy_static(root, result)
    return result


def export_article(slug: str, directory: str | os.PathLike) -> ExportResult:
    """Bring one article's exported pages (and the site lists) up to date: write if live, else remove."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    client = _client()
    live = set(publication_live_list().values_list("slug", flat=True))
    if slug in live:
        audiences = list(Audience.objects.filter(active=True).values_list("slug", flat=True))
        _export_pages(client, root, slug, audiences, result)
    else:
        _remove_article(root, slug, result)
    _prune(root, live, result)
    _export_site_files(client, root, result)
    return result
