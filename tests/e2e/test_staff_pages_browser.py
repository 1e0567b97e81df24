"""The staff side in a real browser: each workspace page passes axe-core (contrast included) and fits a phone."""

from __future__ import annotations

import pytest

from review import services as review_services
from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_reader_browser import AXE, _axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_staff_pages_have_no_serious_accessibility_violations_and_no_sideways_scroll(
    browser, live_server, article, author, reviewer, editor, settings
):
    if not AXE.exists():
        pytest.skip("needs axe-core: run `npm install` (make test does) to get node_modules/axe-core")
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False
    review_services.review_claim(review_services.article_submit(article, acting_user=author), acting_user=reviewer)
    visits = [
        (None, "/accounts/login/"),
        (author, "/studio/"),
        (author, f"/studio/{article.slug}/history/"),
        (reviewer, "/review/"),
        (reviewer, f"/review/{article.slug}/"),
        (editor, "/review/editor/"),
        (editor, "/publishing/"),
    ]
    problems = []
    pages = {}  # one signed-in browser context per person, reused for their pages
    for user, path in visits:
        if user not in pages:
            pages[user] = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            if user == author:  # the login form, in the browser, once
                _sign_in(pages[user], live_server, user.username)
            elif user is not None:
                sign_in(pages[user], live_server, user.username)
        page = pages[user]
        page.goto(f"{live_server.url}{path}")
        for width in (1280, 390):  # the page laid out again at each width, then checked
            page.set_viewport_size({"width": width, "height": 900})
            for violation in _axe_violations(page):
                problems.append((path, width, violation["id"], [n["target"] for n in violation["nodes"]][:3]))
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append((path, f"scrolls sideways: {scroll_width}px wide at {width}px"))
    for page in pages.values():
        page.context.close()
    assert problems == []
