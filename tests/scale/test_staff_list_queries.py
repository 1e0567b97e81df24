"""Studio, publishing desk and history lists: a fixed number of queries, whatever their length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing import services as publishing
from publishing.models import ReaderMessage
from tests import factories
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish
from tests.scale.helpers import assert_flat

pytestmark = pytest.mark.django_db


def test_studio_list_is_flat(client, author, author2):
    factories.make_article(author=author, slug="first")
    client.force_login(author)

    def grow():
        for i in range(6):
            article = factories.make_article(author=author, slug=f"more-{i}")
            article.authors.add(author2)  # co-authors must not duplicate rows
        factories.make_article(author=author2, slug="not-mine")

    assert_flat(
        client,
        reverse("studio:article_list"),
        grow,
        expect_more=lambda body: "/studio/more-5/" in body and "not-mine" not in body and "1–7 of 7" in body,
    )


def test_studio_history_is_flat(client, author):
    article = factories.make_article(author=author)
    client.force_login(author)

    def grow():
        for i in range(6):
            edit(article, author=author, title=f"What is the treatment for CMV, take {i}?")

    assert_flat(
        client,
        reverse("studio:article_history", kwargs={"slug": article.slug}),
        grow,
        expect_more=lambda body: "1–7 of 7" in body,
    )


def _desk_batch(prefix: str, n: int, *, author, reviewer, editor) -> None:
    """n articles in each state the desk lists: awaiting, pending, scheduled, live, failed."""
    for i in range(n):
        made = {}
        for state in ("awaiting", "pending", "scheduled", "live", "failed"):
            article = factories.make_article(author=author, slug=f"{prefix}-{state}-{i}")
            made[state] = approve(article, author=author, reviewer=reviewer)
        publishing.publication_request(made["pending"], acting_user=editor)
        publishing.publication_schedule(
            made["scheduled"], acting_user=editor, go_live_at=timezone.now() + dt.timedelta(days=2)
        )
        request_and_publish(made["live"], editor=editor)
        failed = publishing.publication_request(made["failed"], acting_user=editor)
        publishing.publication_record_failure(failed.pk, error="Renderer exploded.", permanent=True)


def test_publishing_dashboard_is_flat(client, author, reviewer, editor, settings):
    settings.PROVISIONAL_PUBLISHING = True
    make_disclaimers()
    _desk_batch("x", 1, author=author, reviewer=reviewer, editor=editor)
    factories.make_article(author=author, slug="x-board")
    client.force_login(editor)

    def grow():
        _desk_batch("y", 3, author=author, reviewer=reviewer, editor=editor)

    assert_flat(
        client,
        reverse("publishing:dashboard"),
        grow,
        expect_more=lambda body: (
            all(f"y-{s}-2" in body for s in ("awaiting", "scheduled", "live", "failed"))
            and body.count("y-pending-") == 0  # pending rows show titles, not slugs
            and body.count("Renderer exploded.") == 4
        ),
    )


def test_inbox_is_flat(client, article, editor):
    def messages(n: int, start: int) -> None:
        for i in range(n):
            ReaderMessage.objects.create(article=article, message=f"Question number {start + i}?")

    messages(2, 0)
    other = factories.make_article(author=article.authors.get(), slug="other")
    client.force_login(editor)

    def grow():
        messages(8, 2)
        ReaderMessage.objects.create(article=other, message="About the other one?")

    assert_flat(
        client,
        reverse("publishing:inbox"),
        grow,
        expect_more=lambda body: "Question number 9?" in body and "About the other one?" in body,
    )


def test_publication_history_is_flat(client, article, author, reviewer, editor):
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    client.force_login(editor)

    def grow():
        for i in range(3):
            edit(article, author=author, summary=f"Version {i}: valganciclovir by mouth [@kotton2018].")
            approve(article, author=author, reviewer=reviewer)
            request_and_publish(article, editor=editor, change_summary=f"Change {i}")

    assert_flat(
        client,
        reverse("publishing:history", kwargs={"slug": article.slug}),
        grow,
        expect_more=lambda body: "Change 2" in body and "1–4 of 4" in body,
    )
