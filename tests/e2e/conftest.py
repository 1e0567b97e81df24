"""Browser fixtures: Debian's chromium driven by Playwright's sync API.

One chromium serves every test of a module (launching it costs about a second
of CPU, most of a short browser test); each test opens its own context, so
cookies and storage never carry from one test to the next.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def _allow_orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in the test's thread
    # while it is started, so Django would refuse the ORM calls the test (and
    # the teardown that restores the migrated rows) make there; they are
    # ordinary blocking calls. Set for as long as the module's browser lives,
    # and put back after it, so no other test or subprocess inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_playwright):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = CHROMIUM if Path(CHROMIUM).exists() else "/usr/bin/chromium"
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _InFlight:
    """A WSGI wrapper counting the live server's requests still being answered."""

    def __init__(self, app) -> None:
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


def _in_flight(live_server) -> _InFlight:
    server = live_server.thread.httpd
    app = server.get_app()
    if not isinstance(app, _InFlight):
        app = _InFlight(app)
        server.set_app(app)
    return app


@pytest.fixture(autouse=True)
def _browser_quiet_before_the_database_is_emptied(_django_db_helper, live_server, browser):
    """Close the test's pages and let their last requests finish before the test's database teardown.

    The browser outlives the test, and a page left open keeps talking to the
    live server (autosave, preview): a request still being answered while
    the tables are emptied would fail, or lock SQLite's shared in-memory
    database. Requesting _django_db_helper makes this teardown run first.
    """
    in_flight = _in_flight(live_server)
    yield
    for context in browser.contexts:
        context.close()
    assert in_flight.wait_until_idle(timeout=30), "the live server was still answering the test's browser"


def sign_in(page, live_server, username: str) -> None:
    """Sign username in for page's browser context with a server-side session cookie.

    Cheaper than the login form (two page loads per test); the form itself
    is driven in the browser by test_staff_pages_browser and tested in
    tests/security/test_accounts.py.
    """
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
