"""Publishing an approved article: pages per audience, the pinned text, newer wins, failures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from articles.content import content_from_revision
from articles.models import Audience
from audit.models import WorkflowEvent
from publishing import cache as reader_cache
from publishing import selectors, services
from publishing.exceptions import (
    ContentHashMismatch,
    InvalidPublicationState,
    ProvisionalPublishingDisabled,
    PublishingPermissionError,
)
from publishing.models import Publication, PublishedPage
from publishing.services import golive
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish, run_publish

pytestmark = pytest.mark.django_db

State = Publication.State


@pytest.fixture
def approved(article, author, reviewer):
    return approve(article, author=author, reviewer=reviewer)


def test_publishing_an_approved_article_makes_a_page_per_audience_with_the_approved_hash(approved, editor):
    publication = request_and_publish(approved, editor=editor, change_summary="First publication.")

    assert publication.state == State.LIVE
    assert publication.content_hash == approved.last_approved_hash
    pages = list(publication.pages.all())
    active = set(Audience.objects.filter(active=True).values_list("pk", flat=True))
    assert {p.audience_id for p in pages} == active | {None}
    assert all(p.content_hash == approved.last_approved_hash for p in pages)
    recomputed = content_from_revision(publication.revision, article_id=approved.pk).content_hash()
    assert recomputed == approved.last_approved_hash


def test_patient_page_uses_its_variant_and_others_fall_back_to_the_default(approved, editor):
    publication = request_and_publish(approved, editor=editor)
    patient = selectors.published_page_get(publication, Audience.objects.get(slug="patient"))
    student = selectors.published_page_get(publication, Audience.objects.get(slug="student"))
    default = selectors.published_page_get(publication, None)
    assert "antiviral medicine called valganciclovir" in patient.summary_html
    assert "Ganciclovir by vein" in student.summary_html
    assert student.summary_html == default.summary_html
    assert patient.data["audience"] == "patient"
    assert default.data["audience"] is None
    assert [r["key"] for r in default.data["references"]][:1] == ["kotton2018"]
    assert default.data["drugs"] == ["ganciclovir", "valganciclovir"]


def test_edit_after_approval_publishes_the_approved_text_not_the_edit(approved, author, editor):
    edit(approved, author=author, summary="An unreviewed new bottom line.")
    publication = request_and_publish(approved, editor=editor)
    assert publication.state == State.LIVE
    page = selectors.published_page_get(publication, None)
    assert "unreviewed" not in page.summary_html
    assert "Ganciclovir by vein" in page.summary_html


def test_review_snapshot_names_the_approving_reviewer_and_dates(approved, editor):
    page = selectors.published_page_get(request_and_publish(approved, editor=editor), None)
    snapshot = page.review_snapshot
    assert snapshot["kind"] == "approved"
    assert snapshot["stage"] == "approved"
    assert snapshot["reviewers"][0]["name"] == "Dr. Rita Reviewer"
    assert snapshot["reviewers"][0]["credentials"] == "MD, Infectious Diseases"
    assert snapshot["last_reviewed"] == approved.last_reviewed.isoformat()
    assert snapshot["revision_id"] == approved.last_approved_revision_id
    assert snapshot["submitted_at"] and snapshot["approved_at"] and snapshot["review_started_at"]


def test_disclaimer_is_audience_specific_then_all_audiences_and_latest_effective(approved, editor):
    disclaimers = make_disclaimers()
    from publishing.models import Disclaimer

    Disclaimer.objects.create(name="Future", text="Not yet.", effective_from=timezone.now() + dt.timedelta(days=1))
    publication = request_and_publish(approved, editor=editor)
    pro = selectors.published_page_get(publication, Audience.objects.get(slug="professional"))
    patient = selectors.published_page_get(publication, Audience.objects.get(slug="patient"))
    assert pro.disclaimer == disclaimers["professional"]
    assert patient.disclaimer == disclaimers["all"]
    assert "<strong>education</strong>" in patient.disclaimer_html


def test_only_editors_can_request_publication(approved, author):
    with pytest.raises(PublishingPermissionError):
        services.publication_request(approved, acting_user=author)
    assert not Publication.objects.exists()


def test_a_draft_without_approval_cannot_be_published(article, editor):
    with pytest.raises(InvalidPublicationState):
        services.publication_request(article, acting_user=editor)


def test_request_is_refused_when_the_pinned_revision_no_longer_hashes_to_the_approval(approved, editor):
    approved.last_approved_hash = "0" * 64
    approved.save(update_fields=["last_approved_hash"])
    with pytest.raises(ContentHashMismatch):
        services.publication_request(approved, acting_user=editor)
    assert not Publication.objects.exists()


def test_render_time_hash_mismatch_fails_without_publishing(approved, editor):
    publication = services.publication_request(approved, acting_user=editor)
    Publication.objects.filter(pk=publication.pk).update(content_hash="f" * 64)
    publication = run_publish(publication)
    assert publication.state == State.FAILED
    assert "not the" in publication.last_error
    assert not PublishedPage.objects.exists()


def test_request_writes_an_audit_row_and_a_pending_outbox_row(approved, editor):
    publication = services.publication_request(approved, acting_user=editor, change_summary="New dosing table.")
    assert publication.state == State.PENDING
    assert publication.slug == "cmv-treatment"
    event = WorkflowEvent.objects.filter(action="publication_requested").get()
    assert event.actor == editor and event.revision_id == approved.last_approved_revision_id


def test_second_request_for_the_same_waiting_revision_is_refused(approved, editor):
    services.publication_request(approved, acting_user=editor)
    with pytest.raises(InvalidPublicationState):
        services.publication_request(approved, acting_user=editor)


def test_publishing_twice_is_idempotent(approved, editor):
    publication = request_and_publish(approved, editor=editor)
    count = PublishedPage.objects.count()
    publication = run_publish(publication)
    assert publication.state == State.LIVE
    assert PublishedPage.objects.count() == count


def test_new_approved_revision_supersedes_the_live_one(approved, author, reviewer, editor):
    first = request_and_publish(approved, editor=editor)
    edit(approved, author=author, summary="Updated bottom line [@kotton2018].")
    approve(approved, author=author, reviewer=reviewer)
    second = request_and_publish(approved, editor=editor)
    first.refresh_from_db()
    assert second.state == State.LIVE and first.state == State.SUPERSEDED
    assert selectors.publication_live_get("cmv-treatment") == second
    assert list(selectors.publication_history(approved)) == [second, first]
    assert "Updated bottom line" in selectors.published_page_get(second, None).summary_html


def test_older_revision_finishing_after_the_newer_one_never_goes_live(approved, author, reviewer, editor):
    older = services.publication_request(approved, acting_user=editor)
    edit(approved, author=author, summary="Revision four [@kotton2018].")
    approve(approved, author=author, reviewer=reviewer)
    newer = services.publication_request(approved, acting_user=editor)
    assert newer.revision_id > older.revision_id

    run_publish(newer)
    older = run_publish(older)

    newer.refresh_from_db()
    assert newer.state == State.LIVE
    assert older.state == State.SUPERSEDED and older.live_at is None
    assert not older.pages.exists()


def test_go_live_invalidates_the_reader_cache(approved, editor, django_capture_on_commit_callbacks):
    before = reader_cache.reader_cache_key("cmv-treatment", "patient")
    site_before = reader_cache.site_cache_key("index")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_request(approved, acting_user=editor)
    assert selectors.publication_live_get("cmv-treatment") is not None  # eager: ran on commit
    assert reader_cache.reader_cache_key("cmv-treatment", "patient") != before
    assert reader_cache.site_cache_key("index") != site_before


@override_settings(PUBLISH_MAX_ATTEMPTS=3, PUBLISH_RETRY_BACKOFF=0)
def test_failed_render_marks_failed_after_last_retry_emails_editors_and_keeps_the_live_page(
    approved, author, reviewer, editor, monkeypatch, django_capture_on_commit_callbacks
):
    live = request_and_publish(approved, editor=editor)
    edit(approved, author=author, summary="Second version [@kotton2018].")
    approve(approved, author=author, reviewer=reviewer)
    calls = []

    def broken_build(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(golive, "build_pages", broken_build)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.publication_request(approved, acting_user=editor)
    publication.refresh_from_db()
    live.refresh_from_db()

    assert len(calls) == 3
    assert publication.state == State.FAILED and publication.attempts == 3
    assert "renderer exploded" in publication.last_error
    assert live.state == State.LIVE
    assert selectors.publication_live_get("cmv-treatment") == live
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["editors@example.org", editor.email])
    assert all("Publishing failed" in m.subject and "renderer exploded" in m.body for m in mail.outbox)
    assert "renderer exploded" in mail.outbox[0].alternatives[0][0]


def test_retry_sends_a_failed_publication_again(approved, editor, django_capture_on_commit_callbacks):
    publication = services.publication_request(approved, acting_user=editor)
    Publication.objects.filter(pk=publication.pk).update(state=State.FAILED, attempts=5, last_error="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_retry(publication, acting_user=editor)
    publication.refresh_from_db()
    assert publication.state == State.LIVE
    with pytest.raises(InvalidPublicationState):
        services.publication_retry(publication, acting_user=editor)


def test_provisional_publishing_is_refused_by_default(article, author, editor):
    from review import services as review_services

    review_services.article_submit(article, acting_user=author)
    with pytest.raises(ProvisionalPublishingDisabled):
        services.publication_request_provisional(article, acting_user=editor)


@override_settings(PROVISIONAL_PUBLISHING=True)
def test_provisional_page_carries_the_pending_stage_and_is_superseded_by_the_approval(
    article, author, reviewer, editor
):
    from review import services as review_services

    review_services.article_submit(article, acting_user=author)
    provisional = run_publish(services.publication_request_provisional(article, acting_user=editor))
    assert provisional.state == State.LIVE and provisional.kind == Publication.Kind.PROVISIONAL
    snapshot = selectors.published_page_get(provisional, None).review_snapshot
    assert snapshot["kind"] == "provisional" and snapshot["stage"] == "submitted"
    assert snapshot["approved_at"] is None and snapshot["reviewers"] == []

    review_services.review_claim(article, acting_user=reviewer)
    review_services.review_approve(article, acting_user=reviewer)
    article.refresh_from_db()
    approved_pub = request_and_publish(article, editor=editor)
    provisional.refresh_from_db()
    assert approved_pub.state == State.LIVE and provisional.state == State.SUPERSEDED
    assert approved_pub.revision_id == provisional.revision_id


@override_settings(PROVISIONAL_PUBLISHING=True)
def test_provisional_snapshot_shows_in_review_with_assigned_reviewers(article, author, reviewer, editor):
    from review import services as review_services

    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    page = selectors.published_page_get(
        run_publish(services.publication_request_provisional(article, acting_user=editor)), None
    )
    assert page.review_snapshot["stage"] == "in_review"
    assert page.review_snapshot["reviewers"][0]["name"] == "Dr. Rita Reviewer"


@override_settings(AUTO_PUBLISH_ON_APPROVAL=True)
def test_auto_publish_on_approval_requests_publication(article, author, reviewer):
    approve(article, author=author, reviewer=reviewer)
    publication = Publication.objects.get(article=article)
    assert publication.state == State.PENDING
    assert publication.revision_id == article.last_approved_revision_id


def test_approval_does_not_publish_when_auto_publish_is_off(article, author, reviewer):
    approve(article, author=author, reviewer=reviewer)
    assert not Publication.objects.exists()
