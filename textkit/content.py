"""The canonical content of an article and its hash (articles.content builds it from rows or a Revision).

The hash is what the board approves and what the publisher checks again before
a page goes live, so it must depend on the content only: the same text,
variants and references give the same hash whichever way they were loaded, and
any change to any of them changes it. Workflow fields (status, lock, dates)
are not content.

The glossary definitions a page explains its terms with are content too: the
board approves them with the article. ``glossary`` is the snapshot of the
approved definitions the article's text uses, taken when it was submitted
(review.services.article_submit) or refreshed by a board member; a Revision
holds no glossary, so the snapshot travels with the review round and the
publication and is put back with ``with_glossary``. An empty snapshot is left
out of the canonical form, so every hash approved before the glossary was
reviewed stays valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

DEFAULT_LANGUAGE = "en"  # the migration's default for Article.language
# The kinds of reference and their labels (articles.models.Reference.Kind holds the same choices;
# tests/textkit/test_standalone.py keeps the two equal).
REFERENCE_KINDS: dict[str, str] = {
    "fda_label": "FDA drug label",
    "guideline": "Guideline",
    "research": "Research",
    "review": "Review",
    "other": "Other",
}
DEFAULT_REFERENCE_KIND = "research"
FALLBACK_REFERENCE_KIND = "other"  # how an unknown kind is shown
ARTICLE_FIELDS = ("slug", "title", "condition", "drugs", "summary", "body")
VARIANT_FIELDS = ("summary", "body")
REFERENCE_FIELDS = (
    "key",
    "kind",
    "title",
    "authors",
    "source",
    "year",
    "pmid",
    "doi",
    "url",
    "spl_set_id",
    "spl_version",
    "spl_date",
)
# Added after hashes were first recorded: left out of the canonical form while
# empty, so every hash approved before they existed stays valid.
OPTIONAL_REFERENCE_FIELDS = ("spl_set_id", "spl_version", "spl_date")
NULLABLE_REFERENCE_FIELDS = ("year", "spl_version", "spl_date")


@dataclass(frozen=True)
class VariantContent:
    audience_id: int
    summary: str = ""
    body: str = ""


@dataclass(frozen=True)
class ReferenceContent:
    key: str
    kind: str = DEFAULT_REFERENCE_KIND
    title: str = ""
    authors: str = ""
    source: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    spl_set_id: str = ""  # FDA drug labels: the SPL Set ID the text was written from
    spl_version: int | None = None
    spl_date: str = ""  # ISO date of that label version

    def __post_init__(self) -> None:
        # Reversion and forms hand dates over as date objects; content keeps ISO text.
        if self.spl_date is None:
            object.__setattr__(self, "spl_date", "")
        elif not isinstance(self.spl_date, str):
            object.__setattr__(self, "spl_date", self.spl_date.isoformat())
        if isinstance(self.spl_version, str):
            object.__setattr__(self, "spl_version", int(self.spl_version) if self.spl_version.isdigit() else None)


@dataclass(frozen=True)
class GlossaryContent:
    """One approved glossary definition as a page pins it (articles.models.GlossaryDefinition)."""

    term_id: int
    term: str
    explanation: str
    synonyms: tuple[str, ...] = ()
    version: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "synonyms", tuple(self.synonyms))

    @property
    def forms(self) -> tuple[str, ...]:
        """The words a page explains with this definition (as textkit.glossary.GlossaryEntry)."""
        return (self.term, *self.synonyms)

    def to_json(self) -> dict:
        return {
            "term_id": self.term_id,
            "term": self.term,
            "explanation": self.explanation,
            "synonyms": list(self.synonyms),
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict) -> GlossaryContent:
        return cls(
            term_id=int(data["term_id"]),
            term=data["term"],
            explanation=data["explanation"],
            synonyms=tuple(data.get("synonyms") or ()),
            version=int(data["version"]),
        )


def glossary_from_json(snapshot: Iterable[dict] | None) -> tuple[GlossaryContent, ...]:
    """Return the snapshot stored as JSON (on a ReviewRound or a Publication) as content."""
    return tuple(GlossaryContent.from_json(item) for item in snapshot or ())


def glossary_to_json(glossary: Iterable[GlossaryContent]) -> list[dict]:
    return [item.to_json() for item in glossary]


@dataclass(frozen=True)
class ArticleContent:
    """Everything a reader could see of one version of an article."""

    slug: str
    title: str
    condition: str = ""
    drugs: str = ""
    summary: str = ""
    body: str = ""
    variants: tuple[VariantContent, ...] = field(default_factory=tuple)
    references: tuple[ReferenceContent, ...] = field(default_factory=tuple)
    glossary: tuple[GlossaryContent, ...] = field(default_factory=tuple)  # the approved definitions it uses
    # The language the text is in. Left out of the canonical form for the source
    # language, so every hash approved before languages existed stays valid.
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        # Order never depends on how the rows were loaded.
        object.__setattr__(self, "variants", tuple(sorted(self.variants, key=lambda v: v.audience_id)))
        object.__setattr__(self, "references", tuple(sorted(self.references, key=lambda r: r.key)))
        object.__setattr__(self, "glossary", tuple(sorted(self.glossary, key=lambda g: (g.term.lower(), g.term_id))))

    def with_glossary(self, glossary: Iterable[GlossaryContent] | Iterable[dict] | None) -> ArticleContent:
        """Return this content with a glossary snapshot (content or its stored JSON) in place of its own."""
        items = tuple(glossary or ())
        if items and isinstance(items[0], dict):
            items = glossary_from_json(items)
        return replace(self, glossary=items)

    def variant_for(self, audience_id: int | None) -> VariantContent | None:
        """Return this audience's variant, or None when it reads the default text."""
        for variant in self.variants:
            if variant.audience_id == audience_id:
                return variant
        return None

    def text_for(self, audience_id: int | None) -> tuple[str, str]:
        """Return (summary, body) for an audience, falling back field by field to the default."""
        variant = self.variant_for(audience_id)
        summary = variant.summary if variant and variant.summary.strip() else self.summary
        body = variant.body if variant and variant.body.strip() else self.body
        return summary, body

    def reference(self, key: str) -> ReferenceContent | None:
        for reference in self.references:
            if reference.key == key:
                return reference
        return None

    def canonical_json(self) -> str:
        """Serialise deterministically: sorted keys, no whitespace, UTF-8 text."""
        data = asdict(self)
        for reference in data["references"]:
            for name in OPTIONAL_REFERENCE_FIELDS:
                if reference.get(name) in ("", None):
                    del reference[name]
        if data["language"] in ("", DEFAULT_LANGUAGE):
            del data["language"]
        if not data["glossary"]:
            del data["glossary"]  # hashes approved before the glossary was reviewed stay valid
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        """Return the SHA-256 hex digest of the canonical serialisation."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
