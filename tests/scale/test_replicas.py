"""Read replicas for real: a PostgreSQL primary and a streaming standby started for this test (cms/replicas.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale import pg_cluster

ROOT = Path(__file__).resolve().parents[2]
REPLICA = "replica1"


def _manage(env: dict, *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    reason = pg_cluster.missing_reason()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but the replica test {reason}", pytrace=False)
        pytest.skip(reason)
    primary, standby = pg_cluster.start_pair()
    try:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "PYTEST_", "VETTED_", "REPLICA_"))
        }
        env.update(
            DEBUG="1",
            DJANGO_SETTINGS_MODULE="cms.settings",
            DATABASE_URL=primary.url,
            DB_CONN_MAX_AGE="60",
            VETTED_VAR_DIR=str(tmp_path_factory.mktemp("replica-var")),
        )
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        env.update(
            DATABASE_REPLICA_URL=standby.url,
            REPLICA_MAX_LAG_SECONDS="1",
            REPLICA_PIN_SECONDS="10",
            PROBE_STANDBY_URL=standby.url,
            PROBE_STOP_STANDBY=json.dumps(standby.pg_ctl_command("stop")),
        )
        done = subprocess.run(
            [sys.executable, "-m", "tests.scale.replica_probe"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-4000:]
        yield json.loads(done.stdout)
    finally:
        for cluster in (standby, primary):
            try:
                cluster.stop("immediate")
            except subprocess.CalledProcessError:
                pass  # already stopped (the probe stops the standby)
        shutil.rmtree(primary.data.parent, ignore_errors=True)


@pytest.mark.parametrize("page", ["article", "search", "index", "sitemap", "api"])
def test_readers_pages_read_the_replica_and_never_the_primary(observed, page):
    seen = observed[f"reader_{page}"]
    assert seen["status"] == 200
    assert seen["counts"].get(REPLICA, 0) >= 1, seen
    assert seen["counts"].get("default", 0) == 0, seen


def test_a_write_goes_to_the_primary_and_pins_its_browser(observed):
    assert observed["editor_post"]["status"] == 302
    assert observed["editor_post"]["counts"].get("default", 0) >= 1
    assert observed["editor_post"]["counts"].get(REPLICA, 0) == 0  # a POST reads the primary too
    assert observed["pin_cookie"]


def test_an_editor_sees_their_own_save_at_once_although_the_replica_lacks_it(observed):
    own = observed["editor_reads_own_write"]
    assert observed["standby_has_run"] is False  # the stalled replica really is behind
    assert own["status"] == 200 and own["shows_run"], own
    assert own["counts"].get(REPLICA, 0) == 0


def test_a_lagging_replica_is_skipped_and_readyz_reports_it(observed):
    lagging = observed["reader_while_lagging"]
    assert lagging["status"] == 200
    assert lagging["counts"].get(REPLICA, 0) == 0 and lagging["counts"].get("default", 0) >= 1
    (report,) = observed["readyz_lagging"]["replicas"]
    assert report["state"] == "lagging" and report["lag_seconds"] > 1
    assert observed["readyz_lagging"]["status"] == "ok"  # the primary serves: still ready
    (caught_up,) = observed["readyz_caught_up"]["replicas"]
    assert caught_up["state"] == "ok" and caught_up["lag_seconds"] == 0


def test_a_replica_that_stops_costs_readers_nothing(observed):
    assert observed["reader_before_stop"]["counts"].get(REPLICA, 0) >= 1
    after = observed["reader_after_stop"]
    assert after["statuses"] == [200, 200, 200] and after["same_bytes"]
    assert after["counts"].get(REPLICA, 0) == 0 and after["counts"].get("default", 0) >= 1
    assert observed["state_after_stop"]["state"] == "down"
    (report,) = observed["readyz_stopped"]["replicas"]
    assert report["state"] == "down"
