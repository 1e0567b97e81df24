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

- With the RUM index (``search_index_kind() == "rum"``), ``ORDER BY tsv <=> q
  LIMIT SEARCH_WINDOW`` returns the best SEARCH_WINDOW lead matches by text
  rank from the index itself, however many match; those are re-ranked by
  ``ts_rank_cd`` weighted by the prior, in the reader's language first.
- With only GIN, the candidates are the SEARCH_CANDIDATES matches with the
  highest prior, ranked the same way (a common term's best article is still
  found as long as it is among them; the lead table is narrow, so reading them
  is cheap).

Pages past the window follow the text rank. Counting stops at
SEARCH_COUNT_CAP ("more than 1,000"). A search page costs a fixed number of
queries whatever the catalogue size: synonyms, count, page ids, rows,
snippets, facets (and, only when nothing is found, the looser query, the close
matches and the miss counter).

SQLite (``make run``): each group must appear in the names (title, condition,
drugs) or the text, case-insensitively; name matches first, then by prior.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import unicodedata

from django.conf import settings
from django.db import connection, connections
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Max, Q, Sum, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cms.replicas import read_alias

from ..models import CatalogueEntry, SearchMiss, SearchSynonym, SearchSynonymEvent
from .reader import CATALOGUE_LIST_FIELDS, catalogue_counted, catalogue_live

SEARCH_MAX_LENGTH = 200
# Results a page lists (SEARCH_WINDOW is a whole number of pages).
SEARCH_PAGE_SIZE = 20
# Lead matches re-ranked with the prior (the best by text rank with RUM).
SEARCH_WINDOW = 200
# GIN fallback: how many lead matches, by prior, are ranked.
SEARCH_CANDIDATES = 2000
# RUM: the matches with the highest prior that are candidates beside the best SEARCH_WINDOW by text rank.
SEARCH_PRIOR_CANDIDATES = 300
# Body-only matches are looked for among this many body matches (a word in every body stays cheap).
SEARCH_BODY_SCAN = 600
# Matches are counted up to this many; the page then says "more than".
SEARCH_COUNT_CAP = 1000
# How much the prior lifts the text rank (rank * (1 + SEARCH_PRIOR_WEIGHT * prior)).
SEARCH_PRIOR_WEIGHT = 0.5
# Longest synonym phrase looked up, in words.
SYNONYM_MAX_WORDS = 4
FACET_SIZE = 8

LEAD_INDEX = "catalogue_lead_tsv"
WORD = re.compile(r"\w+")


def search_key(text: str) -> str:
    """Return the form phrases are compared in: casefolded, accents removed, hyphens as spaces, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(WORD.findall(plain.replace("_", " ")))


def sqlite_unaccent(text: str | None) -> str | None:
    """SQLite's ``vetted_unaccent(text)``: casefolded, accents removed (registered on each SQLite connection)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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


class PostgresSearch:
    """The SQL of one search: count, a page of ids, facets. Every value is a bound parameter."""

    def __init__(self, parsed: ParsedQuery, filters: Filters, language: str):
        self.parsed, self.filters, self.language = parsed, filters, language
        self.q_sql, self.q_params = _tsquery(parsed)
        self.now = timezone.now()
        self.f_sql, self.f_params = _lead_filters(filters, self.now)
        self.kind = "rum"

    def _lead_matches(self) -> tuple[str, list]:
        return (
            f"FROM publishing_cataloguelead l WHERE l.tsv @@ {self.q_sql} AND {self.f_sql}",
            [*self.q_params, *self.f_params],
        )

    def _body_matches(self) -> tuple[str, list]:
        """Entries that match through their body only, among the first SEARCH_BODY_SCAN body matches (bounded)."""
        scanned = (
            "(SELECT e.id, e.search_vector FROM publishing_catalogueentry e"  # nosec B608: fixed SQL, values bound
            f" WHERE e.search_vector @@ {self.q_sql} LIMIT %s) e"
        )
        return (
            f"FROM {scanned} JOIN publishing_cataloguelead l ON l.entry_id = e.id"
            f" WHERE NOT (l.tsv @@ {self.q_sql}) AND {self.f_sql}",
            [*self.q_params, SEARCH_BODY_SCAN, *self.q_params, *self.f_params],
        )

    def _candidates(self) -> tuple[str, list]:
        """The lead matches the window is chosen from (a bounded set, chosen by relevance).

        RUM: the SEARCH_WINDOW best by text rank, and the SEARCH_PRIOR_CANDIDATES
        with the highest prior (the second index, ``catalogue_lead_prior``, orders
        matches by prior inside the index), so an article that ties on the words
        with thousands of others is still a candidate when it is the better kept
        one. GIN: the SEARCH_CANDIDATES matches with the highest prior.
        """
        matches, params = self._lead_matches()
        columns = "l.entry_id, l.tsv, l.prior, l.language"
        if self.kind == "rum":
            sql = (
                f"(SELECT {columns} {matches} ORDER BY l.tsv <=> {self.q_sql} LIMIT %s)"
                f" UNION (SELECT {columns} {matches} ORDER BY l.prior <=> 1.0::float8 LIMIT %s)"
            )
            return sql, [*params, *self.q_params, SEARCH_WINDOW, *params, SEARCH_PRIOR_CANDIDATES]
        sql = f"SELECT {columns} {matches} ORDER BY l.prior DESC, l.entry_id LIMIT %s"
        return sql, [*params, SEARCH_CANDIDATES]

    def _window(self) -> tuple[str, list]:
        """The window: the best SEARCH_WINDOW candidates by ts_rank_cd and prior, the reader's language first."""
        candidates, params = self._candidates()
        score = f"ts_rank_cd(c.tsv, {self.q_sql}) * (1 + %s * c.prior)"
        sql = (
            "SELECT c.entry_id, row_number() OVER (ORDER BY (c.language = %s) DESC,"  # nosec B608: fixed SQL, values bound
            f" {score} DESC, c.entry_id) AS pos FROM ({candidates}) c ORDER BY pos LIMIT %s"
        )
        return sql, [self.language, *self.q_params, SEARCH_PRIOR_WEIGHT, *params, SEARCH_WINDOW]

    def count_sql(self) -> tuple[str, list]:
        lead, lead_params = self._lead_matches()
        body, body_params = self._body_matches()
        cap = SEARCH_COUNT_CAP + 1
        sql = (
            f"SELECT n, CASE WHEN n >= %s THEN 0 ELSE (SELECT count(*) FROM (SELECT 1 {body} LIMIT %s) b) END, "  # nosec B608: fixed SQL, values bound
            f"{_INDEX_KIND_SQL} FROM (SELECT count(*) AS n FROM (SELECT 1 {lead} LIMIT %s) a) counted"
        )
        return sql, [cap, *body_params, cap, LEAD_INDEX, *lead_params, cap]

    def ranked_sql(self, start: int, stop: int) -> tuple[str, list]:
        """The ids of the window's places [start, stop), read from the CTE ``w``."""
        return "SELECT w.entry_id FROM w WHERE w.pos > %s AND w.pos <= %s ORDER BY w.pos", [start, stop]

    def tail_sql(self, start: int, stop: int) -> tuple[str, list]:
        """Lead matches past the window (not in ``w``), by text rank (RUM) or prior (GIN)."""
        matches, params = self._lead_matches()
        if self.kind == "rum":
            order, order_params = f"l.tsv <=> {self.q_sql}", self.q_params
        else:
            order, order_params = "l.prior DESC, l.entry_id", []
        return (
            f"SELECT l.entry_id {matches} AND l.entry_id NOT IN (SELECT entry_id FROM w)"  # nosec B608: fixed SQL, values bound
            f" ORDER BY {order} OFFSET %s LIMIT %s",
            [*params, *order_params, start - SEARCH_WINDOW, stop - start],
        )

    def body_sql(self, start: int, stop: int) -> tuple[str, list]:
        """Body-only matches [start, stop): a bounded set, ranked by ts_rank_cd."""
        body, params = self._body_matches()
        inner = f"SELECT e.id, e.search_vector, l.prior, l.language {body} LIMIT %s"
        score = f"ts_rank_cd(b.search_vector, {self.q_sql}) * (1 + %s * b.prior)"
        return (
            f"SELECT b.id FROM ({inner}) b ORDER BY (b.language = %s) DESC, {score} DESC, b.id OFFSET %s LIMIT %s",  # nosec B608: fixed SQL, values bound
            [*params, SEARCH_COUNT_CAP, self.language, *self.q_params, SEARCH_PRIOR_WEIGHT, start, stop - start],
        )

    def facets_sql(self) -> str:
        """Conditions and drugs among the window's candidates (the CTE ``w``), commonest first: (kind, name, n)."""
        return (
            "(SELECT 'condition', e.condition, count(*) FROM w JOIN publishing_catalogueentry e ON e.id = w.entry_id"  # nosec B608: fixed SQL, values bound
            f" GROUP BY e.condition ORDER BY count(*) DESC, e.condition LIMIT {FACET_SIZE})"
            " UNION ALL "
            "(SELECT 'drug', d.name, count(*) FROM w JOIN publishing_cataloguelead l ON l.entry_id = w.entry_id,"
            " unnest(string_to_array(trim(both '|' from l.drug_keys), '|')) AS d(name)"
            f" WHERE d.name <> '' GROUP BY d.name ORDER BY count(*) DESC, d.name LIMIT {FACET_SIZE})"
        )

    def page_sql(self, parts: list[tuple[str, list]]) -> tuple[str, list]:
        """One statement: the window (CTE ``w``, read once), the page's ids in order, and the facets.

        Rows are ('page', id, position) then ('condition' | 'drug', name, count).
        """
        window, window_params = self._window()
        # row_number() over each part's ordered rows keeps their order through the UNION.
        pages = " UNION ALL ".join(
            f"(SELECT {n} AS part, row_number() OVER () AS pos, x.entry_id FROM ({part}) x(entry_id))"  # nosec B608: fixed SQL, values bound
            for n, (part, _params) in enumerate(parts)
        )
        params = [value for _sql, part_params in parts for value in part_params]
        sql = (
            f"WITH w AS MATERIALIZED ({window}), p AS ({pages}) "  # nosec B608: fixed SQL, values bound
            "SELECT * FROM ((SELECT 'page' AS kind, entry_id::text AS name, part * 100000 + pos AS n FROM p)"
            f" UNION ALL {self.facets_sql()}) page_and_facets"
        )
        return sql, [*window_params, *params]


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

    ``lead_count`` and ``body_count`` say how many matched in each tier (capped);
    ``capped`` is True when there were more than SEARCH_COUNT_CAP.
    """

    def __init__(self, parsed: ParsedQuery, filters: Filters | None = None, *, language: str | None = None):
        self.parsed = parsed
        self.filters = filters or Filters()
        self.language = language or reader_language()
        self.postgres = connection.vendor == "postgresql"
        self.sql = PostgresSearch(parsed, self.filters, self.language) if self.postgres and parsed.groups else None
        self._counts: tuple[int, int] | None = None
        self._facets: dict | None = None  # read with a page's ids (PostgreSQL)
        self.capped = False

    # counts
    def _count(self) -> tuple[int, int]:
        if self._counts is None:
            if not self.parsed.groups:
                self._counts = (0, 0)
            elif self.sql is not None:
                lead, body, kind = _fetch(*self.sql.count_sql())[0]
                self.sql.kind = kind or "gin"
                self._counts = (lead, body)
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
        lead = self.lead_count
        parts: list[tuple[str, list]] = []
        if start < min(stop, SEARCH_WINDOW, lead):
            parts.append(self.sql.ranked_sql(start, min(stop, SEARCH_WINDOW, lead)))
        if stop > SEARCH_WINDOW and start < lead:
            parts.append(self.sql.tail_sql(max(start, SEARCH_WINDOW), min(stop, lead)))  # after the window
        if stop > lead:
            parts.append(self.sql.body_sql(max(start - lead, 0), stop - lead))
        if not parts:  # facets only
            parts.append(("SELECT NULL::bigint WHERE false", []))
        sql, params = self.sql.page_sql(parts)
        page, facets = [], {"condition": [], "drug": []}
        for kind, name, n in _fetch(sql, params):
            if kind == "page":
                page.append((n, int(name)))
            else:
                facets[kind].append((name, n))
        self._facets = facets
        return [pk for _n, pk in sorted(page)]

    # facets
    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Return the commonest conditions and drugs among the best matches (one query; empty without matches)."""
        found: dict[str, list[tuple[str, int]]] = {"condition": [], "drug": []}
        if not self.parsed.groups or not self.count():
            return found
        if self.sql is not None:
            if self._facets is None:  # no page read yet: the window and its facets alone
                self._ids(0, 0)
            return self._facets
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
        in_language = Case(When(lead__language=self.language, then=Value(1)), default=Value(0))
        return self._sqlite_matches().order_by(
            "-name_match", in_language.desc(), F("lead__prior").desc(nulls_last=True), "title", "id"
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


def catalogue_did_you_mean(query: str, close: list[CatalogueEntry]) -> str:
    """Return the query with each unknown word replaced by the closest word of the close matches' names, or "".

    No query: the words compared are those of the few articles already found
    spelled alike (``catalogue_close_matches``).
    """
    words = search_key(search_terms(query)).split()
    vocabulary = sorted(
        {w for entry in close for w in search_key(f"{entry.title} {entry.condition} {entry.drugs}").split()}
    )
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
    # Unqualified: this is a subquery of the page's (Django aliases the table there), with no join.
    close = RawSQL("%s <%% search_names", [query], BooleanField())
    similarity = RawSQL("word_similarity(%s, publishing_catalogueentry.search_names)", [query], FloatField())
    # A bounded set of candidates (a misspelled common drug is close to thousands of names, all alike):
    # the trigram index finds them, and only these are ordered by similarity.
    candidates = CatalogueEntry.objects.alias(close=close).filter(close=True).values("pk")[:CLOSE_CANDIDATES]
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
    """Return the queries that found nothing in the last `days` days with their total count, commonest first."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return (
        SearchMiss.objects.filter(day__gte=since)
        .values("query_key")
        .annotate(searches=Sum("count"), last_day=Max("day"))
        .order_by("-searches", "query_key")
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
    nothing, the names spelled alike, the corrected query's search, and the
    closest conditions.
    """
    results, some_words = catalogue_search_page(query, filters, language=language)
    answer = SearchAnswer(query=query, results=results, some_words=some_words)
    if results.count():
        return answer
    answer.found_nothing = True
    answer.close_matches = catalogue_close_matches(query)
    suggestion = catalogue_did_you_mean(query, answer.close_matches)
    if suggestion:
        corrected, corrected_some = catalogue_search_page(suggestion, filters, language=language)
        if corrected.count():
            answer.results, answer.some_words, answer.suggestion = corrected, corrected_some, suggestion
            return answer
    answer.close_conditions = catalogue_close_conditions(query)
    return answer
