"""Configuration that would fail quietly is a system check with the fix in its message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "vetted.example.org",
    "SITE_URL": "https://vetted.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}
CLEARED = {"TESTING", "DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "CELERY_BROKER_URL", "EMAIL_BACKEND", "SITE_URL"}


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(PRODUCTION, VETTED_VAR_DIR=str(tmp_path))
    base.update(env)
    for key in [k for k, v in base.items() if v is None or v == "<unset>"]:
        del base[key]
    return subprocess.run(args, cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", "check", "--fail-level", "WARNING"], tmp_path, **env)


def test_complete_production_configuration_has_no_issue(tmp_path):
    result = _check(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_missing_email_backend_and_site_url_are_warnings_saying_what_to_set(tmp_path):
    result = _check(tmp_path, EMAIL_BACKEND="<unset>", SITE_URL="<unset>")
    assert result.returncode != 0
    assert (
        "ops.W001" in result.stderr and "Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend" in result.stderr
    )
    assert "ops.W002" in result.stderr and "Set SITE_URL to the public address" in result.stderr
    # Warnings do not stop the site: without --fail-level the check passes.
    relaxed = _run([sys.executable, "manage.py", "check"], tmp_path, EMAIL_BACKEND="<unset>", SITE_URL="<unset>")
    assert relaxed.returncode == 0, relaxed.stderr


def test_cache_and_broker_on_one_redis_database_is_an_error_naming_the_fix(tmp_path):
    result = _run(
        [sys.executable, "manage.py", "check"],
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6379/4",
        REDIS_CACHE_URL="redis://127.0.0.1:6379/4",
    )
    assert result.returncode != 0
    assert "ops.E001" in result.stderr
    assert "REDIS_CACHE_URL=redis://127.0.0.1:6379/1" in result.stderr


def test_cache_gets_the_database_after_the_brokers_when_not_set(tmp_path):
    code = "from django.conf import settings; print(settings.CACHES['default']['LOCATION'], settings.CELERY_BROKER_URL)"
    result = _run([sys.executable, "manage.py", "shell", "-c", code], tmp_path, REDIS_URL="redis://127.0.0.1:6379/4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["redis://127.0.0.1:6379/5", "redis://127.0.0.1:6379/4"]


def test_plain_http_turns_off_https_only_settings_and_the_deploy_check_says_so(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    shell = [sys.executable, "manage.py", "shell", "-c", code]
    assert _run(shell, tmp_path).stdout.split()[-5:] == ["True", "True", "True", "31536000", "None"]
    assert _run(shell, tmp_path, PLAIN_HTTP="1").stdout.split()[-5:] == ["False", "False", "False", "0", "None"]
    proxied = _run(shell, tmp_path, BEHIND_TLS_PROXY="1").stdout
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in proxied
    deploy = _run([sys.executable, "manage.py", "check", "--deploy"], tmp_path, PLAIN_HTTP="1")
    assert "ops.W003" in deploy.stderr and "Unset PLAIN_HTTP in production" in deploy.stderr


def test_sentry_is_initialised_from_sentry_dsn_without_sending_anything(tmp_path):
    code = (
        "import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.dsn, 'django' in c.integrations, 'celery' in c.integrations)"
    )
    shell = [sys.executable, "manage.py", "shell", "-c", code]
    off = _run(shell, tmp_path).stdout.split()[-4:]
    assert off[0] == "False"
    # A DSN on a closed local port: nothing is sent (no event is captured), and nothing leaves the machine.
    on = _run(shell, tmp_path, SENTRY_DSN="http://public@127.0.0.1:9/1").stdout.split()[-4:]
    assert on == ["True", "http://public@127.0.0.1:9/1", "True", "True"]
