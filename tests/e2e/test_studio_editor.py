"""The two-pane studio editor in a real browser: CodeMirror, live preview, citations, autosave, readability."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings

from articles.models import Article, DraftBuffer
from tests import factories
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def _page(browser, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    return context, page


def _open_editor(page, live_server, article: Article) -> None:
    page.goto(f"{live_server.url}/studio/{article.slug}/")
    page.locator(".cm-host--body .cm-content").first.wait_for()


def _body_editor(page, version: str = ""):
    name = f"variant-{version}-body" if version else "body"
    return page.locator(f'.cm-content[data-editor-for="{name}"]')


def _type_at_end(page, editor, text: str, *, paste: bool = False) -> None:
    """Type text at the end of an editor, key by key (or in one input event, as a paste would)."""
    editor.click()
    page.keyboard.press("Control+End")
    if paste:
        page.keyboard.insert_text(text)
    else:
        page.keyboard.type(text)


@pytest.fixture
def editor_page(browser, live_server, author):
    article = factories.make_article(author=author)
    context, page = _page(browser)
    _sign_in(page, live_server, author.username)
    _open_editor(page, live_server, article)
    yield page, article
    assert page.js_errors == []
    context.close()


def test_typing_updates_the_preview_beside_the_text_at_the_section_being_edited(editor_page):
    page, _ = editor_page
    page.evaluate("window.__noReload = true")
    editor = _body_editor(page)
    write_box = editor.bounding_box()
    _type_at_end(page, editor, "\n## Monitoring\n\nCheck **blood counts** every week.\n")

    strong = page.locator(".preview-body strong", has_text="blood counts")
    strong.wait_for(timeout=10_000)
    assert page.evaluate("window.__noReload") is True
    # The preview is beside the text (to its right), and scrolled so the new section is in view.
    frame = page.locator("[data-preview-scroll]")
    frame_box = frame.bounding_box()
    assert frame_box["x"] > write_box["x"] + write_box["width"] - 5
    page.wait_for_function(
        """() => {
            const frame = document.querySelector('[data-preview-scroll]');
            const h = [...frame.querySelectorAll('.preview-body h2')].find(e => e.textContent.includes('Monitoring'));
            if (!h) return false;
            const f = frame.getBoundingClientRect(), r = h.getBoundingClientRect();
            return r.top >= f.top - 1 && r.top < f.bottom;
        }""",
        timeout=10_000,
    )
    # The outline lists the new section, and an entry takes the editor to its section.
    page.locator("[data-outline] button", has_text="Monitoring").wait_for()
    first = page.locator("[data-outline] button", has_text="From the FDA drug label")
    first.click()
    assert first.get_attribute("aria-current") == "true"
    cursor_line = """() => {
        const node = window.getSelection().focusNode;
        const line = node && (node.nodeType === 1 ? node : node.parentElement).closest('.cm-line');
        return document.activeElement.matches('.cm-content[data-editor-for="body"]') && line ? line.textContent : '';
    }"""
    page.wait_for_function(f"({cursor_line})() === '## From the FDA drug label'", timeout=5_000)


def test_citation_completion_offers_references_and_inserts_the_key(editor_page):
    page, _ = editor_page
    editor = _body_editor(page)
    _type_at_end(page, editor, "\nMore in a guideline [@kott")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="kotton2018")
    option.wait_for(timeout=5_000)
    # Each suggestion names the key, first author and year; the selected one also its title and kind.
    assert "Kotton CN · 2018" in option.inner_text()
    info = page.locator(".cm-completionInfo", has_text="Third International Consensus Guidelines")
    info.wait_for(timeout=5_000)
    assert info.inner_text().endswith(" — Guideline")
    page.wait_for_timeout(150)  # CodeMirror ignores Enter in the first 75 ms after the list opens
    page.keyboard.press("Enter")
    assert "More in a guideline [@kotton2018]" in page.input_value("#id_body")

    # An unknown key is underlined where it is typed.
    page.keyboard.type(" and [@nosuchkey2020]")
    page.locator(".cm-unknown-cite", has_text="nosuchkey2020").wait_for(timeout=5_000)
    assert page.locator(".cm-unknown-cite", has_text="kotton2018").count() == 0


def test_autosave_restores_the_text_after_a_reload_and_saving_discards_it(editor_page, live_server, author):
    page, article = editor_page
    editor = _body_editor(page)
    _type_at_end(page, editor, "\nA sentence typed just before the tab was reloaded.\n")
    page.locator("[data-editor-status]", has_text="kept").wait_for(timeout=10_000)
    assert DraftBuffer.objects.filter(article=article, user=author).exists()

    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.locator("[data-draft-notice]").wait_for()
    assert "typed just before the tab was reloaded" in _body_editor(page).inner_text()
    assert "typed just before the tab was reloaded" in page.input_value("#id_body")

    # Ctrl-S saves a version; the buffer has done its job and is gone.
    _body_editor(page).click()
    page.keyboard.press("Control+s")
    page.locator(".message--success", has_text="Saved").wait_for(timeout=10_000)
    article.refresh_from_db()
    assert "typed just before the tab was reloaded" in article.body
    assert not DraftBuffer.objects.filter(article=article).exists()
    assert page.locator("[data-draft-notice]").count() == 0


def test_text_typed_after_a_pause_survives_a_reload_even_when_the_last_write_is_late(editor_page, live_server, author):
    """Type, pause (an autosave lands), type again, reload at once accepting the prompt: nothing is lost.

    The closing page's last write is held back on its way to the server, as a
    slow network would: the reloaded page waits for it (the flush cookie)
    instead of showing the older text.
    """
    page, article = editor_page
    editor = _body_editor(page)
    _type_at_end(page, editor, "\nWords typed before the pause.")
    page.wait_for_timeout(5_000)
    page.locator("[data-editor-status]", has_text="kept").wait_for(timeout=5_000)
    kept = DraftBuffer.objects.get(article=article, user=author)
    assert kept.data["body"].endswith("Words typed before the pause.") and kept.sequence == 1

    held: list[str] = []

    def late(route):
        if route.request.method == "POST":
            held.append(route.request.post_data or "")
            time.sleep(1.0)
        route.continue_()

    page.route(f"**/studio/{article.slug}/draft/", late)
    _type_at_end(page, editor, " Words typed after it.")
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    _body_editor(page).wait_for()
    page.locator("[data-draft-notice]").wait_for()
    assert held and "Words typed after it." in held[-1]
    text = page.input_value("#id_body")
    assert text.rstrip().endswith("Words typed before the pause. Words typed after it.")
    assert "Words typed before the pause. Words typed after it." in _body_editor(page).inner_text()
    buffer = DraftBuffer.objects.get(article=article, user=author)
    assert buffer.data["body"].replace("\r\n", "\n").endswith("Words typed after it.")
    # The flush cookie has done its job: the reloaded page removed it.
    assert not [c for c in page.context.cookies() if c["name"] == "vetted_draft_flush"]

    # Saving keeps it as a version.
    page.unroute(f"**/studio/{article.slug}/draft/")
    _body_editor(page).click()
    page.keyboard.press("Control+s")
    page.locator(".message--success", has_text="Saved").wait_for(timeout=10_000)
    article.refresh_from_db()
    assert article.body.rstrip().endswith("Words typed before the pause. Words typed after it.")


def test_leaving_with_unsaved_changes_asks_first(editor_page, live_server):
    page, _ = editor_page
    _type_at_end(page, _body_editor(page), "\nNot saved yet.")
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        page.goto(f"{live_server.url}/studio/", timeout=3_000)
    except Exception:
        pass  # dismissing the dialog cancels the navigation
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/studio/cmv-treatment/")


def test_readability_figures_change_as_the_patient_text_changes(editor_page):
    page, _ = editor_page
    page.locator(".version-switch__choice", has_text="Patient").click()
    patient_editor = _body_editor(page, "patient")
    patient_editor.wait_for()
    page.locator(".readability summary", has_text="patient version").wait_for(timeout=10_000)
    before = page.locator("[data-readability-grade]").inner_text()

    _type_at_end(
        page,
        patient_editor,
        "Immunocompromised transplant recipients experiencing cytomegalovirus reactivation "
        "necessitate individualised antiviral pharmacotherapy considering nephrotoxicity, myelosuppression "
        "and resistance-associated mutations, alongside quantitative polymerase chain reaction surveillance "
        "throughout prophylaxis and pre-emptive treatment strategies.",
        paste=True,
    )
    page.wait_for_function(
        "before => document.querySelector('[data-readability-grade]')?.textContent !== before",
        arg=before,
        timeout=10_000,
    )
    after = page.locator("[data-readability-grade]").inner_text()
    assert float(after.split()[1]) > float(before.split()[1])
    assert page.locator(".readability summary", has_text="long sentence").count() == 1


def test_on_a_phone_an_author_types_cites_and_sees_the_patient_readability(browser, live_server, author):
    from articles.models import Audience

    article = factories.make_article(author=author)
    context, page = _page(browser, 390, 844)
    _sign_in(page, live_server, author.username)
    _open_editor(page, live_server, article)
    editor = _body_editor(page)
    _type_at_end(page, editor, "\n## Monitoring\n\nCheck **blood counts** every week.")
    page.locator(".preview-body strong", has_text="blood counts").wait_for(timeout=10_000)

    page.keyboard.type(" See [@mart")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="martin2002")
    option.wait_for(timeout=5_000)
    assert "Martin DF · 2002" in option.inner_text()
    page.wait_for_timeout(150)  # CodeMirror ignores Enter in the first 75 ms after the list opens
    page.keyboard.press("Enter")
    assert "every week. See [@martin2002]" in page.input_value("#id_body")

    page.locator(".version-switch__choice", has_text="Patient").click()
    _body_editor(page, "patient").wait_for()
    page.locator(".readability summary", has_text="patient version").wait_for(timeout=10_000)
    target = Audience.objects.get(slug="patient").reading_grade
    grade = page.locator("[data-readability-grade]").inner_text()
    assert grade.startswith("grade ") and grade.endswith(f" / target {target}") and float(grade.split()[1]) > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.js_errors == []
    context.close()


def test_editor_screenshots_at_desktop_and_phone_widths(browser, live_server, author):
    article = factories.make_article(author=author)
    context, page = _page(browser)
    _sign_in(page, live_server, author.username)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        _open_editor(page, live_server, article)  # loaded at this width: the editor lays itself out on load
        # Nothing overflows the page sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), width
        page.screenshot(path=str(ARTIFACTS / f"studio-editor-{width}.png"))
        page.screenshot(path=str(ARTIFACTS / f"studio-editor-{width}-full.png"), full_page=True)
    assert page.js_errors == []
    context.close()


def test_reviewer_comments_show_at_the_top_and_beside_their_section(browser, live_server, author, reviewer):
    from review import services as review_services

    article = factories.make_article(author=author)
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    review_services.review_request_changes(
        article,
        acting_user=reviewer,
        comment="Check the induction dose.",
        section_comments=[review_services.CommentInput(text="Say how long maintenance lasts.", section="Dosing")],
    )
    context, page = _page(browser)
    _sign_in(page, live_server, author.username)
    _open_editor(page, live_server, article)
    assert "Check the induction dose." in page.locator("[data-feedback]").inner_text()
    beside = page.locator(".preview-frame .section-comment", has_text="Say how long maintenance lasts.")
    beside.wait_for()
    # It sits right after the "Dosing" heading of the preview.
    assert beside.evaluate("e => e.previousElementSibling.textContent.includes('Dosing')")
    assert (
        page.locator("[data-outline] button", has_text="Dosing").locator(".editor-outline__count").inner_text() == "1"
    )
    assert page.js_errors == []
    context.close()


def test_without_javascript_every_version_is_a_plain_text_area_and_preview_posts(browser, live_server, author):
    article = factories.make_article(author=author)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, author.username)
    page.goto(f"{live_server.url}/studio/{article.slug}/")
    assert page.locator(".cm-editor").count() == 0
    assert page.locator("#id_body").is_visible() and page.locator("#id_variant-patient-body").is_visible()
    page.fill("#id_body", "## Dosing\n\nA **new line** without scripts.\n")
    page.locator(".version-switch__choice", has_text="Default text").click()
    page.click("[data-preview-button]")
    page.locator(".preview-body strong", has_text="new line").wait_for()
    assert "not saved" in page.locator(".notice", has_text="Preview updated").inner_text()
    context.close()


def test_editor_has_no_serious_accessibility_violations_at_desktop_and_phone_widths(browser, live_server, author):
    from tests.e2e.test_reader_browser import AXE, _axe_violations

    if not AXE.exists():
        pytest.skip("needs axe-core: run `npm install` (make test does) to get node_modules/axe-core")
    article = factories.make_article(author=author)
    context, page = _page(browser)
    _sign_in(page, live_server, author.username)
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _open_editor(page, live_server, article)
        for v in _axe_violations(page):
            problems.append((width, v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]))
    context.close()
    assert problems == []


def test_editor_under_the_sites_own_policy_logs_no_violation_and_no_console_error(browser, live_server, author):
    """The studio's policy allows CodeMirror's <style> element by this response's nonce, and nothing else inline."""
    article = factories.make_article(author=author)
    context, page = _page(browser)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}") if msg.type in ("error", "warning") else 0)
    policies: list[str] = []
    page.on(
        "response",
        lambda r: (
            policies.append(r.headers.get("content-security-policy", ""))
            if r.url == f"{live_server.url}/studio/{article.slug}/"
            else None
        ),
    )
    _sign_in(page, live_server, author.username)
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${(e.target && e.target.nodeName) || ''}`))"
    )
    _open_editor(page, live_server, article)
    # CodeMirror's own base theme applies (it makes the editor a positioned box, the cursor layer absolute).
    assert page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).position") == "relative"
    assert page.evaluate("getComputedStyle(document.querySelector('.cm-cursorLayer')).position") == "absolute"
    _type_at_end(page, _body_editor(page), "\nSee [@kott")
    page.locator(".cm-tooltip-autocomplete li", has_text="kotton2018").wait_for(timeout=5_000)
    page.keyboard.press("Escape")
    page.locator("[data-editor-status]", has_text="kept").wait_for(timeout=10_000)
    page.locator(".version-switch__choice", has_text="Patient").click()
    _type_at_end(page, _body_editor(page, "patient"), "Patient words.")
    page.locator("[data-editor-status]", has_text="kept").wait_for(timeout=10_000)

    # The page was served with the site's strict policy plus one nonce, and only that nonce styles the page.
    policy = policies[0]
    style_src = next(d for d in policy.split(";") if d.strip().startswith("style-src ")).split()
    assert style_src[:2] == ["style-src", "'self'"] and len(style_src) == 3 and style_src[2].startswith("'nonce-")
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    nonce = style_src[2][len("'nonce-") : -1]
    assert page.evaluate("[...document.querySelectorAll('style')].every(s => s.nonce)") is True
    assert page.evaluate("[...document.querySelectorAll('style')].map(s => s.nonce)") == [nonce]
    assert page.evaluate("window.__csp") == []
    assert console == []
    assert page.js_errors == []

    # A reload gets a fresh nonce; an old one would not do.
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    _body_editor(page, "patient").wait_for()  # the kept text comes back with the version it was typed in
    assert policies[-1] != policy and "'nonce-" in policies[-1]
    assert page.evaluate("window.__csp") == [] and console == [] and page.js_errors == []
    context.close()


def test_submitting_for_review_with_unsaved_changes_says_save_first(editor_page):
    page, article = editor_page
    _type_at_end(page, _body_editor(page), "\nAn edit that is not saved yet.")
    page.locator("[data-review-submit] button[type=submit]").click()
    page.locator("[data-unsaved-warning]", has_text="Save them first").wait_for()
    article.refresh_from_db()
    assert article.status == "draft"
