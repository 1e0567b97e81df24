"""Editors saving one article at the same moment, over HTTP through gunicorn (several processes).

Every save either lands as a new version or is answered 409 with the editor's
text kept; none is lost, none fails with a 500 or "database is locked".
Runs on PostgreSQL (the suite's test database) and on SQLite (a WAL file
database of its own). `make test`: 4 editors x 5 saves; `make reliability`:
8 editors x 50 saves.
"""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time

import pytest
from django.db import connection
from reversion.models import Version

from tests import factories
from tests.reliability.live import Client, Gunicorn, form_fields, record, scale, service_env, shell_json

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "concurrent-saves"
VERIFY = """
import json
from reversion.models import Version
from articles.models import Article
article = Article.objects.get(slug="saved-by-many")
print("RESULT", json.dumps({"lock_version": article.lock_version,
      "versions": Version.objects.get_for_object(article).count(), "body": article.body}))
"""


def _editors_and_article(n: int) -> tuple[int, int]:
    """Make n authors of one article (committed: this is a transactional test); return its lock and version count."""
    editors = []
    for i in range(n):
        user = factories.UserFactory(username=f"editor{i}", groups=["Authors"])
        user.set_password(PASSWORD)
        user.save()
        editors.append(user)
    article = factories.make_article(author=editors[0], slug="saved-by-many")
    article.authors.add(*editors)
    return article.lock_version, Version.objects.get_for_object(article).count()


def _database_url(tmp_path) -> str:
    """The database gunicorn's processes share: PostgreSQL's test database, or a file copy of SQLite's.

    The SQLite test database lives in this process's memory, so it is copied
    (schema, migrated rows and the editors just made) into a file with
    SQLite's online backup API; gunicorn opens that file in WAL mode.
    """
    if connection.vendor == "postgresql":
        from tests.publishing.test_worker import database_url as test_database_url

        return test_database_url()
    path = tmp_path / "saves.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def test_concurrent_saves_each_land_as_a_version_or_a_409_never_an_error(tmp_path):
    editors, saves = scale(4, 8), scale(5, 50)
    start_lock, start_versions = _editors_and_article(editors)
    env = service_env(_database_url(tmp_path), tmp_path / "var")
    server = Gunicorn(env, tmp_path / "gunicorn.log", workers=4, preload=True)
    outcomes: dict[str, list] = {"accepted": [], "conflict": [], "other": []}
    lock = threading.Lock()
    barrier = threading.Barrier(editors)

    def edit(index: int) -> None:
        client = Client(server.base)
        client.login(f"editor{index}", PASSWORD)
        path = "/studio/saved-by-many/"
        barrier.wait()
        for attempt in range(saves):
            status, html = client.request(path)
            assert status == 200, status
            fields = form_fields(html, "article-form")
            for field in fields:
                if field[0] == "body":
                    field[1] = field[1].rstrip() + f"\n\n- Note {attempt} from editor {index} [@kotton2018]\n"
                if field[0] == "comment":
                    field[1] = f"editor {index}, save {attempt}"
            began = time.monotonic()
            status, body = client.request(path, [tuple(f) for f in fields])
            took = time.monotonic() - began
            kind = "accepted" if status == 302 else "conflict" if status == 409 else "other"
            with lock:
                outcomes[kind].append((status, took, body[:300] if kind == "other" else ""))

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(editors)]
    began = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        elapsed = time.monotonic() - began
        log = server.output()
    finally:
        server.stop()

    attempts = editors * saves
    accepted, conflicts = len(outcomes["accepted"]), len(outcomes["conflict"])
    assert outcomes["other"] == [], outcomes["other"][:3]
    assert accepted + conflicts == attempts
    assert accepted >= 1
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    after = shell_json(env, VERIFY)
    assert after["versions"] - start_versions == accepted
    assert after["lock_version"] - start_lock == accepted
    latencies = sorted(took for _, took, _ in outcomes["accepted"] + outcomes["conflict"])
    record(
        "concurrent_saves",
        engine=connection.vendor,
        editors=editors,
        saves_each=saves,
        attempts=attempts,
        accepted=accepted,
        conflicts=conflicts,
        errors=0,
        seconds=round(elapsed, 1),
        save_p50_ms=round(statistics.median(latencies) * 1000),
        save_max_ms=round(latencies[-1] * 1000),
    )
