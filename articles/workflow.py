"""The article workflow: the one table of allowed status changes, and the one function that applies them.

`TRANSITIONS` (also named `ARTICLE_TABLE`; a table of the one kit,
cms/workflow.py, checked by its `ensure_transition`) is the only place that
says which article statuses an action may start from, where it leads, who may
take it and how its audit event reads. `GLOSSARY_TABLE` does the same for a
glossary definition's status. `article_transition` is the only code that changes `Article.status`
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

from django.db import transaction
from django.utils.translation import gettext_noop

from audit.services import event_record
from cms import roles
from cms.workflow import Actor, Transition, TransitionTable, anyone, ensure_transition

from .exceptions import ArticleTransitionForbidden, InvalidArticleTransition
from .models import Article, GlossaryDefinition

S = Article.Status

AUTHOR = "author"
EDITOR = "editor"
BOARD = "board"


def _is_author(article: Article, user) -> bool:
    return roles.is_article_author(article, user)


def _decides_like_board(article: Article, user) -> bool:
    # An invited outside reviewer decides like the board; review's services check the invitation covers it.
    return roles.is_board_member(user) or roles.is_invited_reviewer(user)


def _t(action: str, sources: set[str], target: str, who: str, label: str, event_label: str) -> Transition:
    return Transition(action, frozenset(sources), target, who, label, event_label=event_label)


TRANSITIONS = TransitionTable.declare(
    gettext_noop("article"),
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
    ],
    actors={
        AUTHOR: Actor(gettext_noop("an author of the article"), _is_author),
        EDITOR: Actor(gettext_noop("an editor"), lambda article, user: roles.is_editor(user)),
        BOARD: Actor(gettext_noop("a member of the Medical Advisory Board"), _decides_like_board),
    },
    state_of=lambda article: article.status,
    state_label=lambda status: Article.Status(status).label.lower(),
    invalid=InvalidArticleTransition,
    forbidden=ArticleTransitionForbidden,
    edge_refusal_text=gettext_noop(
        "“%(title)s” is %(status)s, so you cannot %(label)s now (only when it is "
        "%(allowed)s). Reload the page to see its current state."
    ),
    describe=lambda article: {"title": article.title, "status": article.get_status_display().lower()},
)
#: The article table under its usual name in the services and the review app.
ARTICLE_TABLE = TRANSITIONS

#: How the audit events of the table read (registered in ArticlesConfig.ready()).
EVENT_LABELS = {t.event: t.event_label for t in TRANSITIONS.values()}
#: The approval that completes the board's review reads differently from one below the quorum.
EVENT_LABELS_REACHING = {("approve", S.APPROVED): "approved it — the board's review is complete"}

allowed_actions = TRANSITIONS.allowed_actions
can_transition = TRANSITIONS.can
edge_refusal = TRANSITIONS.edge_refusal
actor_refusal = TRANSITIONS.actor_refusal


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
        transition = ensure_transition(TRANSITIONS, article, action, acting_user=acting_user)
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
#: Who decides is the board's rule (who, how many), checked in review.services before the edge.
BOARD_RULES = "board_rules"

GLOSSARY_TABLE = TransitionTable.declare(
    gettext_noop("glossary definition"),
    [
        Transition("approve", {G.PROPOSED}, G.APPROVED, BOARD_RULES, gettext_noop("approve it")),
        Transition("reject", {G.PROPOSED}, G.REJECTED, BOARD_RULES, gettext_noop("reject it")),
        # The editor proposed a newer wording first.
        Transition("withdraw", {G.PROPOSED}, G.WITHDRAWN, BOARD_RULES, gettext_noop("withdraw it")),
        # A newer version was approved.
        Transition("supersede", {G.APPROVED}, G.SUPERSEDED, BOARD_RULES, gettext_noop("supersede it")),
    ],
    actors={BOARD_RULES: Actor(gettext_noop("the board"), anyone)},
    state_of=lambda definition: definition.status,
    state_label=lambda status: GlossaryDefinition.Status(status).label.lower(),
    invalid=InvalidArticleTransition,
    forbidden=InvalidArticleTransition,
    edge_refusal_text=gettext_noop(
        "Version %(version)s of “%(term)s” is %(status)s; it cannot be changed now. "
        "Reload the page to see the glossary as it is."
    ),
    describe=lambda d: {"version": d.version, "term": d.term, "status": d.get_status_display().lower()},
)


def glossary_definition_transition(definition: GlossaryDefinition, action: str, *, at) -> GlossaryDefinition:
    """Move a glossary definition along `GLOSSARY_TABLE`: the only code that sets its status.

    The caller holds the row locked and checked the board's rules. Raises
    InvalidArticleTransition when the table refuses (a definition already decided).
    """
    transition = ensure_transition(GLOSSARY_TABLE, definition, action, acting_user=None)
    definition.status = transition.target
    fields = ["status"]
    if action != "supersede":
        definition.decided_at = at
        fields.append("decided_at")
    definition.save(update_fields=fields)
    return definition
