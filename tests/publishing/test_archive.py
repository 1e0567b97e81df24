"""Archiving an article takes its page down in the same transaction (publishing's archive hook)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import WorkflowEvent
from publishing import selectors, services
from publishing.exceptions import InvalidPublicationState
from publishing.models import Publication
from review import services as review_services
from tests.publishing.publish_helpers import approve, request_and_publish, run_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures: live_site and what it needs)

pytestmark = pytest.mark.django_db

State = Publication.State


@pytest.fixture
def approved(article, author, reviewer):
    return approve(article, author=author, reviewer=reviewer)


def test_archiving_a_published_article_takes_its_page_down(
    client, live_site, editor, django_capture_on_commit_callbacks
):
    publication = live_site.publication
    archived = publication.article
    assert client.get(live_site.audience_url("patient")).status_code == 200  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        review_services.article_archive(archived, acting_user=editor, comment="No longer maintained.")

    publication.refresh_from_db()
    assert publication.state == State.WITHDRAWN
    assert publication.withdrawal_mode == Publication.WithdrawalMode.REMOVE
    assert publication.withdrawal_reason == "Archived by the editors."
    assert publication.withdrawn_at is not None
    assert selectors.publication_live_get(live_site.slug) is None
    assert client.get(live_site.audience_url("patient")).status_code == 404
    assert client.get(live_site.article_url).status_code == 404
    if live_site.language == "es":  # archiving a translation leaves its source's page up
        assert client.get("/articles/cmv-treatment/for/patient/").status_code == 200
    events = list(WorkflowEvent.objects.filter(article=archived).order_by("pk").values_list("action", "actor"))
    assert events[-2:] == [("archive", editor.pk), ("publication_withdrawn", editor.pk)]
    withdrawn = WorkflowEvent.objects.get(article=archived, action="publication_withdrawn")
    assert (withdrawn.revision_id, withdrawn.comment) == (publication.revision_id, "Archived by the editors.")


def test_archiving_cancels_a_scheduled_publication_so_it_never_goes_live(approved, editor):
    scheduled = services.publication_schedule(
        approved, acting_user=editor, go_live_at=timezone.now() + dt.timedelta(hours=1)
    )
    review_services.article_archive(approved, acting_user=editor)
    scheduled.refresh_from_db()
    assert scheduled.state == State.WITHDRAWN
    assert WorkflowEvent.objects.filter(article=approved, action="publication_withdrawn").count() == 1


def test_archiving_cancels_a_pending_publication_before_its_job_runs(approved, editor):
    pending = services.publication_request(approved, acting_user=editor)
    review_services.article_archive(approved, acting_user=editor)
    run_publish(pending)
    assert pending.state == State.WITHDRAWN
    assert not pending.pages.exists()


def test_archiving_an_unpublished_article_still_works_and_withdraws_nothing(article, editor):
    archived = review_services.article_archive(article, acting_user=editor)
    assert archived.status == "archived"
    assert not WorkflowEvent.objects.filter(article=article, action="publication_withdrawn").exists()
    assert WorkflowEvent.objects.filter(article=article, action="archive").count() == 1


def test_archiving_leaves_older_publications_alone(approved, editor):
    publication = request_and_publish(approved, editor=editor)
    services.publication_withdraw(approved, acting_user=editor, reason="Dose error found.", mode="notice")
    review_services.article_archive(approved, acting_user=editor)
    publication.refresh_from_db()
    assert (publication.state, publication.withdrawal_reason) == (State.WITHDRAWN, "Dose error found.")
    assert WorkflowEvent.objects.filter(article=approved, action="publication_withdrawn").count() == 1


def test_an_archived_article_cannot_be_published_or_retried(approved, editor):
    failed = services.publication_request(approved, acting_user=editor)
    Publication.objects.filter(pk=failed.pk).update(state=State.FAILED)  # as if every attempt had failed
    review_services.article_archive(approved, acting_user=editor)
    with pytest.raises(InvalidPublicationState, match="archived"):
        services.publication_request(approved, acting_user=editor)
    with pytest.raises(InvalidPublicationState, match="archived"):
        services.publication_retry(failed, acting_user=editor)
    failed.refresh_from_db()
    assert failed.state == State.FAILED


def test_archiving_the_source_leaves_its_live_translation_up_without_links_to_the_source(
    client, live_translation, editor, django_capture_on_commit_callbacks
):
    source = live_translation.article.translation_of
    spanish = client.get("/es/articles/tratamiento-cmv/").content.decode()
    assert 'hreflang="en"' in spanish and '"translationOfWork"' in spanish  # while the source is live
    with django_capture_on_commit_callbacks(execute=True):
        review_services.article_archive(source, acting_user=editor)
    assert client.get("/articles/cmv-treatment/").status_code == 404
    response = client.get("/es/articles/tratamiento-cmv/")
    assert response.status_code == 200  # the translation was approved on its own
    html = response.content.decode()
    # Re-rendered without the dead source: no alternate, no chooser link, no translationOfWork.
    assert 'hreflang="en"' not in html and "/articles/cmv-treatment/" not in html
