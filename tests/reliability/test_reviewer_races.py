"""Two board members deciding the same article at the same moment, many times over (PostgreSQL row locks).

Each round is a fresh article with a quorum of two, both reviewers claimed;
even rounds both approve, odd rounds one approves while the other requests
changes. Every round must end in exactly one status transition out of review.
`make test`: 5 rounds; `make reliability`: 100.
"""

from __future__ import annotations

import time

import pytest

from articles.models import Article
from audit.models import WorkflowEvent
from review import services
from review.exceptions import ReviewError
from review.models import ReviewDecision
from tests import factories
from tests.reliability.live import record, scale
from tests.review.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_reviewers_deciding_at_once_make_exactly_one_transition_every_time(settings):
    settings.REVIEW_REQUIRED_APPROVALS = 2
    rounds = scale(5, 100)
    author = factories.UserFactory(username="alice", groups=["Authors"])
    first = factories.BoardMemberFactory(user__username="rita").user
    second = factories.BoardMemberFactory(user__username="raj").user
    lost_races = 0
    slowest = 0.0
    for index in range(rounds):
        article = factories.make_article(author=author, slug=f"race-{index}")
        services.article_submit(article, acting_user=author)
        services.review_claim(article, acting_user=first)
        services.review_claim(article, acting_user=second)
        both_approve = index % 2 == 0
        began = time.monotonic()
        results = run_together(
            lambda a=article: services.review_approve(Article.objects.get(pk=a.pk), acting_user=first),
            (lambda a=article: services.review_approve(Article.objects.get(pk=a.pk), acting_user=second))
            if both_approve
            else (
                lambda a=article: services.review_request_changes(
                    Article.objects.get(pk=a.pk), acting_user=second, comment="Check the dose."
                )
            ),
        )
        slowest = max(slowest, time.monotonic() - began)
        errors = [r for r in results if isinstance(r, Exception)]
        assert all(isinstance(e, ReviewError) for e in errors), errors  # a refusal, never a crash
        lost_races += len(errors)
        article.refresh_from_db()
        leaving_review = WorkflowEvent.objects.filter(article=article, from_status="in_review").exclude(
            to_status="in_review"
        )
        assert leaving_review.count() == 1, (index, list(leaving_review.values_list("action", "to_status")))
        if both_approve:
            assert errors == []
            assert article.status == "approved"
            assert ReviewDecision.objects.filter(round__article=article, decision="approve").count() == 2
        else:
            assert article.status == "changes_requested"
    record(
        "reviewer_races",
        engine="postgresql",
        rounds=rounds,
        one_transition_each=rounds,
        refused_as_stale=lost_races,
        slowest_round_ms=round(slowest * 1000),
    )
