"""A worker killed with SIGKILL in the middle of a publish job, several times: the effect happens exactly once.

The fast version runs in `make test` as
tests/publishing/test_worker.py::test_worker_killed_mid_job_the_job_runs_again_and_goes_live_exactly_once;
this one repeats it with the outbox sweep doing the recovery, as beat does in production, and
measures the time to recover (`make reliability`).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from audit.models import WorkflowEvent
from publishing import services
from publishing.models import Publication, PublishedPage
from tests import factories
from tests.publishing.publish_helpers import approve, broker
from tests.publishing.test_worker import Worker, expected_page_count, state_of
from tests.reliability.live import LONG, record, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not LONG, reason="long run only (make reliability); the fast version is in test_worker.py"),
]
State = Publication.State
VISIBILITY = 3600  # the production default: recovery here comes from the outbox sweep alone


def test_worker_killed_mid_job_repeatedly_each_publication_goes_live_once(tmp_path, settings):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    rounds = 5
    author = factories.UserFactory(username="wa", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(user__username="wr").user
    editor = factories.UserFactory(username="we", groups=["Editors"])
    recoveries = []
    for index in range(rounds):
        article = approve(factories.make_article(author=author, slug=f"kill-{index}"), author=author, reviewer=reviewer)
        hold = tmp_path / f"hold-{index}"
        hold.mkdir()
        first = Worker(
            settings.REDIS_URL,
            tmp_path / f"first-{index}.log",
            VETTED_TEST_PUBLISH_HOLD_DIR=str(hold),
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        )
        second = None
        try:
            with broker(settings.REDIS_URL):
                publication = services.publication_request(article, acting_user=editor)
            wait_until(lambda h=hold: any(h.glob("started-*")), timeout=60, what="the job to start", log=first.log)
            first.kill()
            killed_at = time.monotonic()
            assert state_of(publication) == State.PENDING
            assert not PublishedPage.objects.filter(publication=publication).exists()
            (hold / "release").touch()
            second = Worker(
                settings.REDIS_URL, tmp_path / f"second-{index}.log", CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY)
            )

            def live_after_sweep(p=publication) -> bool:
                # The outbox sweep (beat: every 60 s, stale after 60 s; here every second, stale after 5 s)
                # re-sends the job the killed worker held; the message itself comes back only after the
                # visibility timeout (3600 s by default) and then finds the page already live.
                with broker(settings.REDIS_URL):
                    services.publication_outbox_resend(older_than=dt.timedelta(seconds=5))
                return state_of(p) == State.LIVE

            wait_until(live_after_sweep, timeout=90, what="the swept job to go live", log=second.log, poll=1.0)
            recoveries.append(time.monotonic() - killed_at)
        finally:
            first.stop()
            if second:
                second.stop()
        assert PublishedPage.objects.filter(publication=publication).count() == expected_page_count()
    assert Publication.objects.filter(state=State.LIVE).count() == rounds
    assert WorkflowEvent.objects.filter(action="published").count() == rounds
    record(
        "worker_sigkill",
        engine="postgresql",
        kills=rounds,
        live_exactly_once=rounds,
        visibility_timeout_s=VISIBILITY,
        recover_seconds_max=round(max(recoveries), 1),
        recover_seconds_min=round(min(recoveries), 1),
    )
