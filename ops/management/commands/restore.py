"""manage.py restore PATH: put a backup into an empty database and check it against the backup's manifest."""

from __future__ import annotations

import json
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ._dbtools import (
    file_sha256,
    is_postgres,
    is_sqlite,
    manifest_path,
    pg_env,
    pg_tool,
    server_major,
    target_digests,
    target_settings,
)


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an EMPTY database (the configured one, or "
        "--database-url), then check every key table's rows against the backup's manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The backup file (its PATH.json manifest must sit beside it).")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of DATABASE_URL, e.g. postgres://u@host/fresh or "
            "sqlite:////abs/path.sqlite3. It must exist (PostgreSQL) and be empty.",
        )

    def handle(self, *args, path: str, database_url: str | None = None, **options) -> None:
        backup = Path(path)
        if not backup.is_file():
            raise CommandError(f"{backup} is not a file.")
        try:
            manifest = json.loads(manifest_path(backup).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the manifest {manifest_path(backup)}: {exc}") from exc
        if file_sha256(backup) != manifest["sha256"]:
            raise CommandError(f"{backup} does not match the SHA-256 in its manifest: the file is damaged.")

        db = target_settings(database_url)
        engine = "postgresql" if is_postgres(db) else "sqlite" if is_sqlite(db) else db["ENGINE"]
        if engine != manifest["engine"]:
            raise CommandError(f"This is a {manifest['engine']} backup; it cannot be restored into {engine}.")

        if is_postgres(db):
            self._restore_postgres(backup, db)
        else:
            self._restore_sqlite(backup, Path(db["NAME"]))

        restored = target_digests(db)
        differences = [
            f"{table}: backup {expected['rows']} rows, restored {restored.get(table, {}).get('rows')}"
            for table, expected in manifest["tables"].items()
            if restored.get(table) != expected
        ]
        if differences:
            raise CommandError("The restored database differs from the backup's manifest:\n" + "\n".join(differences))
        rows = sum(t["rows"] for t in restored.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {backup} into {db['NAME']}; {rows} rows in the key tables match the manifest."
            )
        )

    def _restore_postgres(self, backup: Path, db: dict) -> None:
        import psycopg

        major = server_major(db)
        with psycopg.connect(
            dbname=db["NAME"],
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
        ) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        if tables:
            raise CommandError(
                f"Database {db['NAME']!r} already has {tables} table(s). Restore into an empty database "
                f"(createdb a new one, restore, then point DATABASE_URL at it) so nothing is mixed or lost."
            )
        tool = pg_tool("pg_restore", major)
        done = subprocess.run(  # nosec B603 - fixed argv, no shell
            [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", db["NAME"], str(backup)],
            env=pg_env(db),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise CommandError(f"pg_restore failed: {done.stderr.strip()}")

    def _restore_sqlite(self, backup: Path, target: Path) -> None:
        if target.exists() and target.stat().st_size > 0:
            raise CommandError(
                f"{target} already exists. Restore into a new file (--database-url sqlite:////path/new.sqlite3), "
                "check it, then move it into place while the site is stopped."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(str(backup))
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
