"""The settings module: production passes Django's deploy checks, bad config fails clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    test_only = {"DEBUG", "SECRET_KEY", "TESTING", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in test_only}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="vetted.example.org",
        SITE_URL="https://vetted.example.org",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        VETTED_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_with_debug_off_says_what_to_do(tmp_path):
    result = _manage("check", DEBUG="0", SECRET_KEY="", VETTED_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_malformed_boolean_is_named(tmp_path):
    result = _manage("check", DEBUG="maybe", VETTED_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_brotli_quality_out_of_range_is_named(tmp_path):
    result = _manage("check", DEBUG="1", STORED_BROTLI_QUALITY="12", VETTED_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "STORED_BROTLI_QUALITY must be between 0 and 11, not 12" in result.stderr


@pytest.mark.django_db
def test_embedded_sqlite_uses_wal_and_immediate_transactions(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the embedded default is SQLite; this run uses another database")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_a_replica_needs_a_postgresql_primary(tmp_path):
    result = _manage(
        "check", DEBUG="1", DATABASE_REPLICA_URL="postgres://r@127.0.0.1:1/v", VETTED_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs a PostgreSQL primary" in result.stderr


def test_the_pin_must_outlast_the_lag_a_replica_may_have(tmp_path):
    result = _manage(
        "check",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REPLICA_MAX_LAG_SECONDS="20",
        REPLICA_PIN_SECONDS="10",
        VETTED_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "REPLICA_PIN_SECONDS (10) must be longer than REPLICA_MAX_LAG_SECONDS (20)" in result.stderr


def test_without_a_replica_nothing_is_routed(settings):
    from cms.replicas import replica_aliases

    assert settings.DATABASE_ROUTERS == [] and replica_aliases() == []
