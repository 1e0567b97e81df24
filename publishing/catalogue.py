"""The reader catalogue: one lean row per live article, kept in step with go-live, withdrawal and expiry.

``catalogue_refresh`` is called by the publishing services inside their
transaction. ``catalogue_rebuild`` rewrites every row (migration 0005 and the
``catalogue_rebuild`` command use it). On PostgreSQL the row's search vector
is computed by the database, weighted: title and condition (A), drugs (B),
summary (C), body (D).
"""

from __future__ import annotations

import html

from django.db import connection
from django.utils.html import strip_tags

from .models import CatalogueEntry, Publication, PublishedPage
from .pages import site_addresses
from .purge import GENERATION_PREFIX, purge_paths

# search_text is "summary\nbody" (plain_text leaves no other newline), so the two parts get their own weights.
VECTOR_SQL_MANY = r"""
UPDATE publishing_catalogueentry SET search_vector =
    setweight(to_tsvector('english', coalesce(title, '')), 'A')
 || setweight(to_tsvector('english', coalesce(condition, '')), 'A')
 || setweight(to_tsvector('english', coalesce(drugs, '')), 'B')
 || setweight(to_tsvector('english', split_part(search_text, E'\n', 1)), 'C')
 || setweight(to_tsvector('english', substr(search_text, strpos(search_text, E'\n') + 1)), 'D')
WHERE id = ANY(%s)
"""


def plain_text(fragment: str) -> str:
    """Return the text of a sanitised HTML fragment, tags removed and entities decoded."""
    return " ".join(html.unescape(strip_tags(fragment or "")).split())


def _entry_fields(publication, page) -> dict:
    data = page.data or {}
    condition = data.get("condition") or publication.article.condition
    drugs = data.get("drugs") or []
    drugs_text = ", ".join(drugs) if isinstance(drugs, list) else str(drugs)
    summary, body = plain_text(page.summary_html), plain_text(page.body_html)
    fields = {
        "publication": publication,
        "slug": publication.slug or publication.article.slug,
        "title": page.title,
        "condition": condition[:200],
        "condition_key": condition.casefold()[:200],
        "drugs": drugs_text[:500],
        "kind": publication.kind,
        "live_at": publication.live_at,
        "expires_at": publication.expires_at,
        "search_names": " ".join([page.title, condition, drugs_text]).casefold(),
        "search_text": f"{summary}\n{body}",
    }
    return fields


def refresh(article_id: int, *, CatalogueEntry, Publication, PublishedPage) -> None:
    """Make the article's catalogue row match its live publication (or remove it if none is live)."""
    live = Publication.objects.select_related("article").filter(article_id=article_id, state="live").first()
    page = PublishedPage.objects.filter(publication=live, audience__isnull=True).first() if live else None
    if live is None or page is None:
        CatalogueEntry.objects.filter(article_id=article_id).delete()
        return
    entry, _created = CatalogueEntry.objects.update_or_create(article_id=article_id, defaults=_entry_fields(live, page))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(VECTOR_SQL_MANY, [[entry.pk]])


def catalogue_refresh(article_id: int) -> None:
    """Bring one article's reader catalogue row in line with what is live now (call inside the change's transaction)."""
    refresh(article_id, CatalogueEntry=CatalogueEntry, Publication=Publication, PublishedPage=PublishedPage)


def rebuild(*, CatalogueEntry, Publication, PublishedPage) -> int:
    """Rewrite the whole catalogue from the live publications; return how many rows it holds."""
    live_articles = set(Publication.objects.filter(state="live").values_list("article_id", flat=True))
    CatalogueEntry.objects.exclude(article_id__in=live_articles).delete()
    for article_id in live_articles:
        refresh(article_id, CatalogueEntry=CatalogueEntry, Publication=Publication, PublishedPage=PublishedPage)
    return len(live_articles)


def catalogue_rebuild() -> int:
    """Rewrite the whole reader catalogue from the live publications, then purge the lists built from it."""
    count = rebuild(CatalogueEntry=CatalogueEntry, Publication=Publication, PublishedPage=PublishedPage)
    # The index, sitemap and API lists are cached as bytes; a rebuilt catalogue must reach them.
    purge_paths([*site_addresses(), f"{GENERATION_PREFIX}*"])
    return count
