"""The canonical content of an article, from live rows or from a Revision, and its hash.

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

from reversion.models import Revision

from .models import Article, ArticleVariant, Reference

DEFAULT_LANGUAGE = "en"  # the migration's default for Article.language
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
    kind: str = Reference.Kind.RESEARCH
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
        """The words a page explains with this definition (as articles.glossary.GlossaryEntry)."""
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


def _clean(value):
    return "" if value is None else value


def content_from_article(article: Article) -> ArticleContent:
    """Build the content of an article from its current database rows."""
    variants = [
        VariantContent(audience_id=v.audience_id, summary=v.summary, body=v.body)
        for v in ArticleVariant.objects.filter(article=article)
    ]
    references = [
        ReferenceContent(**{name: getattr(r, name) for name in REFERENCE_FIELDS})
        for r in Reference.objects.filter(article=article)
    ]
    return ArticleContent(
        **{name: getattr(article, name) for name in ARTICLE_FIELDS},
        variants=tuple(variants),
        references=tuple(references),
        language=article.language or DEFAULT_LANGUAGE,
    )


def content_from_revision(revision: Revision, article_id: int | None = None) -> ArticleContent:
    """Build the content of an article as it was saved in a django-reversion Revision."""
    article_data = None
    variants, references = [], []
    for version in revision.version_set.select_related("content_type"):
        model = version.content_type.model_class()
        data = version.field_dict
        if model is Article:
            if article_id is None or int(version.object_id) == article_id:
                article_data = data
                article_id = int(version.object_id)
        elif model is ArticleVariant:
            variants.append(data)
        elif model is Reference:
            references.append(data)
    if article_data is None:
        raise ValueError(f"Revision {revision.pk} holds no version of article {article_id}.")
    return ArticleContent(
        **{name: _clean(article_data.get(name)) for name in ARTICLE_FIELDS},
        language=article_data.get("language") or DEFAULT_LANGUAGE,
        variants=tuple(
            VariantContent(
                audience_id=data["audience_id"], summary=_clean(data.get("summary")), body=_clean(data.get("body"))
            )
            for data in variants
            if data.get("article_id") == article_id
        ),
        references=tuple(
            ReferenceContent(
                **{
                    name: data.get(name) if name in ("year", "spl_version") else _clean(data.get(name))
                    for name in REFERENCE_FIELDS
                }
            )
            for data in references
            if data.get("article_id") == article_id
        ),
    )
