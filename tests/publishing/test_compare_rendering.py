"""The one-off engine comparison: every stored page against a fresh rendering, by bytes and by the text readers see."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from publishing.management.commands.compare_rendering import text_of
from publishing.models import PublishedPage
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)


def _run(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("compare_rendering", *args, stdout=out)
    except SystemExit as stop:
        return out.getvalue(), stop.code
    return out.getvalue(), 0


def test_pages_rendered_by_the_same_engine_compare_byte_for_byte(published):
    pages = PublishedPage.objects.filter(publication=published).count()
    assert pages >= 1
    output, code = _run()
    assert code == 0
    assert f"pages: {pages}, same bytes: {pages}, same text: 0, text differs: 0" in output


def test_a_markup_only_difference_is_told_apart_from_a_text_change(published):
    page = PublishedPage.objects.filter(publication=published, audience=None).get()
    page.body_html = f'<div class="wrapped">{page.body_html}</div>'  # the same words in other markup
    page.save(update_fields=["body_html"])
    output, code = _run("--live-only")
    assert code == 0
    assert "same text: 1, text differs: 0" in output
    assert f"publication {published.pk} ({published.article.slug}, default): markup only" in output


def test_a_changed_word_is_reported_and_fails_the_run(published):
    page = PublishedPage.objects.filter(publication=published, audience=None).get()
    first_word = text_of(page.body_html).split()[0]
    page.body_html = page.body_html.replace(first_word, "Never", 1)
    page.save(update_fields=["body_html"])
    output, code = _run()
    assert code == 1
    assert "text differs: 1" in output
    assert f"publication {published.pk} ({published.article.slug}, default): body_html" in output


@pytest.mark.parametrize(
    "fragment, text",
    [("<p>A &amp; <em>b</em></p>\n<p>c</p>", "A & b c"), ("", ""), ("<sup><a href='#r'>1</a></sup>", "1")],
)
def test_text_of_keeps_what_a_reader_reads(fragment, text):
    assert text_of(fragment) == text
