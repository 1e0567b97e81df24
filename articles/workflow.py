"""The article workflow: the one table of allowed status changes, and the one function that applies them.

`TRANSITIONS` is the only place that says which article statuses an action
may start from, where it leads, who may take it and how its audit event
reads. `article_transition` is the only code that changes `Article.status`
(a test checks the source): it locks the row, checks the edge and the actor,
saves with ``update_fields``, appends the audit event and registers side
effects on commit.

The review services (review/services.py) take the board's actions through it
after checking their own, finer rules (eligibility, recusal, quorum); the
edit services (articles/services.py) take ``reopen`` when an approved
article is edited. Who may act:

- ``author``: one of the article's authors;
- ``editor``: a member of the Editors group (or a superuser);
- ``board``: a member of the Medical Advisory Board (the review services
  also check that this member may review this article).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from audit.services import event_record
from cms import roles

from .exceptions import ArticleTransitionForbidden, InvalidArticleTransition
from .models import Article, GlossaryDefinition

S = Article.Status

AUTHOR = "author"
EDITOR = "editor"
BOARD = "board"

_WHO = {
    AUTHOR: gettext_noop("an author of the article"),
    EDITOR: gettext_noop("an editor"),
    BOARD: gettext_noop("a member of the Medical Advisory Board"),
}


@dataclass(frozen=True)
class Transition:
    action: str  # also the audit event's action
    sources: frozenset[str]
    target: str
    who: str
    label: str  # "you cannot <label> now"
    event_label: str  # how the audit event reads after the actor's name


def _t(action: str, sources: set[str], target: str, who: str, label: str, event_label: str):
    return action, Transition(action, frozenset(sources), target, who, label, event_label)


TRANSITIONS: dict[str, Transition] = dict(
    [
        _t(
            "submit",
            {S.DRAFT, S.CHANGES_REQUESTED},
            S.SUBMITTED,
            AUTHOR,
            gettext_noop("submit it for review"),
            "submitted it for review",
        ),
        _t(
            "claim",
            {S.SUBMITTED, S.IN_REVIEW},
            S.IN_REVIEW,
            BOARD,
            gettext_noop("claim its review"),
            "claimed the review",
        ),
        _t(
            "assign",
            {S.SUBMITTED, S.IN_REVIEW},
            S.IN_REVIEW,
            EDITOR,
            gettext_noop("assign reviewers"),
            "assigned reviewers",
        ),
        # An approval below the quorum is recorded (same action, status unchanged)
        # without moving the article; this edge applies with the last approval needed.
        _t("approve", {S.IN_REVIEW}, S.APPROVED, BOARD, gettext_noop("approve it"), "approved it"),
        _t(
            "request_changes",
            {S.IN_REVIEW},
            S.CHANGES_REQUESTED,
            BOARD,
            gettext_noop("request changes"),
            "requested changes",
        ),
        _t("reject", {S.IN_REVIEW}, S.DRAFT, BOARD, gettext_noop("reject it"), "rejected it"),
        _t(
            "withdraw",
            {S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED},
            S.DRAFT,
            AUTHOR,
            gettext_noop("withdraw it from review"),
            "withdrew it from review",
        ),
        _t(
            "archive",
            {S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED},
            S.ARCHIVED,
            EDITOR,
            gettext_noop("archive it"),
            "archived it",
        ),
        # Editing (or reverting) approved text starts a new draft; the approved
        # revision stays recorded for the live page.
        _t(
            "reopen",
            {S.APPROVED},
            S.DRAFT,
            AUTHOR,
            gettext_noop("edit it"),
            "edited the approved text, starting a new draft",
        ),
    ]
)

#: How the audit events of the table read (registered in ArticlesConfig.ready()).
EVENT_LABELS = {t.action: t.event_label for t in TRANSITIONS.values()}
#: The approval that completes the board's review reads differently from one below the quorum.
EVENT_LABELS_REACHING = {("approve", S.APPROVED): "approved it — the board's review is complete"}


def allowed_actions(status: str) -> list[str]:
    """Return the actions the table allows from this status."""
    return [name for name, t in TRANSITIONS.items() if status in t.sources]


def can_transition(article: Article, action: str) -> bool:
    """Return True if the table allows `action` from the article's current status."""
    return article.status in TRANSITIONS[action].sources


def edge_refusal(article: Article, action: str) -> str:
    """Return why the table refuses `action` from the article's status, or "" if it allows it."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return gettext("“%(action)s” is not an article workflow action.") % {"action": action}
    if article.status not in transition.sources:
        allowed = ", ".join(sorted(Article.Status(s).label.lower() for s in transition.sources))
        return gettext(
            "“%(title)s” is %(status)s, so you cannot %(label)s now (only when it is "
            "%(allowed)s). Reload the page to see its current state."
        ) % {
            "title": article.title,
            "status": article.get_status_display().lower(),
            "label": gettext(transition.label),
            "allowed": allowed,
        }
    return ""


def actor_refusal(article: Article, action: str, user) -> str:
    """Return why `user` may not take `action` on the article, or "" if they may (one query for ``author``)."""
    transition = TRANSITIONS[action]
    if transition.who == EDITOR:
        allowed = roles.is_editor(user)
    elif transition.who == BOARD:
        # An invited outside reviewer decides like the board; review's services check the invitation covers it.
        allowed = roles.is_board_member(user) or roles.is_invited_reviewer(user)
    else:
        allowed = user is not None and user.is_authenticated and article.authors.filter(pk=user.pk).exists()
    if allowed:
        return ""
    return gettext("Only %(who)s can %(label)s.") % {
        "who": gettext(_WHO[transition.who]),
        "label": gettext(transition.label),
    }


def ensure_transition(article: Article, action: str, user) -> Transition:
    """Return the transition, or raise InvalidArticleTransition / ArticleTransitionForbidden."""
    reason = edge_refusal(article, action)
    if reason:
        raise InvalidArticleTransition(reason)
    reason = actor_refusal(article, action, user)
    if reason:
        raise ArticleTransitionForbidden(reason)
    return TRANSITIONS[action]


def article_transition(
    article: Article,
    action: str,
    *,
    acting_user,
    round_=None,
    comment: str = "",
    update_fields: Iterable[str] = (),
    on_commit: Iterable[Callable[[], None]] = (),
) -> Article:
    """Apply one workflow action to the article: lock, check, save, audit, and side effects on commit.

    Locks the row and reads its status from the database (an instance loaded
    before another request changed it cannot skip a step), checks the edge and
    the actor against `TRANSITIONS`, sets the status and saves it together
    with `update_fields` (other columns the caller set on the instance, such
    as the approval pointer), and appends the audit event (carrying the
    round's pinned revision when `round_` is given). A self-loop (claiming an
    article already in review) saves nothing but is still audited. Raises and
    changes nothing when the table refuses; `on_commit` callables run once
    the transaction commits.
    """
    with transaction.atomic(savepoint=False):
        article.status = Article.objects.select_for_update().values_list("status", flat=True).get(pk=article.pk)
        transition = ensure_transition(article, action, acting_user)
        from_status = article.status
        fields = list(update_fields)
        if transition.target != from_status or fields:
            article.status = transition.target
            article.save(update_fields=["status", *fields])
        event_record(
            article,
            acting_user=acting_user,
            action=transition.action,
            from_status=from_status,
            to_status=transition.target,
            round_=round_,
            comment=comment,
        )
        for callback in on_commit:
            transaction.on_commit(callback)
    return article


# --- glossary definitions ------------------------------------------------------------

G = GlossaryDefinition.Status
#: action -> (from statuses, to status). The board's rules (who, how many) are in review.services.
GLOSSARY_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({G.PROPOSED}), G.APPROVED),
    "reject": (frozenset({G.PROPOSED}), G.REJECTED),
    "withdraw": (frozenset({G.PROPOSED}), G.WITHDRAWN),  # the editor proposed a newer wording first
    "supersede": (frozenset({G.APPROVED}), G.SUPERSEDED),  # a newer version was approved
}


def glossary_definition_transition(definition: GlossaryDefinition, action: str, *, at) -> GlossaryDefinition:
    """Move a glossary definition along `GLOSSARY_TRANSITIONS`: the only code that sets its status.

    The caller holds the row locked. Raises InvalidArticleTransition when the
    table refuses (a definition already decided).
    """
    sources, target = GLOSSARY_TRANSITIONS[action]
    if definition.status not in sources:
        raise InvalidArticleTransition(
            gettext(
                "Version %(version)s of “%(term)s” is %(status)s; it cannot be changed now. "
                "Reload the page to see the glossary as it is."
            )
            % {
                "version": definition.version,
                "term": definition.term,
                "status": definition.get_status_display().lower(),
            }
        )
    definition.status = target
    fields = ["status"]
    if action != "supersede":
        definition.decided_at = at
        fields.append("decided_at")
    definition.save(update_fields=fields)
    return definition
