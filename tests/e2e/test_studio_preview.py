"""The studio's live preview in a real browser: typing updates the preview without a reload."""

from __future__ import annotations

import os

import pytest

from tests import factories
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


def test_typing_in_the_body_updates_the_preview_without_a_reload(live_server, page, author):
    factories.make_article(author=author)
    _sign_in(page, live_server, author.username)
    page.goto(f"{live_server.url}/studio/cmv-treatment/")
    preview = page.locator("[data-live-preview]")
    assert "5 mg/kg" in preview.inner_text()

    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.__noReload = true")
    # The body is a CodeMirror editor over the form's textarea (static/studio/src/editor.js).
    body = page.locator('.cm-content[data-editor-for="body"]')
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n## Monitoring\n\nCheck **blood counts** every week [@unknownkey].\n")
    page.keyboard.press("Escape")  # close the citation suggestions

    page.locator(".preview-body strong", has_text="blood counts").wait_for(timeout=10_000)
    assert page.evaluate("window.__noReload") is True
    assert "Monitoring" in preview.inner_text()
    # The checks in the pane are refreshed too: the unknown citation key is reported.
    page.locator(".studio-check--error", has_text="unknownkey").wait_for(timeout=10_000)

    # Switching the audience re-renders the patient's own summary.
    page.locator(".version-switch__choice", has_text="Patient").click()
    page.locator(".preview-summary", has_text="Most people take an antiviral medicine").wait_for(timeout=10_000)
    assert page.evaluate("window.__noReload") is True

    shots = os.environ.get("STUDIO_SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=os.path.join(shots, "studio-edit.png"), full_page=False)
