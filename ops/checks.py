"""System checks for configuration that would otherwise fail quietly (run by every manage.py command).

They apply with DEBUG off; each message says what to set.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


def _redis_target(url: str) -> tuple[str, int, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return None
    return (parts.hostname or "localhost", parts.port or 6379, parts.path.strip("/") or "0")


@register(Tags.compatibility)
def configuration_check(app_configs=None, **kwargs):
    """Warn about production settings that lose mail, share Redis databases or build wrong links."""
    if settings.DEBUG:
        return []
    issues = []
    if not os.environ.get("EMAIL_BACKEND"):
        issues.append(
            Warning(
                "EMAIL_BACKEND is not set, so every email (review notifications, readers' questions to "
                "the editors) is only printed to the console.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, "
                "EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS; or set it to "
                "django.core.mail.backends.console.EmailBackend to keep printing on purpose.",
                id="ops.W001",
            )
        )
    if not os.environ.get("SITE_URL"):
        issues.append(
            Warning(
                "SITE_URL is not set; links in emails, the feed, the sitemap and JSON-LD "
                f"point at {settings.SITE_URL}.",
                hint="Set SITE_URL to the public address readers use, e.g. SITE_URL=https://vetted.example.org.",
                id="ops.W002",
            )
        )
    cache_location = settings.CACHES["default"].get("LOCATION", "")
    broker = _redis_target(settings.CELERY_BROKER_URL)
    if broker and isinstance(cache_location, str) and broker == _redis_target(cache_location):
        issues.append(
            Error(
                f"The cache and the Celery broker use the same Redis database ({settings.CELERY_BROKER_URL}): "
                "clearing the cache would delete queued jobs.",
                hint="Give the cache its own database, e.g. REDIS_URL=redis://127.0.0.1:6379/0 and "
                "REDIS_CACHE_URL=redis://127.0.0.1:6379/1 (leaving REDIS_CACHE_URL unset picks the next one).",
                id="ops.E001",
            )
        )
    return issues


@register(Tags.security, deploy=True)
def plain_http_check(app_configs=None, **kwargs):
    """PLAIN_HTTP is for trying services mode on one machine; say so in the deploy check."""
    if settings.DEBUG or os.environ.get("PLAIN_HTTP", "").lower() not in {"1", "true", "yes", "on"}:
        return []
    return [
        Warning(
            "PLAIN_HTTP is on: no redirect to HTTPS, no HSTS and cookies without the Secure flag.",
            hint="Unset PLAIN_HTTP in production and serve through a TLS proxy (set BEHIND_TLS_PROXY=1 there).",
            id="ops.W003",
        )
    ]
