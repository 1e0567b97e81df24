"""Stored article pages: the complete HTML of every public article address, rendered once.

When a publication goes live (and whenever something shown on its pages
changes: a newer publication, a withdrawal, an audience, disclaimer or board
member edited) ``store_article_pages`` renders the whole page for the default
text and for each audience and saves the bytes as ``StoredPage`` rows. A
reader request then costs one indexed lookup (``stored_entry``), or nothing at
all past the page cache.

The pages are rendered without a request: no user, no CSRF token, no flashed
message can get into them, so the same bytes serve every visitor, the page
cache, shared caches and the static export.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.text import Truncator

from articles.models import Audience
from cms import languages
from cms.replicas import read_alias
from textkit.rendering import render_markdown

from . import presenters
from . import selectors as rs
from .api import list_cursors
from .furniture import FurnitureState, board_member_column, furniture_state, page_furniture, render_fingerprint
from .httpcache import Entry, etag_for, make_entry
from .models import Publication, PublishedPage, StoredPage, StoredPageVersion
from .presenters import (
    absolute_url,
    article_path,
    article_structured_data,
    json_for_script,
    language_links,
    review_stepper,
    when,
)
from .purge import GENERATION_PREFIX, purge_paths
from .reader_forms import FollowUpForm
from .selectors import publication_history, publication_live_get, published_page_get
from .sitemaps import SITEMAPS, sitemap_sections

logger = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"


def _in_language(audiences, language: str) -> list[dict]:
    """Return the audiences as the page's choice shows them: id, slug and wording in the page's language."""
    rows = []
    for audience in audiences:
        name, help_text = audience.in_language(language)
        rows.append({"pk": audience.pk, "slug": audience.slug, "name": name, "help_text": help_text})
    return rows


def _page_context(publication: Publication, page: PublishedPage, audience: Audience | None) -> dict:
    slug = publication.slug or publication.article.slug
    snapshot = page.review_snapshot or {}
    path = article_path(slug, audience.slug if audience else None)
    canonical = absolute_url(path)
    provisional = (
        snapshot.get("kind") == Publication.Kind.PROVISIONAL or publication.kind == Publication.Kind.PROVISIONAL
    )
    description = Truncator(" ".join(strip_tags(page.summary_html).split())).chars(200) or (
        f"{page.title} — reviewed by our Medical Advisory Board."
    )
    first_published = rs.article_first_published(publication.article)
    links = language_links(publication, audience)
    structured = article_structured_data(
        page, audience=audience, first_published=first_published, url=canonical, source_live=links["source_live"]
    )
    return {
        "SITE_NAME": settings.SITE_NAME,
        "title": page.title,
        "page": page,
        "publication": publication,
        "article_slug": slug,
        "article_path": article_path(slug),
        "snapshot": snapshot,
        "provisional": provisional,
        "stepper": review_stepper(snapshot),
        "last_updated": when(snapshot.get("last_updated")) or publication.live_at,
        "last_reviewed": when(snapshot.get("last_reviewed")),
        "next_review_due": when(snapshot.get("next_review_due")),
        "reviewers": snapshot.get("reviewers", []),
        "sections": (page.data or {}).get("sections", []),
        "audiences": _in_language(rs.reader_audience_list(), publication.article.language),
        "audience": _in_language([audience], publication.article.language)[0] if audience else None,
        "history": list(publication_history(publication.article)),
        "structured_data": json_for_script(structured),
        "canonical_url": canonical,
        "description": description,
        "form": FollowUpForm(),
        "question_url": reverse("reader:question", args=[slug]),
        **links,
    }


def render_page(publication: Publication, audience: Audience | None, state: FurnitureState) -> tuple[bytes, dict, str]:
    """Render one page with the approved furniture in force; return its bytes, furniture versions, board ids.

    The article's own HTML comes from its PublishedPage as rendered at go-live
    and is never re-derived here; only the page around it (templates, the
    disclaimer in force, the lists) is rendered again.
    """
    with languages.reading(publication.article.language):  # the page's chrome and links in its language
        page = published_page_get(publication, audience)
        context = _page_context(publication, page, audience)
        language = publication.article.language
        disclaimer = state.disclaimer_for(audience.pk if audience else None, language)
        # render_markdown sanitises its output with the allow-list.
        context["disclaimer"] = (
            {
                "name": disclaimer.name,
                "html": render_markdown(disclaimer.text),
                "language": languages.base(disclaimer.language),
                # Shown in another language: the page says so (and marks the block's language).
                "untranslated": languages.base(disclaimer.language) != languages.base(language),
                "language_name": languages.language_in_text(disclaimer.language),
            }
            if disclaimer
            else None
        )
        members = [r["board_member_id"] for r in context["reviewers"] if r.get("board_member_id")]
        furniture = page_furniture(
            state, audience_id=audience.pk if audience else None, board_member_ids=members, language=language
        )
        html = render_to_string("publishing/reader/article.html", context)
    return html.encode(), furniture, board_member_column(members)


def render_article_page(publication: Publication, audience: Audience | None) -> bytes:
    """Render the complete page of a live publication for one audience (None: the default text)."""
    return render_page(publication, audience, furniture_state())[0]


def _save(
    path: str,
    publication: Publication,
    audience: Audience | None,
    rendered: tuple[bytes, dict, str],
    now: dt.datetime,
) -> Entry:
    """Write one address's bytes, its compressed copies and what it was rendered with: one UPDATE, atomic.

    The same transaction records the new bytes in the address's history
    (``StoredPageVersion``) and closes the record of the bytes they replace.
    """
    body, furniture, members = rendered
    entry = make_entry(body, HTML, last_modified=now.timestamp(), brotli_quality=settings.STORED_BROTLI_QUALITY)
    fingerprint = render_fingerprint()
    with transaction.atomic():
        StoredPage.objects.update_or_create(
            path=path,
            defaults={
                "publication": publication,
                "audience": audience,
                "content_type": HTML,
                "body": entry.body,
                "body_gzip": entry.body_gzip,
                "body_br": entry.body_br,
                "etag": entry.etag,
                "rendered_at": now,
                "furniture": furniture,
                "board_member_ids": members,
                "fingerprint": fingerprint,
            },
        )
        StoredPageVersion.objects.filter(path=path, served_until__isnull=True).update(served_until=now)
        StoredPageVersion.objects.create(
            path=path,
            publication=publication,
            audience=audience,
            content_type=HTML,
            body_gzip=entry.body_gzip,
            etag=entry.etag,
            furniture=furniture,
            fingerprint=fingerprint,
            served_from=now,
        )
    return entry


def _remove(pages: QuerySet[StoredPage]) -> None:
    """Delete these stored pages and close their history records, together."""
    with transaction.atomic():
        paths = list(pages.values_list("path", flat=True))
        StoredPageVersion.objects.filter(path__in=paths, served_until__isnull=True).update(served_until=timezone.now())
        StoredPage.objects.filter(path__in=paths).delete()


def _unchanged(stored: tuple[str, dict, str] | None, rendered: tuple[bytes, dict, str]) -> bool:
    """Return whether a stored page (etag, furniture, fingerprint) already has these bytes and versions."""
    return stored == (etag_for(rendered[0]), rendered[1], render_fingerprint())


def store_page(stored_id: int, state: FurnitureState) -> str | None:
    """Re-render one stored page (by id) if its publication is still live; return its address if it changed.

    Used by the background re-render batches (``publishing.services.furniture.render_run_batch``).
    """
    stored = StoredPage.objects.select_related("publication__article", "audience").filter(pk=stored_id).first()
    if stored is None or stored.publication.state != Publication.State.LIVE:
        return None
    rendered = render_page(stored.publication, stored.audience, state)
    if _unchanged((stored.etag, stored.furniture, stored.fingerprint), rendered):
        return None
    with transaction.atomic():
        _save(stored.path, stored.publication, stored.audience, rendered, timezone.now())
    return stored.path


def store_article_pages(slug: str) -> list[str]:
    """Render and store every audience's page of the article live at slug; return the addresses written.

    A slug with nothing live has its stored pages removed. Pages whose bytes
    did not change keep their row (and so their ETag and Last-Modified).
    """
    publication = publication_live_get(slug)
    if publication is None:
        _remove(_article_pages(slug))
        return []
    with languages.reading(publication.article.language):
        return _store_publication_pages(slug, publication)


def _article_pages(slug: str) -> QuerySet[StoredPage]:
    """Return the stored pages of the article at slug, in whichever language's address they are."""
    where = Q()
    for code in languages.reader_languages():
        where |= Q(path__startswith=f"{languages.address_prefix(code)}/articles/{slug}/")
    return StoredPage.objects.filter(where)


def _store_publication_pages(slug: str, publication: Publication) -> list[str]:
    now = timezone.now()
    state = furniture_state(now)
    written = []
    existing = {
        path: rest
        for path, *rest in StoredPage.objects.filter(publication=publication).values_list(
            "path", "etag", "furniture", "fingerprint"
        )
    }
    for audience in [None, *rs.reader_audience_list()]:
        path = article_path(slug, audience.slug if audience else None)
        rendered = render_page(publication, audience, state)
        stored = existing.get(path)
        if _unchanged(tuple(stored) if stored else None, rendered):
            continue
        with transaction.atomic():
            _save(path, publication, audience, rendered, now)
        written.append(path)
    active = {article_path(slug, a.slug) for a in rs.reader_audience_list()} | {article_path(slug)}
    _remove(_article_pages(slug).exclude(path__in=active))
    return written


def _stored_entry_sql() -> str:
    """Return the one query of a reader request, written out once from the models' tables and columns."""
    page, publication = StoredPage._meta, Publication._meta
    columns = ", ".join(
        f"s.{page.get_field(name).column}"
        for name in ("content_type", "body", "body_gzip", "etag", "rendered_at", "body_br")
    )
    expires = publication.get_field("expires_at").column
    # Only table and column names from the models are formatted in; every value is a %s parameter.
    return (
        f"SELECT {columns} FROM {page.db_table} s "  # nosec B608 - identifiers from _meta, values are parameters
        f"INNER JOIN {publication.db_table} p ON p.{publication.pk.column} = s.{page.get_field('publication').column} "
        f"WHERE s.{page.get_field('path').column} = %s AND p.{publication.get_field('state').column} = %s "
        f"AND (p.{expires} IS NULL OR p.{expires} > %s) LIMIT 1"
    )


_STORED_ENTRY_SQL = ""


def _binary_cursor(alias: str = "default"):
    """Return a cursor of a database (the primary unless a replica is named) that, on PostgreSQL, reads in binary.

    Django's psycopg cursors bind parameters on the client, which only allows
    text results: three ``bytea`` columns then travel hex-encoded and are
    decoded in Python, about 250 µs of CPU per read against under 70 µs in
    binary (BENCHMARKS.md). The cursor is still wrapped by Django, so query
    logging, error translation and ``django_assert_num_queries`` see it.
    """
    connection = connections[alias]
    if connection.vendor == "postgresql":
        import psycopg

        connection.close_if_health_check_failed()
        connection.ensure_connection()
        cursor = psycopg.Cursor(connection.connection)  # server-side binding, so results may be binary
        cursor.format = psycopg.pq.Format.BINARY
        connection.validate_thread_sharing()
        # What Django's own cursor() does with a new cursor, through its public methods.
        return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
    return connection.cursor()


def stored_entry(path: str) -> Entry | None:
    """Return the stored bytes of an article address whose publication is still live (one indexed query).

    This is the cold reader request (``publishing.fastpath``), so the query is
    plain SQL on the unique ``path`` index: building it through the ORM each
    time cost more CPU than PostgreSQL's answer (profile in BENCHMARKS.md). It
    means the same as ``StoredPage.objects.filter(path=path,
    publication__state=LIVE)`` with the publication not yet expired.
    """
    global _STORED_ENTRY_SQL
    if not _STORED_ENTRY_SQL:
        _STORED_ENTRY_SQL = _stored_entry_sql()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with _binary_cursor(read_alias()) as cursor:  # a replica when this request may read one (cms/replicas.py)
        cursor.execute(_STORED_ENTRY_SQL, [path, Publication.State.LIVE.value, now])
        row = cursor.fetchone()
    if row is None:
        return None
    content_type, body, body_gzip, etag, rendered_at, body_br = row
    if isinstance(rendered_at, str):  # SQLite without its converters
        rendered_at = dt.datetime.fromisoformat(rendered_at)
    if timezone.is_naive(rendered_at):  # SQLite keeps UTC without an offset
        rendered_at = rendered_at.replace(tzinfo=dt.UTC)
    return Entry(
        200, content_type, bytes(body), bytes(body_gzip), etag, float(int(rendered_at.timestamp())), bytes(body_br)
    )


def render_and_store(slug: str, audience: Audience | None, *, publication: Publication | None = None) -> Entry | None:
    """Render one address now (a page that was never stored, e.g. published before this existed) and keep it."""
    publication = publication or publication_live_get(slug)
    if publication is None:
        return None
    rendered = render_page(publication, audience, furniture_state())
    with languages.reading(publication.article.language):
        path = article_path(slug, audience.slug if audience else None)
    return _save(path, publication, audience, rendered, timezone.now())


def article_addresses(slug: str) -> list[str]:
    """Return every public address that shows one article (pages, provenance, API), for purging."""
    audiences = list(Audience.objects.values_list("slug", flat=True))
    paths = []
    for code in languages.reader_languages():  # an article's language is fixed, but purging every prefix is cheap
        prefix = languages.address_prefix(code)
        paths += [f"{prefix}/articles/{slug}/", f"{prefix}/articles/{slug}/provenance.json"]
        paths += [f"{prefix}/api/articles/{slug}/"]
        paths += [f"{prefix}/articles/{slug}/for/{audience}/" for audience in audiences]
        paths += [f"{prefix}/api/articles/{slug}/?for={audience}" for audience in audiences]
    return paths


def index_addresses(*, spare: int = 0) -> list[str]:
    """Return every language's A–Z index addresses past its first page: further pages, letters, letters' pages.

    The same query strings the index's own links use (``/?page=N``,
    ``/es/?letter=X``, ``/?letter=X&page=N``), for each reader language (each
    has its own index); one grouped query for the counts. ``spare`` adds that
    many pages past each list's end (a page that a withdrawal just emptied,
    for purging).
    """
    counts: dict[str, dict[str, int]] = {code: {} for code in languages.reader_languages()}
    rows = (
        rs.catalogue_live()
        .annotate(first=Substr("condition_key", 1, 1))
        .values("language", "first")
        .annotate(rows=Count("id"))
        .order_by()
    )
    for row in rows:
        per_letter = counts.get(row["language"])
        if per_letter is None:  # a language the site no longer offers has no index
            continue
        upper = (row["first"] or "").upper()
        letter = upper if upper in rs.LETTERS else rs.OTHER_LETTER
        per_letter[letter] = per_letter.get(letter, 0) + row["rows"]

    def pages(count: int) -> range:
        return range(2, max(1, math.ceil(count / presenters.INDEX_PAGE_SIZE)) + 1 + spare)

    paths = []
    for code, per_letter in counts.items():
        index = f"{languages.address_prefix(code)}/"
        paths += [f"{index}?page={n}" for n in pages(sum(per_letter.values()))]
        for letter in (*rs.LETTERS, rs.OTHER_LETTER):
            paths.append(f"{index}?{urlencode({'letter': letter})}")
            paths += [f"{index}?{urlencode({'letter': letter, 'page': n})}" for n in pages(per_letter.get(letter, 0))]
    return paths


def list_addresses(*, spare: int = 0) -> list[str]:
    """Return every address of the site's lists past their first page (index, letters, sitemap sections, API).

    A handful of queries whatever the number of articles (the API's cursors
    come from one query returning each page's last row). ``spare``: see
    ``index_addresses`` (sitemap sections get the same).
    """
    list_url = reverse("reader:api_article_list")
    paths = index_addresses(spare=spare)
    sections = [row["loc"].removeprefix(settings.SITE_URL) for row in sitemap_sections()]
    paths += sections
    for name in SITEMAPS if spare else ():
        last = sum(1 for section in sections if section.startswith(f"/sitemap-{name}-"))
        paths += [
            reverse("reader:sitemap_section", kwargs={"section": name, "page": last + n}) for n in range(1, spare + 1)
        ]
    paths += [f"{list_url}?cursor={token}" for token in list_cursors()]
    return paths


def furniture_addresses() -> list[str]:
    """Return the pages that show furniture itself (the change log, the policy, the board) in every language."""
    paths = []
    for code in languages.reader_languages():
        prefix = languages.address_prefix(code)
        paths += [f"{prefix}/changes/", f"{prefix}/editorial-policy/", f"{prefix}/board/"]
    return paths


def site_addresses() -> list[str]:
    """Return the site-wide addresses that list articles (index and its pages, API pages, sitemap, feed, board).

    Every language has its own copy of each list page (``/es/``, ``/es/?page=1``,
    ``/es/feed/``, ``/es/board/``…: the chrome is translated and the index and
    feed hold that language's articles); the sitemap is one, at the root, for
    every language.
    """
    paths = ["/sitemap.xml"]
    for code in languages.reader_languages():
        prefix = languages.address_prefix(code)
        paths += [f"{prefix}/", f"{prefix}/?page=1", f"{prefix}/feed/", f"{prefix}/api/articles/"]
        paths += [f"{prefix}/board/", f"{prefix}/editorial-policy/", f"{prefix}/changes/"]
    # One page past each index list's end: the page a withdrawal just emptied may still be cached.
    return paths + list_addresses(spare=1)


def refresh_articles(slugs: set[str]) -> dict[str, str]:
    """Re-render the stored pages of these articles, then purge them and the site lists everywhere.

    Runs after the change has committed. A rendering error is logged and
    returned (slug: error) and that article's stored pages are dropped (they
    are rendered on their first request instead); purge failures are recorded
    and retried by ``purge_retry_pending``. Never raises on a rendering error.
    """
    failed: dict[str, str] = {}
    paths: list[str] = site_addresses()
    for slug in sorted(set(slugs) | _other_languages(slugs)):
        try:
            store_article_pages(slug)
        except Exception as exc:
            logger.exception("Rendering the stored pages of %s failed; they will be rendered on request.", slug)
            failed[slug] = f"rendering: {type(exc).__name__}: {exc}"
            _remove(_article_pages(slug))
        paths += article_addresses(slug)
        paths.append(f"{GENERATION_PREFIX}{slug}")
    purge_paths(paths)
    return failed


def _other_languages(slugs: set[str]) -> set[str]:
    """Return the live slugs of the other languages of these articles: their pages link to each other (hreflang)."""
    rows = Publication.objects.filter(slug__in=slugs).values_list("article__translation_of_id", "article_id")
    sources = {source or article for source, article in rows}
    if not sources:
        return set()
    family = Publication.objects.filter(
        Q(article_id__in=sources) | Q(article__translation_of_id__in=sources), state=Publication.State.LIVE
    )
    return set(family.values_list("slug", flat=True)) - set(slugs)


def refresh_all_live() -> list[str]:
    """Re-render every live article's pages (an audience, disclaimer or board member changed); purge.

    The static export, when configured, is refreshed by the caller (publishing.tasks.refresh_live_pages).
    """
    slugs = {
        publication.slug or publication.article.slug
        for publication in Publication.objects.filter(state=Publication.State.LIVE).select_related("article")
    }
    refresh_articles(slugs)
    return sorted(slugs)
