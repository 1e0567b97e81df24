from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from review.models import WorkflowEvent

pytestmark = pytest.mark.django_db


def test_workflow_event_cannot_be_changed_or_deleted_through_the_orm(submitted):
    event = WorkflowEvent.objects.get()
    event.comment = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        WorkflowEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(TypeError):
        WorkflowEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.comment == ""


@pytest.mark.postgres
def test_workflow_event_cannot_be_changed_or_deleted_with_raw_sql_on_postgresql(submitted):
    event = WorkflowEvent.objects.get()
    for sql in (
        "UPDATE review_workflowevent SET comment = 'rewritten' WHERE id = %s",
        "DELETE FROM review_workflowevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.comment == ""


def test_every_action_the_services_write_has_a_readable_label():
    import re
    from pathlib import Path

    from publishing.workflow import TRANSITIONS
    from review.models import WorkflowEvent

    root = Path(__file__).resolve().parents[2]
    # Publishing writes the event its transition table names for each action.
    written = {transition.event for transition in TRANSITIONS.values()}
    written |= set(re.findall(r'action="([a-z_]+)"', (root / "review" / "services.py").read_text()))
    written |= set(re.findall(r'_audit\([^)]*action="([a-z_]+)"', (root / "evidence" / "services.py").read_text()))
    for path in sorted((root / "publishing" / "services").glob("[!_]*.py")):
        written |= set(re.findall(r'WorkflowEvent[^)]*action="([a-z_]+)"', path.read_text()))
    assert written, "no actions found: the pattern no longer matches the services"
    missing = {action for action in written if action not in WorkflowEvent.ACTION_LABELS}
    assert not missing, f"register labels for {sorted(missing)} (WorkflowEvent.register_actions in the app's ready())"


def test_an_app_cannot_relabel_another_apps_action():
    from review.models import WorkflowEvent

    WorkflowEvent.register_actions({"published": WorkflowEvent.ACTION_LABELS["published"]})  # the same: fine
    with pytest.raises(ValueError, match="already labelled"):
        WorkflowEvent.register_actions({"approve": "rubber-stamped it"})
    assert WorkflowEvent.ACTION_LABELS["approve"] == "approved it"


def test_only_the_workflow_services_set_an_articles_status():
    """Article.status changes in review's services (the table's one setter), plus one documented exception."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {
        ("review/services.py", "_set_status"),  # every review transition, after ensure_transition
        # Editing or restoring an approved article's text turns it back into a draft (the live page keeps
        # the approved revision); articles cannot import review's table, so this edge is set here.
        ("articles/services.py", "article_update"),
        ("articles/services.py", "article_revert"),
    }
    found = set()
    for app in ("articles", "review", "publishing", "evidence", "ops", "cms"):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text())
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Attribute)
                        and t.attr == "status"
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "article"
                        for t in node.targets
                    ):
                        found.add((rel, function.name))
    assert found <= allowed, f"Article.status set outside the workflow services: {sorted(found - allowed)}"
    assert ("review/services.py", "_set_status") in found
