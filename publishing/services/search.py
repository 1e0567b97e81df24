"""The search vocabulary (editors' synonyms) and the count of searches that found nothing.

Every change of a synonym is a reversion version (credited to the editor) and
an append-only ``SearchSynonymEvent`` with the values before and after, in the
same transaction. A file import is one transaction: a bad row anywhere and
nothing is imported. ``search_miss_record`` counts a query per day and stores
nothing about who searched.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import reversion
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from cms import languages, roles

from ..exceptions import SearchPermissionError, SearchSynonymImportError, SearchSynonymInvalid
from ..models import SearchMiss, SearchSynonym, SearchSynonymEvent
from ..selectors.search import SEARCH_MAX_LENGTH, search_key

PHRASE_MAX_LENGTH = 120
SYNONYM_FIELDS = ("term", "synonym", "kind", "source")


def _check_editor(acting_user) -> None:
    if not roles.is_editor(acting_user):
        raise SearchPermissionError(_("Only editors may change the search vocabulary."))


@dataclasses.dataclass
class SynonymInput:
    term: str
    synonym: str
    kind: str = SearchSynonym.Kind.OTHER
    source: str = ""


def _cleaned(values: SynonymInput) -> dict:
    term, synonym = " ".join(values.term.split()), " ".join(values.synonym.split())
    if not term or not synonym:
        raise SearchSynonymInvalid(_("Fill in both the term and its synonym."))
    if len(term) > PHRASE_MAX_LENGTH or len(synonym) > PHRASE_MAX_LENGTH:
        raise SearchSynonymInvalid(_("A term or synonym may be at most %(n)d characters.") % {"n": PHRASE_MAX_LENGTH})
    term_key, synonym_key = search_key(term), search_key(synonym)
    if not term_key or not synonym_key:
        raise SearchSynonymInvalid(_("A term and its synonym need letters or digits."))
    if term_key == synonym_key:
        raise SearchSynonymInvalid(
            _("“%(term)s” and “%(synonym)s” are the same words.") % {"term": term, "synonym": synonym}
        )
    kind = values.kind or SearchSynonym.Kind.OTHER
    if kind not in SearchSynonym.Kind.values:
        raise SearchSynonymInvalid(
            _("Unknown kind “%(kind)s”; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(SearchSynonym.Kind.values)}
        )
    return {
        "term": term,
        "synonym": synonym,
        "kind": kind,
        "source": " ".join((values.source or "").split())[:80],
        "term_key": term_key,
        "synonym_key": synonym_key,
    }


def _duplicate(fields: dict, exclude_pk: int | None = None) -> bool:
    """True if the pair exists already, in either direction."""
    pairs = SearchSynonym.objects.filter(term_key=fields["term_key"], synonym_key=fields["synonym_key"]) | (
        SearchSynonym.objects.filter(term_key=fields["synonym_key"], synonym_key=fields["term_key"])
    )
    if exclude_pk is not None:
        pairs = pairs.exclude(pk=exclude_pk)
    return pairs.exists()


def _snapshot(synonym: SearchSynonym) -> dict:
    return {name: getattr(synonym, name) for name in SYNONYM_FIELDS}


def _event(synonym_pk: int, action: str, acting_user, *, before=None, after=None, comment: str = "") -> None:
    SearchSynonymEvent.objects.create(
        synonym_id_at_event=synonym_pk,
        action=action,
        actor=acting_user,
        before=before or {},
        after=after or {},
        comment=comment[:200],
    )


def _create(acting_user, fields: dict, comment: str) -> SearchSynonym:
    with reversion.create_revision():
        synonym = SearchSynonym.objects.create(created_by=acting_user, **fields)
        reversion.set_user(acting_user)
        reversion.set_comment(comment)
    _event(synonym.pk, SearchSynonymEvent.Action.ADDED, acting_user, after=_snapshot(synonym), comment=comment)
    return synonym


@transaction.atomic
def search_synonym_create(values: SynonymInput, *, acting_user) -> SearchSynonym:
    """Add a synonym pair (applied in both directions from the next search)."""
    _check_editor(acting_user)
    fields = _cleaned(values)
    if _duplicate(fields):
        raise SearchSynonymInvalid(_("“%(term)s” ↔ “%(synonym)s” is already in the vocabulary.") % fields)
    try:
        with transaction.atomic():
            return _create(acting_user, fields, "Synonym added")
    except IntegrityError as exc:  # a concurrent add of the same pair
        raise SearchSynonymInvalid(_("“%(term)s” ↔ “%(synonym)s” is already in the vocabulary.") % fields) from exc


@transaction.atomic
def search_synonym_update(synonym: SearchSynonym, values: SynonymInput, *, acting_user) -> SearchSynonym:
    """Change a synonym pair; the version before is kept."""
    _check_editor(acting_user)
    synonym = SearchSynonym.objects.select_for_update().get(pk=synonym.pk)
    fields = _cleaned(values)
    if _duplicate(fields, exclude_pk=synonym.pk):
        raise SearchSynonymInvalid(_("“%(term)s” ↔ “%(synonym)s” is already in the vocabulary.") % fields)
    before = _snapshot(synonym)
    if not Version.objects.get_for_object(synonym).exists():
        # A row written before versioning (or by a migration): keep what it was first.
        with reversion.create_revision():
            reversion.add_to_revision(synonym)
            reversion.set_comment("Synonym as it was")
    for name, value in fields.items():
        setattr(synonym, name, value)
    with reversion.create_revision():
        synonym.save()
        reversion.set_user(acting_user)
        reversion.set_comment("Synonym changed")
    _event(synonym.pk, SearchSynonymEvent.Action.CHANGED, acting_user, before=before, after=_snapshot(synonym))
    return synonym


@transaction.atomic
def search_synonym_delete(synonym: SearchSynonym, *, acting_user) -> None:
    """Remove a synonym pair; its versions and events stay."""
    _check_editor(acting_user)
    synonym = SearchSynonym.objects.select_for_update().get(pk=synonym.pk)
    before, pk = _snapshot(synonym), synonym.pk
    synonym.delete()
    _event(pk, SearchSynonymEvent.Action.DELETED, acting_user, before=before)


# --- import -------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("term", "synonym", "kind", "source")
IMPORT_MAX_ROWS = 50_000


def parse_synonym_csv(text: str) -> tuple[list[tuple[int, SynonymInput]], list[str]]:
    """Read a synonym CSV: a header naming term and synonym (kind and source optional), one pair a row.

    Returns the rows with their line numbers and the errors found (bad rows
    and pairs repeated in the file, both by line number).
    """
    errors: list[str] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().casefold() for name in (reader.fieldnames or [])]
    missing = [name for name in ("term", "synonym") if name not in header]
    if missing:
        return [], [_("line 1: the header must name the columns term and synonym (and optionally kind, source)")]
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    if unknown:
        return [], [_("line 1: unknown column(s): %(names)s") % {"names": ", ".join(unknown)}]
    reader.fieldnames = header
    rows, seen = [], {}
    for row in reader:
        line = reader.line_num
        if len(rows) >= IMPORT_MAX_ROWS:
            errors.append(
                _("line %(line)d: more than %(n)d rows; split the file") % {"line": line, "n": IMPORT_MAX_ROWS}
            )
            break
        if None in row:
            errors.append(_("line %(line)d: more columns than the header") % {"line": line})
            continue
        values = SynonymInput(
            term=row.get("term") or "",
            synonym=row.get("synonym") or "",
            kind=(row.get("kind") or "").strip() or SearchSynonym.Kind.OTHER,
            source=row.get("source") or "",
        )
        try:
            fields = _cleaned(values)
        except SearchSynonymInvalid as exc:
            errors.append(f"line {line}: {exc}")
            continue
        pair = frozenset((fields["term_key"], fields["synonym_key"]))
        if pair in seen:
            errors.append(_("line %(line)d: the same pair as line %(first)d") % {"line": line, "first": seen[pair]})
            continue
        seen[pair] = line
        rows.append((line, values))
    return rows, errors


@transaction.atomic
def search_synonyms_import(text: str, *, acting_user, source_name: str = "") -> dict[str, int]:
    """Import a synonym CSV, all or nothing; pairs already in the vocabulary are skipped (counted).

    Raises SearchSynonymImportError with every bad row's line number; then nothing is written.
    """
    _check_editor(acting_user)
    rows, errors = parse_synonym_csv(text)
    if errors:
        raise SearchSynonymImportError(errors)
    added = skipped = 0
    comment = f"Imported from {source_name}" if source_name else "Imported"
    for _line, values in rows:
        fields = _cleaned(values)
        if _duplicate(fields):
            skipped += 1
            continue
        _create(acting_user, fields, comment)
        added += 1
    return {"added": added, "skipped": skipped}


# --- searches that found nothing ------------------------------------------------------------------


# One statement, the same on PostgreSQL and SQLite: today's row for the query, created or counted up.
_MISS_UPSERT_SQL = (
    "INSERT INTO publishing_searchmiss (query_key, language, day, count) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (query_key, language, day) DO UPDATE SET count = publishing_searchmiss.count + 1"
)


def search_miss_record(query: str, *, language: str) -> None:
    """Count one search that found nothing, by its normalised words, the page's language and today's date.

    Nothing about the reader is kept. The language tells the editors which
    readers are missing an article: a Spanish search that finds nothing may
    need a translation rather than a new article.
    """
    key = search_key(query)[:SEARCH_MAX_LENGTH]
    if not key:
        return
    language = languages.base(language) if languages.is_known(language) else languages.default_language()
    with connection.cursor() as cursor:
        # Fixed SQL; the query's words, the language and the date are bound parameters.
        cursor.execute(_MISS_UPSERT_SQL, [key, language, timezone.localdate()])


def search_miss_prune(*, keep_days: int | None = None) -> int:
    """Delete the counts older than SEARCH_MISS_KEEP_DAYS; return how many rows went."""
    keep = keep_days if keep_days is not None else getattr(settings, "SEARCH_MISS_KEEP_DAYS", 90)
    cutoff = timezone.localdate() - dt.timedelta(days=keep)
    deleted, _detail = SearchMiss.objects.filter(day__lt=cutoff).delete()
    return deleted
