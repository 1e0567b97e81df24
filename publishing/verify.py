"""The auditor's verifier: every live page holds exactly the content the board approved.

For each live publication ``verify_publications`` re-derives the approved
content from the pinned reversion revision and its glossary snapshot, and
compares, in turn:

- the content hash with the publication's and with an approved review round's
  (``hash``, ``approval``);
- the pinned glossary definitions with the board's records of those versions
  (``glossary``);
- each ``PublishedPage`` (the article HTML every format is made from: stored
  page, API, provenance, export) with a fresh rendering of that content
  (``published``);
- each ``StoredPage``: its compressed copies and ETag with its bytes
  (``compression``), that its bytes hold the published article HTML verbatim
  (``stored``), and, when it was rendered with today's templates and
  furniture, that it equals a fresh render byte for byte (``render``); a page
  still waiting for its background re-render is reported as ``stale``, which
  is not drift;
- the static export's files of the page and of the API with the stored bytes
  and the published HTML (``export``).

It only reads. Publications are walked by id in batches (``batch``), so
memory stays bounded at any catalogue size; the caller gets findings as they
are found and a progress callback after each batch.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.content import content_from_revision
from articles.models import Audience, GlossaryDefinition
from review.models import ReviewRound
from textkit.content import ArticleContent

from .furniture import FurnitureState, furniture_state, render_fingerprint
from .httpcache import etag_for
from .models import Publication, PublishedPage, StoredPage
from .pages import render_page
from .rendering import AudienceInfo, PageContext, build_page

# Every comparison the verifier makes, and what a finding of it means.
CHECKS = {
    "hash": "The pinned revision and glossary no longer hash to the publication's approved hash.",
    "approval": "No approved review round records this revision with this hash.",
    "glossary": "A pinned glossary definition differs from the board's record of that version.",
    "published": "The published article HTML differs from a fresh rendering of the approved content.",
    "missing": "A page the publication must have is missing.",
    "compression": "A stored page's compressed copy or ETag does not match its bytes.",
    "stored": "A stored page does not hold the published article HTML verbatim.",
    "render": "A stored page differs from a fresh render of its approved content and furniture.",
    "export": "The static export differs from the stored page or the published HTML.",
    "stale": "Rendered with older templates or furniture; its background re-render is pending (not drift).",
}
# Page fields that come from the approved content (the rest is the review record and furniture).
CONTENT_FIELDS = ("title", "summary_html", "body_html", "references_html")
CONTENT_DATA = ("condition", "drugs", "sections", "references", "recommendations", "dose_schedules")


@dataclass(frozen=True)
class Finding:
    publication_id: int
    article_id: int
    slug: str
    audience: str  # an audience slug, or "default"
    address: str
    kind: str  # a key of CHECKS
    reason: str

    @property
    def drift(self) -> bool:
        return self.kind != "stale"

    def line(self) -> str:
        return f"{self.slug} [{self.audience}] {self.address}: {self.kind}: {self.reason}"


@dataclass
class Progress:
    publications: int = 0
    pages: int = 0
    drift: int = 0
    stale: int = 0
    cursor: int = 0


def live_publications() -> QuerySet[Publication]:
    """Return the live, unexpired publications in id order (the verifier's keyset)."""
    now = timezone.now()
    return (
        Publication.objects.filter(state=Publication.State.LIVE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("article", "revision")
        .order_by("pk")
    )


def _audience_info(audience: Audience) -> AudienceInfo:
    return AudienceInfo(
        id=audience.pk,
        slug=audience.slug,
        name=audience.name,
        show_grades=audience.shows_evidence_grades,
        plain_language=not audience.is_professional,
    )


def _first_difference(expected: str, actual: str) -> str:
    """Say where two texts part: the character offset and a few characters of each."""
    if expected == actual:
        return ""
    shorter = min(len(expected), len(actual))
    at = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b), shorter)
    return f"at character {at}: approved {expected[at : at + 40]!r}, found {actual[at : at + 40]!r}"


class _Checker:
    """The checks of one publication; ``findings`` collects what it found."""

    def __init__(self, publication: Publication, *, state: FurnitureState, fingerprint: str, export: Path | None):
        self.publication = publication
        self.slug = publication.slug or publication.article.slug
        self.furniture = state
        self.fingerprint = fingerprint
        self.export = export
        self.findings: list[Finding] = []
        self.pages = 0

    def report(self, kind: str, reason: str, *, audience: str = "default", address: str = "") -> None:
        self.findings.append(
            Finding(
                publication_id=self.publication.pk,
                article_id=self.publication.article_id,
                slug=self.slug,
                audience=audience,
                address=address or f"/articles/{self.slug}/",
                kind=kind,
                reason=reason,
            )
        )

    def content(self) -> ArticleContent | None:
        publication = self.publication
        try:
            content = content_from_revision(publication.revision, article_id=publication.article_id)
        except ValueError as exc:
            self.report("hash", f"Revision {publication.revision_id} cannot be read: {exc}")
            return None
        content = content.with_glossary(publication.glossary)
        actual = content.content_hash()
        if actual != publication.content_hash:
            self.report(
                "hash",
                f"Revision {publication.revision_id} with its pinned glossary hashes to {actual[:12]}…, "
                f"the publication records {publication.content_hash[:12]}….",
            )
        if publication.kind == Publication.Kind.APPROVED:
            approved = ReviewRound.objects.filter(
                article_id=publication.article_id,
                revision_id=publication.revision_id,
                status=ReviewRound.Status.APPROVED,
                content_hash=publication.content_hash,
            ).exists()
            if not approved:
                self.report(
                    "approval",
                    f"No approved review round of revision {publication.revision_id} has hash "
                    f"{publication.content_hash[:12]}….",
                )
        return content

    def glossary(self, content: ArticleContent) -> None:
        pins = {(item.term_id, item.version): item for item in content.glossary}
        if not pins:
            return
        records = {
            (row.glossary_term_id, row.version): row
            for row in GlossaryDefinition.objects.filter(
                glossary_term_id__in={term_id for term_id, _ in pins},
                status__in=(GlossaryDefinition.Status.APPROVED, GlossaryDefinition.Status.SUPERSEDED),
            )
        }
        for key, pinned in sorted(pins.items()):
            record = records.get(key)
            if record is None:
                self.report("glossary", f"“{pinned.term}” version {pinned.version} is not an approved definition.")
                continue
            synonyms = tuple(s.strip() for s in record.synonyms.split(",") if s.strip())
            if (record.term, record.explanation, synonyms) != (pinned.term, pinned.explanation, pinned.synonyms):
                self.report(
                    "glossary",
                    f"“{pinned.term}” version {pinned.version}: the page pinned {pinned.explanation!r}, "
                    f"the board's record says {record.explanation!r}.",
                )
        recorded = set(self.publication.glossary_pins.values_list("term_id", "version"))
        if recorded != set(pins):
            self.report("glossary", "The publication's glossary pins differ from its snapshot.")

    def published(self, content: ArticleContent, pages: list[PublishedPage]) -> None:
        context = PageContext(content_hash=self.publication.content_hash, review_snapshot={}, glossary=content.glossary)
        if not any(page.audience_id is None for page in pages):
            self.report("missing", "The publication has no default page.")
        for page in pages:
            audience = page.audience
            expected = build_page(content, audience=_audience_info(audience) if audience else None, context=context)
            name = audience.slug if audience else "default"
            for field in CONTENT_FIELDS:
                where = _first_difference(getattr(expected, field), getattr(page, field))
                if where:
                    self.report("published", f"{field} {where}", audience=name)
            for key in CONTENT_DATA:
                if expected.data.get(key) != (page.data or {}).get(key):
                    self.report("published", f"data[{key!r}] differs from the approved content.", audience=name)
            if page.content_hash != self.publication.content_hash:
                self.report("published", "The page records a different content hash.", audience=name)

    def stored(self, stored: StoredPage, page: PublishedPage) -> None:
        name = stored.audience.slug if stored.audience else "default"
        self.pages += 1
        body = bytes(stored.body)
        if gzip.decompress(bytes(stored.body_gzip)) != body or etag_for(body) != stored.etag:
            self.report(
                "compression", "The gzip copy or the ETag does not match the page.", audience=name, address=stored.path
            )
        if stored.body_br and _unbrotli(bytes(stored.body_br)) not in (None, body):
            self.report("compression", "The brotli copy does not match the page.", audience=name, address=stored.path)
        text = body.decode("utf-8", errors="replace")
        for field in ("summary_html", "body_html", "references_html"):
            if getattr(page, field) and getattr(page, field) not in text:
                self.report(
                    "stored", f"The page does not contain the published {field}.", audience=name, address=stored.path
                )
        fresh, furniture, _members = render_page(self.publication, stored.audience, self.furniture)
        if stored.fingerprint != self.fingerprint or stored.furniture != furniture:
            self.report(
                "stale",
                "Rendered with older templates or furniture; its re-render is pending.",
                audience=name,
                address=stored.path,
            )
        else:
            where = _first_difference(fresh.decode(), text)
            if where:
                self.report(
                    "render",
                    f"The stored bytes differ from a fresh render {where}.",
                    audience=name,
                    address=stored.path,
                )
        if self.export is not None:
            self.exported(stored, page, body, name)

    def exported(self, stored: StoredPage, page: PublishedPage, body: bytes, name: str) -> None:
        html = self.export / stored.path.strip("/") / "index.html"
        self.pages += 1
        if not html.is_file():
            self.report("export", f"{html.relative_to(self.export)} is missing.", audience=name, address=stored.path)
        elif html.read_bytes() != body:
            self.report(
                "export",
                f"{html.relative_to(self.export)} differs from the stored page.",
                audience=name,
                address=stored.path,
            )
        elif (
            html.with_name("index.html.gz").is_file()
            and gzip.decompress(html.with_name("index.html.gz").read_bytes()) != body
        ):
            self.report(
                "export",
                f"{html.relative_to(self.export)}.gz differs from the page.",
                audience=name,
                address=stored.path,
            )
        suffix = f"for/{stored.audience.slug}.json" if stored.audience else "index.json"
        api = self.export / "api" / "articles" / self.slug / suffix
        if not api.is_file():
            return  # the export holds the API only for the audiences it was written for
        try:
            data = json.loads(api.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.report(
                "export", f"{api.relative_to(self.export)} is not valid JSON: {exc}", audience=name, address=stored.path
            )
            return
        for field in ("title", "summary_html", "body_html"):
            if data.get(field) != getattr(page, field):
                self.report(
                    "export",
                    f"{api.relative_to(self.export)}: {field} differs from the published page.",
                    audience=name,
                    address=stored.path,
                )
        if data.get("content_hash") != self.publication.content_hash:
            self.report(
                "export", f"{api.relative_to(self.export)}: content_hash differs.", audience=name, address=stored.path
            )


def _unbrotli(data: bytes) -> bytes | None:
    try:
        import brotli
    except ImportError:  # pragma: no cover - brotli is in requirements.txt
        return None
    try:
        return brotli.decompress(data)
    except brotli.error:
        return b""


def verify_publications(
    publications: QuerySet[Publication] | None = None,
    *,
    export_dir: str | Path | None = None,
    batch: int = 100,
    after: int = 0,
    batches: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Iterator[Finding]:
    """Check every given live publication (default: all of them) after id ``after``; yield each finding.

    Reads batches of ``batch`` publications by id, with their published and
    stored pages in one query each; nothing is kept from one batch to the next.
    ``batches`` stops after that many (a background run's one step);
    ``progress`` is called after each batch with the totals and the last id.
    """
    publications = live_publications() if publications is None else publications.order_by("pk")
    export = Path(export_dir) if export_dir else None
    state = furniture_state()
    fingerprint = render_fingerprint()
    done = Progress(cursor=after)
    while batches is None or batches > 0:
        batches = None if batches is None else batches - 1
        chunk = list(publications.filter(pk__gt=done.cursor)[:batch])
        if not chunk:
            return
        ids = [publication.pk for publication in chunk]
        pages: dict[int, list[PublishedPage]] = {pk: [] for pk in ids}
        for page in PublishedPage.objects.filter(publication_id__in=ids).select_related("audience").order_by("pk"):
            pages[page.publication_id].append(page)
        stored: dict[int, list[StoredPage]] = {pk: [] for pk in ids}
        for row in StoredPage.objects.filter(publication_id__in=ids).select_related("audience").order_by("path"):
            stored[row.publication_id].append(row)
        for publication in chunk:
            checker = _Checker(publication, state=state, fingerprint=fingerprint, export=export)
            content = checker.content()
            if content is not None:
                checker.glossary(content)
                checker.published(content, pages[publication.pk])
            by_audience = {page.audience_id: page for page in pages[publication.pk]}
            for row in stored[publication.pk]:
                page = by_audience.get(row.audience_id) or by_audience.get(None)
                if page is not None:
                    checker.stored(row, page)
            done.publications += 1
            done.pages += checker.pages
            for finding in checker.findings:
                if finding.drift:
                    done.drift += 1
                else:
                    done.stale += 1
                yield finding
        done.cursor = ids[-1]
        if progress is not None:
            progress(done)
        if len(chunk) < batch:
            return
