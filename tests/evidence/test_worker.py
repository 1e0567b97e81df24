"""The daily evidence job on a REAL Celery worker (Redis broker, the shared PostgreSQL test database)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from articles.models import Article
from evidence import tasks
from evidence.models import EvidenceAlert
from tests import factories
from tests.evidence.conftest import import_samples, make_evidence_article
from tests.publishing.publish_helpers import approve, broker, make_disclaimers, request_and_publish
from tests.publishing.test_worker import broker_url, wait_for, workers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_one_job_run_on_a_worker_raises_the_alerts_of_a_live_article(broker_url, workers):  # noqa: F811
    author = factories.UserFactory(username="ea", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(user__username="er").user
    editor = factories.UserFactory(username="ee", groups=["Editors"])
    article = approve(make_evidence_article(author), author=author, reviewer=reviewer)
    make_disclaimers()
    request_and_publish(article, editor=editor)
    import_samples()
    worker = workers(broker_url)
    with broker(broker_url):
        tasks.match_evidence.apply_async()
    wait_for(
        lambda: EvidenceAlert.objects.filter(article=article).count() == 4,
        timeout=45,
        what="the evidence job",
        log=worker,
    )
    kinds = set(EvidenceAlert.objects.filter(article=article).values_list("kind", flat=True))
    assert kinds == {"retraction", "correction", "expression_of_concern", "label"}
    assert Article.objects.get(pk=article.pk).next_review_due == timezone.localdate()
