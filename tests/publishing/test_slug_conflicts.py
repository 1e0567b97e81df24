"""At most one article is live at an address: refused on request, failed at go-live, held by the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import WorkflowEvent
from publishing import selectors, services
from publishing.exceptions import InvalidPublicationState
from publishing.models import Publication
from review import services as review_services
from tests import factories
from tests.publishing.publish_helpers import approve, edit, request_and_publish, run_publish

pytestmark = pytest.mark.django_db

State = Publication.State
TAKEN = (
    "another article is already live at /articles/cmv-treatment/ for “What is the treatment for CMV infection?”; "
    "change this article's slug or withdraw the other first"
)


@pytest.fixture
def first(article, author, reviewer):
    """cmv-treatment, approved; its approved revision keeps the address cmv-treatment."""
    return approve(article, author=author, reviewer=reviewer)


def _rename(article, author, slug="cmv-treatment-archive"):
    """Move the article's working copy to another slug; its approved revision keeps the old address."""
    return edit(article, author=author, slug=slug)


@pytest.fixture
def second(first, author, reviewer):
    """Another approved article whose approved revision also uses the address cmv-treatment."""
    _rename(first, author)
    other = factories.make_article(author=author, title="How is CMV disease treated in adults?")
    return approve(other, author=author, reviewer=reviewer)


def test_request_is_refused_while_another_article_is_live_at_the_slug(first, editor, author, reviewer):
    request_and_publish(first, editor=editor)
    _rename(first, author)
    other = approve(factories.make_article(author=author, title="Another CMV page"), author=author, reviewer=reviewer)

    with pytest.raises(InvalidPublicationState) as refused:
        services.publication_request(other, acting_user=editor)
    assert "“Another CMV page” cannot go live: " + TAKEN in str(refused.value)
    assert not Publication.objects.filter(article=other).exists()
    assert not WorkflowEvent.objects.filter(article=other, action__startswith="publication").exists()


def test_schedule_and_provisional_requests_are_refused_too(first, editor, author, reviewer, settings):
    request_and_publish(first, editor=editor)
    _rename(first, author)
    other = approve(factories.make_article(author=author, title="Another CMV page"), author=author, reviewer=reviewer)
    with pytest.raises(InvalidPublicationState, match="already live at /articles/cmv-treatment/"):
        services.publication_schedule(other, acting_user=editor, go_live_at=timezone.now() + dt.timedelta(hours=1))

    settings.PROVISIONAL_PUBLISHING = True
    edit(other, author=author, title="Another CMV page, revised")
    review_services.article_submit(other, acting_user=author)
    with pytest.raises(InvalidPublicationState, match="already live at /articles/cmv-treatment/"):
        services.publication_request_provisional(other, acting_user=editor)
    assert not Publication.objects.filter(article=other).exists()


def test_the_same_article_can_publish_a_new_revision_at_its_own_address(first, editor, author, reviewer):
    old = request_and_publish(first, editor=editor)
    edit(first, author=author, title="What is the treatment for CMV infection today?")
    approve(first, author=author, reviewer=reviewer)
    new = request_and_publish(first, editor=editor)
    old.refresh_from_db()
    assert (old.state, new.state) == (State.SUPERSEDED, State.LIVE)
    assert selectors.publication_live_get("cmv-treatment") == new


def test_go_live_fails_cleanly_when_another_article_went_live_at_the_slug_first(
    first, second, editor, django_capture_on_commit_callbacks
):
    waiting = services.publication_request(second, acting_user=editor)  # accepted: nothing is live yet
    live = request_and_publish(first, editor=editor)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        run_publish(waiting)

    assert waiting.state == State.FAILED
    assert waiting.last_error == "“How is CMV disease treated in adults?” cannot go live: " + TAKEN + "."
    assert not waiting.pages.exists()
    live.refresh_from_db()
    assert live.state == State.LIVE
    assert selectors.publication_live_get("cmv-treatment") == live
    failed = WorkflowEvent.objects.get(article=second, action="publication_failed")
    assert "already live at /articles/cmv-treatment/" in failed.comment
    assert any("already live at /articles/cmv-treatment/" in m.body for m in mail.outbox)

    # Running the job again changes nothing.
    run_publish(waiting)
    assert waiting.state == State.FAILED
    assert WorkflowEvent.objects.filter(article=second, action="publication_failed").count() == 1


def test_withdrawing_the_other_article_frees_the_slug(first, second, editor):
    request_and_publish(first, editor=editor)
    services.publication_withdraw(first, acting_user=editor, reason="Replaced by a new article.")
    publication = request_and_publish(second, editor=editor)
    assert publication.state == State.LIVE
    assert selectors.publication_live_get("cmv-treatment") == publication


def test_database_refuses_two_live_publications_at_one_slug(first, second, editor):
    live = request_and_publish(first, editor=editor)
    duplicate = dict(
        article=second,
        revision=second.last_approved_revision,
        content_hash=second.last_approved_hash,
        slug="cmv-treatment",
        requested_by=editor,
    )
    # Not live: any number may share the slug.
    Publication.objects.create(**duplicate, state=State.WITHDRAWN)
    Publication.objects.create(**duplicate, state=State.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(**duplicate, state=State.LIVE)
    assert Publication.objects.filter(slug="cmv-treatment", state=State.LIVE).get() == live
