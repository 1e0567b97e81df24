"""The article transition table: every allowed edge, the forbidden ones, the actor, the audit row.

Articles are put in a given status directly here (tests may); production code
moves them only through `article_transition` (tests/test_structure.py checks).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from articles import services as article_services
from articles.exceptions import ArticleTransitionForbidden, InvalidArticleTransition
from articles.models import Article
from articles.workflow import AUTHOR, BOARD, EDITOR, TRANSITIONS, allowed_actions, article_transition
from audit.models import WorkflowEvent
from tests.publishing.publish_helpers import approve

pytestmark = pytest.mark.django_db

S = Article.Status
EDGES = [(action, source) for action, t in TRANSITIONS.items() for source in sorted(t.sources)]


def put(article: Article, status: str) -> Article:
    Article.objects.filter(pk=article.pk).update(status=status)
    article.refresh_from_db()
    return article


def actor(who: str, *, author, editor, reviewer):
    return {AUTHOR: author, EDITOR: editor, BOARD: reviewer}[who]


@pytest.mark.parametrize(("action", "source"), EDGES)
def test_every_allowed_edge_moves_the_status_and_writes_its_audit_row(
    article, author, editor, reviewer, action, source
):
    transition = TRANSITIONS[action]
    put(article, source)
    user = actor(transition.who, author=author, editor=editor, reviewer=reviewer)
    before = WorkflowEvent.objects.count()

    article_transition(article, action, acting_user=user, comment="why")

    article.refresh_from_db()
    assert article.status == transition.target
    assert WorkflowEvent.objects.count() == before + 1
    event = WorkflowEvent.objects.latest("pk")
    assert (event.action, event.from_status, event.to_status) == (action, source, transition.target)
    assert (event.actor, event.article_id, event.comment) == (user, article.pk, "why")
    assert event.action_label != action.replace("_", " ")  # registered wording, not the fallback


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_forbidden_edge_is_refused_and_changes_nothing(article, author, editor, reviewer, action):
    transition = TRANSITIONS[action]
    user = actor(transition.who, author=author, editor=editor, reviewer=reviewer)
    for status in sorted(set(S.values) - transition.sources):
        put(article, status)
        with pytest.raises(InvalidArticleTransition, match="Reload the page"):
            with transaction.atomic():
                article_transition(article, action, acting_user=user)
        article.refresh_from_db()
        assert article.status == status
    assert not WorkflowEvent.objects.exists()


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_the_wrong_actor_is_refused_and_nothing_is_written(article, author, author2, editor, reviewer, action):
    transition = TRANSITIONS[action]
    source = sorted(transition.sources)[0]
    put(article, source)
    # Someone holding every role but the one the edge needs (author2 is not an author of this article).
    wrong = {AUTHOR: [author2, editor, reviewer], EDITOR: [author, reviewer], BOARD: [author, editor]}[transition.who]
    for user in wrong:
        with pytest.raises(ArticleTransitionForbidden, match="Only"):
            with transaction.atomic():
                article_transition(article, action, acting_user=user)
    article.refresh_from_db()
    assert article.status == source
    assert not WorkflowEvent.objects.exists()


def test_the_transition_reads_the_status_under_lock_not_from_a_stale_instance(article, author):
    stale = Article.objects.get(pk=article.pk)
    put(article, S.SUBMITTED)
    assert stale.status == S.DRAFT
    with pytest.raises(InvalidArticleTransition):
        with transaction.atomic():
            article_transition(stale, "submit", acting_user=author)
    assert not WorkflowEvent.objects.exists()


def test_side_effects_run_only_on_commit(article, editor, django_capture_on_commit_callbacks):
    ran = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article_transition(article, "archive", acting_user=editor, on_commit=[lambda: ran.append("after")])
        assert ran == []
    assert ran == ["after"] and len(callbacks) == 1


def test_allowed_actions_reads_the_table():
    assert allowed_actions(S.APPROVED) == ["archive", "reopen"]
    assert allowed_actions(S.ARCHIVED) == []


def test_editing_approved_text_starts_a_draft_and_is_audited(article, author, reviewer):
    approve(article, author=author, reviewer=reviewer)
    article.refresh_from_db()
    article_services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"title": "Changed title"}
    )
    article.refresh_from_db()
    assert article.status == S.DRAFT
    assert article.last_approved_revision_id is not None  # the live page keeps the approved revision
    event = WorkflowEvent.objects.latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor) == ("reopen", S.APPROVED, S.DRAFT, author)


def test_editing_a_draft_writes_no_workflow_event(article, author):
    article_services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"title": "Changed title"}
    )
    assert not WorkflowEvent.objects.exists()
