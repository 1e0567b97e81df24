"""Queues by urgency: publishing work on its own queue and worker, never behind bulk work (real workers, Redis).

The routing itself is checked without a worker; the worker tests start
``celery -A cms worker -Q <queue>`` subprocesses against the suite's Redis
and PostgreSQL test database, as tests/publishing/test_worker.py does.
"""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.celery import app
from cms.tasks import enqueue
from publishing import services
from publishing.models import Publication, RenderRun
from tests import factories
from tests.publishing import test_worker
from tests.publishing.publish_helpers import approve, broker, request_and_publish
from tests.publishing.test_worker import state_of, wait_for

State = Publication.State
broker_url, workers = test_worker.broker_url, test_worker.workers  # the real-worker fixtures
HOLD = ("--include=tests.publishing.hold_bulk",)


def test_every_task_goes_to_a_declared_queue_and_urgent_work_has_its_own():
    declared = {queue.name for queue in app.conf.task_queues}
    assert declared == {"publish", "mail", "bulk", "default"}
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert len(ours) > 10
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}
    assert set(routed.values()) <= declared
    for name in ("publish", "publish_scheduled", "sweep_outbox", "retry_purges"):
        assert routed[f"publishing.tasks.{name}"] == "publish", name
    for name in ("publishing.tasks.render_batch", "publishing.tasks.verify_batch", "evidence.tasks.match_evidence"):
        assert routed[name] == "bulk", name
    mail = [name for name in ours if ".notify_" in name]
    assert mail and all(routed[name] == "mail" for name in mail)
    # Nothing urgent is left on the queue bulk work shares with whatever else.
    assert not [name for name, queue in routed.items() if queue == "bulk" and "publish" in name.split(".")[-1]]


@pytest.fixture
def live_articles(db):
    author = factories.UserFactory(username="qa", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(user__username="qr").user
    editor = factories.UserFactory(username="qe", groups=["Editors"])
    live = []
    for slug in ("first-live", "second-live"):
        article = approve(factories.make_article(author=author, slug=slug), author=author, reviewer=reviewer)
        live.append(request_and_publish(article, editor=editor))
    waiting = approve(factories.make_article(author=author, slug="waiting"), author=author, reviewer=reviewer)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the jobs above ran in this process already
    return live, waiting, editor


def _start_run() -> RenderRun:
    with transaction.atomic():
        run = services.render_run_create(reason="Test: re-render everything", scope={"all": True})
    assert run is not None and run.total >= 2
    return run


def _finished(run: RenderRun) -> bool:
    return RenderRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_go_live_and_a_scheduled_withdrawal_pass_a_bulk_job_that_is_still_running(
    live_articles, broker_url, workers, tmp_path
):
    (expiring, _), waiting, editor = live_articles
    hold = tmp_path / "hold"
    hold.mkdir()
    bulk = workers(broker_url, args=("-Q", "bulk", *HOLD), VETTED_TEST_BULK_HOLD_DIR=str(hold))
    urgent = workers(broker_url, args=("-Q", "publish"))
    with broker(broker_url):
        run = _start_run()
        wait_for(lambda: list(hold.glob("held-*")), timeout=60, what="the bulk job to start", log=bulk)

        publication = services.publication_request(waiting, acting_user=editor)
        wait_for(lambda: state_of(publication) == State.LIVE, timeout=60, what="the go-live", log=urgent)
        Publication.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        assert enqueue("publishing.tasks.publish_scheduled")
        wait_for(lambda: state_of(expiring) == State.WITHDRAWN, timeout=60, what="the withdrawal", log=urgent)

        assert not _finished(run)  # the bulk job is still running on its own worker
        (hold / "release").touch()
        wait_for(lambda: _finished(run), timeout=60, what="the bulk job to finish", log=bulk)
    # Each worker ran only its own queue's jobs (the start-up banner lists every task; a job is "name[id]").
    assert "publishing.tasks.render_batch[" in bulk.output() and "publishing.tasks.publish[" in urgent.output()
    assert "publishing.tasks.render_batch[" not in urgent.output() and "publishing.tasks.publish[" not in bulk.output()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_run_reports_progress_and_resumes_where_it_was_after_its_worker_is_killed(
    live_articles, broker_url, workers, tmp_path
):
    hold = tmp_path / "hold"
    hold.mkdir()
    first = workers(
        broker_url,
        args=("-Q", "bulk", *HOLD),
        VETTED_TEST_BULK_HOLD_DIR=str(hold),
        VETTED_TEST_BULK_LET_THROUGH="1",
        RENDER_BATCH_SIZE="3",
    )
    with broker(broker_url):
        run = _start_run()
        wait_for(lambda: list(hold.glob("held-*")), timeout=60, what="the second batch", log=first)
        run.refresh_from_db()
        assert (run.done, run.cursor > 0, run.finished_at) == (3, True, None)  # progress, committed
        first.kill()

        second = workers(broker_url, args=("-Q", "bulk"), RENDER_BATCH_SIZE="3")
        assert services.render_run_resend(older_than=dt.timedelta(0)) == [run.pk]  # what beat's sweep does
        wait_for(lambda: _finished(run), timeout=90, what="the resumed run", log=second)
    run.refresh_from_db()
    assert run.done == run.total and run.failed == 0
    assert second.output().count("publishing.tasks.render_batch[") >= 2  # it went on from batch two
