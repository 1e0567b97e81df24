"""The reader catalogue: one lean row per live article, kept in step with go-live, withdrawal and expiry.

``catalogue_refresh`` is called by the publishing services inside their
transaction. ``catalogue_rebuild`` rewrites every row (migration 0005 and the
``catalogue_rebuild`` command use it). Each entry has a ``CatalogueLead``, the
narrow row search ranks (language, prior, facets), written with it in the same
transaction. On PostgreSQL both search vectors are computed by the database in
the lead's text-search configuration (``SEARCH_TEXT_CONFIGS``), accents removed
where the unaccent extension is installed (``vetted_unaccent``, migration 0016):
the lead's ``tsv`` weights title and condition (A), drugs (B), the bottom line
(C), and carries the search filters (audiences, condition, drugs) as lexemes of
their own; the entry's ``search_vector`` adds the body (D), for body-only matches.
"""

from __future__ import annotations

import datetime as dt
import html

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.html import strip_tags

from textkit.text import folded

from .models import CatalogueEntry, CatalogueLead, Publication, PublishedPage
from .pages import site_addresses
from .purge import GENERATION_PREFIX, purge_paths

# search_text is "summary\nbody" (plain_text leaves no other newline), so the two parts get their own weights.
# Each row in its lead's text-search configuration; vetted_unaccent is unaccent() where installed, else the text.
# The search filters as lexemes of their own ("~a:patient", "~c:herpes zoster", "~d:valacyclovir"), without
# positions: a filtered search is answered inside the index (``tsv @@ words && filter``) instead of reading
# every match's row to test it. No reader's words can become such a lexeme (the parser splits "~" and ":").
LEAD_FILTER_TOKENS_SQL = r"""array_to_tsvector(ARRAY(
    SELECT '~a:' || a FROM unnest(string_to_array(btrim(l.audiences), ' ')) AS a WHERE a <> ''
    UNION ALL SELECT '~c:' || l.condition_key WHERE l.condition_key <> ''
    UNION ALL SELECT '~d:' || d FROM unnest(string_to_array(btrim(l.drug_keys, '|'), '|')) AS d WHERE d <> ''))"""
LEAD_VECTOR_SQL = r"""
UPDATE publishing_cataloguelead l SET tsv =
    setweight(to_tsvector(l.text_config::regconfig, vetted_unaccent(coalesce(e.title, ''))), 'A')
 || setweight(to_tsvector(l.text_config::regconfig, vetted_unaccent(coalesce(e.condition, ''))), 'A')
 || setweight(to_tsvector(l.text_config::regconfig, vetted_unaccent(coalesce(e.drugs, ''))), 'B')
 || setweight(to_tsvector(l.text_config::regconfig, vetted_unaccent(split_part(e.search_text, E'\n', 1))), 'C')
 || {FILTER_TOKENS}
FROM publishing_catalogueentry e
WHERE e.id = l.entry_id AND l.entry_id = ANY(%s)
""".replace("{FILTER_TOKENS}", LEAD_FILTER_TOKENS_SQL)  # nosec B608: two module constants; the ids are bound
ENTRY_VECTOR_SQL = r"""
UPDATE publishing_catalogueentry e SET search_vector = l.tsv
 || setweight(to_tsvector(l.text_config::regconfig,
        vetted_unaccent(substr(e.search_text, strpos(e.search_text, E'\n') + 1))), 'D')
FROM publishing_cataloguelead l
WHERE e.id = l.entry_id AND e.id = ANY(%s)
"""

# How much each part of the prior counts (they add up to 1): audiences written for, recency, a question title.
PRIOR_AUDIENCES, PRIOR_RECENT, PRIOR_QUESTION = 0.4, 0.4, 0.2


def language_of(article=None) -> str:
    """Return an article's language as a primary subtag; the site's LANGUAGE_CODE until articles have one."""
    code = getattr(article, "language", "") or settings.LANGUAGE_CODE
    return code.split("-")[0].casefold()[:12]


def text_config(language: str) -> str:
    """Return the PostgreSQL text-search configuration for a language (SEARCH_TEXT_CONFIGS; unknown: simple)."""
    return getattr(settings, "SEARCH_TEXT_CONFIGS", {}).get(language, "simple")


def lead_prior(*, title: str, audiences: int, reviewed: dt.date | None, now: dt.datetime | None = None) -> float:
    """Return the query-independent weight of an entry, 0 to 1.

    Audiences with text of their own (up to three), how recently it was
    reviewed (full within a year, nothing after three) and a title asked as a
    question. Small beside the text rank: it orders close matches, it never
    lifts an article the words do not match.
    """
    today = (now or timezone.now()).date()
    age_years = (today - reviewed).days / 365.25 if reviewed else 3.0
    recent = 1.0 if age_years <= 1 else max(0.0, (3.0 - age_years) / 2.0)
    question = 1.0 if title.rstrip().endswith("?") else 0.0
    return round(PRIOR_AUDIENCES * min(audiences, 3) / 3 + PRIOR_RECENT * recent + PRIOR_QUESTION * question, 4)


def drug_keys(drugs: str) -> str:
    """Return the drug names lowercased, each between '|' (so a filter matches whole names only)."""
    names = [name.strip().casefold() for name in (drugs or "").split(",") if name.strip()]
    return ("|" + "|".join(names) + "|")[:500] if names else ""


def lead_fields(entry, *, audiences: list[str], reviewed_on: dt.date | None, language: str) -> dict:
    """Return the CatalogueLead columns of an entry (anything with the entry's attributes)."""
    return {
        "language": language,
        "text_config": text_config(language),
        "prior": lead_prior(
            title=entry.title, audiences=len(audiences), reviewed=reviewed_on or (entry.live_at.date())
        ),
        # Spaces around each slug, so a filter matches whole slugs only.
        "audiences": f" {' '.join(audiences)} "[:400] if audiences else "",
        "condition_key": entry.condition_key,
        "drug_keys": drug_keys(entry.drugs),
        "reviewed_on": reviewed_on,
        "expires_at": entry.expires_at,
    }


def search_vectors_write(entry_ids: list[int]) -> None:
    """Compute the lead's and the entry's search vectors on PostgreSQL (nothing to do elsewhere)."""
    if connection.vendor != "postgresql" or not entry_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(LEAD_VECTOR_SQL, [list(entry_ids)])
        cursor.execute(ENTRY_VECTOR_SQL, [list(entry_ids)])


def _own_audiences(pages) -> list[str]:
    """Return the slugs of the audiences whose page has text of its own (not the default page's)."""
    default = next((p for p in pages if p.audience_id is None), None)
    if default is None:
        return []

    def text(page):
        return page.summary_html, [s.get("html") for s in (page.data or {}).get("sections", [])]

    base = text(default)
    return sorted((p.data or {}).get("audience") or "" for p in pages if p.audience_id and text(p) != base)


def _reviewed_on(page) -> dt.date | None:
    value = (page.review_snapshot or {}).get("last_reviewed")
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


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
        "condition_key": folded(condition)[:200],
        "drugs": drugs_text[:500],
        "kind": publication.kind,
        "live_at": publication.live_at,
        "expires_at": publication.expires_at,
        "search_names": " ".join([page.title, condition, drugs_text]).casefold(),
        "search_text": f"{summary}\n{body}",
    }
    return fields


def refresh(article_id: int, *, CatalogueEntry, Publication, PublishedPage, CatalogueLead=None) -> None:
    """Make the article's catalogue row (and its lead) match its live publication, or remove them if none is live.

    ``CatalogueLead`` is None when called from a migration older than the lead table (0006).
    """
    live = Publication.objects.select_related("article").filter(article_id=article_id, state="live").first()
    pages = list(PublishedPage.objects.filter(publication=live)) if live else []
    page = next((p for p in pages if p.audience_id is None), None)
    if live is None or page is None:
        CatalogueEntry.objects.filter(article_id=article_id).delete()  # the lead goes with it (CASCADE)
        return
    fields = _entry_fields(live, page)
    if any(field.name == "language" for field in CatalogueEntry._meta.fields):  # not yet in migrations before 0018
        fields["language"] = language_of(live.article)
    entry, _created = CatalogueEntry.objects.update_or_create(article_id=article_id, defaults=fields)
    if CatalogueLead is None:
        return
    fields = lead_fields(
        entry, audiences=_own_audiences(pages), reviewed_on=_reviewed_on(page), language=language_of(live.article)
    )
    CatalogueLead.objects.update_or_create(entry_id=entry.pk, defaults=fields)
    search_vectors_write([entry.pk])


def catalogue_leads_write(entry_ids: list[int]) -> None:
    """Write the leads and search vectors of catalogue entries written in bulk (bench/seed.py); two queries a call."""
    entries = list(
        CatalogueEntry.objects.filter(pk__in=entry_ids).only(
            "id", "publication_id", "title", "condition_key", "drugs", "live_at", "expires_at"
        )
    )
    pages: dict[int, list] = {}
    for page in PublishedPage.objects.filter(publication_id__in=[e.publication_id for e in entries]).only(
        "publication_id", "audience_id", "summary_html", "data", "review_snapshot"
    ):
        pages.setdefault(page.publication_id, []).append(page)
    leads = []
    for entry in entries:
        own = pages.get(entry.publication_id, [])
        default = next((p for p in own if p.audience_id is None), None)
        fields = lead_fields(
            entry,
            audiences=_own_audiences(own),
            reviewed_on=_reviewed_on(default) if default else None,
            language=language_of(),
        )
        leads.append(CatalogueLead(entry_id=entry.pk, **fields))
    CatalogueLead.objects.bulk_create(leads, batch_size=500)
    search_vectors_write([e.pk for e in entries])


def catalogue_refresh(article_id: int) -> None:
    """Bring one article's reader catalogue row in line with what is live now (call inside the change's transaction)."""
    refresh(
        article_id,
        CatalogueEntry=CatalogueEntry,
        Publication=Publication,
        PublishedPage=PublishedPage,
        CatalogueLead=CatalogueLead,
    )


def rebuild(*, CatalogueEntry, Publication, PublishedPage, CatalogueLead=None) -> int:
    """Rewrite the whole catalogue (and its leads) from the live publications; return how many rows it holds."""
    live_articles = set(Publication.objects.filter(state="live").values_list("article_id", flat=True))
    CatalogueEntry.objects.exclude(article_id__in=live_articles).delete()
    for article_id in live_articles:
        refresh(
            article_id,
            CatalogueEntry=CatalogueEntry,
            Publication=Publication,
            PublishedPage=PublishedPage,
            CatalogueLead=CatalogueLead,
        )
    return len(live_articles)


def catalogue_rebuild() -> int:
    """Rewrite the whole reader catalogue from the live publications, then purge the lists built from it."""
    count = rebuild(
        CatalogueEntry=CatalogueEntry, Publication=Publication, PublishedPage=PublishedPage, CatalogueLead=CatalogueLead
    )
    # The index, sitemap and API lists are cached as bytes; a rebuilt catalogue must reach them.
    purge_paths([*site_addresses(), f"{GENERATION_PREFIX}*"])
    return count
