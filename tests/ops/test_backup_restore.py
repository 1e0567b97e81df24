"""manage.py backup and restore: a fresh database gets every version, decision, event and publication back,
with the content hashes still matching the text they were computed from. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import WorkflowEvent
from ops.management.commands._dbtools import KEY_TABLES, table_digests
from publishing.models import Publication, PublishedPage
from review.models import ReviewDecision
from tests import factories
from tests.publishing.publish_helpers import approve, edit, request_and_publish

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]

VERIFY = """
import json
from reversion.models import Version
from articles.content import content_from_revision
from publishing.models import Publication, PublishedPage
bad = []
for p in Publication.objects.select_related("revision"):
    if content_from_revision(p.revision, article_id=p.article_id).content_hash() != p.content_hash:
        bad.append(f"publication {p.pk}")
for page in PublishedPage.objects.select_related("publication"):
    if page.content_hash != page.publication.content_hash:
        bad.append(f"page {page.pk}")
for v in Version.objects.all():
    v._object_version  # deserialises the stored JSON
print("VERIFY", json.dumps({"bad": bad, "publications": Publication.objects.count(),
      "pages": PublishedPage.objects.count(), "versions": Version.objects.count()}))
"""


@pytest.fixture
def history(author, reviewer, editor):
    """Two published articles, one with a later edit re-approved and re-published: versions, decisions, events."""
    first = approve(factories.make_article(author=author, slug="first-article"), author=author, reviewer=reviewer)
    request_and_publish(first, editor=editor)
    edit(first, author=author, title="First article, revised")
    approve(first, author=author, reviewer=reviewer)
    request_and_publish(first, editor=editor, change_summary="Revised.")
    second = approve(factories.make_article(author=author, slug="second-article"), author=author, reviewer=reviewer)
    request_and_publish(second, editor=editor)
    assert Publication.objects.filter(state=Publication.State.LIVE).count() == 2
    return {"publications": Publication.objects.count(), "decisions": ReviewDecision.objects.count()}


def _verify(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DATABASE_URL=database_url, DEBUG="1", TESTING="1")
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", VERIFY], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("VERIFY "))
    return json.loads(line.removeprefix("VERIFY "))


@pytest.fixture
def fresh_database(tmp_path):
    """Yield (DATABASE_URL, settings) of a new empty database of the suite's engine; drop it afterwards."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = s["NAME"].removeprefix("test_") + "_restore"
    admin = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"] or None}
    if s.get("PASSWORD"):
        admin["password"] = s["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{admin['host']}:{admin['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_a_fresh_database_with_every_row_and_hash_intact(history, tmp_path, fresh_database):
    backup = tmp_path / ("vetted.dump" if connection.vendor == "postgresql" else "vetted.sqlite3")
    out = io.StringIO()
    call_command("backup", str(backup), stdout=out)
    assert backup.is_file() and "Backed up to" in out.getvalue()
    manifest = json.loads(backup.with_name(backup.name + ".json").read_text())
    with connection.cursor() as cursor:
        source = table_digests(cursor)
    assert manifest["tables"] == source
    assert source["publishing_publication"]["rows"] == history["publications"] == 3
    assert source["review_reviewdecision"]["rows"] == history["decisions"] >= 3
    assert source["reversion_version"]["rows"] >= 3 and source["audit_workflowevent"]["rows"] >= 6
    assert source["publishing_publishedpage"]["rows"] == PublishedPage.objects.count() > 0

    out = io.StringIO()
    call_command("restore", str(backup), database_url=fresh_database, stdout=out)
    assert "match the manifest" in out.getvalue()

    verified = _verify(fresh_database)
    assert verified["bad"] == []
    assert verified["publications"] == 3 and verified["pages"] == PublishedPage.objects.count()
    assert verified["versions"] == source["reversion_version"]["rows"]
    assert WorkflowEvent.objects.count() == source["audit_workflowevent"]["rows"]

    # Restoring again over the now non-empty database is refused; nothing is mixed.
    with pytest.raises(CommandError, match="already"):
        call_command("restore", str(backup), database_url=fresh_database, stdout=io.StringIO())


def test_a_damaged_backup_is_refused_before_anything_is_written(history, tmp_path, fresh_database):
    backup = tmp_path / "vetted.bak"
    call_command("backup", str(backup), stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup), stdout=io.StringIO())
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(backup), database_url=fresh_database, stdout=io.StringIO())
    if fresh_database.startswith("sqlite"):
        assert not Path(fresh_database.removeprefix("sqlite:///")).exists()
    assert set(KEY_TABLES) == set(json.loads(backup.with_name(backup.name + ".json").read_text())["tables"])
