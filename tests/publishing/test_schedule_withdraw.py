"""Scheduled go-live and expiry (on a controlled clock), withdrawal, and the outbox sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from publishing import cache as reader_cache
from publishing import selectors, services, tasks
from publishing.exceptions import InvalidPublicationState, PublishingPermissionError, ScheduleError
from publishing.models import Publication
from tests.publishing.publish_helpers import approve, request_and_publish

pytestmark = pytest.mark.django_db

State = Publication.State
START = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def approved(article, author, reviewer):
    return approve(article, author=author, reviewer=reviewer)


def test_schedule_refuses_a_go_live_in_the_past_and_expiry_before_go_live(approved, editor):
    now = timezone.now()
    with pytest.raises(ScheduleError, match="not in the future"):
        services.publication_schedule(approved, acting_user=editor, go_live_at=now - dt.timedelta(minutes=1))
    with pytest.raises(ScheduleError, match="after the go-live"):
        services.publication_schedule(
            approved,
            acting_user=editor,
            go_live_at=now + dt.timedelta(hours=2),
            expires_at=now + dt.timedelta(hours=1),
        )
    assert not Publication.objects.exists()


def test_scheduled_publication_goes_live_at_its_time_not_before_and_expires(
    approved, editor, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        publication = services.publication_schedule(
            approved,
            acting_user=editor,
            go_live_at=START + dt.timedelta(hours=1),
            expires_at=START + dt.timedelta(hours=3),
        )
    assert publication.state == State.SCHEDULED

    # A stray early job does nothing.
    with time_machine.travel(START + dt.timedelta(minutes=59), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.publish_scheduled.apply()
        tasks.publish.apply(args=[publication.pk])
        publication.refresh_from_db()
        assert publication.state == State.SCHEDULED
        assert selectors.publication_live_get("cmv-treatment") is None

    with time_machine.travel(START + dt.timedelta(hours=1, seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.publish_scheduled.apply()
        publication.refresh_from_db()
        assert publication.state == State.LIVE
        assert selectors.publication_live_get("cmv-treatment") == publication

    with time_machine.travel(START + dt.timedelta(hours=2, minutes=59), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.publish_scheduled.apply()
        publication.refresh_from_db()
        assert publication.state == State.LIVE

    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        key_before = reader_cache.reader_cache_key("cmv-treatment", None)
        assert selectors.publication_live_get("cmv-treatment") is None  # never served past expiry
        with django_capture_on_commit_callbacks(execute=True):
            tasks.publish_scheduled.apply()
        publication.refresh_from_db()
        assert publication.state == State.WITHDRAWN
        assert reader_cache.reader_cache_key("cmv-treatment", None) != key_before


def test_publish_scheduled_command_does_the_same_for_cron(approved, editor, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False):
        publication = services.publication_schedule(
            approved, acting_user=editor, go_live_at=START + dt.timedelta(minutes=5)
        )
    with time_machine.travel(START + dt.timedelta(minutes=6), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("publish_scheduled")
    publication.refresh_from_db()
    assert publication.state == State.LIVE


def test_withdraw_remove_takes_the_page_down_and_clears_the_cache(approved, editor, django_capture_on_commit_callbacks):
    publication = request_and_publish(approved, editor=editor)
    key_before = reader_cache.reader_cache_key("cmv-treatment", "patient")
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(approved, acting_user=editor, reason="Dose error found.", mode="remove")
    publication.refresh_from_db()
    assert publication.state == State.WITHDRAWN
    assert selectors.publication_live_get("cmv-treatment") is None
    assert selectors.publication_withdrawn_notice_get("cmv-treatment") is None
    assert reader_cache.reader_cache_key("cmv-treatment", "patient") != key_before


def test_withdraw_with_notice_keeps_a_public_notice(approved, editor):
    request_and_publish(approved, editor=editor)
    services.publication_withdraw(approved, acting_user=editor, reason="Under correction.", mode="notice")
    notice = selectors.publication_withdrawn_notice_get("cmv-treatment")
    assert notice is not None and notice.withdrawal_reason == "Under correction."
    assert selectors.publication_live_get("cmv-treatment") is None


def test_withdraw_cancels_waiting_publications_so_they_never_go_live(approved, editor):
    waiting = services.publication_request(approved, acting_user=editor)
    services.publication_withdraw(approved, acting_user=editor, reason="Hold everything.")
    tasks.publish.apply(args=[waiting.pk])
    waiting.refresh_from_db()
    assert waiting.state == State.WITHDRAWN
    assert not waiting.pages.exists()


def test_withdraw_needs_a_reason_an_editor_and_something_live(approved, editor, author):
    request_and_publish(approved, editor=editor)
    with pytest.raises(InvalidPublicationState, match="reason"):
        services.publication_withdraw(approved, acting_user=editor, reason="  ")
    with pytest.raises(PublishingPermissionError):
        services.publication_withdraw(approved, acting_user=author, reason="No.")
    services.publication_withdraw(approved, acting_user=editor, reason="Gone.")
    with pytest.raises(InvalidPublicationState, match="nothing to withdraw"):
        services.publication_withdraw(approved, acting_user=editor, reason="Again.")


def test_sweeper_resends_pending_rows_older_than_a_minute(approved, editor):
    # No on-commit capture: the job is never sent, as when the broker is down.
    publication = services.publication_request(approved, acting_user=editor)
    assert publication.enqueued_at is None
    assert services.publication_outbox_resend() == []  # too recent
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        tasks.sweep_outbox.apply()
    publication.refresh_from_db()
    assert publication.state == State.LIVE


def test_sweep_outbox_command_resends(approved, editor):
    publication = services.publication_request(approved, acting_user=editor)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        call_command("sweep_outbox")
    publication.refresh_from_db()
    assert publication.state == State.LIVE
