"""A withdrawal reaches readers through a Redis outage: the failed purge is recorded and retried.

Starts its own redis-server (Debian's) on a free loopback port, with an
append-only file so that what was cached survives the restart, as it would
on a real server. The bound: once Redis is back, a withdrawn page leaves the
cache at the next run of the retry job (every PURGE_RETRY_SECONDS).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from publishing import httpcache, services, tasks
from publishing.models import PurgeRequest
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.tools import require

pytestmark = pytest.mark.django_db

URL = "/articles/cmv-treatment/for/patient/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int, folder) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
        + ["--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def _until_reachable(cache) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            cache.get("ping")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_withdrawal_reaches_readers_after_redis_was_down_during_it(
    client, published, article, editor, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    require(shutil.which("redis-server") is not None, "needs Debian's redis-server (apt-get install redis-server)")
    port = _free_port()
    redis = _start(port, tmp_path)
    location = f"redis://127.0.0.1:{port}/0"
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    try:
        with override_settings(CACHES={"default": backend}):
            cache = caches["default"]
            key = httpcache.cache_key_for(URL, "")
            assert client.get(URL).status_code == 200
            assert cache.get(key) is not None  # the page is in Redis now

            redis.kill()
            redis.wait(timeout=10)
            with django_capture_on_commit_callbacks(execute=True):
                services.publication_withdraw(article, acting_user=editor, reason="Dosing error.", mode="remove")
            # Publishing did not fail; the purge that could not reach Redis is on record.
            assert PurgeRequest.objects.filter(target="app-cache", path=URL).exists()
            # While Redis is down the app reads the database, which already has the withdrawal.
            assert client.get(URL).status_code == 404

            redis = _start(port, tmp_path)  # back, with what it held before the outage
            monkeypatch.setattr(httpcache, "_down_until", 0.0)
            _until_reachable(cache)
            assert cache.get(key) is not None, "the stale page survived the restart (the hazard this guards)"
            assert client.get(URL).status_code == 200  # ...and would still be served

            outcome = tasks.retry_purges.apply().get()  # the beat job, every PURGE_RETRY_SECONDS
            assert outcome["failed"] == 0 and outcome["purged"] >= 1
            assert not PurgeRequest.objects.exists()
            assert cache.get(key) is None
            assert client.get(URL).status_code == 404
    finally:
        redis.kill()
        redis.wait(timeout=10)
