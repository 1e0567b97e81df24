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
