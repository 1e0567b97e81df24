"""Drive a Vetted process whose database has a real streaming replica, and print what was observed as JSON.

Run by tests/scale/test_replicas.py in its own process (settings come from the
environment: DATABASE_URL is the primary, DATABASE_REPLICA_URL the standby),
after the demo was seeded. The test asserts on the printed observations; this
script only records which database answered each request and what came back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from cms import replicas  # noqa: E402

ARTICLE = "/articles/cmv-treatment/"
HEALTH_SQL = ("pg_current_wal_lsn", "pg_last_wal_replay_lsn", "pg_is_in_recovery")
STANDBY = os.environ["PROBE_STANDBY_URL"]


class Counter:
    """Count the queries each database ran, leaving out the replica health checks."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def wrapper_for(self, alias: str):
        def wrapper(execute, sql, params, many, context):
            if not any(marker in sql for marker in HEALTH_SQL):
                self.counts[alias] = self.counts.get(alias, 0) + 1
            return execute(sql, params, many, context)

        return wrapper

    def measure(self, call):
        self.counts = {}
        managers = [connections[alias].execute_wrapper(self.wrapper_for(alias)) for alias in connections]
        for manager in managers:
            manager.__enter__()
        try:
            response = call()
        finally:
            for manager in reversed(managers):
                manager.__exit__(None, None, None)
        return response, dict(self.counts)


def standby(statement: str, params=()):
    with psycopg.connect(STANDBY, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def wait_standby_caught_up() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + 30
    while not standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0][0]:
        if time.monotonic() > deadline:
            raise RuntimeError("standby did not catch up")
        time.sleep(0.05)


def main() -> None:
    seen: dict = {}
    counter = Counter()
    reader = Client()

    # 1. Readers' pages read the replica: the stored article page, search, the index, the sitemap and the API.
    with override_settings(READER_CACHE_SECONDS=0):
        for name, path in [
            ("article", ARTICLE),
            ("search", "/search/?q=cytomegalovirus"),
            ("index", "/"),
            ("sitemap", "/sitemap.xml"),
            ("api", "/api/articles/cmv-treatment/"),
        ]:
            response, counts = counter.measure(lambda path=path: reader.get(path))
            seen[f"reader_{name}"] = {"status": response.status_code, "counts": counts}
        article_bytes = reader.get(ARTICLE).content

    # 2. An editor's own write is read back at once, while the replica is stalled and lacks it.
    editor = get_user_model().objects.get(username="editor")
    staff = Client()
    staff.force_login(editor)
    wait_standby_caught_up()  # the session exists on the replica too
    standby("SELECT pg_wal_replay_pause()")
    response, counts = counter.measure(lambda: staff.post("/publishing/verify/"))
    seen["editor_post"] = {"status": response.status_code, "counts": counts, "location": response.get("Location", "")}
    seen["pin_cookie"] = replicas.PIN_COOKIE in response.cookies
    run_id = int(response["Location"].rsplit("=", 1)[1])
    response, counts = counter.measure(lambda: staff.get(response["Location"]))
    page = response.content.decode()
    seen["editor_reads_own_write"] = {
        "status": response.status_code,
        "counts": counts,
        "shows_run": f"Verification {run_id}" in page or f"run={run_id}" in page,
    }
    seen["standby_has_run"] = bool(standby("SELECT 1 FROM publishing_verifyrun WHERE id = %s", (run_id,)))

    # 3. Lag: the stalled replica falls behind by more than REPLICA_MAX_LAG_SECONDS and is skipped.
    time.sleep(settings.REPLICA_MAX_LAG_SECONDS + 1.5)  # the verify run above moved the primary's WAL on
    with override_settings(READER_CACHE_SECONDS=0):
        response, counts = counter.measure(lambda: Client().get(ARTICLE))
    seen["reader_while_lagging"] = {"status": response.status_code, "counts": counts}
    seen["readyz_lagging"] = json.loads(Client().get("/readyz").content)
    standby("SELECT pg_wal_replay_resume()")
    wait_standby_caught_up()
    seen["readyz_caught_up"] = json.loads(Client().get("/readyz").content)

    # 4. A replica that stops between two checks costs readers nothing: the request is answered from the primary.
    with override_settings(READER_CACHE_SECONDS=0, REPLICA_CHECK_SECONDS=3600):
        replicas.replica_state("replica1", fresh=True)
        first, counts = counter.measure(lambda: Client().get(ARTICLE))
        seen["reader_before_stop"] = {"status": first.status_code, "counts": counts}
        subprocess.run(json.loads(os.environ["PROBE_STOP_STANDBY"]), check=True, capture_output=True, timeout=60)
        statuses, same_bytes = [], True
        # As a real server would: the failed first attempt is logged, not raised to the caller.
        survivor = Client(raise_request_exception=False)
        for _ in range(3):
            response, counts = counter.measure(lambda: survivor.get(ARTICLE))
            statuses.append(response.status_code)
            same_bytes = same_bytes and response.content == article_bytes
        seen["reader_after_stop"] = {"statuses": statuses, "same_bytes": same_bytes, "counts": counts}
        seen["state_after_stop"] = replicas.replica_state("replica1").as_dict()
    seen["readyz_stopped"] = json.loads(Client().get("/readyz").content)
    json.dump(seen, sys.stdout)


if __name__ == "__main__":
    main()
