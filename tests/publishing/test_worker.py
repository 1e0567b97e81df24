"""The publisher against a REAL Celery worker, Redis broker and the shared PostgreSQL test database.

Each test starts ``celery -A cms worker`` as a subprocess whose DATABASE_URL
points at pytest-django's test database, so the job runs exactly as in
production: message through Redis, late acknowledgement, its own database
connection. Waits poll a condition until a deadline; there are no bare sleeps.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from articles.models import Audience
from audit.models import WorkflowEvent
from publishing import services
from publishing.models import Publication, PublishedPage
from tests import factories
from tests.publishing.publish_helpers import approve, broker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
State = Publication.State


def wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, log: Worker | None = None, poll: float = 0.2
) -> None:
    """Poll condition until it is true, or fail after timeout seconds (with the worker's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    pytest.fail(f"Timed out after {timeout:.0f}s waiting for {what}\n{log.output() if log else ''}")


def state_of(publication: Publication) -> str:
    return Publication.objects.values_list("state", flat=True).get(pk=publication.pk)


def database_url() -> str:
    """Return a DATABASE_URL for the test database pytest-django created (test_<name>)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """A `celery -A cms worker` subprocess, logging to a file."""

    def __init__(self, broker_url: str, log: Path, *, args: tuple[str, ...] = (), **extra_env: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TESTING": "1",
            "DEBUG": "0",
            "SECRET_KEY": "worker-test",
            "DB_CONN_MAX_AGE": "0",
            **extra_env,
        }
        self.log = log
        self._log_file = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "cms",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                # The hold receiver (tests only) when a test asks the job to wait mid-way.
                *(["--include=tests.publishing.hold_publisher"] if "VETTED_TEST_PUBLISH_HOLD_DIR" in extra_env else []),
                *args,  # e.g. -Q bulk
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """Kill the worker at once (SIGKILL), as a crash or an OOM kill would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def broker_url() -> str:
    """Return the suite's Redis broker, emptied so no message from another run is picked up."""
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    return settings.REDIS_URL


@pytest.fixture
def workers(tmp_path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(broker_url: str, *, args: tuple[str, ...] = (), **extra_env: str) -> Worker:
        worker = Worker(broker_url, tmp_path / f"worker-{len(started)}.log", args=args, **extra_env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def approved_article(db):
    author = factories.UserFactory(username="wa", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(user__username="wr").user
    editor = factories.UserFactory(username="we", groups=["Editors"])
    article = approve(factories.make_article(author=author), author=author, reviewer=reviewer)
    return article, editor


def expected_page_count() -> int:
    return Audience.objects.filter(active=True).count() + 1


def assert_live_once(publication: Publication) -> None:
    publication.refresh_from_db()
    assert publication.state == State.LIVE
    assert Publication.objects.filter(article=publication.article, state=State.LIVE).count() == 1
    assert PublishedPage.objects.filter(publication=publication).count() == expected_page_count()
    assert PublishedPage.objects.exclude(publication=publication).count() == 0
    assert WorkflowEvent.objects.filter(action="published").count() == 1


def test_request_goes_live_through_a_real_worker(approved_article, broker_url, workers):
    article, editor = approved_article
    worker = workers(broker_url)
    with broker(broker_url):
        publication = services.publication_request(article, acting_user=editor)
    wait_for(lambda: state_of(publication) == State.LIVE, timeout=45, what="go-live", log=worker)
    assert_live_once(publication)
    assert Publication.objects.get(pk=publication.pk).enqueued_at is not None


def test_broker_down_request_succeeds_and_the_sweeper_publishes_when_it_is_back(approved_article, workers, tmp_path):
    redis_server = shutil.which("redis-server")
    if not redis_server:
        pytest.skip("needs redis-server on PATH to stop and start a broker of its own")
    article, editor = approved_article
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen(
            [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
            except redis.RedisError:
                return False

        wait_for(up, timeout=15, what="the test's redis-server")
        return process

    with broker(url):
        # The broker is down: the editor's request must still succeed quickly.
        began = time.monotonic()
        publication = services.publication_request(article, acting_user=editor)
        assert time.monotonic() - began < 15
        publication.refresh_from_db()
        assert publication.state == State.PENDING and publication.enqueued_at is None

        server = start_redis()
        try:
            worker = workers(url)
            # Nothing was sent, so nothing happens until the sweeper runs.
            sent: list[int] = []

            def sweep() -> bool:
                sent.extend(services.publication_outbox_resend(older_than=dt.timedelta(0)))
                return bool(sent)

            wait_for(sweep, timeout=20, what="the sweeper to reach the restarted broker", poll=0.5)
            assert sent == [publication.pk]
            wait_for(lambda: state_of(publication) == State.LIVE, timeout=45, what="go-live", log=worker)
            assert_live_once(publication)
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_worker_killed_mid_job_the_job_runs_again_and_goes_live_exactly_once(
    approved_article, broker_url, workers, tmp_path
):
    article, editor = approved_article
    hold = tmp_path / "hold"
    hold.mkdir()
    # A short visibility timeout makes Redis hand the unacknowledged job to the next worker quickly.
    first = workers(broker_url, VETTED_TEST_PUBLISH_HOLD_DIR=str(hold), CELERY_VISIBILITY_TIMEOUT="3")
    with broker(broker_url):
        publication = services.publication_request(article, acting_user=editor)

    wait_for(lambda: any(hold.glob("started-*")), timeout=45, what="the job to start", log=first)
    # Rendered but not committed: nothing is live and no page exists yet.
    assert state_of(publication) == State.PENDING
    assert not PublishedPage.objects.exists()
    first.kill()
    assert state_of(publication) == State.PENDING
    assert not PublishedPage.objects.exists()

    (hold / "release").touch()
    # Redis hands the job out again once it has been unacknowledged longer than the visibility timeout.
    started = next(hold.glob("started-*")).stat().st_mtime
    wait_for(lambda: time.time() - started > 4, timeout=10, what="the visibility timeout to pass")
    second = workers(broker_url, CELERY_VISIBILITY_TIMEOUT="3")
    wait_for(
        lambda: state_of(publication) == State.LIVE,
        timeout=50,
        what="the redelivered job to go live",
        log=second,
    )
    assert_live_once(publication)
