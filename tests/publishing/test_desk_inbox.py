"""The editors' inbox of reader messages and the editorial policy editor."""

from __future__ import annotations

import pytest
from reversion.models import Version

from publishing.exceptions import FurniturePermissionError, InboxPermissionError, InvalidMessageTransition
from publishing.models import EditorialPolicy, FurnitureChange, ReaderMessage
from publishing.services import (
    furniture_change_approve,
    furniture_change_propose,
    reader_message_create,
    reader_message_set_state,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(article) -> ReaderMessage:
    return reader_message_create(article, kind="question", message="Is it safe in pregnancy?", ip="192.0.2.1")


def test_inbox_permissions(client, editor, author, message):
    assert client.get("/publishing/inbox/").status_code == 302
    assert "/accounts/login/" in client.get("/publishing/inbox/")["Location"]
    client.force_login(author)
    assert client.get("/publishing/inbox/").status_code == 403
    client.force_login(editor)
    response = client.get("/publishing/inbox/")
    assert response.status_code == 200 and "Is it safe in pregnancy?" in response.content.decode()


def test_inbox_lists_by_state(client, editor, message, article):
    other = reader_message_create(article, kind="problem", message="Typo in dosing", ip="192.0.2.2")
    reader_message_set_state(other, acting_user=editor, state="dismissed")
    client.force_login(editor)
    open_html = client.get("/publishing/inbox/?state=open").content.decode()
    assert "Is it safe in pregnancy?" in open_html and "Typo in dosing" not in open_html
    dismissed_html = client.get("/publishing/inbox/?state=dismissed").content.decode()
    assert "Typo in dosing" in dismissed_html and "Is it safe in pregnancy?" not in dismissed_html


def test_editor_marks_a_message_answered_through_the_page(client, editor, message):
    client.force_login(editor)
    response = client.post(
        f"/publishing/inbox/{message.pk}/state/",
        {"state": "answered", "note": "Replied by email", "back_state": "open"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == "answered" and message.handled_by == editor and message.editor_note == "Replied by email"


def test_author_cannot_change_message_state(client, author, message):
    client.force_login(author)
    assert client.post(f"/publishing/inbox/{message.pk}/state/", {"state": "dismissed"}).status_code == 403
    message.refresh_from_db()
    assert message.state == "open"


def test_service_refuses_non_editors_and_bad_edges(editor, author, message):
    with pytest.raises(InboxPermissionError):
        reader_message_set_state(message, acting_user=author, state="answered")
    reader_message_set_state(message, acting_user=editor, state="answered")
    with pytest.raises(InvalidMessageTransition):
        reader_message_set_state(message, acting_user=editor, state="dismissed")
    reader_message_set_state(message, acting_user=editor, state="open")
    message.refresh_from_db()
    assert message.state == "open"


def test_policy_editor_permissions(client, editor, author):
    assert client.get("/publishing/policy/").status_code == 302
    client.force_login(author)
    assert client.get("/publishing/policy/").status_code == 403
    client.force_login(editor)
    assert client.get("/publishing/policy/").status_code == 200


def test_editor_proposes_policy_and_it_goes_live_once_another_approves(
    client, editor, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    client.post("/publishing/policy/", {"title": "Editorial policy", "body": "Version one."})
    assert "Version one." not in client.get("/editorial-policy/").content.decode()  # proposed: not live
    for change in FurnitureChange.objects.filter(state="proposed").order_by("pk"):
        furniture_change_approve(change, acting_user=reviewer)
    client.post("/publishing/policy/", {"title": "Editorial policy", "body": "Version two."})
    with django_capture_on_commit_callbacks(execute=True):  # the approval purges the cached policy page
        furniture_change_approve(FurnitureChange.objects.get(state="proposed"), acting_user=reviewer)
    policy = EditorialPolicy.objects.order_by("pk").first()
    assert policy.body == "Version two." and policy.updated_by == reviewer
    assert Version.objects.get_for_object(policy).count() >= 2
    assert "Version two." in client.get("/editorial-policy/").content.decode()


def test_policy_form_errors_are_shown(client, editor):
    client.force_login(editor)
    response = client.post("/publishing/policy/", {"title": "", "body": ""})
    assert response.status_code == 200 and "Please fill in both" in response.content.decode()


def test_policy_service_refuses_non_editors(author):
    with pytest.raises(FurniturePermissionError):
        furniture_change_propose(acting_user=author, kind="policy", values={"title": "x", "body": "y"})


def test_superuser_passes_the_inbox(client, message):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get("/publishing/inbox/").status_code == 200
