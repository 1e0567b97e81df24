"""Review services: one function per workflow transition, plus reviewer comments.

Every service takes the article first and the acting user as `acting_user`,
runs in one transaction, locks the article row (and the open round), checks
the edge against the article table (articles/workflow.py) and the actor against the rules,
then moves the article through `articles.workflow.article_transition` (which
saves the status with `update_fields` and appends the audit event) and sends
notifications once the transaction commits. Rounds close through
`review.workflow.round_close`; events that change no status (comments, a
below-quorum approval, a review policy) are written with
`audit.services.event_record`. Transitions return the
article, freshly loaded; the instance passed in is updated in place too.

Status is workflow state, not content: it is saved outside any reversion
revision, so a status change never creates a version.

Approval → publish: when a round reaches its quorum, `review_approve` runs
`cms.hooks.ON_APPROVAL` inside the approving transaction; publishing
registers the one function there (AUTO_PUBLISH_ON_APPROVAL), and an exception
from it rolls the approval back. Archiving runs `cms.hooks.ON_ARCHIVE` the
same way (the page comes down). cms/hooks.py lists every hook, who registers
what and why it cannot be a direct call.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from articles.content import content_from_article, content_from_revision
from articles.models import Article, Audience, GlossaryDefinition
from articles.selectors import article_latest_revision, audience_names, glossary_snapshot
from articles.services import glossary_definition_accept, glossary_definition_refuse
from articles.translations import translation_checks, translations_mark_out_of_date
from articles.workflow import article_transition
from audit.services import event_record
from cms import hooks, roles
from cms.languages import language_in_text
from cms.tasks import enqueue_on_commit
from cms.workflow import ensure_transition
from textkit.checks import check_content, has_errors
from textkit.content import ArticleContent, glossary_to_json
from textkit.diff import content_diff
from textkit.text import MAX_LENGTHS

from . import selectors, tasks, workflow
from .exceptions import (
    AlreadyDecided,
    CommentRequired,
    CommentTooLong,
    ContentCheckFailed,
    InvalidReviewPolicy,
    InvalidTransition,
    Recused,
    ResubmitNeedsConfirmation,
    ReviewError,
    ReviewPermissionError,
    RevisionMismatch,
)
from .models import BoardMember, GlossaryApproval, Invitation, ReviewComment, ReviewDecision, ReviewRound


@dataclass(frozen=True)
class CommentInput:
    """A reviewer's note on one section (by heading) or one audience version."""

    text: str
    section: str = ""
    audience_id: int | None = None


# --- helpers ----------------------------------------------------------------


def _lock(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _sync_back(original: Article, fresh: Article) -> Article:
    """Copy workflow fields onto the caller's instance so it does not go stale."""
    if original is not fresh:
        for name in (
            "status",
            "last_approved_revision_id",
            "last_approved_hash",
            "last_reviewed",
            "next_review_due",
        ):
            setattr(original, name, getattr(fresh, name))
    return fresh


def _open_round(article: Article, *, lock: bool = True) -> ReviewRound | None:
    qs = ReviewRound.objects.filter(article=article, status=ReviewRound.Status.OPEN)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _require_open_round(article: Article) -> ReviewRound:
    round_ = _open_round(article)
    if round_ is None:
        raise InvalidTransition(
            gettext("“%(title)s” has no open review round. Reload the page to see its state.")
            % {"title": article.title}
        )
    return round_


def _ensure_author(article: Article, acting_user, doing: str) -> None:
    if not roles.is_article_author(article, acting_user):
        raise ReviewPermissionError(
            gettext("Only an author of “%(title)s” can %(doing)s.") % {"title": article.title, "doing": doing}
        )


def _ensure_editor(acting_user, doing: str) -> None:
    if not roles.is_editor(acting_user):
        raise ReviewPermissionError(gettext("Only an editor can %(doing)s.") % {"doing": doing})


def _member_of(user) -> BoardMember | None:
    if user is None or not user.is_authenticated:
        return None
    return BoardMember.objects.filter(user=user).first()


def _ensure_may_review(member: BoardMember | None, article: Article, user) -> BoardMember:
    """Raise unless this board member (or invited outside reviewer) may review this article today."""
    if member is not None and member.external:
        if not _invitation_live_for(member, article):
            raise ReviewPermissionError(
                gettext("This invitation is no longer valid for “%(title)s”. Ask the editor for a new one.")
                % {"title": article.title}
            )
    elif member is None or not roles.is_board_member(member.user):
        raise ReviewPermissionError(
            gettext("%(name)s is not a member of the Medical Advisory Board, so it cannot review articles.")
            % {"name": getattr(user, "username", "This account")}
        )
    terms = workflow.recusal_terms(member, article)
    reason = workflow.ineligibility_reason(member, article, user=member.user)
    if reason:
        if terms and reason == workflow.recusal_reason(terms):
            raise Recused(reason, terms=terms)
        raise ReviewPermissionError(reason)
    return member


def _invitation_live_for(member: BoardMember, article: Article) -> bool:
    """Return True if the external member's invitation is for this article, unrevoked, unlocked and unexpired."""
    return Invitation.objects.filter(
        member=member,
        article=article,
        revoked_at__isnull=True,
        locked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists()


def _ensure_round_is_current(article: Article, round_: ReviewRound, content_hash: str | None) -> None:
    """Refuse a decision unless it is about the revision the round pinned."""
    if content_hash is not None and content_hash != round_.content_hash:
        raise RevisionMismatch(
            gettext(
                "The version of “%(title)s” you read is not the one under review. Reload the "
                "review page, read the current version and decide again."
            )
            % {"title": article.title}
        )
    latest = article_latest_revision(article)
    live_hash = content_from_article(article).with_glossary(round_.glossary).content_hash()
    if latest is None or latest.pk != round_.revision_id or live_hash != round_.content_hash:
        raise RevisionMismatch(
            gettext(
                "“%(title)s” changed after it was submitted, so decisions on this round no "
                "longer count. The author must withdraw and resubmit it."
            )
            % {"title": article.title}
        )


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _changes_a_number(article: Article, old_revision, new_revision) -> bool:
    """Return whether the newly approved text changes a dose or another number (textkit.diff)."""
    if old_revision is None:
        return False
    diff = content_diff(
        content_from_revision(old_revision, article_id=article.pk),
        content_from_revision(new_revision, article_id=article.pk),
        audience_names=audience_names(),
    )
    return bool(diff.dose_changes)


def _describe_errors(results) -> str:
    lines = []
    for result in results:
        where = getattr(result, "where", "") or getattr(result, "location", "")
        message = getattr(result, "message", str(result))
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


# --- submit, withdraw, archive ------------------------------------------------


@transaction.atomic
def article_submit(article: Article, *, acting_user, comment: str = "", confirmed: bool = False) -> Article:
    """Submit the article's latest revision to the board, opening a review round pinned to it.

    Raises ReviewPermissionError unless `acting_user` is an author,
    InvalidTransition unless the article is a draft or has changes requested,
    and ContentCheckFailed (with `.results`) if the content checks find errors.
    Resubmitting text unchanged since the board asked for changes, or with
    reviewer comments unresolved, raises ResubmitNeedsConfirmation (with
    `.reasons`) unless `confirmed`; confirming needs a `comment`, the
    author's reply to the reviewers, recorded on the submission.
    """
    original, article = article, _lock(article)
    _ensure_author(article, acting_user, "submit it for review")
    ensure_transition(workflow.REVIEW_EDGES, article, "submit", acting_user=acting_user)
    revision = article_latest_revision(article)
    if revision is None:
        raise InvalidTransition(
            gettext("“%(title)s” has no saved version to submit. Save it first.") % {"title": article.title}
        )
    content = content_from_revision(revision, article_id=article.pk)
    if content.content_hash() != content_from_article(article).content_hash():
        raise RevisionMismatch(
            gettext("The text of “%(title)s” differs from its last saved version. Save the article again, then submit.")
            % {"title": article.title}
        )
    # The board approves the glossary definitions the page will show with the text: pin them now.
    content = content.with_glossary(glossary_snapshot(content))
    concerns = selectors.resubmit_concerns(article, content_hash=content.content_hash())
    if concerns and not confirmed:
        raise ResubmitNeedsConfirmation(
            gettext(
                "Before “%(title)s” goes back to the board: %(list)s Confirm and tell the "
                "reviewers why, or go back and change it."
            )
            % {"title": article.title, "list": " ".join(concerns)},
            reasons=concerns,
        )
    if concerns and not comment.strip():
        raise CommentRequired(
            gettext("Write a reply for the reviewers: say why the text is unchanged or the comments are left open.")
        )
    results = check_content(content, audience_names=audience_names()) + translation_checks(article, content)
    for check in hooks.SUBMISSION_CHECKS:
        results = [*results, *check(article, content)]
    if has_errors(results):
        errors = [r for r in results if getattr(r, "level", "error") == "error"] or list(results)
        raise ContentCheckFailed(
            gettext("“%(title)s” cannot be submitted until these problems are fixed: %(describe_errors)s")
            % {"title": article.title, "describe_errors": _describe_errors(errors)},
            results=results,
        )
    try:
        with transaction.atomic():
            round_ = ReviewRound.objects.create(
                article=article,
                revision=revision,
                content_hash=content.content_hash(),
                glossary=glossary_to_json(content.glossary),
                submitted_by=acting_user,
                submitted_at=timezone.now(),
                required_approvals=article.required_approvals or settings.REVIEW_REQUIRED_APPROVALS,
            )
    except IntegrityError as exc:
        raise InvalidTransition(gettext("“%(title)s” is already with the board.") % {"title": article.title}) from exc
    article_transition(article, "submit", acting_user=acting_user, round_=round_, comment=comment)
    enqueue_on_commit(tasks.notify_submitted, round_.pk, run_inline_if_broker_down=True)
    return _sync_back(original, article)


@transaction.atomic
def article_withdraw(article: Article, *, acting_user, comment: str = "") -> Article:
    """Pull the article back from the board to a draft, closing its open round as withdrawn."""
    original, article = article, _lock(article)
    _ensure_author(article, acting_user, "withdraw it from review")
    ensure_transition(workflow.REVIEW_EDGES, article, "withdraw", acting_user=acting_user)
    round_ = _open_round(article)
    if round_ is not None:
        workflow.round_close(round_, "withdraw")
    article_transition(article, "withdraw", acting_user=acting_user, round_=round_, comment=comment)
    return _sync_back(original, article)


@transaction.atomic
def article_archive(article: Article, *, acting_user, comment: str = "") -> Article:
    """Archive the article (editors only); it becomes read-only and archive hooks run (its page comes down)."""
    original, article = article, _lock(article)
    _ensure_editor(acting_user, "archive an article")
    ensure_transition(workflow.REVIEW_EDGES, article, "archive", acting_user=acting_user)
    article_transition(article, "archive", acting_user=acting_user, comment=comment)
    for hook in hooks.ON_ARCHIVE:  # publishing takes the page down (cms/hooks.py)
        hook(article, acting_user)
    return _sync_back(original, article)


@transaction.atomic
def article_review_policy_set(
    article: Article, *, acting_user, required_approvals: int | None, review_interval_months: int | None
) -> Article:
    """Set how many board approvals the article needs and how often it is re-reviewed (editors only).

    None means the site default. An open round that nobody has decided on yet
    takes the new quorum at once; a round with decisions keeps the quorum its
    reviewers started under, and the change applies from the next round.
    """
    original, article = article, _lock(article)
    _ensure_editor(acting_user, "change how an article is reviewed")
    limits = (("required_approvals", required_approvals, 9), ("review_interval_months", review_interval_months, 60))
    for name, value, upper in limits:
        if value is not None and not 1 <= value <= upper:
            label = name.replace("_", " ").capitalize()
            raise InvalidReviewPolicy(
                gettext("%(label)s must be between 1 and %(upper)s, or empty for the site default.")
                % {"label": label, "upper": upper}
            )
    article.required_approvals = required_approvals
    article.review_interval_months = review_interval_months
    article.save(update_fields=["required_approvals", "review_interval_months"])
    quorum = required_approvals or settings.REVIEW_REQUIRED_APPROVALS
    round_ = _open_round(article)
    note = ""
    if round_ is not None and round_.required_approvals != quorum:
        if round_.decisions.exclude(decision="").exists():
            note = " The open round keeps its quorum because reviewers have already decided."
        else:
            round_.required_approvals = quorum
            round_.save(update_fields=["required_approvals"])
            note = " The open round now needs this quorum."
    months = review_interval_months or settings.REVIEW_INTERVAL_MONTHS
    event_record(
        article,
        acting_user=acting_user,
        action="review_policy",
        round_=round_,
        comment=f"Needs {quorum} approval{'s' if quorum != 1 else ''}; re-review every {months} months.{note}",
    )
    return _sync_back(original, article)


# --- claim and assign ----------------------------------------------------------


def review_due_days(article: Article) -> int:
    """Return how many days a reviewer of the article has: the condition's override, else REVIEW_DUE_DAYS."""
    overrides = getattr(settings, "REVIEW_DUE_DAYS_BY_CONDITION", {}) or {}
    return overrides.get((article.condition or "").strip().lower(), settings.REVIEW_DUE_DAYS)


def review_due_on(article: Article, assigned_at: dt.datetime) -> dt.date:
    """Return the due date of a seat assigned at `assigned_at` (the local day plus the article's due days)."""
    return timezone.localdate(assigned_at) + dt.timedelta(days=review_due_days(article))


@transaction.atomic
def review_claim(article: Article, *, acting_user) -> Article:
    """Make the acting board member a reviewer of the article's open round (→ in review)."""
    original, article = article, _lock(article)
    ensure_transition(workflow.REVIEW_EDGES, article, "claim", acting_user=acting_user)
    member = _ensure_may_review(_member_of(acting_user), article, acting_user)
    round_ = _require_open_round(article)
    if round_.decisions.filter(reviewer=member).exists():
        raise ReviewPermissionError(gettext("You are already reviewing “%(title)s”.") % {"title": article.title})
    now = timezone.now()
    ReviewDecision.objects.create(
        round=round_, reviewer=member, assigned_by=acting_user, assigned_at=now, due_on=review_due_on(article, now)
    )
    article_transition(
        article, "claim", acting_user=acting_user, round_=round_, comment=f"{member.display_name} claimed the review."
    )
    return _sync_back(original, article)


@transaction.atomic
def review_assign(article: Article, *, acting_user, reviewers: Iterable[BoardMember], comment: str = "") -> Article:
    """Assign board members to the article's open round (editors only; → in review).

    All or nothing: if any of them may not review it (inactive, lapsed
    credential, an author, or recused) nobody is assigned.
    """
    original, article = article, _lock(article)
    _ensure_editor(acting_user, "assign reviewers")
    ensure_transition(workflow.REVIEW_EDGES, article, "assign", acting_user=acting_user)
    reviewers = list(reviewers)
    if not reviewers:
        raise ReviewError(gettext("Choose at least one board member to assign."))
    round_ = _require_open_round(article)
    seated = set(round_.decisions.values_list("reviewer_id", flat=True))
    new = []
    for member in reviewers:
        member = BoardMember.objects.get(pk=member.pk)
        _ensure_may_review(member, article, member.user)
        if member.pk not in seated and member not in new:
            new.append(member)
    if not new:
        raise ReviewError(gettext("Everyone you chose is already reviewing this article."))
    now = timezone.now()
    due_on = review_due_on(article, now)
    seats = [
        ReviewDecision.objects.create(round=round_, reviewer=m, assigned_by=acting_user, assigned_at=now, due_on=due_on)
        for m in new
    ]
    names = ", ".join(m.display_name for m in new)
    article_transition(
        article,
        "assign",
        acting_user=acting_user,
        round_=round_,
        comment=(comment + " " if comment else "") + f"Assigned {names}.",
    )
    enqueue_on_commit(tasks.notify_assigned, *[s.pk for s in seats], run_inline_if_broker_down=True)
    return _sync_back(original, article)


# --- decisions -------------------------------------------------------------------


def _ensure_comment_size(text: str) -> None:
    limit = MAX_LENGTHS["comment"]
    if len(text or "") > limit:
        raise CommentTooLong(
            gettext(
                "The comment is %(count)s characters long; the most a comment takes is %(limit)s. "
                "Shorten it, or leave several comments on the sections concerned."
            )
            % {"count": format(len(text), ","), "limit": format(limit, ",")}
        )


def _take_seat(
    article: Article, acting_user, action: str, comment: str, content_hash: str | None, *, voting_only: bool = False
):
    _ensure_comment_size(comment)
    ensure_transition(workflow.REVIEW_EDGES, article, action, acting_user=acting_user)
    round_ = _require_open_round(article)
    member = _member_of(acting_user)
    seat = None
    if member is not None:
        seat = ReviewDecision.objects.select_for_update().filter(round=round_, reviewer=member).first()
    if roles.is_article_author(article, acting_user):
        raise ReviewPermissionError(
            gettext("You are an author of “%(title)s”, so you cannot review it.") % {"title": article.title}
        )
    if seat is None:
        raise ReviewPermissionError(
            gettext("You are not a reviewer of “%(title)s”. Claim it from the review queue before deciding.")
            % {"title": article.title}
        )
    _ensure_may_review(member, article, acting_user)
    if voting_only and not seat.voting:
        raise ReviewPermissionError(
            gettext("Your seat on “%(title)s” is advisory: you can approve or request changes, not reject.")
            % {"title": article.title}
        )
    if seat.decision:
        raise AlreadyDecided(
            gettext(
                "You already decided on this round of “%(title)s” (%(status)s). Each reviewer decides once per round."
            )
            % {"title": article.title, "status": seat.get_decision_display().lower()}
        )
    _ensure_round_is_current(article, round_, content_hash)
    if action != "approve" and not comment.strip():
        raise CommentRequired(gettext("Say what needs to change: a comment for the author is required."))
    decision = {
        "approve": ReviewDecision.Decision.APPROVE,
        "request_changes": ReviewDecision.Decision.REQUEST_CHANGES,
        "reject": ReviewDecision.Decision.REJECT,
    }[action]
    seat.decision = decision
    seat.comment = comment
    seat.decided_at = timezone.now()
    seat.revision_id = round_.revision_id
    seat.save(update_fields=["decision", "comment", "decided_at", "revision"])
    enqueue_on_commit(tasks.notify_decision, seat.pk, run_inline_if_broker_down=True)
    return round_, seat


@transaction.atomic
def review_approve(article: Article, *, acting_user, comment: str = "", content_hash: str | None = None) -> Article:
    """Record the acting reviewer's approval; approve the article once the round's quorum is reached.

    Approvals count once per distinct reviewer and only for the revision the
    round pinned. `content_hash`, when given, is the hash of the version the
    reviewer read; a mismatch raises RevisionMismatch.
    """
    original, article = article, _lock(article)
    round_, seat = _take_seat(article, acting_user, "approve", comment, content_hash)
    for guard in hooks.APPROVAL_GUARDS:
        guard(article, round_, acting_user)  # raises ApprovalBlocked; the transaction undoes the seat
    approvals = (
        round_.decisions.filter(decision=ReviewDecision.Decision.APPROVE, revision_id=round_.revision_id, voting=True)
        .values("reviewer")
        .distinct()
        .count()
    )
    if not seat.voting:
        # An invited reviewer without a voting seat: their approval is recorded, it does not count.
        event_record(
            article,
            acting_user=acting_user,
            action="approve",
            round_=round_,
            comment=comment or f"Approved (advisory, not counted: {approvals} of {round_.required_approvals}).",
        )
        return _sync_back(original, article)
    if approvals < round_.required_approvals:
        # Below the quorum: the approval is recorded, the status stays (no transition).
        event_record(
            article,
            acting_user=acting_user,
            action="approve",
            round_=round_,
            comment=comment or f"Approval {approvals} of {round_.required_approvals}.",
        )
        return _sync_back(original, article)

    workflow.round_close(round_, "approve")
    today = timezone.localdate()
    previous_approved = article.last_approved_revision
    article.last_approved_revision_id = round_.revision_id
    article.last_approved_hash = round_.content_hash
    article.last_reviewed = today
    article.next_review_due = _add_months(today, article.review_interval_months or settings.REVIEW_INTERVAL_MONTHS)
    article_transition(
        article,
        "approve",
        acting_user=acting_user,
        round_=round_,
        comment=comment or f"Approved ({approvals} of {round_.required_approvals}).",
        update_fields=("last_approved_revision", "last_approved_hash", "last_reviewed", "next_review_due"),
    )
    enqueue_on_commit(tasks.notify_approved, round_.pk, run_inline_if_broker_down=True)
    if article.translations.exists():
        translations_mark_out_of_date(
            article, acting_user=acting_user, significant=_changes_a_number(article, previous_approved, round_.revision)
        )
    # Approve → publish: publishing's publication_on_approval_hook requests the publication when
    # AUTO_PUBLISH_ON_APPROVAL is on (cms/hooks.py: review cannot import publishing).
    for hook in hooks.ON_APPROVAL:
        hook(article, round_, acting_user)
    return _sync_back(original, article)


@transaction.atomic
def review_request_changes(
    article: Article,
    *,
    acting_user,
    comment: str,
    section_comments: Iterable[CommentInput] = (),
    content_hash: str | None = None,
) -> Article:
    """Return the article to its authors with a required comment (and optional section comments); closes the round."""
    original, article = article, _lock(article)
    round_, seat = _take_seat(article, acting_user, "request_changes", comment, content_hash)
    for item in section_comments:
        if item.text.strip():
            ReviewComment.objects.create(
                round=round_, author=acting_user, section=item.section, audience_id=item.audience_id, text=item.text
            )
    if not seat.voting:
        # Advice from an invited reviewer without a vote: recorded for the board and authors; the round stays open.
        event_record(
            article, acting_user=acting_user, action="comment", round_=round_, comment=f"Requested changes: {comment}"
        )
        return _sync_back(original, article)
    workflow.round_close(round_, "request_changes")
    article_transition(article, "request_changes", acting_user=acting_user, round_=round_, comment=comment)
    return _sync_back(original, article)


@transaction.atomic
def review_reject(article: Article, *, acting_user, comment: str, content_hash: str | None = None) -> Article:
    """Reject the submission with a required comment; the round closes and the article returns to draft."""
    original, article = article, _lock(article)
    round_, seat = _take_seat(article, acting_user, "reject", comment, content_hash, voting_only=True)
    workflow.round_close(round_, "reject")
    article_transition(article, "reject", acting_user=acting_user, round_=round_, comment=comment)
    return _sync_back(original, article)


# --- comments --------------------------------------------------------------------


@transaction.atomic
def review_comment_add(
    article: Article, *, acting_user, text: str, section: str = "", audience: Audience | None = None
) -> ReviewComment:
    """Add a reviewer's comment on a section or an audience version to the open round."""
    article = _lock(article)
    round_ = _require_open_round(article)
    member = _member_of(acting_user)
    if member is None or not round_.decisions.filter(reviewer=member).exists():
        raise ReviewPermissionError(
            gettext("Only a reviewer of “%(title)s” can comment on it. Claim it from the queue first.")
            % {"title": article.title}
        )
    _ensure_may_review(member, article, acting_user)
    if not text.strip():
        raise CommentRequired(gettext("The comment is empty. Write what the author should change."))
    _ensure_comment_size(text)
    comment = ReviewComment.objects.create(
        round=round_, author=acting_user, section=section, audience=audience, text=text.strip()
    )
    where = section or (audience.name if audience else "the whole article")
    event_record(
        article,
        acting_user=acting_user,
        action="comment",
        round_=round_,
        comment=f"On {where}: {comment.text}",
    )
    return comment


@transaction.atomic
def review_comment_resolve(comment: ReviewComment, *, acting_user) -> ReviewComment:
    """Mark a reviewer's comment resolved (an author of the article only)."""
    comment = ReviewComment.objects.select_for_update().select_related("round").get(pk=comment.pk)
    article = _lock(comment.round.article)
    _ensure_author(article, acting_user, "resolve reviewer comments on it")
    if comment.resolved_at is not None:
        raise ReviewError(gettext("This comment is already resolved."))
    comment.resolved_at = timezone.now()
    comment.resolved_by = acting_user
    comment.save(update_fields=["resolved_at", "resolved_by"])
    where = comment.where.lower() if comment.where == "Whole article" else comment.where
    event_record(
        article,
        acting_user=acting_user,
        action="comment_resolved",
        round_=comment.round,
        comment=f"Resolved the comment on {where}.",
    )
    return comment


def decision_service(decision: str) -> Callable[..., Article]:
    """Return the service for a decision value ("approve", "request_changes", "reject")."""
    return {"approve": review_approve, "request_changes": review_request_changes, "reject": review_reject}[decision]


# --- the glossary ---------------------------------------------------------------


def _ensure_glossary_reviewer(acting_user) -> BoardMember:
    """Return the acting user's board membership, or raise unless they may decide on medical wording today."""
    member = _member_of(acting_user)
    if member is None or not roles.is_board_member(acting_user):
        raise ReviewPermissionError(
            gettext(
                "Only a member of the Medical Advisory Board can approve glossary definitions; editors propose them."
            )
        )
    if not member.active:
        raise ReviewPermissionError(
            gettext("%(display_name)s is not an active board member.") % {"display_name": member.display_name}
        )
    if not workflow.credential_valid(member):
        raise ReviewPermissionError(
            gettext("%(display_name)s's credential is not verified for today, so they cannot approve medical wording.")
            % {"display_name": member.display_name}
        )
    return member


def _glossary_decide(definition: GlossaryDefinition, acting_user, decision: str, comment: str):
    _ensure_comment_size(comment)
    definition = GlossaryDefinition.objects.select_for_update().select_related("glossary_term").get(pk=definition.pk)
    member = _ensure_glossary_reviewer(acting_user)
    if definition.status != GlossaryDefinition.Status.PROPOSED:
        raise InvalidTransition(
            gettext("Version %(version)s of “%(term)s” is %(status)s; there is nothing to decide. Reload the page.")
            % {
                "version": definition.version,
                "term": definition.term,
                "status": definition.get_status_display().lower(),
            }
        )
    if definition.proposed_by_id == acting_user.pk:
        raise ReviewPermissionError(gettext("You proposed this wording, so another board member must approve it."))
    if not member.reads(definition.glossary_term.language):
        # A definition is medical wording in its own language: only a reader of it can vouch for it.
        raise ReviewPermissionError(
            gettext("%(name)s does not review in %(language)s, the language of this term.")
            % {"name": member.display_name, "language": language_in_text(definition.glossary_term.language)}
        )
    if GlossaryApproval.objects.filter(definition=definition, member=member).exists():
        raise AlreadyDecided(
            gettext("You already decided on version %(version)s of “%(term)s”.")
            % {"version": definition.version, "term": definition.term}
        )
    GlossaryApproval.objects.create(
        definition=definition, member=member, decision=decision, comment=comment, decided_at=timezone.now()
    )
    return definition


@transaction.atomic
def glossary_definition_approve(
    definition: GlossaryDefinition, *, acting_user, comment: str = ""
) -> GlossaryDefinition:
    """Record a board member's approval of a proposed definition; put it in force once enough approved.

    The number needed was fixed when it was proposed (GLOSSARY_REQUIRED_APPROVALS).
    Whoever proposed it cannot approve it. Putting it in force changes no page:
    each page keeps the definitions its approval pinned until the board
    re-approves it or refreshes its glossary (``article_glossary_refresh``).
    """
    definition = _glossary_decide(definition, acting_user, GlossaryApproval.Decision.APPROVE, comment)
    approvals = GlossaryApproval.objects.filter(
        definition=definition, decision=GlossaryApproval.Decision.APPROVE
    ).count()
    if approvals >= definition.required_approvals:
        try:
            glossary_definition_accept(definition, acting_user=acting_user, at=timezone.now())
        except ValidationError as exc:
            raise InvalidTransition(" ".join(exc.messages)) from exc
    return definition


@transaction.atomic
def glossary_definition_reject(definition: GlossaryDefinition, *, acting_user, comment: str) -> GlossaryDefinition:
    """Reject a proposed definition (a reason is required); the approved wording stays in force."""
    if not comment.strip():
        raise CommentRequired(gettext("Say why: the editors need a reason to write the definition again."))
    definition = _glossary_decide(definition, acting_user, GlossaryApproval.Decision.REJECT, comment)
    return glossary_definition_refuse(definition, acting_user=acting_user, at=timezone.now())


def approved_round(article: Article) -> ReviewRound | None:
    """Return the newest approved round (review or glossary refresh) of the article's approved revision."""
    if article.last_approved_revision_id is None:
        return None
    return (
        ReviewRound.objects.filter(
            article=article, revision_id=article.last_approved_revision_id, status=ReviewRound.Status.APPROVED
        )
        .order_by("-closed_at", "-pk")
        .first()
    )


def glossary_refresh_preview(
    article: Article,
) -> tuple[ReviewRound | None, ArticleContent | None, ArticleContent | None]:
    """Return (approved round, its content with the pinned glossary, the same text with today's approved glossary)."""
    round_ = approved_round(article)
    if round_ is None:
        return None, None, None
    pinned = content_from_revision(round_.revision, article_id=article.pk).with_glossary(round_.glossary)
    return round_, pinned, pinned.with_glossary(glossary_snapshot(pinned))


@transaction.atomic
def article_glossary_refresh(article: Article, *, acting_user, content_hash: str, comment: str = "") -> ReviewRound:
    """A board member signs newer approved glossary definitions beside the article's approved text.

    Records an approved "glossary refresh" round pinned to the same approved
    revision with the new snapshot and its hash (and the member's decision and
    the article's audit event), moves the article's approved hash to it, and
    asks publishing (its hook) to publish that revision with the new snapshot.
    The article's status and working copy are untouched. `content_hash` is the
    hash of the content the member was shown; if the glossary changed since,
    RevisionMismatch asks them to look again.
    """
    original, article = article, _lock(article)
    member = _ensure_glossary_reviewer(acting_user)
    _ensure_comment_size(comment)
    if roles.is_article_author(article, acting_user):
        raise ReviewPermissionError(
            gettext("You are an author of “%(title)s”, so you cannot approve its glossary.") % {"title": article.title}
        )
    if not member.reads(article.language):
        raise ReviewPermissionError(
            gettext("%(name)s does not review in %(language)s, the language of this article.")
            % {"name": member.display_name, "language": language_in_text(article.language)}
        )
    if article.status == Article.Status.ARCHIVED:
        raise InvalidTransition(
            gettext("“%(title)s” is archived; there is no page to refresh.") % {"title": article.title}
        )
    round_, pinned, fresh = glossary_refresh_preview(article)
    if round_ is None:
        raise InvalidTransition(
            gettext("“%(title)s” has no approved text whose glossary could be refreshed.") % {"title": article.title}
        )
    if fresh.content_hash() == round_.content_hash:
        raise InvalidTransition(
            gettext("The glossary of “%(title)s” is already the approved one. Nothing to refresh.")
            % {"title": article.title}
        )
    if content_hash != fresh.content_hash():
        raise RevisionMismatch(
            gettext(
                "The glossary changed after you opened this page. Reload it, read the definitions and confirm again."
            )
        )
    refresh = workflow.refresh_round_record(
        article=article,
        revision_id=round_.revision_id,
        content_hash=fresh.content_hash(),
        glossary=glossary_to_json(fresh.glossary),
        submitted_by=acting_user,
    )
    ReviewDecision.objects.create(
        round=refresh,
        reviewer=member,
        assigned_by=acting_user,
        assigned_at=refresh.submitted_at,
        decision=ReviewDecision.Decision.APPROVE,
        comment=comment,
        decided_at=refresh.submitted_at,
        revision_id=round_.revision_id,
    )
    article.last_approved_hash = refresh.content_hash
    article.save(update_fields=["last_approved_hash"])
    changed = sorted(
        {f"{g.term} v{g.version}" for g in fresh.glossary} - {f"{g.term} v{g.version}" for g in pinned.glossary}
    )
    event_record(
        article,
        acting_user=acting_user,
        action="glossary_refresh",
        round_=refresh,
        comment=comment or ("Glossary definitions approved for the page: " + (", ".join(changed) or "terms removed")),
    )
    for hook in hooks.ON_GLOSSARY_REFRESH:
        hook(article, refresh, acting_user)
    _sync_back(original, article)
    return refresh


# --- due dates and declining --------------------------------------------------------

# The furthest an editor may move a due date, from today.
MAX_DUE_DAYS_AHEAD = 365


@transaction.atomic
def review_seat_due_set(seat: ReviewDecision, *, acting_user, due_on: dt.date) -> ReviewDecision:
    """Move an undecided seat's due date (editors only); reminders follow the new date (one of each kind for it)."""
    _ensure_editor(acting_user, "change a review's due date")
    seat = ReviewDecision.objects.select_for_update().select_related("round", "reviewer").get(pk=seat.pk)
    article = _lock(seat.round.article)
    if seat.round.status != ReviewRound.Status.OPEN or seat.decision:
        raise ReviewError(
            gettext("%(name)s has already decided, or the round is closed: there is no due date to move.")
            % {"name": seat.reviewer.display_name}
        )
    today = timezone.localdate()
    if due_on is None or not today <= due_on <= today + dt.timedelta(days=MAX_DUE_DAYS_AHEAD):
        raise ReviewError(
            gettext("Choose a due date from today to %(days)s days ahead.") % {"days": MAX_DUE_DAYS_AHEAD}
        )
    before = seat.due_on
    seat.due_on = due_on
    seat.save(update_fields=["due_on"])
    event_record(
        article,
        acting_user=acting_user,
        action="review_due_changed",
        round_=seat.round,
        comment=f"{seat.reviewer.display_name}: due {due_on:%Y-%m-%d}"
        + (f" (was {before:%Y-%m-%d})." if before else "."),
    )
    return seat


@transaction.atomic
def review_decline(article: Article, *, acting_user, reason: str) -> Article:
    """The acting reviewer gives up their undecided seat with a reason; the editors are told to reassign it.

    The seat is removed (its reminders with it), so the editors can assign
    someone else, or the same member again later; the audit event keeps who
    declined and why. The article's status stays as it is.
    """
    original, article = article, _lock(article)
    round_ = _require_open_round(article)
    member = _member_of(acting_user)
    seat = None
    if member is not None:
        seat = ReviewDecision.objects.select_for_update().filter(round=round_, reviewer=member).first()
    if seat is None:
        raise ReviewPermissionError(
            gettext("You are not a reviewer of “%(title)s”, so there is nothing to decline.") % {"title": article.title}
        )
    if seat.decision:
        raise AlreadyDecided(
            gettext("You already decided on this round of “%(title)s”; a decision cannot be declined.")
            % {"title": article.title}
        )
    if not (reason or "").strip():
        raise CommentRequired(gettext("Say why you decline, so the editors can find the right reviewer."))
    _ensure_comment_size(reason)
    seat.delete()
    event_record(
        article,
        acting_user=acting_user,
        action="review_declined",
        round_=round_,
        comment=f"{member.display_name} declined: {reason.strip()}",
    )
    enqueue_on_commit(
        tasks.notify_declined, round_.pk, member.display_name, reason.strip(), run_inline_if_broker_down=True
    )
    return _sync_back(original, article)


# --- "being looked at" -------------------------------------------------------------------

logger = logging.getLogger(__name__)


def review_round_viewing_record(round_: ReviewRound, *, acting_user) -> None:
    """Note that the acting board member has the round open now (shown to others on the queues).

    Kept in the cache, not the database: one key per round holding
    {member id: [name, since, last seen]}, expiring REVIEW_VIEWING_MINUTES after
    the last opening. "since" stays while the member keeps opening the round
    within that time. Two members opening the same round at the same instant
    may overwrite each other's note; the label is advisory, so that is
    accepted. A cache outage only loses the label.
    """
    member = _member_of(acting_user)
    if member is None or round_.status != ReviewRound.Status.OPEN:
        return
    minutes = settings.REVIEW_VIEWING_MINUTES
    now = timezone.now()
    key = selectors.viewing_key(round_.pk)
    try:
        viewers = cache.get(key) or {}
        fresh = {
            pk: entry
            for pk, entry in viewers.items()
            if now - dt.datetime.fromisoformat(entry[2]) < dt.timedelta(minutes=minutes)
        }
        previous = fresh.get(str(member.pk))
        since = previous[1] if previous else now.isoformat()
        fresh[str(member.pk)] = [member.display_name, since, now.isoformat()]
        cache.set(key, fresh, timeout=minutes * 60)
    except Exception:  # noqa: BLE001 — the cache is optional for this advisory label
        logger.warning("Could not record who is looking at review round %s", round_.pk, exc_info=True)
