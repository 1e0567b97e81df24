"""The reader site in a real browser: audiences, the personalise form, a question, screenshots, axe-core.

Runs Debian's chromium through Playwright against pytest-django's live server.
The article is taken through the real review services and the real publisher.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext

from publishing import services
from publishing.models import Publication, ReaderMessage
from tests.conftest import REQUIRE_SERVICES
from tests.publishing.publish_helpers import approve, make_disclaimers

# serialized_rollback restores the audiences and groups that data migrations made, which a
# transactional test flushes away.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


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


def say(language: str, text: str) -> str:
    """Return a catalogue string as a reader of `language` sees it."""
    with translation.override(language):
        return gettext(text)


def test_each_audience_sees_its_version_and_disclaimer(page, reader_article):
    from articles.models import Audience

    language, _, url = reader_article
    for audience in Audience.objects.filter(active=True):
        name, _ = audience.in_language(language)
        page.goto(f"{url}?for={audience.slug}")
        showing = page.locator(".showing").inner_text()
        assert say(language, "Showing the version for:") in showing and name in showing
        body = page.locator("main").inner_text()
        assert say(language, "Article Review Status") in body and say(language, "Have a follow-up question?") in body
        if audience.slug == "patient":  # the translation started from the source's audience versions
            assert "Most people take an antiviral medicine called valganciclovir" in body
        else:
            assert "Most people take an antiviral medicine" not in body
        if audience.slug == "professional":
            assert "Professional Medical Disclaimer" in body
        else:
            assert "About this information" in body and "Professional Medical Disclaimer" not in body
    assert say(language, "Approved") in page.locator('.stepper [aria-current="step"]').inner_text()


def test_switching_audience_with_the_form_sticks(page, reader_article):
    language, _, url = reader_article
    page.goto(url)
    assert say(language, "General readers") in page.locator(".showing").inner_text()
    page.locator('input[name="for"][value="patient"]').check()
    page.get_by_role("button", name=say(language, "Show this version")).click()
    page.wait_for_url(f"{url}for/patient/")  # the audience is in the address
    patient = audience_name("patient", language)
    assert patient in page.locator(".showing").inner_text()
    assert "Most people take an antiviral medicine" in page.locator(".bottom-line").inner_text()
    page.goto(url)  # the cookie remembers the choice: the plain address redirects
    assert page.url == f"{url}for/patient/"
    assert patient in page.locator(".showing").inner_text()


def audience_name(slug: str, language: str) -> str:
    from articles.models import Audience

    return Audience.objects.get(slug=slug).in_language(language)[0]


def test_reader_sends_a_follow_up_question(page, reader_article):
    language, _, url = reader_article
    page.goto(url)
    page.get_by_label(say(language, "Report a problem")).check()
    page.get_by_label(say(language, "Your message")).fill(
        "The dose in the second bullet looks different from the label."
    )
    page.get_by_label(say(language, "Name (optional)")).fill("Pat")
    page.get_by_role("button", name=say(language, "Send to the editors")).click()
    page.wait_for_url(f"{url}question/sent/")  # no CSRF token on the shared page: the Origin check lets it through
    sent = "Your message has reached our editors. They read every one; if you left an email address, they may reply."
    assert say(language, sent) in page.locator("main").inner_text()
    message = ReaderMessage.objects.get()
    assert message.kind == "problem" and message.name == "Pat"


def test_screenshots_at_desktop_and_phone_widths(browser, reader_article):
    language, _, url = reader_article
    ARTIFACTS.mkdir(exist_ok=True)
    for name, width in (("desktop", 1280), ("phone", 390)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{url}for/patient/")
        # The stylesheet must have loaded (served locally, no CDN).
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(245, 247, 249)"
        path = ARTIFACTS / f"reader-article-{language}-{name}.png"
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
    error = say(language, "Write your question or describe the problem before sending.")
    assert error in page.locator("#follow-up").inner_text()
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
