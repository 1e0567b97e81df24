"""Going live: the publisher renders a publication's pages and puts them live, or records why it could not.

`publication_go_live` renders every audience's page outside any transaction,
checks the hash once more, then in one transaction inserts the pages, moves
the publication live and supersedes the previous one (and older requests
still waiting). A newer revision always wins, whatever order jobs finish in.
`publication_record_failure` counts failed attempts for the task's retries.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.content import content_from_revision
from articles.models import Article, Audience
from evidence.services import vocabulary_codes
from review.models import ReviewDecision, ReviewRound
from textkit.content import ArticleContent

from ..catalogue import catalogue_refresh
from ..exceptions import ContentHashMismatch
from ..furniture import FurnitureState
from ..models import Disclaimer, Publication, PublishedPage
from ..rendering import AudienceInfo, DisclaimerInfo, PageContext, build_pages, split_drugs
from ..signals import pages_rendered
from ..workflow import OPEN_STATES
from .notifications import notify_failure_on_commit
from .publication_requests import live_elsewhere, slug_taken_message
from .transitions import after_change_on_commit, publication_transition

State = Publication.State
Kind = Publication.Kind


def _review_snapshot(article: Article, publication: Publication) -> dict:
    revision = publication.revision
    if publication.kind == Kind.APPROVED:
        # The board's review of the text is credited; a later glossary refresh is recorded in the history.
        review_round = (
            ReviewRound.objects.filter(
                article=article, revision=revision, status=ReviewRound.Status.APPROVED, kind=ReviewRound.Kind.REVIEW
            )
            .order_by("-closed_at", "-pk")
            .first()
        )
        decisions = ReviewDecision.objects.filter(round=review_round, decision=ReviewDecision.Decision.APPROVE)
        stage = "approved"
    else:
        review_round = (
            ReviewRound.objects.filter(article=article, revision=revision).order_by("-submitted_at", "-pk").first()
        )
        decisions = ReviewDecision.objects.filter(round=review_round)
        stage = "in_review" if decisions.exists() or article.status == Article.Status.IN_REVIEW else "submitted"
    decisions = list(decisions.select_related("reviewer").order_by("assigned_at", "pk")) if review_round else []
    started = min((d.assigned_at for d in decisions), default=None)
    approved = publication.kind == Kind.APPROVED
    approved_at = review_round.closed_at if approved and review_round else None
    return {
        "kind": publication.kind,
        "stage": stage,
        "submitted_at": review_round.submitted_at.isoformat() if review_round else None,
        "review_started_at": started.isoformat() if started else None,
        "approved_at": approved_at.isoformat() if approved_at else None,
        "reviewers": [
            {"name": d.reviewer.display_name, "credentials": d.reviewer.credentials, "board_member_id": d.reviewer_id}
            for d in decisions
        ],
        "last_reviewed": article.last_reviewed.isoformat() if approved and article.last_reviewed else None,
        "next_review_due": article.next_review_due.isoformat() if approved and article.next_review_due else None,
        "last_updated": revision.date_created.isoformat(),
        "revision_id": revision.pk,
    }


def _disclaimers(
    audiences: list[Audience], now: dt.datetime, language: str | None = None
) -> dict[int | None, DisclaimerInfo | None]:
    """Return the disclaimer in force for each audience id (None: the all-audiences one) in the article's language.

    The choice is the stored pages' own (``FurnitureState.disclaimer_for``): the audience's, else the
    all-audiences one, each in the language, else in the source language.
    """
    active = tuple(Disclaimer.objects.filter(active=True, effective_from__lte=now).order_by("-effective_from", "-pk"))
    state = FurnitureState(disclaimers=active, policies={}, versions={})

    def pick(audience_id: int | None) -> DisclaimerInfo | None:
        disclaimer = state.disclaimer_for(audience_id, language)
        return DisclaimerInfo(id=disclaimer.pk, name=disclaimer.name, text=disclaimer.text) if disclaimer else None

    chosen: dict[int | None, DisclaimerInfo | None] = {None: pick(None)}
    for audience in audiences:
        chosen[audience.pk] = pick(audience.pk)
    return chosen


def _authors(article: Article) -> tuple[str, ...]:
    return tuple(user.get_full_name() or user.get_username() for user in article.authors.order_by("pk"))


def _rank(publication: Publication) -> tuple[int, int, int]:
    """Order publications by content age: newer revision, then approved over provisional, then request."""
    return (publication.revision_id, 1 if publication.kind == Kind.APPROVED else 0, publication.pk)


def _is_due(publication: Publication, now: dt.datetime) -> bool:
    return publication.state == State.PENDING and (publication.go_live_at is None or publication.go_live_at <= now)


def publication_go_live(publication_id: int) -> Publication:
    """Render a pending publication for every audience and put it live; safe to run twice.

    Anything but a pending publication is returned untouched. Rendering runs
    outside the transaction; the hash is checked on the rendered content;
    pages, the new live state and the superseded old one commit together. A
    publication older than the one already live is superseded without ever
    going live. Raise ContentHashMismatch (never retried) if the pinned
    content changed. If another article went live at the same slug in the
    meantime, mark the publication failed with an explanation instead.
    """
    publication = Publication.objects.select_related("article", "revision", "requested_by").get(pk=publication_id)
    now = timezone.now()
    if not _is_due(publication, now):
        return publication
    article = publication.article
    # The glossary shown is the snapshot the board approved with the revision, never the live table.
    content: ArticleContent = content_from_revision(publication.revision, article_id=article.pk).with_glossary(
        publication.glossary
    )
    if content.content_hash() != publication.content_hash:
        raise ContentHashMismatch(
            gettext(
                "Revision %(revision_id)s of “%(title)s” hashes to %(value)s…, not the "
                "%(value2)s… that was reviewed. It was not published."
            )
            % {
                "revision_id": publication.revision_id,
                "title": article.title,
                "value": content.content_hash()[:12],
                "value2": publication.content_hash[:12],
            }
        )
    audiences = list(Audience.objects.filter(active=True).order_by("order", "name"))
    context = PageContext(
        content_hash=publication.content_hash,
        review_snapshot=_review_snapshot(article, publication),
        authors=_authors(article),
        disclaimers=_disclaimers(audiences, now, article.language),
        glossary=content.glossary,
        codes=vocabulary_codes(condition=content.condition, drugs=split_drugs(content.drugs)),
    )
    pages = build_pages(
        content,
        audiences=[
            AudienceInfo(
                id=a.pk,
                slug=a.slug,
                name=a.name,
                show_grades=a.shows_evidence_grades,
                plain_language=not a.is_professional,
            )
            for a in audiences
        ],
        context=context,
    )
    pages_rendered.send(sender=Publication, publication=publication)

    with transaction.atomic():
        Article.objects.select_for_update().only("pk").get(pk=article.pk)  # one go-live per article at a time
        publication = Publication.objects.select_for_update().get(pk=publication_id)
        now = timezone.now()
        if not _is_due(publication, now):
            return publication
        current = Publication.objects.select_for_update().filter(article_id=article.pk, state=State.LIVE).first()
        if current is not None and _rank(current) > _rank(publication):
            return publication_transition(
                publication,
                "supersede",
                article=article,
                comment=f"A newer publication (revision {current.revision_id}) was already live.",
                superseded_at=now,
            )
        other = live_elsewhere(article, publication.slug or article.slug)
        if other is not None:
            return _fail_at_go_live(publication, slug_taken_message(article, publication.slug or article.slug, other))
        if current is not None:
            publication_transition(
                current,
                "supersede",
                article=article,
                comment=f"Replaced by revision {publication.revision_id} going live.",
                superseded_at=now,
            )
        # Older pages of this publication (an interrupted earlier attempt cannot
        # leave any, but be exact) are replaced, never mixed.
        PublishedPage.objects.filter(publication=publication).delete()
        for page in pages:
            PublishedPage.objects.create(
                publication=publication,
                audience_id=page.audience_id,
                title=page.title,
                summary_html=page.summary_html,
                body_html=page.body_html,
                references_html=page.references_html,
                disclaimer_id=page.disclaimer_id,
                disclaimer_html=page.disclaimer_html,
                review_snapshot=page.review_snapshot,
                data=page.data,
                content_hash=page.content_hash,
                rendered_at=now,
            )
        publication_transition(
            publication, "go_live", article=article, comment=publication.change_summary, live_at=now, last_error=""
        )
        # Older requests still waiting can never win now; settle them here.
        for older in Publication.objects.select_for_update().filter(article_id=article.pk, state=State.PENDING):
            if _rank(older) < _rank(publication):
                publication_transition(
                    older,
                    "supersede",
                    article=article,
                    comment=f"A newer revision ({publication.revision_id}) went live before this request.",
                    superseded_at=now,
                )
        catalogue_refresh(article.pk)
        slugs = {publication.slug or article.slug}
        if current is not None:
            slugs.add(current.slug or article.slug)
        after_change_on_commit(slugs)
    return publication


def _fail_at_go_live(publication: Publication, error: str) -> Publication:
    """Mark a publication failed for good (no retry can help), audit it and tell the editors on commit."""
    publication_transition(
        publication, "fail", comment=error[:1000], attempts=publication.attempts + 1, last_error=error
    )
    notify_failure_on_commit(publication)
    return publication


def publication_record_failure(publication_id: int, *, error: str, permanent: bool = False) -> Publication:
    """Count a failed attempt; after the last allowed one (or a permanent error) mark it failed and tell editors."""
    with transaction.atomic():
        publication = Publication.objects.select_for_update().select_related("article").get(pk=publication_id)
        if publication.state not in OPEN_STATES:
            return publication
        attempts = publication.attempts + 1
        if permanent or attempts >= settings.PUBLISH_MAX_ATTEMPTS:
            publication_transition(
                publication, "fail", comment=error[:1000], attempts=attempts, last_error=error[:4000]
            )
            notify_failure_on_commit(publication)
        else:
            publication.attempts = attempts
            publication.last_error = error[:4000]
            publication.save(update_fields=["attempts", "last_error"])
    return publication


def publication_mark_retry_due(publication_id: int, *, at: dt.datetime) -> None:
    """Record when the next attempt is due, so the outbox sweeper leaves it alone until then."""
    Publication.objects.filter(pk=publication_id, state=State.PENDING).update(enqueued_at=at)
