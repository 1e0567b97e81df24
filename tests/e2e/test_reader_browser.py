"""The reader site in a real browser: audiences, the personalise form, a question, screenshots, axe-core.

Runs Debian's chromium through Playwright against pytest-django's live server.
The article is taken through the real review services and the real publisher.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from publishing import services
from publishing.models import Publication, ReaderMessage
from tests.conftest import REQUIRE_SERVICES
from tests.publishing.publish_helpers import approve, make_disclaimers

# serialized_rollback restores the audiences and groups that data migrations made, which a
# transactional test flushes away.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AUDIENCES = {
    "patient": "Patient",
    "caregiver": "Caregiver",
    "professional": "Healthcare professional",
    "student": "Student",
}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_article(live_server, article, author, reviewer, editor, settings):
    """The demo-like article approved and put live through the real services (the task runs eagerly on commit)."""
    settings.SITE_URL = live_server.url
    # The live server speaks plain HTTP.
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_SECURE = False
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    services.publication_request(article, acting_user=editor, change_summary="First published.")
    publication = Publication.objects.get(article=article)
    assert publication.state == Publication.State.LIVE, publication.last_error
    return f"{live_server.url}/articles/cmv-treatment/"


def _audience_names() -> dict[str, str]:
    from articles.models import Audience

    return dict(Audience.objects.filter(active=True).values_list("slug", "name"))


def test_each_audience_sees_its_version_and_disclaimer(page, live_article):
    for slug, name in _audience_names().items():
        page.goto(f"{live_article}?for={slug}")
        showing = page.locator(".showing").inner_text()
        assert f"Showing the version for: {name}" in showing
        body = page.locator("main").inner_text()
        assert "Article Review Status" in body and "Have a follow-up question?" in body
        if slug == "patient":
            assert "Most people take an antiviral medicine called valganciclovir" in body
        else:
            assert "Most people take an antiviral medicine" not in body
        if slug == "professional":
            assert "Professional Medical Disclaimer" in body
        else:
            assert "About this information" in body and "Professional Medical Disclaimer" not in body
    assert page.locator('.stepper [aria-current="step"]').inner_text().find("Approved") >= 0


def test_switching_audience_with_the_form_sticks(page, live_article):
    page.goto(live_article)
    assert "General readers" in page.locator(".showing").inner_text()
    page.locator('input[name="for"][value="patient"]').check()
    page.get_by_role("button", name="Show this version").click()
    page.wait_for_url(f"{live_article}for/patient/")  # the audience is in the address
    assert "Showing the version for: Patient" in page.locator(".showing").inner_text()
    assert "Most people take an antiviral medicine" in page.locator(".bottom-line").inner_text()
    page.goto(live_article)  # the cookie remembers the choice: the plain address redirects
    assert page.url == f"{live_article}for/patient/"
    assert "Showing the version for: Patient" in page.locator(".showing").inner_text()


def test_reader_sends_a_follow_up_question(page, live_article):
    page.goto(live_article)
    page.get_by_label("Report a problem").check()
    page.get_by_label("Your message").fill("The dose in the second bullet looks different from the label.")
    page.get_by_label("Name (optional)").fill("Pat")
    page.get_by_role("button", name="Send to the editors").click()
    page.wait_for_url("**/question/sent/")  # no CSRF token on the shared page: the Origin check lets it through
    assert "Your message has reached our editors" in page.locator("main").inner_text()
    message = ReaderMessage.objects.get()
    assert message.kind == "problem" and message.name == "Pat"


def test_empty_question_shows_the_error_in_the_browser(page, live_article):
    page.goto(live_article)
    page.get_by_role("button", name="Send to the editors").click()
    page.wait_for_load_state()
    assert "Write your question or describe the problem before sending." in page.locator("#follow-up").inner_text()
    assert ReaderMessage.objects.count() == 0


def test_screenshots_at_desktop_and_phone_widths(browser, live_article):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, width in (("desktop", 1280), ("phone", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_article}?for=patient")
        # The stylesheet must have loaded (served locally, no CDN).
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(245, 247, 249)"
        path = ARTIFACTS / f"reader-article-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page scrolls sideways at {width}px ({scroll_width}px wide)"
        context.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text() + "\n;true"


def _axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol: the site's CSP (rightly) refuses an injected <script>.
    # resultTypes: only violations get their nodes listed (axe's own advice for speed); every rule still runs.
    page.evaluate(_axe_source())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations']
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_article_page_has_no_serious_accessibility_violations_at_desktop_and_phone_widths(browser, live_article):
    if not AXE.exists():
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but node_modules/axe-core is missing (run npm install)")
        pytest.skip("needs axe-core: run `npm install` (make test does) to get node_modules/axe-core")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    for url in (live_article, f"{live_article}?for=professional"):
        page.goto(url)
        for width in (1280, 390):  # the same page laid out again at each width, then checked
            page.set_viewport_size({"width": width, "height": 900})
            for v in _axe_violations(page):
                problems.append((url, width, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]))
    context.close()
    assert problems == []


def test_index_and_policy_pages_have_no_serious_accessibility_violations(page, live_server, live_article):
    if not AXE.exists():
        pytest.skip("needs axe-core: run `npm install` to get node_modules/axe-core")
    for path in ("/", "/search/?q=valganciclovir", "/board/", "/editorial-policy/"):
        page.goto(f"{live_server.url}{path}")
        violations = _axe_violations(page)
        assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def test_the_content_security_policy_stops_injected_inline_code_in_the_browser(page, live_article):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_article)
    ran = page.evaluate(
        """() => {
            window.__ran = false;
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true';
            document.body.appendChild(s);
            const img = document.createElement('img');
            img.setAttribute('onerror', 'window.__ran = true');
            img.src = 'data:,broken';
            document.body.appendChild(img);
            return new Promise(resolve => setTimeout(() => resolve(window.__ran), 300));
        }"""
    )
    assert ran is False
    assert violations, "the browser reported no Content-Security-Policy violation"


# --- the same reader, in each language -------------------------------------------

EMPTY_MESSAGE_ERROR = {
    "en": "Write your question or describe the problem before sending.",
    "es": "Escriba su pregunta o describa el problema antes de enviarla.",
}


@pytest.fixture(params=["en", "es"])
def reader_article(request, live_article, article, author, editor) -> tuple[str, str, str]:
    """The live article's address in each language: (language, site URL, article URL).

    The "es" run puts the Spanish translation live through the services (a board member who reads Spanish).
    """
    from tests.factories import BoardMemberFactory, UserFactory
    from tests.publishing.reader_fixtures import SPANISH_SLUG, translate

    site = live_article.removesuffix("/articles/cmv-treatment/")
    if request.param == "en":
        return "en", site, live_article
    spanish_reviewer = BoardMemberFactory(
        user=UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    spanish = approve(translate(article, author), author=author, reviewer=spanish_reviewer)
    services.publication_request(spanish, acting_user=editor, change_summary="Primera publicación.")
    assert Publication.objects.get(article=spanish).state == Publication.State.LIVE
    return "es", f"{site}/es", f"{site}/es/articles/{SPANISH_SLUG}/"


def test_the_audience_form_keeps_the_page_language(page, reader_article):
    language, _, url = reader_article
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == language
    page.locator('input[name="for"][value="patient"]').check()
    page.locator(".personalise form button[type=submit]").click()
    page.wait_for_url(f"{url}for/patient/")  # the audience's address in the same language
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator('input[name="for"][value="patient"]').is_checked()
    page.locator('input[name="for"][value="professional"]').check()
    page.locator(".personalise form button[type=submit]").click()
    page.wait_for_url(f"{url}for/professional/")
    page.goto(url)  # the cookie remembers the choice: the plain address redirects
    assert page.url == f"{url}for/professional/"


def test_an_empty_question_shows_the_error_in_the_pages_language(page, reader_article):
    language, _, url = reader_article
    page.goto(url)
    page.locator("#follow-up form button[type=submit]").click()
    page.wait_for_load_state()
    assert EMPTY_MESSAGE_ERROR[language] in page.locator("#follow-up").inner_text()
    assert ReaderMessage.objects.count() == 0


def test_each_languages_pages_have_no_serious_accessibility_violations(page, reader_article):
    if not AXE.exists():
        pytest.skip("needs axe-core: run `npm install` to get node_modules/axe-core")
    _, site, url = reader_article
    problems = []
    for address in (url, f"{url}for/professional/", f"{site}/", f"{site}/board/", f"{site}/editorial-policy/"):
        page.goto(address)
        problems += [(address, v["id"], [n["target"] for n in v["nodes"]][:3]) for v in _axe_violations(page)]
    assert problems == []
