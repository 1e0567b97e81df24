"""Demo data for publishing: default disclaimers, and the CMV article reviewed and live.

Idempotent: a second run finds everything in place and writes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from articles.models import Article, Audience
from publishing import services, tasks
from publishing.defaults import DEFAULT_DISCLAIMERS
from publishing.models import Disclaimer, Publication
from review import services as review_services

CMV_SLUG = "cmv-treatment"

# The site's defaults (created by migration 0004 on a fresh install) plus one
# for students that only the demo adds.
DISCLAIMERS = [
    *DEFAULT_DISCLAIMERS,
    (
        "student",
        "Educational purpose only",
        "Educational purpose only: this page is a learning aid, not a guide to treating patients.",
    ),
]


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def seed_disclaimers(stdout=None) -> None:
    """Create a demo disclaimer for each audience (or all audiences) that has none yet."""
    since = timezone.now()
    created = []
    for audience_slug, name, text in DISCLAIMERS:
        audience = Audience.objects.filter(slug=audience_slug).first() if audience_slug else None
        if audience_slug and audience is None:
            continue
        if Disclaimer.objects.filter(audience=audience).exists():
            continue  # the migration's default, or the site's own wording
        Disclaimer.objects.create(name=name, audience=audience, text=text, effective_from=since)
        created.append(name)
    if created:
        _write(stdout, f"Created the disclaimers: {', '.join(created)}.")


SYNONYMS_SAMPLE = "docs/search_synonyms_sample.csv"


def seed_synonyms(editor, stdout=None) -> None:
    """Load the project's sample search vocabulary (CMV ↔ cytomegalovirus, Valcyte ↔ valganciclovir, …)."""
    path = settings.BASE_DIR / SYNONYMS_SAMPLE
    result = services.search_synonyms_import(
        path.read_text(encoding="utf-8"), acting_user=editor, source_name=path.name
    )
    if result.get("added"):
        _write(stdout, f"Search vocabulary: {result['added']} synonyms from {SYNONYMS_SAMPLE}.")


def seed(users: dict, stdout=None) -> None:
    """Seed disclaimers and the search vocabulary, take cmv-treatment through review and publish it."""
    seed_disclaimers(stdout)
    seed_synonyms(users["editor"], stdout)
    article = Article.objects.filter(slug=CMV_SLUG).first()
    if article is None:
        _write(stdout, f"No “{CMV_SLUG}” article; nothing to publish.")
        return
    author, reviewer, editor = users["author"], users["reviewer"], users["editor"]
    if article.last_approved_revision_id is None:
        if article.status in (Article.Status.DRAFT, Article.Status.CHANGES_REQUESTED):
            article = review_services.article_submit(article, acting_user=author, comment="Ready for review.")
        if article.status == Article.Status.SUBMITTED:
            article = review_services.review_claim(article, acting_user=reviewer)
        if article.status == Article.Status.IN_REVIEW:
            article = review_services.review_approve(
                article, acting_user=reviewer, comment="Doses and durations checked against the sources."
            )
        _write(stdout, f"“{article.title}” was reviewed and approved.")
    publication = Publication.objects.filter(article=article).order_by("-pk").first()
    if publication is None:
        publication = services.publication_request(article, acting_user=editor, change_summary="First publication.")
        _write(stdout, f"Requested publication of “{article.title}”.")
    publication.refresh_from_db()
    if publication.state == Publication.State.PENDING:
        # The demo runs without a worker: publish in this process.
        tasks.publish.apply(args=[publication.pk])
        publication.refresh_from_db()
    if publication.state == Publication.State.LIVE:
        _write(stdout, f"Live at /articles/{publication.slug}/.")
    else:
        _write(stdout, f"Publication of “{article.title}” is {publication.get_state_display().lower()}.")
