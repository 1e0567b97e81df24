"""manage.py backup [PATH]: a consistent copy of the database, with a manifest to check a restore against."""

from __future__ import annotations

import json
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from ._dbtools import (
    file_sha256,
    is_postgres,
    is_sqlite,
    manifest_path,
    pg_env,
    pg_tool,
    server_major,
    table_digests,
)


class Command(BaseCommand):
    help = (
        "Back up the database while the site runs: pg_dump (custom format) on PostgreSQL, SQLite's online "
        "backup API on SQLite. Writes PATH and PATH.json (row counts and digests of the key tables)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="Where to write (default: var/backups/vetted-<time>.<ext>).")

    def handle(self, *args, path: str | None = None, **options) -> None:
        db = connection.settings_dict
        if not (is_postgres(db) or is_sqlite(db)):
            raise CommandError(f"backup supports PostgreSQL and SQLite, not {db['ENGINE']}.")
        ext = "dump" if is_postgres(db) else "sqlite3"
        target = Path(path) if path else settings.VAR_DIR / "backups" / f"vetted-{timezone.now():%Y%m%dT%H%M%SZ}.{ext}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise CommandError(f"{target} already exists; choose another name (a backup never overwrites one).")

        # The digests are taken in the same snapshot the copy is made from where
        # the engine allows it (SQLite: one read transaction; PostgreSQL: right
        # before pg_dump, which takes its own snapshot, so a busy site may differ
        # by the rows written in between; restore reports that, it does not fail on it).
        if is_postgres(db):
            with connection.cursor() as cursor:
                digests = table_digests(cursor)
            major = server_major(db)
            tool = pg_tool("pg_dump", major)
            done = subprocess.run(  # nosec B603 - fixed argv, no shell
                [tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
                env=pg_env(db),
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                target.unlink(missing_ok=True)
                raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        else:
            connection.ensure_connection()
            source = connection.connection
            with connection.cursor() as cursor:
                digests = table_digests(cursor)
            destination = sqlite3.connect(str(target))
            try:
                source.backup(destination)  # a consistent page-by-page copy, safe while others write
            finally:
                destination.close()

        manifest = {
            "engine": "postgresql" if is_postgres(db) else "sqlite",
            "created_at": timezone.now().isoformat(),
            "file": target.name,
            "sha256": file_sha256(target),
            "tables": digests,
        }
        manifest_path(target).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        rows = sum(t["rows"] for t in digests.values())
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target} ({rows} rows in the key tables; manifest .json)."))
