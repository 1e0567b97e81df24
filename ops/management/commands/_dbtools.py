"""Shared by `manage.py backup` and `manage.py restore`: the database to work on, tools, a manifest."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.base import CommandError
from django.db import connections

# The tables a backup must carry intact: content history, the board's
# decisions, the audit trail and what was published (with their hashes).
KEY_TABLES = [
    "reversion_revision",
    "reversion_version",
    "articles_article",
    "review_reviewround",
    "review_reviewdecision",
    "audit_workflowevent",
    "publishing_publication",
    "publishing_publishedpage",
]


def target_settings(database_url: str | None) -> dict[str, Any]:
    """Return the connection settings of --database-url, or of the configured default database."""
    if database_url:
        return dj_database_url.parse(database_url)
    return connections["default"].settings_dict


def is_postgres(db: dict[str, Any]) -> bool:
    return db["ENGINE"] == "django.db.backends.postgresql"


def is_sqlite(db: dict[str, Any]) -> bool:
    return db["ENGINE"] == "django.db.backends.sqlite3"


def pg_env(db: dict[str, Any]) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore as libpq environment variables (the password stays off argv)."""
    env = {**os.environ, "PGHOST": str(db.get("HOST") or "127.0.0.1"), "PGPORT": str(db.get("PORT") or 5432)}
    if db.get("USER"):
        env["PGUSER"] = db["USER"]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    env["PGDATABASE"] = db["NAME"]
    return env


def pg_tool(name: str, server_major: int | None) -> str:
    """Return the path of pg_dump/pg_restore, refusing one older than the server (it cannot read it)."""
    path = shutil.which(name)
    if not path:
        raise CommandError(
            f"{name} is not installed. Install the PostgreSQL client tools of the server's major version "
            f"(Debian: apt-get install postgresql-client-{server_major or 'NN'})."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # nosec B603
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    tool_major = int(match.group(1)) if match else 0
    if server_major and tool_major < server_major:
        raise CommandError(
            f"{name} is version {tool_major} but the server is PostgreSQL {server_major}; a dump needs client "
            f"tools at least as new as the server. Install postgresql-client-{server_major}."
        )
    return path


def server_major(db: dict[str, Any]) -> int | None:
    import psycopg

    try:
        with psycopg.connect(**_psycopg_kwargs(db), connect_timeout=5) as conn:
            return conn.info.server_version // 10000
    except psycopg.Error as exc:
        raise CommandError(f"Cannot connect to PostgreSQL database {db['NAME']!r}: {exc}") from exc


def _psycopg_kwargs(db: dict[str, Any]) -> dict[str, Any]:
    kwargs = {"dbname": db["NAME"], "host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432}
    if db.get("USER"):
        kwargs["user"] = db["USER"]
    if db.get("PASSWORD"):
        kwargs["password"] = db["PASSWORD"]
    return kwargs


def table_digests(cursor) -> dict[str, dict[str, Any]]:
    """Return, for each key table, its row count and a SHA-256 over its rows in id order (any DB-API cursor)."""
    result = {}
    for table in KEY_TABLES:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # nosec B608 - table names are constants above
        result[table] = _digest(cursor.fetchall())
    return result


def target_digests(db: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Digest the key tables of a database given by its settings (not necessarily Django's connection)."""
    if is_postgres(db):
        import psycopg

        with psycopg.connect(**_psycopg_kwargs(db)) as conn, conn.cursor() as cursor:
            return table_digests(cursor)
    conn = sqlite3.connect(str(db["NAME"]))
    try:
        return table_digests(conn.cursor())
    finally:
        conn.close()


def _digest(rows: list[tuple]) -> dict[str, Any]:
    hasher = hashlib.sha256()
    for row in rows:
        hasher.update(json.dumps([_plain(v) for v in row], default=str, sort_keys=True).encode())
    return {"rows": len(rows), "sha256": hasher.hexdigest()}


def _plain(value: Any) -> Any:
    """Make a value compare the same from either driver (JSON columns come back parsed from psycopg).

    Booleans count as 0/1: Django's SQLite connection converts ``bool`` columns, a plain sqlite3 one does not.
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, memoryview):
        return value.tobytes().hex()
    return value


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")
