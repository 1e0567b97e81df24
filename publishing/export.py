"""Static export: the site's public bytes as files, swapped in atomically.

Every file is fetched from the reader site itself through Django's test
``Client`` (no template is duplicated here), so the export holds exactly the
bytes the app serves, and each text file gets a ``.gz`` (and ``.br``) beside it
holding the app's own compression of those bytes (nginx ``gzip_static``). Layout:

    DIR/index.html                                  /
    DIR/articles/<slug>/index.html                  /articles/<slug>/ (default text)
    DIR/articles/<slug>/for/<audience>/index.html   /articles/<slug>/for/<audience>/
    DIR/articles/<slug>/provenance.json
    DIR/editorial-policy/index.html, DIR/board/index.html
    DIR/sitemap.xml, DIR/robots.txt, DIR/feed/index.xml
    DIR/api/articles/index.json, DIR/api/articles/<slug>/index.json
    DIR/api/articles/<slug>/for/<audience>.json     /api/articles/<slug>/?for=<audience>
    DIR/sitemap-<section>-<n>.xml                   the sitemap index's sections
    DIR/_query/index/page-<n>.html                  /?page=<n>
    DIR/_query/index/letter-<X>.html                /?letter=<X>
    DIR/_query/index/letter-<X>-page-<n>.html       /?letter=<X>&page=<n>
    DIR/es/…                                        the same for Spanish (/es/, /es/?letter=<X>, /es/board/,
                                                    /es/feed/, /es/api/articles/, /es/articles/<slug>/…)
    DIR/_query/api/cursor/<token>.json              /api/articles/?cursor=<token>
    DIR/static/...                                  collectstatic output

Addresses with a query string are files too: ``deploy/nginx/export.conf``
maps the exact query strings the site links to (``map "$uri?$args"``) onto
these names and hands any other query string to the app. A cursor longer than
200 characters is cut into 200-character folders (file names stop at 255
bytes); one longer than ``CURSOR_MAX`` stays with the app.

``DIR`` is a symbolic link to a complete tree next to it
(``.DIR.trees/<n>``). An export writes a new tree (for one article, a copy of
the current tree made of hard links, with that article's files and the site
lists rewritten), then replaces the link with ``os.replace``: nginx sees the
old site or the new one, never a mix. The previous tree is kept one round for
requests still reading it. ``deploy/nginx/`` has the server configurations.
Forms (follow-up questions, the article's ``?for=`` redirect and the
personalise redirect) and search need the Django app behind it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from articles.models import Audience
from cms import languages

from .httpcache import brotli_bytes, gzip_bytes
from .pages import list_addresses
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
# Folders and files the site lists are written to; each export rewrites them all.
QUERY_DIR = "_query"
CURSOR_CHUNK = 200
CURSOR_MAX = 4 * CURSOR_CHUNK
# Each language's site files: the same pages under its prefix ("/es/board/" → "es/board/index.html").
LANGUAGE_SITE_FILES = ("/", "/editorial-policy/", "/board/", "/feed/", "/api/articles/")
# The index's query strings exactly as its own links write them (cms.pagination keeps letter first),
# under each language's prefix ("/es/?letter=C" → "es/_query/index/letter-C.html").
_INDEX_PREFIX = r"^(?:/(?P<language>[a-z]{2,3}))?/\?"
_INDEX_QUERIES = (
    (re.compile(_INDEX_PREFIX + r"page=(?P<page>[1-9][0-9]*)$"), "page-{page}"),
    (re.compile(_INDEX_PREFIX + r"letter=(?P<letter>[A-Z]|0-9)$"), "letter-{letter}"),
    (
        re.compile(_INDEX_PREFIX + r"letter=(?P<letter>[A-Z]|0-9)&page=(?P<page>[1-9][0-9]*)$"),
        "letter-{letter}-page-{page}",
    ),
)
_CURSOR_QUERY = re.compile(r"^/api/articles/\?cursor=(?P<token>[A-Za-z0-9_-]+)$")
_SITEMAP_SECTION = re.compile(r"^/(?P<name>sitemap-[a-z0-9-]+\.xml)$")
COMPRESSED_SUFFIXES = (".html", ".json", ".xml", ".txt", ".css", ".js", ".svg")


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    tree: str = ""


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path via a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write(root: Path, name: str, data: bytes, result: ExportResult) -> None:
    write_atomic(root / name, data)
    if name.endswith(COMPRESSED_SUFFIXES):
        write_atomic(root / f"{name}.gz", gzip_bytes(data))
        compressed = brotli_bytes(data, quality=settings.STORED_BROTLI_QUALITY)
        if compressed:
            write_atomic(root / f"{name}.br", compressed)
    result.written.append(name)


def _client() -> Client:
    site = urlsplit(settings.SITE_URL)
    host = site.netloc or "localhost"
    allowed = settings.ALLOWED_HOSTS
    if "*" not in allowed and host.split(":")[0] not in allowed and not settings.DEBUG:
        host = allowed[0].lstrip(".") if allowed else "localhost"
    return Client(HTTP_HOST=host, secure=site.scheme == "https")


def _fetch(client: Client, url: str, result: ExportResult) -> bytes | None:
    client.cookies.clear()
    response = client.get(url, secure=client.defaults.get("secure", False))
    if response.status_code != 200:
        result.skipped.append(f"{url} ({response.status_code})")
        return None
    return response.content


def _language_dirs() -> list[str]:
    """Return the folder prefix of every reader language: "" for the default, "es/" for Spanish (as the addresses)."""
    return [f"{code}/" if code != languages.default_language() else "" for code in languages.reader_languages()]


def _export_pages(
    client: Client, root: Path, slug: str, audiences: list[str], result: ExportResult, language: str = ""
) -> None:
    """Write one article's pages, provenance and API files under its language's folder ("es/articles/…")."""
    lang = languages.address_prefix(language or languages.default_language()).lstrip("/")
    lang = f"{lang}/" if lang else ""
    base = f"{lang}articles/{slug}"
    if (root / base).is_dir():
        shutil.rmtree(root / base)
    body = _fetch(client, f"/{base}/", result)
    if body is None:
        return
    _write(root, f"{base}/index.html", body, result)
    for audience in audiences:
        body = _fetch(client, f"/{base}/for/{audience}/", result)
        if body is not None:
            _write(root, f"{base}/for/{audience}/index.html", body, result)
    provenance = _fetch(client, f"/{base}/provenance.json", result)
    if provenance is not None:
        _write(root, f"{base}/provenance.json", provenance, result)
    api_dir = root / f"{lang}api" / "articles" / slug
    if api_dir.is_dir():
        shutil.rmtree(api_dir)
    api = _fetch(client, f"/{lang}api/articles/{slug}/", result)
    if api is not None:
        _write(root, f"{lang}api/articles/{slug}/index.json", api, result)
    for audience in audiences:
        api = _fetch(client, f"/{lang}api/articles/{slug}/?for={audience}", result)
        if api is not None:
            _write(root, f"{lang}api/articles/{slug}/for/{audience}.json", api, result)


def _remove_article(root: Path, slug: str, result: ExportResult) -> None:
    for lang in _language_dirs():
        for folder in (root / f"{lang}articles" / slug, root / f"{lang}api" / "articles" / slug):
            if folder.is_dir():
                shutil.rmtree(folder)
                result.removed.append(str(folder.relative_to(root)))


def list_file(address: str) -> str | None:
    """Return the export's file name for a list address (see the layout above); None if it stays with the app."""
    for pattern, name in _INDEX_QUERIES:
        match = pattern.match(address)
        if match:
            language = match["language"]
            if language is not None and (language == languages.default_language() or not languages.is_known(language)):
                return None
            folder = f"{language}/" if language else ""
            return f"{folder}{QUERY_DIR}/index/{name.format(**match.groupdict())}.html"
    match = _CURSOR_QUERY.match(address)
    if match:
        token = match["token"]
        if len(token) > CURSOR_MAX:
            return None
        chunks = [token[i : i + CURSOR_CHUNK] for i in range(0, len(token), CURSOR_CHUNK)]
        return f"{QUERY_DIR}/api/cursor/{'/'.join(chunks)}.json"
    match = _SITEMAP_SECTION.match(address)
    if match:
        return match["name"]
    return None


def _site_files() -> dict[str, str]:
    """Return the site-wide addresses and their files: the default language's, then each other language's."""
    files = dict(SITE_FILES)
    for folder in _language_dirs():
        if folder:
            files.update({f"/{folder}{url[1:]}": f"{folder}{SITE_FILES[url]}" for url in LANGUAGE_SITE_FILES})
    return files


def _export_site_files(client: Client, root: Path, result: ExportResult) -> None:
    for url, name in _site_files().items():
        body = _fetch(client, url, result)
        if body is not None:
            _write(root, name, body, result)
    # The lists' further pages: every one is rewritten, and none of the old ones is kept
    # (a list that got shorter must not leave a page behind).
    for folder in _language_dirs():
        if (root / folder / QUERY_DIR).is_dir():
            shutil.rmtree(root / folder / QUERY_DIR)
    for old in root.glob("sitemap-*.xml*"):
        old.unlink()
    for address in list_addresses():
        name = list_file(address)
        if name is None:
            result.skipped.append(f"{address} (left to the app)")
            continue
        body = _fetch(client, address, result)
        if body is not None:
            _write(root, name, body, result)


def _prune(root: Path, live: set[str], result: ExportResult) -> None:
    for parent in (
        p for lang in _language_dirs() for p in (root / f"{lang}articles", root / f"{lang}api" / "articles")
    ):
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.is_dir() and folder.name not in live:
                shutil.rmtree(folder)
                result.removed.append(str(folder.relative_to(root)))


def _copy_static(root: Path, result: ExportResult) -> None:
    call_command("collectstatic", interactive=False, verbosity=0)
    source = Path(settings.STATIC_ROOT)
    for path in source.rglob("*"):
        if path.is_file() and not path.name.endswith(".gz"):
            relative = path.relative_to(source)
            _write(root, f"static/{relative}", path.read_bytes(), result)
    result.written.append("static/")


# --- trees and the link -------------------------------------------------------


def _trees_dir(link: Path) -> Path:
    return link.parent / f".{link.name}.trees"


def _new_tree(link: Path) -> Path:
    trees = _trees_dir(link)
    trees.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=trees, prefix=f"{time.strftime('%Y%m%dT%H%M%S')}-"))


def _current_tree(link: Path) -> Path | None:
    if link.is_symlink():
        return link.resolve()
    return None


def _copy_tree_as_links(source: Path, target: Path) -> None:
    """Fill target with hard links to source's files (writes then replace them, never change them)."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        else:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target / relative)
            except OSError:
                shutil.copy2(path, target / relative)


def _swap(link: Path, tree: Path, result: ExportResult) -> None:
    """Point link at tree in one step; keep the previous tree, delete older ones."""
    # bandit waiver (reviewed): a public export folder that the web server (another user) must read.
    os.chmod(tree, 0o755)  # nosec B103
    previous = _current_tree(link)
    if link.exists() and not link.is_symlink():
        # A plain folder from an older export: move it aside once (the only non-atomic step).
        os.replace(link, _trees_dir(link) / f"legacy-{time.time_ns()}")
    tmp_link = link.parent / f".{link.name}.link-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp_link)
    os.symlink(os.path.relpath(tree, link.parent), tmp_link)
    os.replace(tmp_link, link)
    result.tree = str(tree)
    keep = {tree.resolve(), previous.resolve() if previous else None}
    for old in _trees_dir(link).iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def export_site(directory: str | os.PathLike, *, static: bool = True) -> ExportResult:
    """Write a complete new tree (every live page for every audience, site files, assets) and swap it in."""
    link = Path(directory).absolute()
    link.parent.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    client = _client()
    audiences = list(Audience.objects.filter(active=True).values_list("slug", flat=True))
    live_languages = dict(publication_live_list().values_list("slug", "article__language"))
    live = set(live_languages)
    previous = _current_tree(link) or (link if link.is_dir() else None)
    tree = _new_tree(link)
    try:
        for slug in sorted(live):
            _export_pages(client, tree, slug, audiences, result, live_languages[slug])
        _export_site_files(client, tree, result)
        if static:
            _copy_static(tree, result)
        elif previous is not None and (previous / "static").is_dir():
            _copy_tree_as_links(previous / "static", tree / "static")
        if previous is not None:
            for name in (f"{lang}{name}" for lang in _language_dirs() for name in ("articles", "api/articles")):
                for folder in (previous / name).iterdir() if (previous / name).is_dir() else ():
                    if folder.is_dir() and folder.name not in live:
                        result.removed.append(f"{name}/{folder.name}")
        _swap(link, tree, result)
    except BaseException:
        shutil.rmtree(tree, ignore_errors=True)
        raise
    return result


def export_article(slug: str, directory: str | os.PathLike) -> ExportResult:
    """Bring one article's files and the site lists up to date in a new tree (hard links for the rest); swap."""
    link = Path(directory).absolute()
    previous = _current_tree(link) or (link if link.is_dir() else None)
    if previous is None:
        return export_site(link)
    result = ExportResult()
    client = _client()
    tree = _new_tree(link)
    try:
        _copy_tree_as_links(previous, tree)
        live_languages = dict(publication_live_list().values_list("slug", "article__language"))
        live = set(live_languages)
        if slug in live:
            audiences = list(Audience.objects.filter(active=True).values_list("slug", flat=True))
            _export_pages(client, tree, slug, audiences, result, live_languages[slug])
        else:
            _remove_article(tree, slug, result)
        _prune(tree, live, result)
        _export_site_files(client, tree, result)
        _swap(link, tree, result)
    except BaseException:
        shutil.rmtree(tree, ignore_errors=True)
        raise
    return result
