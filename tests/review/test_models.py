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
    for path in sorted((root / "publishing" / "services").glob("[!_]*.py")):
        written |= set(re.findall(r'WorkflowEvent[^)]*action="([a-z_]+)"', path.read_text()))
    assert written, "no actions found: the pattern no longer matches the services"
    missing = {action for action in written if action not in WorkflowEvent.ACTION_LABELS}
    assert not missing, f"add labels for {sorted(missing)} to WorkflowEvent.ACTION_LABELS"
