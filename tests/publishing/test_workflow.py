"""The publishing transition table: every allowed edge, the forbidden ones, the actor, the audit row, the sweep.

Publications in a given state are made directly here (tests may); production
code moves them only through `publication_transition`, which the last test
checks in the source.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from audit import registry
from audit.models import WorkflowEvent
from publishing import services
from publishing.exceptions import InvalidPublicationState, PublishingPermissionError
from publishing.models import Publication
from publishing.workflow import (
    APPROVER,
    EDITOR,
    NEW,
    SYSTEM,
    TRANSITIONS,
    allowed_actions,
    available_actions,
    available_article_actions,
    refusal,
)
from tests.publishing.publish_helpers import approve, edit, request_and_publish, run_publish

pytestmark = pytest.mark.django_db

State = Publication.State
ROOT = Path(__file__).resolve().parents[2]
EDGES = [(action, source) for action, t in TRANSITIONS.items() for source in sorted(t.sources)]
ALL_STATES = [NEW, *State.values]


@pytest.fixture
def approved(article, author, reviewer):
    return approve(article, author=author, reviewer=reviewer)


def make(article, editor, state: str) -> Publication:
    """Return a publication of the article's approved revision in `state` (unsaved for NEW)."""
    publication = Publication(
        article=article,
        revision=article.last_approved_revision,
        content_hash=article.last_approved_hash,
        slug=article.slug,
        requested_by=editor,
        state=state or State.PENDING,
    )
    if state != NEW:
        publication.save()
    return publication


def actor_for(who: str, *, editor, reviewer):
    return {EDITOR: editor, APPROVER: reviewer, SYSTEM: None}[who]


@pytest.mark.parametrize(("action", "source"), EDGES)
def test_every_allowed_edge_moves_the_state_and_writes_its_audit_row(approved, editor, reviewer, action, source):
    transition = TRANSITIONS[action]
    publication = make(approved, editor, source)
    actor = actor_for(transition.who, editor=editor, reviewer=reviewer)
    before = WorkflowEvent.objects.count()

    services.publication_transition(publication, action, acting_user=actor, comment="why")

    publication.refresh_from_db()
    assert publication.state == transition.target
    assert WorkflowEvent.objects.count() == before + 1
    event = WorkflowEvent.objects.latest("pk")
    assert event.action == transition.event
    assert event.actor == (actor or editor)  # the publisher and scheduler record who asked
    assert event.article_id == approved.pk
    assert event.revision_id == publication.revision_id
    assert event.content_hash == approved.last_approved_hash
    assert event.comment == "why"
    assert registry.is_registered(event.action)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_forbidden_edge_is_refused_and_changes_nothing(approved, editor, reviewer, action):
    transition = TRANSITIONS[action]
    actor = actor_for(transition.who, editor=editor, reviewer=reviewer)
    forbidden = [s for s in ALL_STATES if s not in transition.sources]
    assert forbidden, f"{action} is allowed from every state"
    for source in forbidden:
        publication = make(approved, editor, source)
        before = WorkflowEvent.objects.count()
        with pytest.raises(InvalidPublicationState, match="cannot"):
            services.publication_transition(publication, action, acting_user=actor)
        assert WorkflowEvent.objects.count() == before
        if source != NEW:
            publication.refresh_from_db()
            assert publication.state == source
            publication.delete()


def test_an_unknown_action_is_refused(approved, editor):
    with pytest.raises(InvalidPublicationState, match="not a publishing workflow action"):
        services.publication_transition(make(approved, editor, State.LIVE), "publish_twice", acting_user=editor)


@pytest.mark.parametrize("action", sorted(a for a, t in TRANSITIONS.items() if t.who == EDITOR))
def test_editor_actions_refuse_anyone_else_and_write_nothing(approved, editor, author, reviewer, action):
    source = sorted(TRANSITIONS[action].sources)[0]
    for outsider in (author, reviewer):
        publication = make(approved, editor, source)
        assert "Only editors" in refusal(publication, action, outsider)
        with pytest.raises(PublishingPermissionError, match="Only editors"):
            services.publication_transition(publication, action, acting_user=outsider)
        assert not WorkflowEvent.objects.filter(action=TRANSITIONS[action].event).exists()
        if publication.pk:
            publication.refresh_from_db()
            assert publication.state == source
            publication.delete()


def test_allowed_actions_reads_the_table():
    assert set(allowed_actions(State.FAILED)) == {"retry", "retry_scheduled"}
    assert "go_live" in allowed_actions(State.PENDING)
    assert allowed_actions(State.WITHDRAWN) == []
    assert allowed_actions(State.SUPERSEDED) == []


def test_a_scheduled_publication_whose_expiry_passed_before_go_live_is_withdrawn_with_an_event(approved, editor):
    now = timezone.now()
    publication = services.publication_schedule(
        approved,
        acting_user=editor,
        go_live_at=now + dt.timedelta(hours=1),
        expires_at=now + dt.timedelta(hours=2),
    )
    assert services.publication_release_due(now=now + dt.timedelta(hours=3)) == []
    publication.refresh_from_db()
    assert publication.state == State.WITHDRAWN
    assert publication.withdrawal_reason == "Expired before it went live."
    event = WorkflowEvent.objects.get(action="publication_expired_unreleased")
    assert event.actor == editor
    assert "expire before it went live" in event.action_label


def test_release_of_a_scheduled_publication_is_audited(approved, editor, django_capture_on_commit_callbacks):
    now = timezone.now()
    publication = services.publication_schedule(approved, acting_user=editor, go_live_at=now + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert services.publication_release_due(now=now + dt.timedelta(hours=2)) == [publication.pk]
    publication.refresh_from_db()
    assert publication.state == State.PENDING
    assert WorkflowEvent.objects.filter(action="publication_released", actor=editor).count() == 1


def test_go_live_supersedes_the_live_page_and_older_waiting_requests_with_events(approved, author, reviewer, editor):
    first = request_and_publish(approved, editor=editor)
    # An older request still waiting (as if its job were lost), then a newer approved revision.
    older = make(approved, editor, State.PENDING)
    older.kind = Publication.Kind.PROVISIONAL
    older.save(update_fields=["kind"])
    edit(approved, author=author, summary="A newer bottom line.")
    approve(approved, author=author, reviewer=reviewer)
    newer = services.publication_request(approved, acting_user=editor)
    run_publish(newer)

    first.refresh_from_db()
    older.refresh_from_db()
    assert newer.state == State.LIVE
    assert first.state == State.SUPERSEDED and older.state == State.SUPERSEDED
    superseded = WorkflowEvent.objects.filter(action="publication_superseded").order_by("pk")
    assert superseded.count() == 2
    assert {e.revision_id for e in superseded} == {first.revision_id, older.revision_id}


@override_settings(AUTO_PUBLISH_ON_APPROVAL=False)
def test_the_sweep_requests_approvals_nobody_published_as_their_approver(article, author, reviewer, settings):
    approve(article, author=author, reviewer=reviewer)
    assert not Publication.objects.exists()  # approved while auto-publishing was off

    settings.AUTO_PUBLISH_ON_APPROVAL = True
    sent = services.publication_outbox_resend(older_than=dt.timedelta(0))

    publication = Publication.objects.get(article=article)
    assert sent == [publication.pk]
    assert publication.requested_by == reviewer
    assert publication.revision_id == article.last_approved_revision_id
    event = WorkflowEvent.objects.get(action="publication_requested")
    assert event.actor == reviewer
    # A second sweep finds nothing new to request.
    assert services.request_unpublished_approvals() == []
    assert Publication.objects.filter(article=article).count() == 1


def test_the_outbox_resends_only_stale_pending_rows(approved, editor):
    publication = services.publication_request(approved, acting_user=editor)  # job never sent: no commit here
    assert services.publication_outbox_resend() == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert services.publication_outbox_resend() == [publication.pk]
    publication.refresh_from_db()
    assert publication.enqueued_at is not None


# --- nothing else assigns the state ------------------------------------------

APPS = ["articles", "review", "publishing", "evidence", "ops", "cms"]
WRITERS = {"update", "create", "bulk_create", "get_or_create", "update_or_create", "Publication"}
# Assignments to another model's `state` (a reader's message, an evidence alert) are theirs.
OTHER_MODELS_STATE = {
    ("publishing/services/inbox.py", "reader_message_set_state"),
    ("publishing/services/furniture.py", "_decided"),  # a furniture change's own state
    ("evidence/services.py", None),
}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_no_code_but_the_transition_function_sets_a_publications_state():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(), filename=rel)
            owner = {}
            for function in _functions(tree):
                for node in ast.walk(function):
                    owner.setdefault(id(node), function.name)
            for node in ast.walk(tree):
                where = (rel, owner.get(id(node)))
                if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Attribute) and target.attr == "state":
                            if where == ("publishing/services/transitions.py", "publication_transition"):
                                continue
                            if where in OTHER_MODELS_STATE or (rel, None) in OTHER_MODELS_STATE:
                                continue
                            offenders.append(f"{rel}:{node.lineno} assigns .state")
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if name in WRITERS and any(k.arg == "state" for k in node.keywords):
                        if "Publication" in ast.unparse(node.func) or rel.startswith("publishing/"):
                            if where not in OTHER_MODELS_STATE:
                                offenders.append(f"{rel}:{node.lineno} writes state= in {name}()")
    assert not offenders, "Publication.state changes only through publication_transition:\n" + "\n".join(offenders)


# --- what the desk offers (available_actions) -------------------------------------


def test_available_actions_follow_the_table_and_the_role(approved, editor, author):
    failed = make(approved, editor, State.FAILED)
    result = available_actions(failed, editor)
    assert result["retry"].allowed and result["retry"].url == f"/publishing/publications/{failed.pk}/retry/"
    assert not result["withdraw"] and "failed" in result["withdraw"].reason
    refused = available_actions(failed, author)
    assert not refused["retry"] and "Only editors" in refused["retry"].reason

    failed.delete()
    scheduled = make(approved, editor, State.SCHEDULED)
    result = available_actions(scheduled, editor)
    assert result["withdraw"].allowed and result["withdraw"].label == "Cancel…"
    assert not result["retry"]

    article_actions = available_article_actions(approved, editor)
    assert article_actions["publish"].allowed and article_actions["schedule"].allowed
    assert not article_actions["publish_provisional"]
    assert not available_article_actions(approved, author)["publish"]


def test_the_desk_renders_the_buttons_the_actions_allow(client, approved, editor):
    live = request_and_publish(approved, editor=editor)
    client.force_login(editor)
    page = client.get("/publishing/").content.decode()
    assert f"/publishing/articles/{approved.slug}/withdraw/" in page
    assert f"/publishing/publications/{live.pk}/retry/" not in page
