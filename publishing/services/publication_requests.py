"""Editors' publishing actions: request, schedule, publish provisionally, withdraw, retry; and the review hooks.

Each checks the actor first, locks the article, pins the revision the board
approved (and re-checks its content hash), then creates or moves the
publication through `publication_transition`. The render job is sent only
after commit (the Publication row is the outbox).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from articles.content import content_from_revision
from articles.models import Article
from articles.translations import withdraw_on_significant_change
from cms import languages
from evidence.exceptions import InvalidAlertAction
from review.models import ReviewRound
from textkit.content import glossary_from_json

from ..catalogue import catalogue_refresh
from ..exceptions import (
    ContentHashMismatch,
    InvalidPublicationState,
    ProvisionalPublishingDisabled,
    PublishingError,
    ScheduleError,
)
from ..models import Publication, PublicationGlossaryTerm
from ..workflow import OPEN_STATES, WITHDRAWABLE_STATES, ensure_actor
from .transitions import after_change_on_commit, publication_transition, send_on_commit

logger = logging.getLogger(__name__)

State = Publication.State
Kind = Publication.Kind
ARCHIVE_WITHDRAWAL_REASON = "Archived by the editors."
TRANSLATION_WITHDRAWAL_REASON = gettext_noop(
    "The source of this translation changed a dose or another number; the translation is being updated."
)


# --- pins and checks -------------------------------------------------------


def verified_hash(article: Article, revision, expected: str, what: str, glossary=()) -> str:
    """Recompute the hash of the pinned revision with its glossary snapshot; refuse if it differs from `expected`."""
    actual = content_from_revision(revision, article_id=article.pk).with_glossary(glossary).content_hash()
    if actual != expected:
        raise ContentHashMismatch(
            gettext(
                "The %(what)s of “%(title)s” (revision %(pk)s) no longer matches what the board "
                "reviewed: its content hash is %(value)s…, the review recorded %(value2)s…. "
                "Nothing was published. Send the article through review again."
            )
            % {"what": what, "title": article.title, "pk": revision.pk, "value": actual[:12], "value2": expected[:12]}
        )
    return actual


def approved_pin(article: Article) -> tuple:
    """Return (revision, hash, glossary snapshot) of the article's last approved content, checked against its round.

    The round is the newest approved one of that revision: its review, or a
    later glossary refresh a board member signed.
    """
    revision = article.last_approved_revision
    if revision is None:
        raise InvalidPublicationState(
            gettext(
                "“%(title)s” has no approved revision yet (%(status)s). Only text the Medical "
                "Advisory Board approved can be published; submit it for review first."
            )
            % {"title": article.title, "status": article.get_status_display().lower()}
        )
    review_round = (
        ReviewRound.objects.filter(article=article, revision=revision, status=ReviewRound.Status.APPROVED)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if review_round is None:
        raise InvalidPublicationState(
            gettext(
                "“%(title)s” records revision %(pk)s as approved, but no approved review round "
                "is pinned to it. Send the article through review again."
            )
            % {"title": article.title, "pk": revision.pk}
        )
    if article.last_approved_hash and article.last_approved_hash != review_round.content_hash:
        raise ContentHashMismatch(
            gettext(
                "“%(title)s”: the approved hash on the article differs from its review round's "
                "hash. Nothing was published. Send the article through review again."
            )
            % {"title": article.title}
        )
    content_hash = verified_hash(
        article, revision, review_round.content_hash, "approved revision", glossary=review_round.glossary
    )
    return revision, content_hash, review_round.glossary


def live_elsewhere(article: Article, slug: str) -> Publication | None:
    """Return another article's live publication at this address, if there is one."""
    return (
        Publication.objects.filter(slug=slug, state=State.LIVE)
        .exclude(article_id=article.pk)
        .select_related("article")
        .first()
    )


def slug_taken_message(article: Article, slug: str, other: Publication) -> str:
    """Return the explanation shown when another article is already live at this slug."""
    return gettext(
        "“%(title)s” cannot go live: another article is already live at /articles/%(slug)s/ for "
        "“%(other)s”; change this article's slug or withdraw the other first."
    ) % {"title": article.title, "slug": slug, "other": other.article.title}


def _ensure_slug_free(article: Article, slug: str) -> None:
    """Refuse to publish at an address where another article is live (readers find pages by slug)."""
    other = live_elsewhere(article, slug)
    if other is not None:
        raise InvalidPublicationState(slug_taken_message(article, slug, other))


def _ensure_not_archived(article: Article) -> None:
    if article.status == Article.Status.ARCHIVED:
        raise InvalidPublicationState(
            gettext("“%(title)s” is archived; archived articles stay off the site and cannot be published.")
            % {"title": article.title}
        )


def _create(
    article: Article,
    *,
    action: str,
    acting_user,
    revision,
    content_hash: str,
    kind: str,
    change_summary: str,
    glossary=(),
    go_live_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> Publication:
    _ensure_not_archived(article)
    # The same revision may be published again with a newer glossary snapshot (a new hash).
    same = {"article": article, "revision": revision, "content_hash": content_hash, "kind": kind}
    waiting = Publication.objects.filter(**same, state__in=OPEN_STATES).first()
    if waiting is not None:
        raise InvalidPublicationState(
            gettext(
                "This revision of “%(title)s” is already %(status)s (requested %(requested_at)s "
                "UTC). Wait for it, or withdraw it first."
            )
            % {
                "title": article.title,
                "status": waiting.get_state_display().lower(),
                "requested_at": format(waiting.requested_at, "%Y-%m-%d %H:%M"),
            }
        )
    if Publication.objects.filter(**same, state=State.LIVE).exists():
        raise InvalidPublicationState(
            gettext("This revision of “%(title)s” is already live. There is nothing to do.") % {"title": article.title}
        )
    content = content_from_revision(revision, article_id=article.pk)
    _ensure_slug_free(article, content.slug)
    publication = Publication(
        article=article,
        revision=revision,
        content_hash=content_hash,
        glossary=list(glossary or ()),
        slug=content.slug,
        kind=kind,
        go_live_at=go_live_at,
        expires_at=expires_at,
        change_summary=change_summary.strip(),
        requested_by=acting_user,
    )
    publication_transition(
        publication, action, acting_user=acting_user, article=article, comment=change_summary.strip()
    )
    for item in glossary_from_json(publication.glossary):
        PublicationGlossaryTerm.objects.create(publication=publication, term_id=item.term_id, version=item.version)
    if not go_live_at:
        send_on_commit(publication)
    return publication


# --- editor actions --------------------------------------------------------


@transaction.atomic
def publication_request(article: Article, *, acting_user: AbstractBaseUser, change_summary: str = "") -> Publication:
    """Request that the article's last approved revision go live as soon as possible."""
    ensure_actor("request", acting_user)
    article = Article.objects.select_for_update().get(pk=article.pk)
    revision, content_hash, glossary = approved_pin(article)
    return _create(
        article,
        action="request",
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        glossary=glossary,
        kind=Kind.APPROVED,
        change_summary=change_summary,
    )


def _validate_schedule(go_live_at: dt.datetime, expires_at: dt.datetime | None, now: dt.datetime) -> None:
    if go_live_at is None:
        raise ScheduleError(gettext("Give a go-live time."))
    if timezone.is_naive(go_live_at) or (expires_at is not None and timezone.is_naive(expires_at)):
        raise ScheduleError(gettext("Times must include a time zone."))
    if go_live_at <= now:
        raise ScheduleError(
            gettext(
                "The go-live time %(go_live_at)s UTC is not in the future. Choose a later time, or publish now instead."
            )
            % {"go_live_at": format(go_live_at, "%Y-%m-%d %H:%M")}
        )
    if expires_at is not None and expires_at <= go_live_at:
        raise ScheduleError(
            gettext("The expiry time must be after the go-live time. Choose a later expiry, or leave it empty.")
        )


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
    ensure_actor("schedule", acting_user)
    _validate_schedule(go_live_at, expires_at, timezone.now())
    article = Article.objects.select_for_update().get(pk=article.pk)
    revision, content_hash, glossary = approved_pin(article)
    return _create(
        article,
        action="schedule",
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        glossary=glossary,
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
            gettext(
                "Provisional publishing is switched off on this site: only approved text can be "
                "published. An administrator can turn it on with PROVISIONAL_PUBLISHING=1."
            )
        )
    ensure_actor("request", acting_user)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status not in (Article.Status.SUBMITTED, Article.Status.IN_REVIEW):
        raise InvalidPublicationState(
            gettext("“%(title)s” is %(status)s; only a submitted or in-review revision can be published provisionally.")
            % {"title": article.title, "status": article.get_status_display().lower()}
        )
    review_round = ReviewRound.objects.filter(article=article, status=ReviewRound.Status.OPEN).first()
    if review_round is None:
        raise InvalidPublicationState(
            gettext("“%(title)s” has no open review round to publish provisionally.") % {"title": article.title}
        )
    content_hash = verified_hash(
        article, review_round.revision, review_round.content_hash, "submitted revision", glossary=review_round.glossary
    )
    return _create(
        article,
        action="request",
        acting_user=acting_user,
        revision=review_round.revision,
        content_hash=content_hash,
        glossary=review_round.glossary,
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
    revision, content_hash, glossary = approved_pin(article)
    if Publication.objects.filter(
        article=article, revision=revision, content_hash=content_hash, kind=Kind.APPROVED
    ).exists():
        return None
    return _create(
        article,
        action="request_on_approval",
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        glossary=glossary,
        kind=Kind.APPROVED,
        change_summary="",
    )


def _in_article_language(article: Article, message: str) -> str:
    """Return a system-written line of the page's history in the article's language (it is stored as written)."""
    with languages.reading(article.language):
        return gettext(message)


def publication_on_glossary_refresh_hook(article: Article, review_round: ReviewRound, acting_user) -> None:
    """Publish the approved revision again with the glossary a board member just refreshed.

    Registered in cms.hooks.ON_GLOSSARY_REFRESH, so it runs
    inside the refresh's transaction with the board member as the approver: a
    refusal rolls the refresh back (nothing half-done). Only when the
    article's approved revision is live or about to go live (pending): a
    newer approved revision not yet published carries the new glossary when
    an editor publishes it, and a publication only scheduled keeps its time
    and the snapshot it was scheduled with (still board-approved; the desk's
    glossary list shows it once live, and an editor may schedule it again).
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not Publication.objects.filter(
        article=article,
        revision_id=review_round.revision_id,
        kind=Kind.APPROVED,
        state__in=[State.LIVE, State.PENDING],
    ).exists():
        return
    revision, content_hash, glossary = approved_pin(article)
    _create(
        article,
        action="request_on_approval",
        acting_user=acting_user,
        revision=revision,
        content_hash=content_hash,
        glossary=glossary,
        kind=Kind.APPROVED,
        change_summary=_in_article_language(article, gettext_noop("Glossary definitions refreshed by the board.")),
    )


@transaction.atomic
def publication_withdraw(
    article: Article, *, acting_user: AbstractBaseUser, reason: str, mode: str = Publication.WithdrawalMode.REMOVE
) -> list[Publication]:
    """Take the article's live page down now and cancel anything waiting to go live.

    ``mode`` "remove" makes the page 404; "notice" replaces it with a notice
    showing ``reason``. Return the publications withdrawn.
    """
    ensure_actor("withdraw", acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidPublicationState(gettext("Give a reason for the withdrawal; it is kept in the history."))
    if mode not in Publication.WithdrawalMode.values:
        raise InvalidPublicationState(
            gettext("Unknown withdrawal mode “%(mode)s”: choose remove or notice.") % {"mode": mode}
        )
    article = Article.objects.select_for_update().get(pk=article.pk)
    targets = _withdraw_all(article, action="withdraw", acting_user=acting_user, reason=reason, mode=mode)
    if not targets:
        raise InvalidPublicationState(
            gettext("“%(title)s” has nothing live or waiting to go live; nothing to withdraw.")
            % {"title": article.title}
        )
    return targets


def _withdraw_all(article: Article, *, action: str, acting_user, reason: str, mode: str) -> list[Publication]:
    """Withdraw every live or waiting publication of the (locked) article; return them, maybe none."""
    targets = list(
        Publication.objects.select_for_update().filter(article=article, state__in=WITHDRAWABLE_STATES).order_by("pk")
    )
    if not targets:
        return []
    now = timezone.now()
    slugs = {article.slug}
    for publication in targets:
        publication_transition(
            publication,
            action,
            acting_user=acting_user,
            article=article,
            comment=reason,
            withdrawn_at=now,
            withdrawal_reason=reason,
            withdrawal_mode=mode,
        )
        slugs.add(publication.slug or article.slug)
    catalogue_refresh(article.pk)
    after_change_on_commit(slugs)
    return targets


@transaction.atomic
def publication_retry(publication: Publication, *, acting_user: AbstractBaseUser) -> Publication:
    """Send a failed publication to the publisher again, with a fresh count of attempts."""
    ensure_actor("retry", acting_user)
    publication = Publication.objects.select_for_update().select_related("article").get(pk=publication.pk)
    if publication.state != State.FAILED:
        raise InvalidPublicationState(
            gettext("This publication is %(status)s, not failed; only failed ones can be retried.")
            % {"status": publication.get_state_display().lower()}
        )
    _ensure_not_archived(publication.article)
    scheduled = publication.go_live_at is not None and publication.go_live_at > timezone.now()
    publication_transition(
        publication,
        "retry_scheduled" if scheduled else "retry",
        acting_user=acting_user,
        attempts=0,
        enqueued_at=None,
    )
    if not scheduled:
        send_on_commit(publication)
    return publication


# --- hooks other apps call --------------------------------------------------


def publication_on_approval_hook(article: Article, review_round: ReviewRound, acting_user) -> None:
    """Request publication inside the approving transaction when AUTO_PUBLISH_ON_APPROVAL is on.

    Registered in cms.hooks.ON_APPROVAL. A refusal here is
    logged, never raised: it must not undo the board's approval, and the
    outbox sweeper tries again.
    """
    _translations_follow_source(article, acting_user)
    if not settings.AUTO_PUBLISH_ON_APPROVAL:
        return
    try:
        publication_request_on_approval(article, acting_user=acting_user)
    except Exception as exc:
        logger.warning("Automatic publication of %s on approval failed: %s", article.slug, exc)


def _translations_follow_source(source: Article, acting_user) -> None:
    """Re-render the live translations of a source the board just approved again (their "newer version" notice).

    A translation marked out of date by a change to a dose or another number
    is withdrawn instead when ``TRANSLATION_ON_SIGNIFICANT_CHANGE = "withdraw"``
    (default "flag": the notice only, and the editor decides).
    """
    stale = source.translations.filter(source_changed_at__isnull=False)
    refresh = set()
    for translation in stale:
        if translation.source_change_significant and withdraw_on_significant_change():
            # The editors chose this in settings; the approving board member need not be an editor.
            _withdraw_all(
                Article.objects.select_for_update().get(pk=translation.pk),
                action="withdraw_on_source_change",
                acting_user=acting_user,
                reason=gettext(TRANSLATION_WITHDRAWAL_REASON),
                mode=Publication.WithdrawalMode.NOTICE,
            )
            continue
        refresh.add(translation.slug)
    if refresh:
        after_change_on_commit(refresh)


def publication_on_archive_hook(article: Article, acting_user) -> None:
    """Take down the page of an article being archived, and cancel anything waiting to go live.

    Registered in cms.hooks.ON_ARCHIVE, so it runs inside
    the archiving transaction (the editor check is the archive's own). An
    exception here rolls the archiving back: an archived article is never
    left live.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    _withdraw_all(
        article,
        action="withdraw_on_archive",
        acting_user=acting_user,
        reason=ARCHIVE_WITHDRAWAL_REASON,
        mode=Publication.WithdrawalMode.REMOVE,
    )


def publication_withdraw_for_evidence(article: Article, *, acting_user, reason: str, mode: str) -> list[Publication]:
    """Withdraw (mode "remove") or mark (mode "notice") the article's page from an evidence alert.

    Registered in cms.hooks.PAGE_WITHDRAWERS; publishing
    errors come back as the evidence app's InvalidAlertAction so the alert
    report can show them.
    """
    try:
        return publication_withdraw(article, acting_user=acting_user, reason=reason, mode=mode)
    except PublishingError as exc:
        raise InvalidAlertAction(str(exc)) from exc
