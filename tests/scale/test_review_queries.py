"""The board's and the editors' queues cost a fixed number of queries, whatever the rows and the board's size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from review import services
from review.models import ReviewRound
from tests import factories
from tests.scale.helpers import assert_flat, board_members

pytestmark = pytest.mark.django_db


def _submitted(author, slugs: list[str]) -> list:
    articles = []
    for slug in slugs:
        article = factories.make_article(author=author, slug=slug, title=f"What treats {slug}?")
        articles.append(services.article_submit(article, acting_user=author))
    return articles


def test_board_queue_is_flat(client, author, reviewer, reviewer2):
    _submitted(author, ["a1", "a2"])
    services.review_claim(_submitted(author, ["m1"])[0], acting_user=reviewer)
    client.force_login(reviewer)

    def grow():
        _submitted(author, [f"b{i}" for i in range(6)])
        for article in _submitted(author, ["m2", "m3"]):
            services.review_claim(article, acting_user=reviewer)
        # Other reviewers' seats, and members whose disclosures recuse them.
        services.review_claim(_submitted(author, ["o1"])[0], acting_user=reviewer2)
        board_members(4, disclosed_drugs="valganciclovir")

    assert_flat(
        client,
        reverse("review:queue"),
        grow,
        expect_more=lambda body: "/review/b5/" in body and "/review/m3/" in body and "/review/o1/" in body,
    )


def test_board_queue_is_flat_for_a_recused_member(client, author):
    recused = board_members(1, start=90, disclosed_drugs="ganciclovir")[0].user
    _submitted(author, ["a1"])
    client.force_login(recused)
    assert_flat(
        client,
        reverse("review:queue"),
        lambda: (_submitted(author, [f"b{i}" for i in range(5)]), board_members(3)),
        expect_more=lambda body: "/review/b4/" in body and body.count("Recused") >= 6,
    )


def test_editors_queue_is_flat(client, author, reviewer, reviewer2, editor):
    def build(prefix: str, n: int) -> None:
        submitted = _submitted(author, [f"{prefix}s{i}" for i in range(n)])
        in_review = _submitted(author, [f"{prefix}r{i}" for i in range(n)])
        for article in in_review:
            services.review_assign(
                article, acting_user=editor, reviewers=[reviewer.board_member, reviewer2.board_member]
            )
        for article in _submitted(author, [f"{prefix}c{i}" for i in range(n)]):
            services.review_claim(article, acting_user=reviewer)
            services.review_request_changes(article, acting_user=reviewer, comment="Cite the label.")
        for article in _submitted(author, [f"{prefix}d{i}" for i in range(n)]):
            services.review_claim(article, acting_user=reviewer)
            services.review_approve(article, acting_user=reviewer)
        # Old submissions (stale) and approvals due for re-review (overdue).
        long_ago = timezone.now() - dt.timedelta(days=30)
        ReviewRound.objects.filter(article__in=submitted).update(submitted_at=long_ago)
        from articles.models import Article

        Article.objects.filter(slug__startswith=f"{prefix}d").update(
            next_review_due=timezone.localdate() - dt.timedelta(days=1)
        )

    build("x", 1)
    client.force_login(editor)

    def grow():
        build("y", 4)
        board_members(5, start=50, disclosed_drugs="ganciclovir")

    assert_flat(
        client,
        reverse("review:editor_queue"),
        grow,
        expect_more=lambda body: (
            all(f"/review/y{k}3/" in body for k in "src") and "yd3" in body and "Dr. Board54" in body
        ),
    )


def test_review_page_history_is_flat(client, author, reviewer, editor):
    article = _submitted(author, ["hist"])[0]
    services.review_claim(article, acting_user=reviewer)
    client.force_login(editor)

    def grow():
        for i in range(22):
            services.review_comment_add(article, acting_user=reviewer, text=f"Note {i}", section="Dosing")
        board_members(5, start=70, disclosed_drugs="ganciclovir")

    assert_flat(
        client,
        reverse("review:detail", kwargs={"slug": "hist"}),
        grow,
        # Newest first, a page of 20: the oldest steps are on page 2.
        expect_more=lambda body: "Dr. Board74" in body and "1–20 of 24" in body and "events_page=2" in body,
    )
