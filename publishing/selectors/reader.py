"""Read-only queries for the public reader site and the editors' inbox.

Readers only ever reach rows of live publications: every list here starts from
``publishing.selectors.publication_live_list`` so drafts, pending, superseded
and withdrawn content cannot leak through a search or a feed.
"""

from __future__ import annotations

import string

from django.db import connection, connections
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from articles.models import Article, Audience
from cms import languages
from cms.pagination import IdsFirst
from cms.replicas import read_alias
from review.models import BoardMember

from ..models import CatalogueEntry, EditorialPolicy, FurnitureChange, Publication, PublishedPage, ReaderMessage
from .publications import publication_live_list


def reader_audience_list() -> QuerySet[Audience]:
    """Return the active audiences readers can choose from, in display order."""
    return Audience.objects.filter(active=True).order_by("order", "name")


def reader_audience_get(slug: str | None) -> Audience | None:
    """Return the active audience with this slug, or None for a missing or unknown slug."""
    if not slug:
        return None
    return Audience.objects.filter(active=True, slug=slug).first()


def live_page_list(*, include_provisional: bool = True) -> QuerySet[PublishedPage]:
    """Return the default-text page of every live publication, ordered by title."""
    live = publication_live_list()
    if not include_provisional:
        live = live.filter(kind=Publication.Kind.APPROVED)
    return (
        PublishedPage.objects.select_related("publication", "publication__article")
        .filter(audience__isnull=True, publication__in=live.values("pk"))
        .order_by("title", "pk")
    )


def article_first_published(article: Article):
    """Return when the article first went live, or None."""
    return (
        Publication.objects.filter(article=article, live_at__isnull=False).aggregate(first=Min("live_at")).get("first")
    )


def board_member_public_list() -> QuerySet[BoardMember]:
    """Return the active board members as credited to readers (invited outside reviewers are not the board)."""
    return BoardMember.objects.filter(active=True, external=False).order_by("display_name")


def editorial_policy_get(language: str | None = None) -> EditorialPolicy | None:
    """Return the editorial policy in a language, else in the source language; None if none is written yet.

    The caller compares the result's ``language`` with the one asked for to
    say that the page is shown untranslated.
    """
    default = languages.default_language()
    code = languages.base(language) if language else default
    wanted = [code] if code == default else [code, default]
    found = {
        p.language: p
        for p in EditorialPolicy.objects.filter(language__in=wanted).select_related("updated_by").order_by("-pk")
    }
    return next((found[c] for c in wanted if c in found), None)


def furniture_change_pending() -> QuerySet[FurnitureChange]:
    """Return the proposed furniture changes waiting for approval, oldest first, with what the desk shows."""
    return (
        FurnitureChange.objects.filter(state=FurnitureChange.State.PROPOSED)
        .select_related("disclaimer__audience", "audience", "board_member", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def furniture_change_log() -> QuerySet[FurnitureChange]:
    """Return the approved furniture changes for the public change log, newest first (what its lines are made of)."""
    return (
        FurnitureChange.objects.filter(state=FurnitureChange.State.APPROVED)
        .select_related("board_member")
        .only(
            "pk",
            "summary",
            "decided_at",
            "version",
            "kind",
            "proposed",
            "language",
            "board_member__id",
            "board_member__display_name",
        )  # fmt: skip
        .order_by("-decided_at", "-pk")
    )


def reader_message_list(*, state: str | None = None) -> QuerySet[ReaderMessage]:
    """Return reader messages for the editors' inbox, newest first, optionally in one state."""
    messages = ReaderMessage.objects.select_related("article", "audience", "handled_by").defer(
        "article__summary", "article__body"
    )
    if state:
        messages = messages.filter(state=state)
    return messages.order_by("-created_at", "-pk")


def reader_message_counts() -> dict[str, int]:
    """Return how many reader messages are in each state."""
    counts = {state: 0 for state in ReaderMessage.State.values}
    for row in ReaderMessage.objects.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    return counts


# --- the reader catalogue: index, search, sitemap and API list ------------------------

# What a list shows of each article; never the searchable text.
CATALOGUE_LIST_FIELDS = ("id", "slug", "title", "condition", "condition_key", "drugs", "kind", "live_at", "language")
LETTERS = tuple(string.ascii_uppercase)
OTHER_LETTER = "0-9"


def catalogue_live(*, include_provisional: bool = True) -> QuerySet[CatalogueEntry]:
    """Return the catalogue rows of live, unexpired publications (the join re-checks the publication is live)."""
    entries = catalogue_counted(include_provisional=include_provisional).filter(
        publication__state=Publication.State.LIVE
    )
    return entries.only(*CATALOGUE_LIST_FIELDS)


def catalogue_language_families(article_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Return, for each article here live in more than one language, every live (language, slug), source first.

    For the sitemap's alternates: at most three queries for a whole section,
    and one (an EXISTS) while no article has a translation.
    """
    if not article_ids or not Article.objects.filter(translation_of__isnull=False).exists():
        return {}
    source_of = {
        pk: source or pk
        for pk, source in Article.objects.filter(pk__in=article_ids).values_list("pk", "translation_of_id")
    }
    sources = set(source_of.values())
    rows = catalogue_live().filter(Q(article_id__in=sources) | Q(article__translation_of_id__in=sources))
    members: dict[int, list[tuple[bool, str, str]]] = {}
    for article_id, source, language, slug in rows.values_list(
        "article_id", "article__translation_of_id", "lead__language", "slug"
    ):
        members.setdefault(source or article_id, []).append((source is not None, language, slug))
    families = {}
    for pk, source in source_of.items():
        live = sorted(members.get(source, []))
        if len(live) > 1:
            families[pk] = [(language, slug) for _is_translation, language, slug in live]
    return families


def catalogue_counted(*, include_provisional: bool = True) -> QuerySet[CatalogueEntry]:
    """Return the unexpired catalogue rows without the publication join: what the lists count.

    The publishing services write and delete a catalogue row in the same
    transaction as the go-live or withdrawal it follows, so these are the rows
    ``catalogue_live`` returns; without the join a count (or the ids of a
    page) is read from a covering index alone (``catalogue_cover``,
    ``catalogue_az_cover``) instead of 30,000 wide rows and a hash join at
    100,000 articles. Rows shown to readers still come from ``catalogue_live``.
    """
    entries = CatalogueEntry.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    if not include_provisional:
        entries = entries.filter(kind=Publication.Kind.APPROVED)
    return entries


def catalogue_count(*, include_provisional: bool = True) -> int:
    """Return how many articles the reader lists hold (one index-only count on PostgreSQL)."""
    return catalogue_counted(include_provisional=include_provisional).count()


class CatalogueList(IdsFirst):
    """A catalogue list for the Paginator: an index-only count, and each page's ids picked before its rows.

    ``count()`` counts ``counted`` (see ``catalogue_counted``). A page's ids
    are chosen from ``counted`` in the list's order (an index-only scan, so a
    deep ``OFFSET`` skips index entries, not 2.6 KB rows), and only those rows
    are read, through ``rows``, which re-checks that each publication is live.
    """

    def __init__(
        self, rows: QuerySet, counted: QuerySet, order: tuple[str, ...], *, pick_ids: bool = True, cap: int = 0
    ):
        super().__init__(rows.order_by(*order), counted)
        # pick_ids=False: slice `rows` itself (the sitemap, whose columns are all in catalogue_cover).
        self.pick_ids = pick_ids
        # cap: count at most this many (one more to know whether there were more: `capped`).
        self.cap, self.capped = cap, False

    def count(self) -> int:
        if not self.cap:
            return super().count()
        found = self.counted[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def page_query(self, key: slice) -> QuerySet:
        return super().page_query(key) if self.pick_ids else self.rows[key]


INDEX_ORDER = ("condition_key", "title", "id")


def _letter_filter(entries: QuerySet[CatalogueEntry], letter: str | None) -> QuerySet[CatalogueEntry]:
    if letter in LETTERS:
        low = letter.lower()
        # startswith is the rule; the range lets the A–Z index bound its scan (LIKE 'm%' cannot,
        # outside the C collation). Every string starting with "m" sorts in ["m", "n"); "z" has no
        # upper bound, as "{" sorts before letters in some collations.
        entries = entries.filter(condition_key__gte=low, condition_key__startswith=low)
        if low != "z":
            entries = entries.filter(condition_key__lt=chr(ord(low) + 1))
    elif letter == OTHER_LETTER:
        entries = entries.exclude(condition_key__regex=r"^[a-z]")
    return entries


def catalogue_index(letter: str | None = None, *, language: str | None = None) -> CatalogueList:
    """Return one language's live articles by condition A–Z, then title; optionally one letter's.

    `letter` is one of LETTERS, or OTHER_LETTER for conditions that start with
    anything else; `language` is a reader language (the default language when
    None). Each language has its own index: a reader of /es/ reads Spanish
    titles, and the page says which other languages have articles.
    """
    code = language or languages.default_language()
    return CatalogueList(
        _letter_filter(catalogue_live().filter(language=code), letter),
        _letter_filter(catalogue_counted().filter(language=code), letter),
        INDEX_ORDER,
    )


def catalogue_languages() -> dict[str, int]:
    """Return how many live articles each language has (one grouped query, read from the A–Z index)."""
    rows = catalogue_counted().values("language").annotate(rows=Count("id")).order_by()
    return {row["language"]: row["rows"] for row in rows}


# One probe per letter, written out rather than built by the ORM (27 querysets cost ~12 ms of Python):
# the same rules as _letter_filter, over catalogue_counted's rows.
_UNEXPIRED_SQL = "(expires_at IS NULL OR expires_at > %s)"
_LETTER_PROBE_SQL = (
    "EXISTS (SELECT 1 FROM publishing_catalogueentry WHERE language = %s"  # nosec B608: values bound
    " AND condition_key >= %s{upper} AND condition_key LIKE %s AND " + _UNEXPIRED_SQL + ")"
)
_OTHER_PROBE_SQL = (
    "EXISTS (SELECT 1 FROM publishing_catalogueentry WHERE language = %s"  # nosec B608: values bound
    " AND substr(condition_key, 1, 1) NOT IN ({letters}) AND " + _UNEXPIRED_SQL + ")"
)


def catalogue_letters(language: str | None = None) -> set[str]:
    """Return the index letters that have at least one live article in a language (one query).

    One EXISTS per letter, each stopping at the letter's first entry in the
    A–Z index (index-only on PostgreSQL), instead of reading every row for its
    first letter; "0-9" (anything else) looks for a first character that is
    not a letter.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM would pass it
    code = language or languages.default_language()
    parts, params = [], []
    for letter in LETTERS:
        low = letter.lower()
        upper = "" if low == "z" else " AND condition_key < %s"
        parts.append(_LETTER_PROBE_SQL.format(upper=upper))
        params += [code, low] + ([] if low == "z" else [chr(ord(low) + 1)]) + [f"{low}%", now]
    parts.append(_OTHER_PROBE_SQL.format(letters=", ".join(["%s"] * len(LETTERS))))
    params += [code] + [letter.lower() for letter in LETTERS] + [now]
    with connections[read_alias()].cursor() as cursor:
        # Fixed SQL; every value is a bound parameter.
        cursor.execute("SELECT " + ", ".join(parts), params)  # nosec B608
        present = cursor.fetchone()
    return {letter for letter, found in zip((*LETTERS, OTHER_LETTER), present, strict=True) if found}
