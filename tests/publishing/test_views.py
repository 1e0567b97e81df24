"""The editors' publishing desk, driven through its URLs as each persona would."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing.models import Disclaimer, Publication
from tests import factories
from tests.publishing.publish_helpers import approve, broker, run_publish

pytestmark = pytest.mark.django_db

State = Publication.State


@pytest.fixture
def approved(article, author, reviewer):
    return approve(article, author=author, reviewer=reviewer)


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("publishing:dashboard", {}),
        ("publishing:publish", {"slug": "cmv-treatment"}),
        ("publishing:schedule", {"slug": "cmv-treatment"}),
        ("publishing:withdraw", {"slug": "cmv-treatment"}),
        ("publishing:history", {"slug": "cmv-treatment"}),
    ],
)
def test_desk_pages_are_for_editors_only(client, approved, editor, author, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert login(client, author).get(url).status_code == 403
    assert login(client, editor).get(url).status_code == 200


def test_dashboard_lists_approved_unpublished_and_links_to_the_inbox(client, approved, editor):
    response = login(client, editor).get(reverse("publishing:dashboard"))
    body = response.content.decode()
    assert approved.title in body
    assert reverse("publishing:publish", kwargs={"slug": approved.slug}) in body
    assert 'href="/publishing/inbox/"' in body


def test_publish_via_confirmation_page_goes_live(client, approved, editor, django_capture_on_commit_callbacks):
    login(client, editor)
    url = reverse("publishing:publish", kwargs={"slug": approved.slug})
    assert "Publish now" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"change_summary": "First version."})
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.state == State.LIVE and publication.change_summary == "First version."
    assert publication.requested_by == editor


def test_publish_shows_the_service_error_for_an_unapproved_article(client, article, editor):
    response = login(client, editor).post(reverse("publishing:publish", kwargs={"slug": article.slug}), {})
    assert response.status_code == 200
    assert "no approved revision" in response.content.decode()
    assert not Publication.objects.exists()


def test_author_cannot_publish_by_posting(client, approved, author):
    response = login(client, author).post(reverse("publishing:publish", kwargs={"slug": approved.slug}), {})
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_schedule_form_validates_times(client, approved, editor):
    login(client, editor)
    url = reverse("publishing:schedule", kwargs={"slug": approved.slug})
    past = (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"go_live_at": past})
    assert "already passed" in response.content.decode()
    soon = timezone.now() + dt.timedelta(days=1)
    response = client.post(
        url,
        {
            "go_live_at": soon.strftime("%Y-%m-%dT%H:%M"),
            "expires_at": (soon - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "must be after the go-live time" in response.content.decode()
    assert not Publication.objects.exists()
    response = client.post(url, {"go_live_at": soon.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert Publication.objects.get().state == State.SCHEDULED


def test_withdraw_requires_a_reason_and_records_the_mode(client, approved, editor):
    from publishing import services

    run_publish(services.publication_request(approved, acting_user=editor))
    login(client, editor)
    url = reverse("publishing:withdraw", kwargs={"slug": approved.slug})
    response = client.post(url, {"reason": "", "mode": "notice"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(url, {"reason": "Dose error.", "mode": "notice"})
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.state == State.WITHDRAWN and publication.withdrawal_mode == "notice"


def test_failed_publication_shows_its_error_and_can_be_retried(
    client, approved, editor, django_capture_on_commit_callbacks
):
    from publishing import services

    publication = services.publication_request(approved, acting_user=editor)
    Publication.objects.filter(pk=publication.pk).update(state=State.FAILED, attempts=5, last_error="Boom: disk full")
    login(client, editor)
    body = client.get(reverse("publishing:dashboard")).content.decode()
    assert "Boom: disk full" in body and "Retry" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("publishing:retry", kwargs={"pk": publication.pk}))
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.state == State.LIVE


def test_retry_is_post_only_and_editor_only(client, approved, editor, author):
    from publishing import services

    publication = services.publication_request(approved, acting_user=editor)
    url = reverse("publishing:retry", kwargs={"pk": publication.pk})
    assert login(client, author).post(url).status_code == 403
    assert login(client, editor).get(url).status_code == 405


def test_history_lists_publications(client, approved, editor):
    from publishing import services

    run_publish(services.publication_request(approved, acting_user=editor, change_summary="Initial."))
    body = login(client, editor).get(reverse("publishing:history", kwargs={"slug": approved.slug})).content.decode()
    assert "Initial." in body and "Live" in body


def test_superuser_passes(client, approved):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    assert login(client, admin).get(reverse("publishing:dashboard")).status_code == 200


def test_admin_shows_publications_and_disclaimers_read_only(client, approved, editor):
    """Disclaimers change only through an approved proposal on the furniture desk, never in the admin."""
    from publishing import services

    publication = run_publish(services.publication_request(approved, acting_user=editor))
    admin = factories.UserFactory(username="root2", is_superuser=True, is_staff=True)
    login(client, admin)
    assert client.get(f"/admin/publishing/publication/{publication.pk}/change/").status_code == 200
    assert client.get("/admin/publishing/publication/add/").status_code == 403
    assert client.get("/admin/publishing/disclaimer/add/").status_code == 403
    disclaimer = Disclaimer.objects.first()
    page = client.get(f"/admin/publishing/disclaimer/{disclaimer.pk}/change/").content.decode()
    assert 'name="text"' not in page  # shown, not editable
    assert client.get("/admin/publishing/readermessage/").status_code == 200


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket closes


# Real commits, as in production: the enqueue runs when the service commits,
# before the view reports, not when a test-wide transaction ends.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_publishing_with_the_queue_down_saves_it_and_tells_the_editor(client, editor, approved):
    """The request succeeds with the broker unreachable; the editor is told it waits in the outbox."""
    client.force_login(editor)
    url = reverse("publishing:publish", kwargs={"slug": approved.slug})
    with broker(f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.post(url, {"change_summary": "First publication."}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "the job queue could not be reached. Nothing is lost" in html
    assert "not yet sent to the job queue" in html
    publication = Publication.objects.get(article=approved)
    assert publication.state == Publication.State.PENDING
    assert publication.enqueued_at is None


@committed
def test_publishing_in_process_reports_the_page_live(client, editor, approved):
    client.force_login(editor)
    url = reverse("publishing:publish", kwargs={"slug": approved.slug})
    response = client.post(url, {"change_summary": "First publication."}, follow=True)
    assert f"“{approved.title}” is live." in response.content.decode()
    assert Publication.objects.get(article=approved).state == Publication.State.LIVE
