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
            rs.catalogue_live(include_provisional=False).values_list("slug", day),
            rs.catalogue_counted(include_provisional=False),
            ("id",),
            pick_ids=False,
        )

    def location(self, item) -> str:
        # One reverse() for the whole section: at 50,000 URLs a reverse() per row is most of the time.
        if not hasattr(self, "_parts"):
            self._parts = _article_path_parts()
        prefix, suffix = self._parts
        return f"{prefix}{item[0]}{suffix}"

    def lastmod(self, item) -> str:
        return item[1]  # "YYYY-MM-DD"

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
    return [
        {"loc": f"{settings.SITE_URL}{sitemap.location(item)}", "lastmod": _date(sitemap.lastmod(item))}
        for item in paginator.page(page).object_list
    ]


def _urlset(entries: list[dict]) -> str:
    """Render a <urlset> as one string: a template loop per URL was most of the time at 50,000 URLs."""
    rows = [
        f"  <url><loc>{html.escape(e['loc'])}</loc>"
        + (f"<lastmod>{e['lastmod']}</lastmod>" if e["lastmod"] else "")
        + "</url>"
        for e in entries
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )


@public_response
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """Serve the sitemap index, /sitemap.xml."""
    return _cached_xml(
        "sitemap:index",
        lambda: render_to_string("publishing/reader/sitemap_index.xml", {"sections": sitemap_sections()}),
    )


@public_response
@require_safe
def sitemap_section(request: HttpRequest, section: str, page: int) -> HttpResponse:
    """Serve one page of one sitemap section."""
    return _cached_xml(
        f"sitemap:{section}:{page}",
        lambda: _urlset(sitemap_entries(section, page)),
    )
