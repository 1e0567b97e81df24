"""The small cluster of bench/cluster.py, started for real: two app instances behind Varnish, primary and replica.

Proves the shape works end to end, not its speed (that is `make
bench-cluster`): a reader page comes through Varnish from a replica-reading
app instance, a go-live through the real publish worker refreshes it at the
edge, and with one instance killed readers keep getting pages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from bench import cluster
from tests.publishing.tools import require

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def stack():
    require(
        os.environ.get("REDIS_URL") is not None or os.environ.get("REQUIRE_SERVICES") == "1",
        "runs with the services (REDIS_URL set, as in CI's PostgreSQL + Redis run); skipped on the embedded run",
    )
    reason = cluster.missing(load=False)
    require(reason is None, reason or "")
    work = Path(tempfile.mkdtemp(prefix="vetted-cluster-test-"))
    running = cluster.Stack(work)
    try:
        running.start(articles=60, out=lambda line: None)
        yield running
    finally:
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


def _live_path(stack) -> str:
    import psycopg

    with psycopg.connect(stack.primary.url) as connection:
        (slug,) = connection.execute(
            "SELECT COALESCE(NULLIF(slug, ''), (SELECT slug FROM articles_article a WHERE a.id = p.article_id))"
            " FROM publishing_publication p WHERE state = 'live' ORDER BY id LIMIT 1"
        ).fetchone()
    return f"/articles/{slug}/for/professional/"


def test_readers_get_pages_through_varnish_and_keep_getting_them_with_an_instance_killed(stack):
    path = _live_path(stack)
    status, body = cluster.fetch(stack.edge + path)
    assert status == 200 and b"<html" in body
    stack.kill("app0")
    failures = 0
    for n in range(60):  # misses: each one is answered by an app instance
        status, _ = cluster.fetch(f"{stack.edge}{path}?after-kill={n}")
        failures += status != 200
        time.sleep(0.02)
    assert failures == 0  # the retry on the next instance hides the dead one
    assert cluster.fetch(stack.edge + path)[0] == 200
