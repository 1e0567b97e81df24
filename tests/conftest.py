"""Shared fixtures: personas, a demo-like article, and the service markers.

Tests marked postgres / redis / worker / browser skip with a reason when the
service is not there, unless REQUIRE_SERVICES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests import factories
from tests.parallel import worker_environment

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# Debian's chromium for the browser tests. Its headless shell (package
# chromium-headless-shell: the same Chromium, built for headless use, as
# Playwright itself runs headless tests) when installed: it needs about 40%
# less CPU than the full browser in headless mode. CHROMIUM_PATH overrides.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or (HEADLESS_SHELL if Path(HEADLESS_SHELL).exists() else "/usr/bin/chromium")


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
        return f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium-headless-shell chromium)"
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


def pytest_sessionstart(session: pytest.Session) -> None:
    # The suite makes millions of short-lived objects and few cycles: move what
    # is loaded by now (Django, the apps) out of the collector's view and let
    # the youngest generation grow before a collection. About 10% less CPU.
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config: pytest.Config, specs) -> None:
    """Under pytest-xdist, give every worker its own var folder and Redis databases (tests/parallel.py)."""
    root = Path(tempfile.mkdtemp(prefix="vetted-xdist-"))
    config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))
    for index, spec in enumerate(specs):
        try:
            env = worker_environment(index, os.environ, root / spec.id)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        spec.env.update(env)


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


# --- Data the migrations made, back after every test that empties the tables ---
#
# A transactional test (transaction=True, transactional_db, live_server) ends
# by emptying every table, which also removes what the migrations put there
# (the groups and their permissions, the default disclaimers). Run alone, the
# suite orders such tests last; under pytest-xdist any test may follow one on
# the same worker. So after each of them the rows are restored as they were
# just after migrating, and every test starts from the same database whatever
# ran before it on its worker.


_migrated_rows: dict[str, str] = {}  # database alias -> its rows just after migrating, serialised


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with its freshly migrated rows kept aside to restore later."""
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            contents = getattr(connection, "_test_serialized_contents", None)
            _migrated_rows[connection.alias] = contents or connection.creation.serialize_db_to_string()
    yield


def _empties_the_tables(item: pytest.Item) -> bool:
    """Whether pytest-django runs item as a TransactionTestCase (the same rules as its _django_db_helper)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return any(name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences"))


def _restore_migrated_rows(config: pytest.Config) -> None:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        for alias, contents in _migrated_rows.items():
            # Empty again without post_migrate (which would remake content types
            # under new ids), then load the rows exactly as they were, and move
            # the id sequences (flush restarted them) past the loaded ids.
            call_command("flush", database=alias, interactive=False, inhibit_post_migrate=True, verbosity=0)
            connection = connections[alias]
            connection.creation.deserialize_db_from_string(contents)
            statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
    ContentType.objects.clear_cache()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # With no next test the test database is being destroyed: nothing to restore.
    if nextitem is not None and _empties_the_tables(item):
        _restore_migrated_rows(item.config)
    return result


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
