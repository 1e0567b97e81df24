"""Translated reader pages in a real browser: a Spanish page, and a right-to-left (Arabic) page laid out right to left.

Arabic is not one of the shipped languages; the test adds it to LANGUAGES for
the run (the chrome falls back to English, the article text is Arabic), which
is what a publisher adding a right-to-left language would do first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext

from articles import translations
from cms.languages import language_name
from publishing import services
from publishing.models import Publication
from tests.factories import BoardMemberFactory, UserFactory
from tests.publishing.publish_helpers import approve, edit, make_disclaimers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
ARABIC_SUMMARY = "يعالج فيروس تضخم الخلايا بدواء مضاد للفيروسات مثل الغانسيكلوفير [@kotton2018]."


@pytest.fixture
def languages_live(live_server, article, author, reviewer, editor, settings):
    settings.SITE_URL = live_server.url
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    make_disclaimers()
    approve(article, author=author, reviewer=reviewer)
    services.publication_request(article, acting_user=editor, change_summary="First published.")
    member = BoardMemberFactory(
        user=UserFactory(username="multilingual", groups=["Medical Advisory Board"]), languages="en, es, ar"
    ).user
    for code, slug, title, summary in (
        ("es", "tratamiento-cmv", "¿Cuál es el tratamiento del CMV?", "Se trata con ganciclovir [@kotton2018]."),
        ("ar", "cmv-ar", "ما هو علاج عدوى الفيروس المضخم للخلايا؟", ARABIC_SUMMARY),
    ):
        version = translations.translation_create(article, acting_user=author, language=code, slug=slug)
        version = edit(version, author=author, title=title, summary=summary)
        approve(version, author=author, reviewer=member)
        services.publication_request(version, acting_user=editor, change_summary="First published.")
        assert Publication.objects.get(article=version).state == Publication.State.LIVE
    return live_server.url


def test_a_right_to_left_page_reads_right_to_left(browser, languages_live):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{languages_live}/ar/articles/cmv-ar/")
        assert page.locator("html").get_attribute("lang") == "ar"
        assert page.locator("html").get_attribute("dir") == "rtl"
        title = page.locator("#article-title")
        assert title.evaluate("el => getComputedStyle(el).direction") == "rtl"
        # Right to left: the title's text starts at the right edge of its column, not the left.
        box = title.bounding_box()
        text = title.evaluate(
            "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects()[0].right; }"
        )
        assert abs(text - (box["x"] + box["width"])) < 2
        assert "الغانسيكلوفير" in page.locator(".bottom-line").inner_text()
        # Nothing pushes the page sideways (an element placed with `left: -10000px` scrolls an RTL page).
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The chooser offers every live language, each in its own name.
        chooser = page.locator(".language-chooser")
        assert chooser.get_by_role("link", name="English").count() == 1
        assert chooser.get_by_role("link", name=language_name("es")).count() == 1  # "Español"
        page.screenshot(path=str(ARTIFACTS / f"reader-rtl-{width}.png"), full_page=True)
        context.close()


def test_the_chooser_takes_a_reader_from_english_to_spanish(browser, languages_live):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{languages_live}/articles/cmv-treatment/")
    page.locator(".language-chooser").get_by_role("link", name=language_name("es")).click()
    page.wait_for_url(f"{languages_live}/es/articles/tratamiento-cmv/")
    assert page.locator("html").get_attribute("lang") == "es"
    with translation.override("es"):
        assert gettext("Article Review Status") in page.content()  # the page's own words, from the catalogue
    page.screenshot(path=str(ARTIFACTS / "reader-es-390.png"), full_page=True)
    context.close()
