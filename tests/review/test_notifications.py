from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from articles.models import Article
from review import services, tasks
from review.models import BoardMember
from tests import factories

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    line = next(word for word in message.body.split() if word.startswith(settings.SITE_URL))
    return line[len(settings.SITE_URL) :]


def assert_link_opens_for(client, message, user) -> None:
    client.force_login(user)
    response = client.get(link_in(message))
    assert response.status_code == 200, (link_in(message), response.status_code)


def test_submit_emails_eligible_board_members_only(
    client, article, author, reviewer, reviewer2, django_capture_on_commit_callbacks
):
    BoardMember.objects.filter(user=reviewer2).update(disclosed_drugs="valganciclovir")
    lapsed = factories.BoardMemberFactory(
        user__username="lapsed", credential_verified_until=dt.date.today() - dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.article_submit(article, acting_user=author)
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert article.title in mail.outbox[0].subject
    assert lapsed.user.email not in str([m.to for m in mail.outbox])
    assert_link_opens_for(client, mail.outbox[0], reviewer)


def test_assignment_emails_the_assigned_reviewer(
    client, submitted, editor, reviewer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_assign(submitted, acting_user=editor, reviewers=[BoardMember.objects.get(user=reviewer)])
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert "assigned" in mail.outbox[0].subject
    assert_link_opens_for(client, mail.outbox[0], reviewer)


def test_each_decision_emails_the_authors_and_approval_emails_editors(
    client, in_review, author, reviewer, editor, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_approve(in_review, acting_user=reviewer, comment="Clear and accurate.")
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {author.email, editor.email, "editors@example.org"}
    to_author = by_recipient[author.email]
    assert "Approve" in to_author.subject and "Clear and accurate." in to_author.body
    assert_link_opens_for(client, to_author, author)
    to_editor = by_recipient[editor.email]
    assert "Approved by the board" in to_editor.subject and "Dr. Rita Reviewer" in to_editor.body
    assert_link_opens_for(client, to_editor, editor)


def test_request_changes_email_carries_the_section_comments(
    in_review, author, reviewer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_changes(
            in_review,
            acting_user=reviewer,
            comment="Needs work.",
            section_comments=[services.CommentInput(text="Add renal dosing.", section="Dosing")],
        )
    assert [m.to for m in mail.outbox] == [[author.email]]
    assert "Dosing: Add renal dosing." in mail.outbox[0].body


def test_flag_reviews_due_emails_editors_about_overdue_articles(client, in_review, reviewer, editor):
    services.review_approve(in_review, acting_user=reviewer)
    Article.objects.filter(pk=in_review.pk).update(next_review_due=dt.date.today() - dt.timedelta(days=1))
    factories.make_article(author=in_review.authors.first(), slug="not-due")
    mail.outbox.clear()
    assert tasks.flag_reviews_due() == 1
    assert {m.to[0] for m in mail.outbox} == {"editors@example.org", editor.email}
    message = mail.outbox[0]
    assert in_review.title in message.body
    assert_link_opens_for(client, message, editor)
    page = client.get(link_in(message)).content.decode()
    assert in_review.title in page  # listed under "Overdue for re-review"


def test_flag_reviews_due_sends_nothing_when_nothing_is_due(in_review, reviewer):
    services.review_approve(in_review, acting_user=reviewer)
    mail.outbox.clear()
    call_command("flag_reviews_due")
    assert mail.outbox == []


def test_flag_reviews_due_task_name_matches_the_beat_schedule():
    from cms.celery import app

    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks.flag_reviews_due.name in names
