"""Shared fixtures: personas, a demo-like article, and the service markers.

Tests marked postgres / redis / worker / browser skip with a reason when the
service is not there, unless REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_reason() -> str | None:
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/1)"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"needs Redis at {settings.REDIS_URL}: {exc}"
    return None


def _postgres_reason() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/vetted"
    return None


def _browser_reason() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright Python package (make test installs it)"
    return None


_REASONS = {
    "postgres": _postgres_reason,
    "redis": _redis_reason,
    "browser": _browser_reason,
    "worker": lambda: _redis_reason() or _postgres_reason(),
}
_cache: dict[str, str | None] = {}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in _REASONS.items():
        if item.get_closest_marker(marker) is None:
            continue
        if marker not in _cache:
            _cache[marker] = check()
        reason = _cache[marker]
        if reason:
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but the test {reason}", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache():
    from publishing import httpcache

    httpcache._down_until = 0.0  # a cache outage seen by an earlier test is over
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(db):
    return factories.UserFactory(username="alice", groups=["Authors"])


@pytest.fixture
def author2(db):
    return factories.UserFactory(username="bob", groups=["Authors"])


@pytest.fixture
def reviewer(db):
    return factories.BoardMemberFactory(user__username="rita", display_name="Dr. Rita Reviewer").user


@pytest.fixture
def reviewer2(db):
    return factories.BoardMemberFactory(user__username="raj", display_name="Dr. Raj Second").user


@pytest.fixture
def editor(db):
    return factories.UserFactory(username="eddie", groups=["Editors"])


@pytest.fixture
def article(author):
    """A draft article with a variant and three cited references, made through the service."""
    return factories.make_article(author=author)
