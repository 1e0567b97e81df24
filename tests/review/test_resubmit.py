"""After a request for changes the author sees the feedback first, and an unchanged resubmission asks for a reply."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import services as article_services
from audit.models import WorkflowEvent
from review import services
from review.models import ReviewComment

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes_requested(in_review, reviewer):
    services.review_request_changes(
        in_review,
        acting_user=reviewer,
        comment="Please check the induction dose against the label.",
        section_comments=[services.CommentInput(text="Say how long maintenance lasts.", section="Dosing")],
    )
    in_review.refresh_from_db()
    return in_review


def _submit(client, article, **data):
    return client.post(reverse("studio:review_submit", kwargs={"slug": article.slug}), data)


def test_editor_shows_the_decision_and_open_comments_at_the_top(client, author, changes_requested):
    client.force_login(author)
    html = client.get(reverse("studio:article_edit", kwargs={"slug": changes_requested.slug})).content.decode()
    feedback = html.index("Feedback from the Medical Advisory Board")
    assert feedback < html.index('id="article-form"')
    assert "Please check the induction dose against the label." in html[feedback:]
    assert "Say how long maintenance lasts." in html[feedback:]
    assert 'data-section="Dosing"' in html
    comment = ReviewComment.objects.get()
    assert reverse("studio:review_comment_resolve", kwargs={"pk": comment.pk}) in html[feedback:]


def test_unchanged_resubmission_with_open_comments_asks_for_confirmation(client, author, changes_requested):
    client.force_login(author)
    response = _submit(client, changes_requested)
    assert response.status_code == 200
    page = response.content.decode()
    assert "has not changed since the board asked for changes" in page
    assert "1 reviewer comment is not marked resolved" in page
    assert 'name="confirmed" value="1"' in page
    changes_requested.refresh_from_db()
    assert changes_requested.status == "changes_requested"


def test_confirming_needs_a_reply_and_records_it(client, author, changes_requested):
    client.force_login(author)
    response = _submit(client, changes_requested, confirmed="1", comment="  ")
    assert response.status_code == 409
    assert "Write a reply for the reviewers" in response.content.decode()
    changes_requested.refresh_from_db()
    assert changes_requested.status == "changes_requested"

    reply = "The label dose is already in the Dosing section; see the second bullet."
    response = _submit(client, changes_requested, confirmed="1", comment=reply)
    assert response.status_code == 302
    changes_requested.refresh_from_db()
    assert changes_requested.status == "submitted"
    event = WorkflowEvent.objects.filter(article=changes_requested, action="submit").latest("created_at")
    assert event.comment == reply


def test_changed_text_and_resolved_comments_resubmit_without_a_question(client, author, changes_requested):
    client.force_login(author)
    comment = ReviewComment.objects.get()
    assert client.post(reverse("studio:review_comment_resolve", kwargs={"pk": comment.pk})).status_code == 302
    article_services.article_update(
        changes_requested,
        acting_user=author,
        lock_version=changes_requested.lock_version,
        fields={"body": changes_requested.body + "\nMaintenance continues until the immune system recovers.\n"},
    )
    response = _submit(client, changes_requested)
    assert response.status_code == 302
    changes_requested.refresh_from_db()
    assert changes_requested.status == "submitted"


def test_first_submission_needs_no_confirmation(author, article):
    assert services.article_submit(article, acting_user=author).status == "submitted"
