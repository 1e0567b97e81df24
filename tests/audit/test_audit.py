"""The audit log: append-only in Python and on PostgreSQL, registered actions, the move from review."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from articles import workflow as article_workflow
from audit import registry
from audit.models import AppendOnly, WorkflowEvent
from audit.services import event_record
from publishing import workflow as publishing_workflow
from review import workflow as review_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(article, author):
    return event_record(article, acting_user=author, action="comment", comment="first")


def test_an_event_cannot_be_changed_or_deleted_through_the_orm(event):
    event.comment = "rewritten"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        WorkflowEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(AppendOnly):
        WorkflowEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.comment == "first"


def test_an_article_with_events_cannot_be_deleted(event, article):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        article.delete()
    assert WorkflowEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete_on_postgresql(event):
    for sql in (
        "UPDATE audit_workflowevent SET comment = 'rewritten' WHERE id = %s",
        "DELETE FROM audit_workflowevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.comment == "first"


@pytest.mark.postgres
def test_only_the_audit_trigger_remains_on_postgresql(event):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_workflowevent'::regclass AND NOT tgisinternal"
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_workflowevent_append_only"]


def test_an_unregistered_action_is_refused(article, author):
    with pytest.raises(ValueError, match="not a registered audit action"):
        event_record(article, acting_user=author, action="rubber_stamp")
    assert not WorkflowEvent.objects.exists()


def test_the_action_field_offers_the_registered_actions_as_choices():
    choices = dict(WorkflowEvent._meta.get_field("action").choices)
    assert choices["published"] == "published it"
    assert choices["reopen"] == article_workflow.TRANSITIONS["reopen"].event_label
    assert "rubber_stamp" not in choices


def test_every_event_the_tables_and_services_write_is_registered():
    written = {t.action for t in article_workflow.TRANSITIONS.values()}
    written |= {t.event for t in publishing_workflow.TRANSITIONS.values()}
    written |= set(review_workflow.EVENT_LABELS)
    from evidence.services import ALERT_ACTIONS

    written |= {event for _sources, _target, event in ALERT_ACTIONS.values()}
    missing = {action for action in written if not registry.is_registered(action)}
    assert not missing, f"register labels for {sorted(missing)} (audit.registry.register_actions in ready())"


def test_an_app_cannot_relabel_another_apps_action():
    registry.register_actions({"published": registry.labels()["published"]})  # the same words: fine
    with pytest.raises(ValueError, match="already labelled"):
        registry.register_actions({"approve": "rubber-stamped it"})
    assert registry.label("approve") == "approved it"
    assert registry.label("approve", "approved") == "approved it — the board's review is complete"


# --- the move from review.WorkflowEvent keeps every row -------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moving_the_log_from_review_to_audit_keeps_the_rows(author):
    before = [("review", "0004_decision_reviewer_seat_index"), ("audit", None)]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        # The models as the database now holds them: every migration still applied
        # (later apps' migrations that depend on the move were unapplied with it).
        applied = list(MigrationExecutor(connection).loader.applied_migrations)
        old = MigrationExecutor(connection).loader.project_state(applied).apps
        Article = old.get_model("articles", "Article")
        OldEvent = old.get_model("review", "WorkflowEvent")
        article = Article.objects.create(slug="kept", title="Kept", status="draft")
        ids = [
            OldEvent.objects.create(article_id=article.pk, actor_id=author.pk, action=action, comment=action).pk
            for action in ("submit", "claim", "approve")
        ]
        assert "review_workflowevent" in connection.introspection.table_names()

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

        tables = connection.introspection.table_names()
        assert "audit_workflowevent" in tables and "review_workflowevent" not in tables
        kept = list(WorkflowEvent.objects.filter(article_id=article.pk).order_by("pk"))
        assert [(e.pk, e.action, e.comment) for e in kept] == [
            (ids[0], "submit", "submit"),
            (ids[1], "claim", "claim"),
            (ids[2], "approve", "approve"),
        ]
        new = event_record(kept[0].article, acting_user=author, action="comment")
        assert new.pk > ids[-1]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
