"""The editor's "add reference by PMID or DOI" dialog in a real browser, under the site's own strict CSP.

PubMed is the recorded answer of tests/evidence (a local HTTP server on a free
loopback port); nothing reaches the outside network.
"""

from __future__ import annotations

import pytest

from articles.models import Reference
from tests import factories
from tests.e2e.test_studio_editor import ARTIFACTS, _body_editor, _open_editor, _page, _sign_in, _type_at_end
from tests.evidence.test_identifiers import recorded_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def online(settings):
    with recorded_services() as (asked, base):
        settings.IDENTIFIER_LOOKUP_NETWORK = True
        settings.PUBMED_ESUMMARY_URL = f"{base}/esummary"
        settings.CROSSREF_WORKS_URL = f"{base}/works/"
        yield asked


def _lookup(page, text: str) -> None:
    field = page.locator("#reference-lookup-identifier")
    field.fill(text)
    field.press("Enter")


def test_add_reference_by_pmid_fills_a_row_and_can_be_cited_at_once(browser, live_server, author, online):
    article = factories.make_article(author=author)
    context, page = _page(browser)
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    _sign_in(page, live_server, author.username)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + ((e.target && e.target.nodeName) || '')))"
    )
    _open_editor(page, live_server, article)
    _type_at_end(page, _body_editor(page), "\nUnsaved words typed before the lookup.")

    # The dialog opens from the toolbar, on the first screen, with the focus in its field.
    opener = page.locator(".editor-toolbar [data-reference-lookup-open]")
    assert opener.is_visible() and opener.bounding_box()["y"] < 900
    opener.click()
    dialog = page.locator("dialog[data-reference-lookup]")
    assert dialog.evaluate("d => d.open") is True
    assert page.evaluate("document.activeElement.id") == "reference-lookup-identifier"

    # Errors are said in the dialog, in plain words, and the field is marked.
    _lookup(page, "hello")
    error = page.locator("[data-reference-lookup-error]")
    error.filter(has_text="neither a PMID").wait_for(timeout=5_000)
    _lookup(page, "99999999")
    error.filter(has_text="PubMed has no article with PMID 99999999").wait_for(timeout=5_000)
    assert page.locator("#reference-lookup-identifier").get_attribute("aria-invalid") == "true"
    assert page.locator("[data-reference-lookup]").evaluate("d => d.open") is True

    # A known PMID fills the blank reference row (the fourth) for the author to check.
    _lookup(page, "PMID: 90000001")
    result = page.locator("[data-reference-lookup-result]")
    result.filter(has_text="Filled in reference 4 from PubMed").wait_for(timeout=5_000)
    assert error.is_hidden() and "[@doe2019]" in result.inner_text()
    assert page.input_value("#id_references-3-key") == "doe2019"
    assert page.input_value("#id_references-3-title").startswith("Induction therapy with an invented antiviral")
    assert page.input_value("#id_references-3-authors") == "Doe J, Roe R"
    assert page.input_value("#id_references-3-source") == "Journal of Invented Results"
    assert page.input_value("#id_references-3-year") == "2019"
    assert page.input_value("#id_references-3-pmid") == "90000001"
    assert page.input_value("#id_references-3-doi") == "10.5555/vetted.trial.001"
    assert page.input_value("#id_references-3-kind") == "research"
    assert page.input_value("#id_references-TOTAL_FORMS") == "4"
    # Looking the same paper up again is refused: it is already in the editor (unsaved).
    _lookup(page, "10.5555/vetted.trial.001")
    error.filter(has_text="already reference [@doe2019]").wait_for(timeout=5_000)
    _lookup(page, "90000001")
    error.filter(has_text="already reference [@doe2019]").wait_for(timeout=5_000)
    assert len(online) == 2  # the unknown PMID and the first lookup; the rest came from the cache
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "studio-reference-lookup-1280.png"))

    # Escape closes it and gives the focus back to the button that opened it.
    page.keyboard.press("Escape")
    assert dialog.evaluate("d => d.open") is False
    assert page.evaluate("document.activeElement.hasAttribute('data-reference-lookup-open')")

    # The new key is offered after "[@" at once, and the text typed before is still there.
    _type_at_end(page, _body_editor(page), " See [@doe")
    page.locator(".cm-tooltip-autocomplete li", has_text="doe2019").wait_for(timeout=5_000)
    page.wait_for_timeout(150)  # CodeMirror ignores Enter in the first 75 ms after the list opens
    page.keyboard.press("Enter")
    body = page.input_value("#id_body")
    assert "Unsaved words typed before the lookup. See [@doe2019]" in body
    assert page.locator(".cm-unknown-cite", has_text="doe2019").count() == 0

    # On a phone the dialog fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(".editor-toolbar [data-reference-lookup-open]").click()
    _lookup(page, "12345")
    error.filter(has_text="not in the local reference cache").or_(error.filter(has_text="PubMed")).wait_for(
        timeout=5_000
    )
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "studio-reference-lookup-390.png"))
    page.keyboard.press("Escape")

    assert page.evaluate("window.__csp") == []

    # Saving keeps the looked-up reference with the article.
    _body_editor(page).click()
    page.keyboard.press("Control+s")
    page.locator(".message--success", has_text="Saved").wait_for(timeout=10_000)
    saved = Reference.objects.get(article=article, key="doe2019")
    assert (saved.pmid, saved.doi, saved.year) == ("90000001", "10.5555/vetted.trial.001", 2019)

    assert page.js_errors == []
    # Left: the answers the test asked for (400/404/409/422), checked one by one above.
    expected = ("status of 400", "status of 404", "status of 409", "status of 422")
    assert [e for e in console_errors if not any(text in e for text in expected)] == []
    context.close()


def test_the_open_dialog_has_no_serious_accessibility_violations(browser, live_server, author, settings):
    from tests.e2e.test_reader_browser import AXE, _axe_violations

    if not AXE.exists():
        pytest.skip("needs axe-core: run `npm install` (make test does) to get node_modules/axe-core")
    settings.IDENTIFIER_LOOKUP_NETWORK = False
    article = factories.make_article(author=author)
    context, page = _page(browser, width=390, height=844)
    _sign_in(page, live_server, author.username)
    _open_editor(page, live_server, article)
    page.locator(".editor-toolbar [data-reference-lookup-open]").click()
    _lookup(page, "90000001")
    page.locator("[data-reference-lookup-error]", has_text="not in the local reference cache").wait_for(timeout=5_000)
    violations = _axe_violations(page)
    assert violations == [], [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert page.js_errors == []
    context.close()
