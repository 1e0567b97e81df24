"""Reader search: every match ranked, editors' synonyms applied, filters, and what found nothing.

PostgreSQL (the production path). A query is split into groups of words; a
group that is a synonym phrase (``SearchSynonym``, either direction) becomes
"this phrase or any of its synonyms", and the groups are ANDed. The query is
built once per text-search configuration in use (``SEARCH_TEXT_CONFIGS``, each
row is indexed in its own language's) and the parts ORed, accents removed by
``vetted_unaccent``; the last word also matches as a prefix ("valganc").

Matches come in two tiers: first the entries whose **lead** (title and
condition, drugs, bottom line: ``CatalogueLead.tsv``) matches, then those that
match only through the body (``CatalogueEntry.search_vector``).

The lead tier ranks a bounded candidate set, read in one index scan: every lead
match when there are at most SEARCH_CANDIDATES (then the ranking is exact), else
the SEARCH_CANDIDATES matches with the highest prior (query-independent: audiences,
recency, a question title). With RUM the second index, ``catalogue_lead_prior``,
returns matches in prior order from the index itself; with only GIN the matches'
rows are read and the top by prior kept. The candidates are ranked by
``ts_rank_cd`` weighted by the prior, the reader's language first. A filter is
part of the index condition: the lead's ``tsv`` carries "~a:", "~c:", "~d:"
lexemes for its audiences, condition and drugs (``publishing.catalogue``), ANDed
to the words (the columns are checked again). Body-only matches are looked for
only when the lead tier is not full.

Counting stops at SEARCH_COUNT_CAP: the page then says "more than 1,000". A
search page costs a fixed number of queries whatever the catalogue size:
synonyms, the search statement (counts, the first SEARCH_WINDOW places' ids and
the facets, together), rows, snippets (and, only when nothing is found, the
looser query, the close matches and the miss counter); a page past the window
runs the statement once more for its places.

SQLite (``make run``): each group must appear in the names (title, condition,
drugs) or the text, case-insensitively; name matches first, then by prior.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re

from django.conf import settings
from django.db import connection, connections
from django.db.models import Case, F, FloatField, Func, IntegerField, Max, Q, Sum, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cms.replicas import read_alias
from textkit.text import folded

from ..models import CatalogueEntry, SearchMiss, SearchSynonym, SearchSynonymEvent
from .reader import CATALOGUE_LIST_FIELDS, catalogue_counted, catalogue_live

SEARCH_MAX_LENGTH = 200
# Results a page lists (SEARCH_WINDOW is a whole number of pages).
SEARCH_PAGE_SIZE = 20
# Places read with the count (ten pages), and the facets' sample.
SEARCH_WINDOW = 200
# Body-only matches are looked for among this many body matches (a word in every body stays cheap); when there
# are more, the count is a lower bound and the page says "at least".
SEARCH_BODY_SCAN = 300
# Matches are counted up to this many; the page then says "more than".
SEARCH_COUNT_CAP = 1000
# Lead matches ranked: every match up to this many (one more than the cap, so the count is exact up to it),
# else this many with the highest prior.
SEARCH_CANDIDATES = SEARCH_COUNT_CAP + 1
# The prior that splits the candidates' two tiers (and the two partial indexes of migration 0021: the same text).
SEARCH_PRIOR_SPLIT = "0.7"
# How much the prior lifts the text rank (rank * (1 + SEARCH_PRIOR_WEIGHT * prior)).
SEARCH_PRIOR_WEIGHT = 0.5
# Longest synonym phrase looked up, in words.
SYNONYM_MAX_WORDS = 4
FACET_SIZE = 8

LEAD_INDEX = "catalogue_lead_tsv"
PRIOR_INDEX = "catalogue_lead_prior_high"
WORD = re.compile(r"\w+")


def search_key(text: str) -> str:
    """Return the form phrases are compared in: casefolded, accents removed, hyphens as spaces, single-spaced."""
    return " ".join(WORD.findall(folded(text or "").replace("_", " ")))


def sqlite_unaccent(text: str | None) -> str | None:
    """SQLite's ``vetted_unaccent(text)``: casefolded, accents removed (registered on each SQLite connection)."""
    if text is None:
        return None
    return folded(text)


def install_sqlite_unaccent(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite connections the function the SQLite search matches with."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("vetted_unaccent", 1, sqlite_unaccent, deterministic=True)


def search_terms(query: str) -> str:
    """Return a reader's query trimmed to what search reads."""
    return " ".join((query or "").split())[:SEARCH_MAX_LENGTH]


# --- the query: words, synonym groups ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Filters:
    """What a reader narrowed the search to (slugs and lowercased names; empty: no filter)."""

    audience: str = ""
    condition: str = ""
    drug: str = ""

    def __bool__(self) -> bool:
        return bool(self.audience or self.condition or self.drug)


@dataclasses.dataclass
class ParsedQuery:
    """A query as groups of alternatives: every group must match, any phrase of a group will do."""

    text: str
    groups: list[list[str]]
    # Synonyms applied, for the page: (what the reader typed, what else was searched).
    expansions: list[tuple[str, list[str]]]
    any_group: bool = False  # the looser query: any group may match

    @property
    def prefix(self) -> str:
        """A one-word query also matches as a prefix (as-you-type: "valganc"), when it has 3+ letters."""
        if len(self.groups) != 1 or len(self.groups[0]) != 1:
            return ""
        word = self.groups[0][0]
        return word if " " not in word and len(word) >= 3 else ""


def _ngrams(words: list[str]) -> set[str]:
    found = set()
    for size in range(1, SYNONYM_MAX_WORDS + 1):
        for start in range(0, len(words) - size + 1):
            found.add(" ".join(words[start : start + size]))
    return found


def synonym_map(phrases: set[str]) -> dict[str, list[str]]:
    """Return each phrase's synonyms, both directions (one query)."""
    if not phrases:
        return {}
    pairs = SearchSynonym.objects.filter(Q(term_key__in=phrases) | Q(synonym_key__in=phrases)).values_list(
        "term_key", "synonym_key"
    )
    found: dict[str, list[str]] = {}
    for term, synonym in pairs:
        if term in phrases:
            found.setdefault(term, []).append(synonym)
        if synonym in phrases:
            found.setdefault(synonym, []).append(term)
    return {phrase: sorted(set(alternatives)) for phrase, alternatives in found.items()}


def parse_query(query: str) -> ParsedQuery:
    """Split a query into words, joining the longest phrases that have synonyms (one query)."""
    text = search_terms(query)
    words = search_key(text).split()[:32]
    synonyms = synonym_map(_ngrams(words))
    groups, expansions, i = [], [], 0
    while i < len(words):
        for size in range(min(SYNONYM_MAX_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in synonyms:
                groups.append([phrase, *synonyms[phrase]])
                expansions.append((phrase, synonyms[phrase]))
                i += size
                break
        else:
            groups.append([words[i]])
            i += 1
    return ParsedQuery(text=text, groups=groups, expansions=expansions)


# --- PostgreSQL ------------------------------------------------------------------------


def text_configs() -> list[str]:
    """Return the text-search configurations rows may be indexed in (every SEARCH_TEXT_CONFIGS value)."""
    configs = sorted(set(getattr(settings, "SEARCH_TEXT_CONFIGS", {}).values()))
    return configs or ["simple"]


_INDEX_KIND_SQL = (
    "(SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = %s AND c.relkind = 'i')"
)


def search_index_kind() -> str:
    """Return "rum" or "gin": which index the lead's tsv has (PostgreSQL only)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute("SELECT " + _INDEX_KIND_SQL, [LEAD_INDEX])
        row = cursor.fetchone()
    return (row[0] if row else None) or "gin"


def _tsquery(parsed: ParsedQuery) -> tuple[str, list]:
    """Return the SQL of the query's tsquery and its parameters (all values bound).

    One part per text-search configuration, ORed. Every input is a constant
    and every function immutable, so PostgreSQL folds the expression to one
    tsquery when it plans the statement (the RUM index orders by it); two
    configurations that stem the words alike give one part, not two.
    """
    joiner = " || " if parsed.any_group else " && "
    parts, part_params = [], []
    for config in text_configs():
        groups, params = [], []
        for index, group in enumerate(parsed.groups):
            alternatives = []
            for phrase in group:
                alternatives.append("plainto_tsquery(%s::regconfig, vetted_unaccent(%s))")
                params += [config, phrase]
            if index == len(parsed.groups) - 1 and parsed.prefix:
                # The word as typed so far: every lexeme starting with its stem.
                alternatives.append("to_tsquery(%s::regconfig, vetted_unaccent(%s) || ':*')")
                params += [config, parsed.prefix]
            groups.append("(" + " || ".join(alternatives) + ")")
        parts.append("(" + joiner.join(groups) + ")")
        part_params.append(params)
    sql, params = parts[0], part_params[0]
    for part, more in zip(parts[1:], part_params[1:], strict=True):
        sql = f"(CASE WHEN {sql} = {part} THEN {sql} ELSE {sql} || {part} END)"
        params = [*params, *more, *params, *params, *more]
    return sql, params


def _lead_filters(filters: Filters, now) -> tuple[str, list]:
    sql, params = ["(l.expires_at IS NULL OR l.expires_at > %s)"], [now]
    if filters.audience:
        sql.append("strpos(l.audiences, %s) > 0")
        params.append(f" {filters.audience} ")
    if filters.condition:
        sql.append("l.condition_key = %s")
        params.append(filters.condition)
    if filters.drug:
        sql.append("strpos(l.drug_keys, %s) > 0")
        params.append(f"|{filters.drug}|")
    return " AND ".join(sql), params


def _lexeme_tsquery(lexeme: str) -> str:
    """Return the tsquery input of one lexeme taken as it is (quoted: spaces kept, quotes and backslashes escaped)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _filter_tsquery(filters: Filters) -> tuple[str, list]:
    """Return the SQL of the filters as a tsquery of the lead's filter lexemes (see LEAD_FILTER_TOKENS_SQL), or ""."""
    lexemes = []
    if filters.audience:
        lexemes.append(f"~a:{filters.audience}")
    if filters.condition:
        lexemes.append(f"~c:{filters.condition}")
    if filters.drug:
        lexemes.append(f"~d:{filters.drug}")
    return " && ".join(["%s::tsquery"] * len(lexemes)), [_lexeme_tsquery(lexeme) for lexeme in lexemes]


# Whether the lead's prior-ordered index is RUM, per database alias: a fact of the schema (migrations), read once.
_PRIOR_ORDER_RUM: dict[str, bool] = {}


def prior_order_is_rum() -> bool:
    """Return True when ``catalogue_lead_prior_high`` (RUM, matches ordered by prior inside the index) exists.

    Read once per process and database alias; ``prior_order_forget()`` makes the next
    search read it again (the benchmark and the tests that swap indexes call it).
    """
    alias = read_alias()
    if alias not in _PRIOR_ORDER_RUM:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT " + _INDEX_KIND_SQL, [PRIOR_INDEX])
            row = cursor.fetchone()
        _PRIOR_ORDER_RUM[alias] = bool(row and row[0] == "rum")
    return _PRIOR_ORDER_RUM[alias]


def prior_order_forget() -> None:
    """Forget which index orders matches by prior (after creating or dropping it)."""
    _PRIOR_ORDER_RUM.clear()


class PostgresSearch:
    """The SQL of one search: counts, a range of ranked ids and the facets in one statement (values bound)."""

    def __init__(self, parsed: ParsedQuery, filters: Filters, language: str):
        self.parsed, self.filters, self.language = parsed, filters, language
        self.q_sql, self.q_params = _tsquery(parsed)
        self.now = timezone.now()
        self.f_sql, self.f_params = _lead_filters(filters, self.now)
        filter_sql, filter_params = _filter_tsquery(filters)
        if filter_sql:
            # The words AND the filter lexemes, so the index applies the filter; words that fold to
            # nothing (stop words only) stay nothing (an empty query ANDed would match the filter alone).
            self.m_sql = (
                f"(CASE WHEN numnode({self.q_sql}) = 0 THEN {self.q_sql} ELSE {self.q_sql} && ({filter_sql}) END)"
            )
            self.m_params = [*self.q_params, *self.q_params, *self.q_params, *filter_params]
        else:
            self.m_sql, self.m_params = self.q_sql, self.q_params
        self.rum = prior_order_is_rum()

    def _candidates(self) -> tuple[str, list]:
        """The lead matches that are ranked: all of them up to SEARCH_CANDIDATES, else that many with the highest prior.

        In prior order, read in two tiers: the matches with a prior of at least
        SEARCH_PRIOR_SPLIT, then (only when those are fewer than SEARCH_CANDIDATES:
        the LIMIT over the UNION ALL stops before) the others. With RUM each tier has
        its partial index (``catalogue_lead_prior_high`` / ``_low``, migration 0021)
        that returns its matches in prior order, so a common term sorts the high
        tier's matches only; with GIN each tier's matches are read and sorted.
        The filter lexemes are in the index condition.
        """
        order = "l.prior <=> 1.0::float8" if self.rum else "l.prior DESC, l.entry_id"
        tier = (
            "(SELECT l.entry_id, l.tsv, l.prior, l.language FROM publishing_cataloguelead l"  # nosec B608: fixed SQL, values bound
            f" WHERE l.prior @OP@ {SEARCH_PRIOR_SPLIT} AND l.tsv @@ {self.m_sql} AND {self.f_sql}"
            f" ORDER BY {order} LIMIT %s)"
        )
        high, low = tier.replace("@OP@", ">="), tier.replace("@OP@", "<")
        sql = f"SELECT * FROM ({high} UNION ALL {low}) tiers LIMIT %s"  # nosec B608: fixed SQL, values bound
        tier_params = [*self.m_params, *self.f_params, SEARCH_CANDIDATES]
        return sql, [*tier_params, *tier_params, SEARCH_CANDIDATES]

    def facets_sql(self) -> str:
        """Conditions and drugs among the window (the CTE ``w``), commonest first: (kind, name, n, NULL)."""
        return (
            "(SELECT 'condition', e.condition, count(*), NULL::bigint FROM w"  # nosec B608: fixed SQL, values bound
            " JOIN publishing_catalogueentry e ON e.id = w.entry_id"
            f" GROUP BY e.condition ORDER BY count(*) DESC, e.condition LIMIT {FACET_SIZE})"
            " UNION ALL "
            "(SELECT 'drug', d.name, count(*), NULL::bigint FROM w"
            " JOIN publishing_cataloguelead l ON l.entry_id = w.entry_id,"
            " unnest(string_to_array(trim(both '|' from l.drug_keys), '|')) AS d(name)"
            f" WHERE d.name <> '' GROUP BY d.name ORDER BY count(*) DESC, d.name LIMIT {FACET_SIZE})"
        )

    def statement(self, start: int, stop: int) -> tuple[str, list]:
        """One statement: the counts, the ids of places (start, stop] in order, and the window's facets.

        Rows: ('count', body matches scanned, lead matches (at most
        SEARCH_CANDIDATES), body-only matches among those scanned), then ('page',
        id, place, NULL), then ('condition' | 'drug', name, n, NULL). The lead
        candidates are read once (CTE ``c``, one index scan); places follow
        ts_rank_cd weighted by the prior, the reader's language first.

        Body-only matches come after every lead match. They are looked for only
        when the lead tier is not full, among the first SEARCH_BODY_SCAN + 1 body
        matches (CTE ``bm``, every body match computed only as far as read:
        planned on its own, without the LIMIT beside it, so the planner neither
        bets on a sequential scan finding them soon nor reads them all), and
        ranked only when the places asked for reach them.
        """
        candidates, c_params = self._candidates()
        score = f"ts_rank_cd(c.tsv, {self.q_sql}) * (1 + %s * c.prior)"
        b_score = f"ts_rank_cd(bc.search_vector, {self.q_sql}) * (1 + %s * bc.prior)"
        sql = (
            f"WITH c AS MATERIALIZED ({candidates}),"  # nosec B608: fixed SQL, values bound
            " bm AS MATERIALIZED (SELECT e.id, e.search_vector FROM publishing_catalogueentry e"
            f" WHERE e.search_vector @@ {self.q_sql}),"
            " n AS MATERIALIZED (SELECT count(*) AS lead FROM c),"
            " r AS MATERIALIZED (SELECT c.entry_id, row_number() OVER"
            f" (ORDER BY (c.language = %s) DESC, {score} DESC, c.entry_id) AS pos FROM c),"
            " bs AS MATERIALIZED (SELECT bm.id, bm.search_vector FROM bm WHERE (SELECT lead FROM n) <= %s LIMIT %s),"
            " bc AS MATERIALIZED (SELECT bs.id, bs.search_vector, l.prior, l.language FROM bs"
            " JOIN publishing_cataloguelead l ON l.entry_id = bs.id"
            f" WHERE NOT (l.tsv @@ {self.q_sql}) AND {self.f_sql}),"
            " b AS (SELECT bc.id AS entry_id, row_number() OVER"
            f" (ORDER BY (bc.language = %s) DESC, {b_score} DESC, bc.id) AS pos"
            " FROM bc WHERE (SELECT lead FROM n) < %s),"
            " w AS (SELECT entry_id FROM r WHERE pos <= %s)"
            " SELECT 'count', (SELECT count(*) FROM bs)::text, (SELECT lead FROM n), (SELECT count(*) FROM bc)"
            " UNION ALL (SELECT 'page', r.entry_id::text, r.pos, NULL::bigint FROM r WHERE r.pos > %s AND r.pos <= %s)"
            " UNION ALL (SELECT 'page', b.entry_id::text, n.lead + b.pos, NULL::bigint FROM b, n"
            " WHERE n.lead + b.pos > %s AND n.lead + b.pos <= %s)"
            f" UNION ALL {self.facets_sql()}"
        )
        params = [
            *c_params,
            *self.q_params,
            self.language,
            *self.q_params,
            SEARCH_PRIOR_WEIGHT,
            SEARCH_COUNT_CAP,
            SEARCH_BODY_SCAN + 1,
            *self.q_params,
            *self.f_params,
            self.language,
            *self.q_params,
            SEARCH_PRIOR_WEIGHT,
            stop,
            SEARCH_WINDOW,
            start,
            stop,
            start,
            stop,
        ]
        return sql, params


def _fetch(sql: str, params: list) -> list[tuple]:
    with connections[read_alias()].cursor() as cursor:
        # Fixed SQL built from constants; every value is a bound parameter.
        cursor.execute(sql, params)  # nosec B608
        return cursor.fetchall()


# --- the result list -------------------------------------------------------------------


def reader_language() -> str:
    """Return the reader's active language as a primary subtag."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].casefold()


class SearchResults:
    """The matches of one search for the Paginator: a capped count, then a page of entries at a time.

    PostgreSQL: one statement gives the counts, the ids of the first SEARCH_WINDOW
    places and the facets (``PostgresSearch.statement``); a page inside the window
    is sliced from them, a page past it runs the statement again for its places.
    ``capped`` is True when there were more than SEARCH_COUNT_CAP matches;
    ``at_least`` when the count is below the cap but a lower bound (more body
    matches than SEARCH_BODY_SCAN were there to look through).
    """

    def __init__(self, parsed: ParsedQuery, filters: Filters | None = None, *, language: str | None = None):
        self.parsed = parsed
        self.filters = filters or Filters()
        self.language = language or reader_language()
        self.postgres = connection.vendor == "postgresql"
        self.sql = PostgresSearch(parsed, self.filters, self.language) if self.postgres and parsed.groups else None
        self._counts: tuple[int, int] | None = None
        self._facets: dict | None = None  # read with the window (PostgreSQL)
        self._window: list[int] = []  # ids of the first SEARCH_WINDOW places (PostgreSQL)
        self.capped = False
        self.body_partial = False  # PostgreSQL: body matches were scanned up to SEARCH_BODY_SCAN only

    def _read(self, start: int, stop: int) -> list[int]:
        """Run the search statement for places [start, stop); keep its counts and facets the first time."""
        rows = _fetch(*self.sql.statement(start, stop))
        page, facets = [], {"condition": [], "drug": []}
        for kind, name, n, m in rows:
            if kind == "count":
                counts = (n or 0, m or 0)
                scanned = int(name or 0)
            elif kind == "page":
                page.append((n, int(name)))
            else:
                facets[kind].append((name, n))
        if self._counts is None:
            self._counts, self._facets = counts, facets
            # More body matches than were scanned: the body-only count is a lower bound ("at least").
            self.body_partial = scanned > SEARCH_BODY_SCAN
        return [pk for _n, pk in sorted(page)]

    # counts
    def _count(self) -> tuple[int, int]:
        if self._counts is None:
            if not self.parsed.groups:
                self._counts = (0, 0)
            elif self.sql is not None:
                self._window = self._read(0, SEARCH_WINDOW)
            else:
                matches, cap = self._sqlite_matches(), SEARCH_COUNT_CAP + 1
                lead = matches.filter(name_match=1)[:cap].count()
                body = 0 if lead >= cap else matches.filter(name_match=0)[:cap].count()
                self._counts = (lead, body)
        return self._counts

    @property
    def cap(self) -> int:
        """How many matches are counted at most (SEARCH_COUNT_CAP)."""
        return SEARCH_COUNT_CAP

    @property
    def lead_count(self) -> int:
        return min(self._count()[0], SEARCH_COUNT_CAP)

    def count(self) -> int:
        lead, body = self._count()
        total = lead + body
        self.capped = total > SEARCH_COUNT_CAP
        return min(total, SEARCH_COUNT_CAP)

    @property
    def at_least(self) -> bool:
        """True when the count is a lower bound below the cap: more body matches exist than were scanned."""
        return self.body_partial and not self.capped

    def __len__(self) -> int:
        return self.count()

    # pages
    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop = key.start or 0, min(key.stop if key.stop is not None else self.count(), self.count())
        if stop <= start:
            return []
        ids = self._ids(start, stop)
        rows = {entry.pk: entry for entry in search_rows(ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def _ids(self, start: int, stop: int) -> list[int]:
        if self.sql is None:
            return list(self._sqlite_ordered().values_list("pk", flat=True)[start:stop])
        self._count()
        if stop <= SEARCH_WINDOW:
            return self._window[start:stop]
        return self._read(start, stop)  # past the window: the same ranking, its places read again

    # facets
    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Return the commonest conditions and drugs among the best matches (one query; empty without matches)."""
        found: dict[str, list[tuple[str, int]]] = {"condition": [], "drug": []}
        if not self.parsed.groups or not self.count():
            return found
        if self.sql is not None:
            return self._facets  # read with the count
        rows = self._sqlite_ordered().values_list("condition", "drugs")[:SEARCH_WINDOW]
        conditions: dict[str, int] = {}
        drugs: dict[str, int] = {}
        for condition, drug_text in rows:
            conditions[condition] = conditions.get(condition, 0) + 1
            for name in {d.strip().casefold() for d in drug_text.split(",") if d.strip()}:
                drugs[name] = drugs.get(name, 0) + 1
        for kind, counts in (("condition", conditions), ("drug", drugs)):
            found[kind] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
        return found

    # SQLite
    def _sqlite_matches(self):
        # Both sides without accents ("zoster" finds "zóster"), as vetted_unaccent does on PostgreSQL.
        entries = (
            catalogue_counted()
            .select_related("lead")
            .alias(
                folded_names=Func(F("search_names"), function="vetted_unaccent", output_field=TextField()),
                folded_text=Func(F("search_text"), function="vetted_unaccent", output_field=TextField()),
            )
        )
        names_all, text_all = Q(), Q()
        for group in self.parsed.groups:
            names = Q()
            text = Q()
            for phrase in group:
                names |= Q(folded_names__contains=phrase)
                text |= Q(folded_names__contains=phrase) | Q(folded_text__contains=phrase)
            if self.parsed.any_group:
                names_all |= names
                text_all |= text
            else:
                names_all &= names
                text_all &= text
        entries = entries.filter(text_all).annotate(
            name_match=Case(When(names_all, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        if self.filters.audience:
            entries = entries.filter(lead__audiences__contains=f" {self.filters.audience} ")
        if self.filters.condition:
            entries = entries.filter(condition_key=self.filters.condition)
        if self.filters.drug:
            entries = entries.filter(lead__drug_keys__contains=f"|{self.filters.drug}|")
        return entries

    def _sqlite_ordered(self):
        # As on PostgreSQL: the reader's language first, then the best match within it.
        in_language = Case(When(lead__language=self.language, then=Value(1)), default=Value(0))
        return self._sqlite_matches().order_by(
            in_language.desc(), "-name_match", F("lead__prior").desc(nulls_last=True), "title", "id"
        )


SEARCH_ROW_FIELDS = (*CATALOGUE_LIST_FIELDS, "lead__language", "lead__reviewed_on", "lead__audiences")


def search_rows(ids: list[int]) -> list[CatalogueEntry]:
    """Return the live entries with these ids and their lead (one query; the join re-checks they are live)."""
    if not ids:
        return []
    return list(catalogue_live().filter(pk__in=ids).select_related("lead").only(*SEARCH_ROW_FIELDS))


def catalogue_search(
    query: str, filters: Filters | None = None, *, any_group: bool = False, language: str | None = None
) -> SearchResults:
    """Return a reader's search as SearchResults (for the Paginator): every match, the best first."""
    parsed = parse_query(query)
    parsed.any_group = any_group
    return SearchResults(parsed, filters, language=language)


def catalogue_search_page(
    query: str, filters: Filters | None = None, *, language: str | None = None
) -> tuple[SearchResults, bool]:
    """Return what the search page lists, and whether it is the looser "some of the words" search.

    Every word (or its synonyms) must match; when that finds nothing and the
    query has several words, articles with any of them are ranked instead
    (more words matched rank higher). Two or three queries, never more.
    """
    results = catalogue_search(query, filters, language=language)
    if results.count() or len(results.parsed.groups) < 2:
        return results, False
    looser = SearchResults(dataclasses.replace(results.parsed, any_group=True), filters, language=language)
    return looser, bool(looser.count())


# --- zero results: conditions spelled or worded alike ----------------------------------

CLOSE_CONDITIONS = 5


def catalogue_close_conditions(query: str) -> list[tuple[str, str]]:
    """Return up to CLOSE_CONDITIONS (condition, key) of live articles closest to the query (one query).

    PostgreSQL: trigram word similarity to the condition (pg_trgm, indexed);
    SQLite: conditions sharing a word, or failing that its first letters.
    """
    key = search_key(search_terms(query))
    if not key:
        return []
    if connection.vendor == "postgresql":
        sql = (
            "SELECT condition, condition_key FROM ("
            " SELECT e.condition, e.condition_key, max(word_similarity(%s, e.condition_key)) AS s"
            " FROM publishing_catalogueentry e WHERE %s <%% e.condition_key"
            " AND (e.expires_at IS NULL OR e.expires_at > %s) GROUP BY e.condition, e.condition_key) c"
            " ORDER BY s DESC, condition LIMIT %s"
        )
        return [tuple(row) for row in _fetch(sql, [key, key, timezone.now(), CLOSE_CONDITIONS])]
    words = [w for w in key.split() if len(w) >= 3]
    test = Q(pk__in=[])
    for word in words:
        test |= Q(condition_key__icontains=word) | Q(condition_key__startswith=word[:3])
    rows = (
        catalogue_counted()
        .filter(test)
        .values_list("condition", "condition_key")
        .distinct()
        .order_by("condition_key")[:CLOSE_CONDITIONS]
    )
    return [tuple(row) for row in rows]


# --- what each result shows: a highlighted snippet and the bottom line -----------------

# Match markers in snippets: control characters that never survive in published text.
MARK_START, MARK_STOP = "\x01", "\x02"
BOTTOM_LINE_LENGTH = 320


def _marked_to_html(text: str) -> SafeString:
    """Escape every character of a snippet, then turn the match markers into <mark> elements."""
    html = escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    # Safe: everything else was escaped; the markers come in pairs from ts_headline or _plain_snippet.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def _plain_snippet(text: str, phrases: list[str], *, width: int = 90) -> str:
    pattern = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True) if p)
    match = re.search(pattern, text, flags=re.IGNORECASE) if pattern else None
    if match is None:
        cut = text[: width * 2]
        return cut + ("…" if len(text) > len(cut) else "")
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return (
        ("…" if start else "")
        + text[start : match.start()]
        + MARK_START
        + match.group(0)
        + MARK_STOP
        + text[match.end() : end]
        + ("…" if end < len(text) else "")
    )


def _bottom_line(text: str) -> str:
    line = text.split("\n", 1)[0].replace(MARK_START, "").replace(MARK_STOP, "")
    return line if len(line) <= BOTTOM_LINE_LENGTH else line[: BOTTOM_LINE_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def catalogue_snippets(entries, parsed: ParsedQuery) -> dict[int, tuple[SafeString, str]]:
    """Return (highlighted escaped snippet, bottom line) for each entry (one query for the page)."""
    ids = [e.pk for e in entries]
    if not ids or not parsed.groups:
        return {}
    # Markers are stripped from the stored text first, so only ours become <mark>.
    if connection.vendor == "postgresql":
        q_sql, q_params = _tsquery(parsed)
        options = f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=35, MinWords=15, MaxFragments=2"
        sql = (
            "SELECT e.id, ts_headline(coalesce(l.text_config, 'simple')::regconfig,"  # nosec B608: fixed SQL, values bound
            f" translate(e.search_text, %s, ''), {q_sql}, %s), split_part(e.search_text, E'\\n', 1)"
            " FROM publishing_catalogueentry e LEFT JOIN publishing_cataloguelead l ON l.entry_id = e.id"
            " WHERE e.id = ANY(%s)"
        )
        rows = _fetch(sql, [MARK_START + MARK_STOP, *q_params, options, ids])
        return {pk: (_marked_to_html(snippet or ""), _bottom_line(line or "")) for pk, snippet, line in rows}
    phrases = [phrase for group in parsed.groups for phrase in group]
    rows = CatalogueEntry.objects.filter(pk__in=ids).values_list("pk", "search_text")
    return {
        pk: (
            _marked_to_html(_plain_snippet(text.replace(MARK_START, "").replace(MARK_STOP, ""), phrases)),
            _bottom_line(text),
        )
        for pk, text in rows
    }


CLOSE_MATCHES = 10
CLOSE_CANDIDATES = 200
SUGGESTION_CUTOFF = 0.75


# Vocabulary words looked at per word of the query (the closest by trigram similarity).
SUGGESTION_CANDIDATES = 5


def catalogue_name_words(query: str) -> list[str]:
    """Return the words of live articles' names spelled like the query's words (PostgreSQL, pg_trgm; one query).

    From ``publishing_searchword`` (migration 0022: each distinct word of the
    catalogue's names, with a trigram index): per word of four letters or more,
    the SUGGESTION_CANDIDATES closest, and the word itself where it is known.
    Empty on other databases.
    """
    words = [w for w in search_key(search_terms(query)).split() if len(w) >= 4][:8]
    if not words or connection.vendor != "postgresql":
        return []
    sql = (
        "SELECT v.word FROM unnest(%s::text[]) AS q(w), LATERAL (SELECT s.word FROM publishing_searchword s"
        " WHERE s.word %% q.w ORDER BY similarity(s.word, q.w) DESC, s.word LIMIT %s) v"
        " UNION SELECT s.word FROM publishing_searchword s WHERE s.word = ANY(%s)"
    )
    return sorted({row[0] for row in _fetch(sql, [words, SUGGESTION_CANDIDATES, words])})


def catalogue_did_you_mean(query: str, vocabulary: list[str]) -> str:
    """Return the query with each unknown word replaced by its closest word of the vocabulary, or "".

    No query: the vocabulary is the names' words already found spelled alike
    (``catalogue_name_words``). A word of fewer than four letters, or one the
    vocabulary has, stays as typed.
    """
    words = search_key(search_terms(query)).split()
    vocabulary = sorted(set(vocabulary))
    if not words or not vocabulary:
        return ""
    known = set(vocabulary)
    corrected = []
    for word in words:
        if word in known or len(word) < 4:
            corrected.append(word)
            continue
        best = difflib.get_close_matches(word, vocabulary, n=1, cutoff=SUGGESTION_CUTOFF)
        corrected.append(best[0] if best else word)
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(words) else ""


def catalogue_close_matches(query: str) -> list[CatalogueEntry]:
    """Return up to CLOSE_MATCHES live articles whose names are spelled like the query (PostgreSQL, pg_trgm).

    For misspelled drug and condition names ("valgancyclovir"). Empty on other
    databases.
    """
    query = search_terms(query).casefold()
    if not query or connection.vendor != "postgresql":
        return []
    # "<%" (word similarity at least pg_trgm.word_similarity_threshold, 0.6 by default) can use the
    # trigram index; the similarity itself only orders the few rows found.
    similarity = RawSQL("word_similarity(%s, publishing_catalogueentry.search_names)", [query], FloatField())
    # A bounded set of candidates (a misspelled common drug is close to thousands of names, all alike):
    # the trigram index finds them, and only these are ordered by similarity. The CTE is planned
    # without the LIMIT, so it takes the index; with it, the planner chose a sequential scan that
    # computed the similarity of row after row (150 ms at 100,000 for "valgancyclovir").
    candidates = RawSQL(
        "WITH close AS MATERIALIZED (SELECT c.id FROM publishing_catalogueentry c WHERE %s <%% c.search_names)"
        " SELECT close.id FROM close LIMIT %s",
        [query, CLOSE_CANDIDATES],
    )
    return list(
        catalogue_live()
        .filter(pk__in=candidates)
        .annotate(similarity=similarity)
        .order_by("-similarity", "title", "id")[:CLOSE_MATCHES]
    )


# --- the editors' side: vocabulary and searches that found nothing ----------------------


def search_synonym_list(query: str = ""):
    """Return the synonyms, A–Z by term, optionally those containing a phrase (for the staff list)."""
    synonyms = SearchSynonym.objects.select_related("created_by").order_by("term_key", "synonym_key", "pk")
    key = search_key(query)
    if key:
        synonyms = synonyms.filter(Q(term_key__contains=key) | Q(synonym_key__contains=key))
    return synonyms


def search_synonym_events(synonym: SearchSynonym) -> list[SearchSynonymEvent]:
    """Return a synonym's change history, newest first (at most 50)."""
    return list(
        SearchSynonymEvent.objects.filter(synonym_id_at_event=synonym.pk)
        .select_related("actor")
        .order_by("-created_at", "-pk")[:50]
    )


SEARCH_MISS_REPORT_DAYS = 30


def search_miss_list(*, days: int = SEARCH_MISS_REPORT_DAYS):
    """Return the queries that found nothing in the last `days` days, per language, commonest first."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return (
        SearchMiss.objects.filter(day__gte=since)
        .values("query_key", "language")
        .annotate(searches=Sum("count"), last_day=Max("day"))
        .order_by("-searches", "query_key", "language")
    )


@dataclasses.dataclass
class SearchAnswer:
    """Everything the search page shows for a query (see ``catalogue_search_answer``)."""

    query: str
    results: SearchResults
    some_words: bool = False  # the looser search: articles with some of the words
    suggestion: str = ""  # "Did you mean": results are for this corrected query
    found_nothing: bool = False  # the query as typed found nothing (counted for the editors)
    close_matches: list = dataclasses.field(default_factory=list)
    close_conditions: list = dataclasses.field(default_factory=list)


def catalogue_search_answer(query: str, filters: Filters | None = None, *, language: str | None = None) -> SearchAnswer:
    """Return the search page's answer: ranked results, else a corrected spelling's, else what is close.

    A fixed number of queries: the search (and its looser form); when it finds
    nothing, the names' words spelled alike and the corrected query's search;
    when that finds nothing too, the articles spelled alike and the closest
    conditions.
    """
    results, some_words = catalogue_search_page(query, filters, language=language)
    answer = SearchAnswer(query=query, results=results, some_words=some_words)
    if results.count():
        return answer
    answer.found_nothing = True
    suggestion = catalogue_did_you_mean(query, catalogue_name_words(query))
    if suggestion:
        corrected, corrected_some = catalogue_search_page(suggestion, filters, language=language)
        if corrected.count():
            answer.results, answer.some_words, answer.suggestion = corrected, corrected_some, suggestion
            return answer
    # Still nothing: the articles spelled alike and the closest conditions (shown only on this page).
    answer.close_matches = catalogue_close_matches(query)
    answer.close_conditions = catalogue_close_conditions(query)
    return answer
