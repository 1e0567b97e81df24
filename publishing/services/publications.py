"""Publishing services: request, schedule, go live, withdraw, retry, expire, re-send.

Every publication is pinned to one reversion Revision and the SHA-256 of its
content. The Publication row is the outbox: it is written in the editor's
transaction and the render job is sent only after commit, so a broker outage
delays a publication but never loses it (``publication_outbox_resend``).

Going live (``publication_go_live``) renders every audience's page outside any
transaction, checks the hash once more, then in one transaction inserts the
pages, marks the publication live and supersedes the previous one. A newer
revision always wins, whatever order jobs finish in.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.content import ArticleContent, content_from_revision
from articles.models import Article, Audience
from articles.selectors import glossary_entries
from cms import roles
from cms.tasks import enqueue
from review.models import ReviewDecision, ReviewRound, WorkflowEvent

from ..exceptions import (
    ContentHashMismatch,
    InvalidPublicationState,
    ProvisionalPublishingDisabled,
    PublishingError,
    PublishingPermissionError,
    ScheduleError,
)
from ..models import Disclaimer, Publication, PublishedPage
from ..rendering import AudienceInfo, DisclaimerInfo, PageContext, build_pages

logger = logging.getLogger(__name__)

State = Publication.State
Kind = Publication.Kind
OPEN_STATES = (State.PENDING, State.SCHEDULED)
OUTBOX_STALE_AFTER = dt.timedelta(seconds=60)


# --- guards ----------------------------------------------------------------


def _ensure_editor(user: AbstractBaseUser, action: str) -> None:
    if not roles.is_editor(user):
        raise PublishingPermissionError(
            f"Only editors can {action}. Ask a member of the Editors group, or an administrator, to do it."
        )


def _verified_hash(article: Article, revision, expected: str, what: str) -> str:
    """Recompute the pinned revision's hash and refuse if it differs from the expected one."""
    actual = content_from_revision(revision, article_id=article.pk).content_hash()
    if actual != expected:
        raise ContentHashMismatch(
            f"The {what} of “{article.title}” (revision {revision.pk}) no longer matches what the board "
            f"reviewed: its content hash is {actual[:12]}…, the review recorded {expected[:12]}…. "
            "Nothing was published. Send the article through review again."
        )
    return actual


def _approved_pin(article: Article) -> tuple:
    """Return (revision, hash) of the article's last approved revision, checked against its round."""
    revision = article.last_approved_revision
    if revision is None:
        raise InvalidPublicationState(
            f"“{article.title}” has no approved revision yet ({article.get_status_display().lower()}). "
            "Only text the Medical Advisory Board approved can be published; submit it for review first."
        )
    review_round = (
        ReviewRound.objects.filter(article=article, revision=revision, status=ReviewRound.Status.APPROVED)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if review_round is None:
        raise InvalidPublicationState(
            f"“{article.title}” records revision {revision.pk} as approved, but no approved review round is "
            "pinned to it. Send the article through review again."
        )
    if article.last_approved_hash and article.last_approved_hash != review_round.content_hash:
        raise ContentHashMismatch(
            f"“{article.title}”: the approved hash on the article differs from its review round's hash. "
            "Nothing was published. Send the article through review again."
        )
    return revision, _verified_hash(article, revision, review_round.content_hash, "approved revision")


def _live_elsewhere(article: Article, slug: str) -> Publication | None:
    """Return another article's live publication at this address, if there is one."""
    return (
        Publication.objects.filter(slug=slug, state=State.LIVE)
        .exclude(article_id=article.pk)
        .select_related("article")
        .first()
    )


def _slug_taken_message(article: Article, slug: str, other: Publication) -> str:
    return (
        f"“{article.title}” cannot go live: another article is already live at /articles/{slug}/ for "
        f"“{other.article.title}”; change this article's slug or withdraw the other first."
    )


def _ensure_slug_free(article: Article, slug: str) -> None:
    """Refuse to publish at an address where another article is live (readers find pages by slug)."""
    other = _live_elsewhere(article, slug)
    if other is not None:
        raise InvalidPublicationState(_slug_taken_message(article, slug, other))


def _ensure_not_archived(article: Article) -> None:
    if article.status == Article.Status.ARCHIVED:
        raise InvalidPublicationState(
            f"“{article.title}” is archived; archived articles stay off the site and cannot be published."
        )


def _audit(article: Article, *, actor, action: str, publication: Publication, comment: str = "") -> None:
    WorkflowEvent.objects.create(
        article=article,
        actor=actor,
        action=action,
        from_status=article.status,
        to_status=article.status,
        revision=publication.revision,
        content_hash=publication.content_hash,
        comment=comment,
    )


def _send_on_commit(publication: Publication) -> None:
    from .. import tasks  # tasks import this module

    publication_id = publication.pk

    def send() -> None:
        if enqueue(tasks.publish, publication_id):
            Publication.objects.filter(pk=publication_id, enqueued_at__isnull=True).update(enqueued_at=timezone.now())

    transaction.on_commit(send)


def _create(
    article: Article,
    *,
    acting_user,
    revision,
    content_hash: str,
    kind: str,
    change_summary: str,
    go_live_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> Publication:
    _ensure_not_archived(article)
    waiting = Publication.objects.filter(article=article, revision=revision, kind=kind, state__in=OPEN_STATES).first()
    if waiting is not None:
        raise InvalidPublicationState(
            f"This revision of “{article.title}” is already {waiting.get_state_display().lower()} "
            f"(requested {waiting.requested_at:%Y-%m-%d %H:%M} UTC). Wait for it, or withdraw it first."
        )
    if Publication.objects.filter(article=article, revision=revision, kind=kind, state=State.LIVE).exists():
        raise InvalidPublicationState(f"This revision of “{article.title}” is already live. There is nothing to do.")
    content = content_from_revision(revision, article_id=article.pk)
    _ensure_slug_free(article, content.slug)
    publication = Publication.objects.create(
        article=article,
        revision=revision,
        content_hash=content_hash,
        slug=content.slug,
        kind=kind,
        state=State.SCHEDULED if go_live_at else State.PENDING,
        go_live_at=go_live_at,
        expires_at=expires_at,
        change_summary=change_summary.strip(),
        requested_by=acting_user,
    )
    action = "publication_scheduled" if go_live_at else "publication_requested"
    _audit(article, actor=acting_user, action=action, publication=publication, comment=change_summary.strip())
    if not go_live_at:
        _send_on_commit(publication)
    return publication


# --- editor actions --------------------------------------------------------


@transaction.atomic
def publication_request(article: Article, *, acting_user: AbstractBaseUser, change_summary: str = "") -> Publication:
    """Request that the article's last approved revision go live as soon as possible."""
    _ensure_editor(acting_user, "publish articles")
    article = Article.objects.select_for_update().get(pk=article.pk)
    revision, content_hash = _approved_pin(article)
    return _create(
        article,
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        kind=Kind.APPROVED,
        change_summary=change_summary,
    )


def _validate_schedule(go_live_at: dt.datetime, expires_at: dt.datetime | None, now: dt.datetime) -> None:
    if go_live_at is None:
        raise ScheduleError("Give a go-live time.")
    if timezone.is_naive(go_live_at) or (expires_at is not None and timezone.is_naive(expires_at)):
        raise ScheduleError("Times must include a time zone.")
    if go_live_at <= now:
        raise ScheduleError(
            f"The go-live time {go_live_at:%Y-%m-%d %H:%M} UTC is not in the future. "
            "Choose a later time, or publish now instead."
        )
    if expires_at is not None and expires_at <= go_live_at:
        raise ScheduleError("The expiry time must be after the go-live time. Choose a later expiry, or leave it empty.")


@transaction.atomic
def publication_schedule(
    article: Article,
    *,
    acting_user: AbstractBaseUser,
    go_live_at: dt.datetime,
    expires_at: dt.datetime | None = None,
    change_summary: str = "",
) -> Publication:
    """Schedule the last approved revision to go live at a time (and optionally expire)."""
    _ensure_editor(acting_user, "schedule publications")
    _validate_schedule(go_live_at, expires_at, timezone.now())
    article = Article.objects.select_for_update().get(pk=article.pk)
    revision, content_hash = _approved_pin(article)
    return _create(
        article,
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        kind=Kind.APPROVED,
        change_summary=change_summary,
        go_live_at=go_live_at,
        expires_at=expires_at,
    )


@transaction.atomic
def publication_request_provisional(
    article: Article, *, acting_user: AbstractBaseUser, change_summary: str = ""
) -> Publication:
    """Publish the revision under review with the pending-review banner (PROVISIONAL_PUBLISHING only)."""
    if not settings.PROVISIONAL_PUBLISHING:
        raise ProvisionalPublishingDisabled(
            "Provisional publishing is switched off on this site: only approved text can be published. "
            "An administrator can turn it on with PROVISIONAL_PUBLISHING=1."
        )
    _ensure_editor(acting_user, "publish articles")
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status not in (Article.Status.SUBMITTED, Article.Status.IN_REVIEW):
        raise InvalidPublicationState(
            f"“{article.title}” is {article.get_status_display().lower()}; only a submitted or in-review "
            "revision can be published provisionally."
        )
    review_round = ReviewRound.objects.filter(article=article, status=ReviewRound.Status.OPEN).first()
    if review_round is None:
        raise InvalidPublicationState(f"“{article.title}” has no open review round to publish provisionally.")
    content_hash = _verified_hash(article, review_round.revision, review_round.content_hash, "submitted revision")
    return _create(
        article,
        acting_user=acting_user,
        revision=review_round.revision,
        content_hash=content_hash,
        kind=Kind.PROVISIONAL,
        change_summary=change_summary,
    )


@transaction.atomic
def publication_request_on_approval(article: Article, *, acting_user: AbstractBaseUser) -> Publication | None:
    """Publish a newly approved revision automatically (AUTO_PUBLISH_ON_APPROVAL only).

    The actor is whoever approved it; no editor check, since the site chose
    to publish every approval. Return None when the setting is off or this
    revision has already been requested.
    """
    if not settings.AUTO_PUBLISH_ON_APPROVAL:
        return None
    article = Article.objects.select_for_update().get(pk=article.pk)
    revision, content_hash = _approved_pin(article)
    if Publication.objects.filter(article=article, revision=revision, kind=Kind.APPROVED).exists():
        return None
    return _create(
        article,
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        kind=Kind.APPROVED,
        change_summary="",
    )


@transaction.atomic
def publication_withdraw(
    article: Article, *, acting_user: AbstractBaseUser, reason: str, mode: str = Publication.WithdrawalMode.REMOVE
) -> list[Publication]:
    """Take the article's live page down now and cancel anything waiting to go live.

    ``mode`` "remove" makes the page 404; "notice" replaces it with a notice
    showing ``reason``. Return the publications withdrawn.
    """
    _ensure_editor(acting_user, "withdraw articles")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidPublicationState("Give a reason for the withdrawal; it is kept in the history.")
    if mode not in Publication.WithdrawalMode.values:
        raise InvalidPublicationState(f"Unknown withdrawal mode “{mode}”: choose remove or notice.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    targets = _withdraw_all(article, acting_user=acting_user, reason=reason, mode=mode)
    if not targets:
        raise InvalidPublicationState(f"“{article.title}” has nothing live or waiting to go live; nothing to withdraw.")
    return targets


def _withdraw_all(article: Article, *, acting_user, reason: str, mode: str) -> list[Publication]:
    """Withdraw every live or waiting publication of the (locked) article; return them, maybe none."""
    targets = list(
        Publication.objects.select_for_update()
        .filter(article=article, state__in=[State.LIVE, *OPEN_STATES])
        .order_by("pk")
    )
    if not targets:
        return []
    now = timezone.now()
    slugs = {article.slug}
    for publication in targets:
        publication.state = State.WITHDRAWN
        publication.withdrawn_at = now
        publication.withdrawal_reason = reason
        publication.withdrawal_mode = mode
        publication.save(update_fields=["state", "withdrawn_at", "withdrawal_reason", "withdrawal_mode"])
        _audit(article, actor=acting_user, action="publication_withdrawn", publication=publication, comment=reason)
        slugs.add(publication.slug or article.slug)
    _after_change_on_commit(slugs)
    return targets


@transaction.atomic
def publication_retry(publication: Publication, *, acting_user: AbstractBaseUser) -> Publication:
    """Send a failed publication to the publisher again, with a fresh count of attempts."""
    _ensure_editor(acting_user, "retry publications")
    publication = Publication.objects.select_for_update().select_related("article").get(pk=publication.pk)
    if publication.state != State.FAILED:
        raise InvalidPublicationState(
            f"This publication is {publication.get_state_display().lower()}, not failed; only failed ones can be "
            "retried."
        )
    _ensure_not_archived(publication.article)
    now = timezone.now()
    scheduled = publication.go_live_at is not None and publication.go_live_at > now
    publication.state = State.SCHEDULED if scheduled else State.PENDING
    publication.attempts = 0
    publication.enqueued_at = None
    publication.save(update_fields=["state", "attempts", "enqueued_at"])
    _audit(publication.article, actor=acting_user, action="publication_retried", publication=publication)
    if not scheduled:
        _send_on_commit(publication)
    return publication


# --- the publisher (called by tasks) ---------------------------------------


def _review_snapshot(article: Article, publication: Publication) -> dict:
    revision = publication.revision
    if publication.kind == Kind.APPROVED:
        review_round = (
            ReviewRound.objects.filter(article=article, revision=revision, status=ReviewRound.Status.APPROVED)
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


def _disclaimers(audiences: list[Audience], now: dt.datetime) -> dict[int | None, DisclaimerInfo | None]:
    """Return the disclaimer in force for each audience id (None: the all-audiences one)."""
    active = list(Disclaimer.objects.filter(active=True, effective_from__lte=now).order_by("-effective_from", "-pk"))

    def pick(audience_id: int | None) -> DisclaimerInfo | None:
        for disclaimer in active:
            if disclaimer.audience_id == audience_id:
                return DisclaimerInfo(id=disclaimer.pk, name=disclaimer.name, text=disclaimer.text)
        return None

    chosen: dict[int | None, DisclaimerInfo | None] = {None: pick(None)}
    for audience in audiences:
        chosen[audience.pk] = pick(audience.pk) or chosen[None]
    return chosen


def _authors(article: Article) -> tuple[str, ...]:
    return tuple(user.get_full_name() or user.get_username() for user in article.authors.order_by("pk"))


def _rank(publication: Publication) -> tuple[int, int, int]:
    """Order publications by content age: newer revision, then approved over provisional, then request."""
    return (publication.revision_id, 1 if publication.kind == Kind.APPROVED else 0, publication.pk)


def _hold_for_tests() -> None:
    """Block mid-job while a test holds the publisher (TESTING only), to kill a worker at this point."""
    hold_dir = os.environ.get("VETTED_TEST_PUBLISH_HOLD_DIR")
    if not (settings.TESTING and hold_dir):
        return
    path = Path(hold_dir)
    (path / f"started-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (path / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


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
    content: ArticleContent = content_from_revision(publication.revision, article_id=article.pk)
    if content.content_hash() != publication.content_hash:
        raise ContentHashMismatch(
            f"Revision {publication.revision_id} of “{article.title}” hashes to {content.content_hash()[:12]}…, "
            f"not the {publication.content_hash[:12]}… that was reviewed. It was not published."
        )
    audiences = list(Audience.objects.filter(active=True).order_by("order", "name"))
    context = PageContext(
        content_hash=publication.content_hash,
        review_snapshot=_review_snapshot(article, publication),
        authors=_authors(article),
        disclaimers=_disclaimers(audiences, now),
        glossary=tuple(glossary_entries()),
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
    _hold_for_tests()

    with transaction.atomic():
        Article.objects.select_for_update().only("pk").get(pk=article.pk)  # one go-live per article at a time
        publication = Publication.objects.select_for_update().get(pk=publication_id)
        now = timezone.now()
        if not _is_due(publication, now):
            return publication
        current = Publication.objects.select_for_update().filter(article_id=article.pk, state=State.LIVE).first()
        if current is not None and _rank(current) > _rank(publication):
            publication.state = State.SUPERSEDED
            publication.superseded_at = now
            publication.save(update_fields=["state", "superseded_at"])
            _audit(
                article,
                actor=publication.requested_by,
                action="publication_superseded",
                publication=publication,
                comment=f"A newer publication (revision {current.revision_id}) was already live.",
            )
            return publication
        other = _live_elsewhere(article, publication.slug or article.slug)
        if other is not None:
            return _fail_at_go_live(publication, _slug_taken_message(article, publication.slug or article.slug, other))
        if current is not None:
            current.state = State.SUPERSEDED
            current.superseded_at = now
            current.save(update_fields=["state", "superseded_at"])
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
        publication.state = State.LIVE
        publication.live_at = now
        publication.last_error = ""
        publication.save(update_fields=["state", "live_at", "last_error"])
        _audit(
            article,
            actor=publication.requested_by,
            action="published",
            publication=publication,
            comment=publication.change_summary,
        )
        # Older requests still waiting can never win now; settle them here.
        for older in Publication.objects.select_for_update().filter(article_id=article.pk, state=State.PENDING):
            if _rank(older) < _rank(publication):
                older.state = State.SUPERSEDED
                older.superseded_at = now
                older.save(update_fields=["state", "superseded_at"])
        slugs = {publication.slug or article.slug}
        if current is not None:
            slugs.add(current.slug or article.slug)
        _after_change_on_commit(slugs)
    return publication


def _fail_at_go_live(publication: Publication, error: str) -> Publication:
    """Mark a publication failed for good (no retry can help), audit it and tell the editors on commit."""
    publication.state = State.FAILED
    publication.attempts += 1
    publication.last_error = error
    publication.save(update_fields=["state", "attempts", "last_error"])
    _audit(
        publication.article,
        actor=publication.requested_by,
        action="publication_failed",
        publication=publication,
        comment=error[:1000],
    )
    publication_id = publication.pk
    transaction.on_commit(lambda: _email_editors_about_failure(publication_id))
    return publication


def _after_change_on_commit(slugs: set[str]) -> None:
    """After commit: re-render the stored pages, purge every cache (failures kept for retry), export."""

    def after() -> None:
        from ..pages import refresh_articles

        refresh_articles(slugs)
        if settings.STATIC_EXPORT_DIR:
            from ..export import export_article

            for slug in slugs:
                try:
                    export_article(slug, settings.STATIC_EXPORT_DIR)
                except Exception:
                    logger.exception("Static export of %s failed; the site itself is unaffected.", slug)

    transaction.on_commit(after)


def publication_record_failure(publication_id: int, *, error: str, permanent: bool = False) -> Publication:
    """Count a failed attempt; after the last allowed one (or a permanent error) mark it failed and tell editors."""
    with transaction.atomic():
        publication = Publication.objects.select_for_update().select_related("article").get(pk=publication_id)
        if publication.state not in OPEN_STATES:
            return publication
        publication.attempts += 1
        publication.last_error = error[:4000]
        fields = ["attempts", "last_error"]
        if permanent or publication.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
            publication.state = State.FAILED
            fields.append("state")
            _audit(
                publication.article,
                actor=publication.requested_by,
                action="publication_failed",
                publication=publication,
                comment=error[:1000],
            )
            transaction.on_commit(lambda: _email_editors_about_failure(publication_id))
        publication.save(update_fields=fields)
    return publication


def publication_mark_retry_due(publication_id: int, *, at: dt.datetime) -> None:
    """Record when the next attempt is due, so the outbox sweeper leaves it alone until then."""
    Publication.objects.filter(pk=publication_id, state=State.PENDING).update(enqueued_at=at)


def editor_emails() -> list[str]:
    """Return the addresses told about failures: EDITORS_EMAIL and every active editor with an email."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=roles.EDITORS) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
    )
    return sorted(set(settings.EDITORS_EMAIL) | set(users.values_list("email", flat=True)))


def _email_editors_about_failure(publication_id: int) -> None:
    publication = Publication.objects.select_related("article").get(pk=publication_id)
    recipients = editor_emails()
    if not recipients:
        logger.error("Publication %s failed and no editor has an email address.", publication_id)
        return
    article = publication.article
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] Publishing failed: {article.title}",
            message=(
                f"Publishing “{article.title}” failed after {publication.attempts} attempt(s).\n\n"
                f"Error: {publication.last_error}\n\n"
                "The page that was live before stays live. Retry it from the publishing desk:\n"
                f"{settings.SITE_URL}/publishing/\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        logger.exception("Could not email editors about failed publication %s", publication_id)


# --- scheduled work --------------------------------------------------------


@transaction.atomic
def publication_release_due(*, now: dt.datetime | None = None) -> list[int]:
    """Move scheduled publications whose go-live time has come to pending and send them; return their ids."""
    now = now or timezone.now()
    released = []
    for publication in Publication.objects.select_for_update().filter(state=State.SCHEDULED, go_live_at__lte=now):
        if publication.expires_at is not None and publication.expires_at <= now:
            publication.state = State.WITHDRAWN
            publication.withdrawn_at = now
            publication.withdrawal_mode = Publication.WithdrawalMode.REMOVE
            publication.withdrawal_reason = "Expired before it went live."
            publication.save(update_fields=["state", "withdrawn_at", "withdrawal_mode", "withdrawal_reason"])
            continue
        publication.state = State.PENDING
        publication.enqueued_at = None
        publication.save(update_fields=["state", "enqueued_at"])
        _send_on_commit(publication)
        released.append(publication.pk)
    return released


@transaction.atomic
def publication_expire_due(*, now: dt.datetime | None = None) -> list[int]:
    """Take down live publications whose expiry time has come; return their ids."""
    now = now or timezone.now()
    expired = []
    for publication in (
        Publication.objects.select_for_update()
        .select_related("article", "requested_by")
        .filter(state=State.LIVE, expires_at__lte=now)
    ):
        publication.state = State.WITHDRAWN
        publication.withdrawn_at = now
        publication.withdrawal_mode = Publication.WithdrawalMode.REMOVE
        publication.withdrawal_reason = "Expired as scheduled."
        publication.save(update_fields=["state", "withdrawn_at", "withdrawal_mode", "withdrawal_reason"])
        _audit(
            publication.article,
            actor=publication.requested_by,
            action="publication_expired",
            publication=publication,
        )
        _after_change_on_commit({publication.slug or publication.article.slug})
        expired.append(publication.pk)
    return expired


def publication_outbox_resend(*, older_than: dt.timedelta = OUTBOX_STALE_AFTER) -> list[int]:
    """Send again every pending publication whose job was never sent or is overdue; return their ids.

    Also, when AUTO_PUBLISH_ON_APPROVAL is on, request publication of approved
    revisions nobody has requested yet (review does not import publishing).
    """
    if settings.AUTO_PUBLISH_ON_APPROVAL:
        _request_unpublished_approvals()
    from .. import tasks

    cutoff = timezone.now() - older_than
    stale = Publication.objects.filter(state=State.PENDING, requested_at__lte=cutoff).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    )
    sent = []
    for publication_id in stale.values_list("pk", flat=True):
        if enqueue(tasks.publish, publication_id):
            Publication.objects.filter(pk=publication_id).update(enqueued_at=timezone.now())
            sent.append(publication_id)
    return sent


def publication_on_approval_hook(article: Article, review_round: ReviewRound, acting_user) -> None:
    """Request publication inside the approving transaction when AUTO_PUBLISH_ON_APPROVAL is on.

    Registered with review.services.register_approval_hook. A refusal here is
    logged, never raised: it must not undo the board's approval, and the
    outbox sweeper tries again.
    """
    if not settings.AUTO_PUBLISH_ON_APPROVAL:
        return
    try:
        publication_request_on_approval(article, acting_user=acting_user)
    except Exception as exc:
        logger.warning("Automatic publication of %s on approval failed: %s", article.slug, exc)


ARCHIVE_WITHDRAWAL_REASON = "Archived by the editors."


def publication_on_archive_hook(article: Article, acting_user) -> None:
    """Take down the page of an article being archived, and cancel anything waiting to go live.

    Registered with review.services.register_archive_hook, so it runs inside
    the archiving transaction (the editor check is the archive's own). An
    exception here rolls the archiving back: an archived article is never
    left live.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    _withdraw_all(
        article, acting_user=acting_user, reason=ARCHIVE_WITHDRAWAL_REASON, mode=Publication.WithdrawalMode.REMOVE
    )


def _request_unpublished_approvals() -> None:
    from ..selectors import article_list_awaiting_publication

    for article in article_list_awaiting_publication():
        decision = (
            ReviewDecision.objects.filter(
                round__article=article,
                round__revision=article.last_approved_revision,
                decision=ReviewDecision.Decision.APPROVE,
            )
            .select_related("reviewer__user")
            .order_by("-decided_at")
            .first()
        )
        if decision is None:
            continue
        try:
            publication_request_on_approval(article, acting_user=decision.reviewer.user)
        except Exception as exc:
            logger.warning("Could not auto-publish %s: %s", article.slug, exc)


def publication_withdraw_for_evidence(article: Article, *, acting_user, reason: str, mode: str) -> list[Publication]:
    """Withdraw (mode "remove") or mark (mode "notice") the article's page from an evidence alert.

    Registered with evidence.services.register_page_withdrawer; publishing
    errors come back as the evidence app's InvalidAlertAction so the alert
    report can show them.
    """
    from evidence.exceptions import InvalidAlertAction

    try:
        return publication_withdraw(article, acting_user=acting_user, reason=reason, mode=mode)
    except PublishingError as exc:
        raise InvalidAlertAction(str(exc)) from exc
