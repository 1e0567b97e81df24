"""/sitemap.xml: a sitemap index whose sections list every live, board-approved article.

Django's sitemap framework pages each section (at most ``limit`` URLs: 5,000
for articles, under the protocol's maximum of 50,000); every page is its own file,
``/sitemap-<section>-<page>.xml``, so a static export can write them as
files. ``lastmod`` comes from the database (when the live revision went
live), the index's from one aggregate per section. Every response is cached
until the next go-live or withdrawal bumps the site generation.
"""

from __future__ import annotations

import datetime as dt
import html

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.cache import cache
from django.db.models import CharField, Max
from django.db.models.functions import Cast, TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from cms import languages

from . import selectors as rs
from .cache import site_cache_key
from .httpcache import public_response


class PagesSitemap(Sitemap):
    """The fixed reader pages: the index, the editorial policy and the board."""

    def items(self) -> list[str]:
        return ["reader:index", "reader:editorial_policy", "reader:board"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> None:
        return None  # fixed pages carry no date

    def get_latest_lastmod(self) -> dt.datetime | None:
        return None


def _article_path_parts() -> tuple[str, str]:
    """Return what comes before and after the slug in an article's path (e.g. "/articles/", "/")."""
    marker = "slug-marker"
    with languages.reading(languages.default_language()):  # the language prefix is added per row
        path = reverse("reader:article", args=[marker])
    before, _, after = path.partition(marker)
    return before, after


class ArticleSitemap(Sitemap):
    """Every live, board-approved article (provisional pages are left out), oldest row first.

    Sections of 5,000 URLs (the protocol allows 50,000): a section is built in
    one response, so its time and memory grow with the section, not the site
    (30,000 URLs took 0.7 s and 154 MB at 100,000 articles).
    """

    limit = 5_000

    def items(self):
        # (slug, live_at) tuples: building model instances was a large share of a 50,000-URL section.
        # The count and each section's ids come from the narrow catalogue_cover index (rs.CatalogueList).
        # The day as text from the database: parsing the timestamps in Python was a third of a section.
        day = Cast(TruncDate("live_at", tzinfo=dt.UTC), output_field=CharField())
        return rs.CatalogueList(
            rs.catalogue_live(include_provisional=False).values_list("slug", day, "lead__language", "article_id"),
            rs.catalogue_counted(include_provisional=False),
            ("id",),
            pick_ids=False,
        )

    def location(self, item) -> str:
        # One reverse() for the whole section: at 50,000 URLs a reverse() per row is most of the time.
        prefix, suffix = self._path_parts()
        return f"{languages.address_prefix(item[2] or languages.default_language())}{prefix}{item[0]}{suffix}"

    def _path_parts(self) -> tuple[str, str]:
        if not hasattr(self, "_parts"):
            self._parts = _article_path_parts()
        return self._parts

    def lastmod(self, item) -> str:
        return item[1]  # "YYYY-MM-DD"

    def language_families(self, items) -> dict:
        """Return each item's other live languages, {article id: [(code, slug)…]} (one query per section page)."""
        return rs.catalogue_language_families([item[3] for item in items])

    def alternate_links(self, item, families: dict) -> list[tuple[str, str]]:
        """Return (hreflang, absolute URL) for every language of this item's article, and x-default (the source)."""
        family = families.get(item[3])
        if not family:
            return []
        prefix, suffix = self._path_parts()
        links = [
            (code, f"{settings.SITE_URL}{languages.address_prefix(code)}{prefix}{slug}{suffix}")
            for code, slug in family
        ]
        return [*links, ("x-default", links[0][1])]

    def get_latest_lastmod(self) -> dt.datetime | None:
        # From the catalogue alone (index-only), like the counts: see rs.catalogue_counted.
        return rs.catalogue_counted(include_provisional=False).aggregate(latest=Max("live_at"))["latest"]


SITEMAPS: dict[str, type[Sitemap]] = {"pages": PagesSitemap, "articles": ArticleSitemap}


def _cached_xml(name: str, build) -> HttpResponse:
    key = site_cache_key(name)
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, timeout=settings.READER_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _date(value) -> str | None:
    if isinstance(value, str):  # already the day (ArticleSitemap)
        return value[:10]
    return value.date().isoformat() if isinstance(value, dt.datetime) else None


def sitemap_sections() -> list[dict]:
    """Return the index rows: the URL of every page of every section and its latest lastmod."""
    rows = []
    for name, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        latest = _date(sitemap.get_latest_lastmod())
        for page in sitemap.paginator.page_range:
            location = reverse("reader:sitemap_section", kwargs={"section": name, "page": page})
            rows.append({"loc": f"{settings.SITE_URL}{location}", "lastmod": latest})
    return rows


def sitemap_entries(section: str, page: int) -> list[dict]:
    """Return the URL rows of one page of one section; Http404 for a section or page that does not exist."""
    sitemap_class = SITEMAPS.get(section)
    if sitemap_class is None:
        raise Http404(f"No sitemap section {section!r}.")
    sitemap = sitemap_class()
    paginator = sitemap.paginator  # a new Paginator (and count) on every access: keep this one
    if page < 1 or page > paginator.num_pages:
        raise Http404(f"The {section} sitemap has pages 1 to {paginator.num_pages}.")
    items = list(paginator.page(page).object_list)
    families = sitemap.language_families(items) if hasattr(sitemap, "language_families") else {}
    return [
        {
            "loc": f"{settings.SITE_URL}{sitemap.location(item)}",
            "lastmod": _date(sitemap.lastmod(item)),
            "alternates": sitemap.alternate_links(item, families) if families else [],
        }
        for item in items
    ]


def _urlset(entries: list[dict]) -> str:
    """Render a <urlset> as one string: a template loop per URL was most of the time at 50,000 URLs."""
    rows = [
        f"  <url><loc>{html.escape(e['loc'])}</loc>"
        + (f"<lastmod>{e['lastmod']}</lastmod>" if e["lastmod"] else "")
        + "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" href="{html.escape(url)}"/>'
            for code, url in e.get("alternates", ())
        )
        + "</url>"
        for e in entries
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(rows) + "\n</urlset>\n"
    )


def _only_unprefixed(request: HttpRequest) -> None:
    if getattr(request, "LANGUAGE_CODE", languages.default_language()) != languages.default_language():
        raise Http404("The sitemap is at /sitemap.xml for every language.")


@public_response
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """Serve the sitemap index, /sitemap.xml (one for every language: each URL lists its alternates)."""
    _only_unprefixed(request)
    return _cached_xml(
        "sitemap:index",
        lambda: render_to_string("publishing/reader/sitemap_index.xml", {"sections": sitemap_sections()}),
    )


@public_response
@require_safe
def sitemap_section(request: HttpRequest, section: str, page: int) -> HttpResponse:
    """Serve one page of one sitemap section."""
    _only_unprefixed(request)
    return _cached_xml(
        f"sitemap:{section}:{page}",
        lambda: _urlset(sitemap_entries(section, page)),
    )
