"""Publication requests while Redis is killed and restarted, with a real worker (PostgreSQL, a private redis-server).

Editors ask to publish N approved articles through the desk while a private
redis-server (no persistence: a kill loses every queued message) is killed
with SIGKILL and restarted several times. The outbox sweep runs as beat
would, but every second with a 5-second staleness (production: every minute,
60 s). Every request must answer without a 5xx; in the end every article is
live exactly once, with all its pages, and nothing is half-published. A
worker that exits when Redis vanishes is restarted, as a supervisor would.
`make test`: 8 requests, 2 kills; `make reliability`: 100 requests, 5 kills.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import threading
import time

import pytest
import redis
from django.test import Client

from audit.models import WorkflowEvent
from publishing import services
from publishing.models import Publication, PublishedPage
from tests import factories
from tests.publishing.publish_helpers import approve, broker
from tests.publishing.test_worker import Worker, expected_page_count
from tests.reliability.live import free_port, record, scale, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
State = Publication.State


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, which the test may kill."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.skip("needs redis-server on PATH to kill and restart a broker of its own")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def up(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.3).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.up, timeout=15, what="the private redis-server")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def test_publication_requests_through_redis_kills_all_go_live_exactly_once(tmp_path):
    requests, kills = scale(8, 100), scale(2, 5)
    author = factories.UserFactory(username="wa", groups=["Authors"])
    reviewer = factories.BoardMemberFactory(user__username="wr").user
    editor = factories.UserFactory(username="we", groups=["Editors"])
    articles = [
        approve(factories.make_article(author=author, slug=f"outage-{i}"), author=author, reviewer=reviewer)
        for i in range(requests)
    ]
    server = PrivateRedis()
    server.start()
    workers = [Worker(server.url, tmp_path / "worker-0.log", CELERY_VISIBILITY_TIMEOUT="5")]

    def supervise() -> None:
        # As systemd (Restart=always) would: the worker can exit when Redis vanishes under it
        # (kombu fails while closing the lost connection), so start a new one.
        if workers[-1].process.poll() is not None:
            workers.append(Worker(server.url, tmp_path / f"worker-{len(workers)}.log", CELERY_VISIBILITY_TIMEOUT="5"))

    statuses: list[int] = []
    outages: list[float] = []
    done = threading.Event()

    gap, outage = (1.0 if requests <= 10 else 3.0), 1.5
    pace = kills * (gap + outage) / requests  # spread the requests over the whole time of the kills

    def chaos() -> None:
        for _ in range(kills):
            if done.wait(gap):
                break
            server.kill()
            began = time.monotonic()
            time.sleep(outage)
            server.start()
            outages.append(time.monotonic() - began)

    client = Client()
    client.force_login(editor)
    chaos_thread = threading.Thread(target=chaos)
    try:
        with broker(server.url):
            chaos_thread.start()
            began = time.monotonic()
            while_down = 0
            for index, article in enumerate(articles):
                time.sleep(max(0.0, began + index * pace - time.monotonic()))
                while_down += not server.up()
                response = client.post(f"/publishing/articles/{article.slug}/publish/", {"change_summary": ""})
                statuses.append(response.status_code)
            requests_seconds = time.monotonic() - began
            chaos_thread.join(120)
            done.set()
            wait_until(server.up, timeout=15, what="redis to be up after the last restart")

            def all_live() -> bool:
                supervise()
                services.publication_outbox_resend(older_than=dt.timedelta(seconds=5))  # the sweep, as beat runs it
                return Publication.objects.filter(state=State.LIVE).count() == requests

            recovery = wait_until(all_live, timeout=180, what="every request to go live", log=workers[-1].log, poll=1.0)
    finally:
        done.set()
        chaos_thread.join(30)
        for worker in workers:
            worker.stop()
        server.kill()

    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) == requests
    assert len(outages) == kills
    assert while_down >= 1, "no request was made while redis was down"
    assert Publication.objects.count() == requests  # one request each, none duplicated
    assert not Publication.objects.exclude(state=State.LIVE).exists()
    pages = expected_page_count()
    for publication in Publication.objects.all():
        assert PublishedPage.objects.filter(publication=publication).count() == pages, publication.pk
    assert PublishedPage.objects.count() == requests * pages
    assert WorkflowEvent.objects.filter(action="published").count() == requests  # each went live once
    record(
        "redis_outage",
        engine="postgresql",
        requests=requests,
        redis_kills=kills,
        http_5xx=0,
        live_exactly_once=requests,
        requests_while_redis_down=while_down,
        requests_seconds=round(requests_seconds, 1),
        seconds_from_redis_back_to_all_live=round(recovery, 1),
        sweep="every 1 s, stale after 5 s (production: every 60 s, stale after 60 s)",
        visibility_timeout_s=5,
        worker_restarts=len(workers) - 1,
    )
