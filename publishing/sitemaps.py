"""/sitemap.xml: every live, board-approved article page with its last change."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import selectors as rs
from .cache import site_cache_key
from .httpcache import public_response


def sitemap_entries() -> list[dict]:
    """Return the sitemap rows: the index, then one per live non-provisional article."""
    entries = [{"loc": f"{settings.SITE_URL}{reverse('reader:index')}", "lastmod": None}]
    for page in rs.live_page_list(include_provisional=False):
        publication = page.publication
        entries.append(
            {
                "loc": f"{settings.SITE_URL}{reverse('reader:article', args=[publication.slug])}",
                "lastmod": (publication.live_at or page.rendered_at).date().isoformat(),
            }
        )
    return entries


@public_response
@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """Serve sitemap.xml, cached until the next go-live or withdrawal."""
    key = site_cache_key("sitemap")
    body = cache.get(key)
    if body is None:
        body = render_to_string("publishing/reader/sitemap.xml", {"entries": sitemap_entries()})
        cache.set(key, body, timeout=settings.READER_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
