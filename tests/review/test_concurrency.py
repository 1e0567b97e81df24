"""Two reviewers deciding at the same moment, on PostgreSQL with real row locks."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from articles.models import Article
from audit.models import WorkflowEvent
from review import services
from review.exceptions import ReviewError
from review.models import ReviewDecision, ReviewRound
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def run_together(*calls):
    """Start every call at the same moment in its own thread; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # recorded and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def two_reviewers_in_review(settings, transactional_db):
    settings.REVIEW_REQUIRED_APPROVALS = 2
    author = factories.UserFactory(username="alice", groups=["Authors"])
    first = factories.BoardMemberFactory(user__username="rita").user
    second = factories.BoardMemberFactory(user__username="raj").user
    article = factories.make_article(author=author)
    services.article_submit(article, acting_user=author)
    services.review_claim(article, acting_user=first)
    services.review_claim(article, acting_user=second)
    return article, first, second


def test_two_simultaneous_approvals_make_exactly_one_transition(two_reviewers_in_review):
    article, first, second = two_reviewers_in_review
    results = run_together(
        lambda: services.review_approve(Article.objects.get(pk=article.pk), acting_user=first),
        lambda: services.review_approve(Article.objects.get(pk=article.pk), acting_user=second),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    article.refresh_from_db()
    assert article.status == "approved"
    assert ReviewDecision.objects.filter(decision="approve").count() == 2
    round_ = ReviewRound.objects.get()
    assert round_.status == "approved"
    assert article.last_approved_revision_id == round_.revision_id
    assert WorkflowEvent.objects.filter(action="approve", to_status="approved").count() == 1
    assert WorkflowEvent.objects.filter(action="approve", to_status="in_review").count() == 1


def test_simultaneous_approve_and_request_changes_leave_one_consistent_outcome(two_reviewers_in_review):
    article, first, second = two_reviewers_in_review
    results = run_together(
        lambda: services.review_approve(Article.objects.get(pk=article.pk), acting_user=first),
        lambda: services.review_request_changes(
            Article.objects.get(pk=article.pk), acting_user=second, comment="Check the dose."
        ),
    )
    assert all(not isinstance(r, Exception) or isinstance(r, ReviewError) for r in results), results
    article.refresh_from_db()
    round_ = ReviewRound.objects.get()
    # Quorum is 2, so one approval never approves: whichever order, changes were requested.
    assert article.status == "changes_requested" and round_.status == "changes_requested"
    transitions = WorkflowEvent.objects.exclude(from_status="in_review", to_status="in_review").filter(
        from_status="in_review"
    )
    assert transitions.count() == 1
