"""Hostile Markdown renders in bounded time (the corpus is tests/textkit/pathological_inputs.py).

Each input is about 30,000 characters (the body takes 100,000). Before the
linear scanners, several of these took from tens of seconds to minutes; the
cap only catches a runaway (figures: `python -m bench bench_pathological`).
"""

from __future__ import annotations

import time

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.textkit.pathological_inputs import PATHOLOGICAL
from textkit.checks import check_content
from textkit.content import ArticleContent, ReferenceContent
from textkit.markdown_linear import LinearLinksExtension
from textkit.readability import measure
from textkit.rendering import render_content

SIZE = 30_000
CAP_SECONDS = 5.0


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_renders_and_checks_in_bounded_time(name):
    text = PATHOLOGICAL[name](SIZE)
    content = ArticleContent(
        slug="x",
        title="x",
        summary="s",
        body=text,
        references=(ReferenceContent(key="a", kind="research", title="A"),),
    )
    started = time.process_time()
    rendered = render_content(content)
    check_content(content)
    elapsed = time.process_time() - started
    assert elapsed < CAP_SECONDS, f"{name}: {elapsed:.1f} s"
    assert "<script" not in rendered.body_html


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_gets_its_reading_grade_in_bounded_time(name):
    text = PATHOLOGICAL[name](SIZE)
    started = time.process_time()
    measure(text, label="x", slug="", target=6)
    elapsed = time.process_time() - started
    assert elapsed < CAP_SECONDS, f"{name}: {elapsed:.1f} s"


@pytest.mark.parametrize(
    "text",
    ["[" * SIZE, "<" + "a" * SIZE, " " * SIZE + "x", "\n" * SIZE, "```a\n" * (SIZE // 5), "- |" * (SIZE // 3)],
    ids=["open brackets", "open tag", "spaces", "newlines", "unclosed fences", "table-like line"],
)
def test_plain_text_shapes_that_were_quadratic_are_measured_in_bounded_time(text):
    started = time.process_time()
    measure(text, label="x", slug="", target=6)
    assert time.process_time() - started < CAP_SECONDS


def test_deep_nesting_is_flattened_not_a_recursion_error():
    rendered = render_content(ArticleContent(slug="x", title="x", body="- " * 5000 + "deep"))
    assert "deep" in rendered.body_html
    assert rendered.body_html.count("<ul>") <= 20


def test_linear_links_keep_python_markdown_behaviour():
    html = render_content(
        ArticleContent(
            slug="x",
            title="x",
            body='[a](http://e.org/x "T") [b](<http://e.org/y>) [c](http://e.org/(z)) ![i](http://e.org/i.png) '
            "[unclosed](http://e.org [x] [[nested](http://e.org/n)]\n\n[r]: http://e.org/r\n\n[ref][r] [r]",
        )
    ).body_html
    assert '<a href="http://e.org/x" title="T" rel="noopener noreferrer">a</a>' in html
    assert '<a href="http://e.org/y" rel="noopener noreferrer">b</a>' in html
    assert '<a href="http://e.org/(z)" rel="noopener noreferrer">c</a>' in html
    assert '<a href="http://e.org/i.png" rel="noopener noreferrer">i</a>' in html
    assert "[unclosed](http://e.org" in html
    assert '[<a href="http://e.org/n" rel="noopener noreferrer">nested</a>]' in html
    assert html.count('href="http://e.org/r"') == 2


def test_repeated_headings_get_numbered_anchors_in_order():
    rendered = render_content(ArticleContent(slug="x", title="x", body="## Same\n\n## Same-2\n\n## Same\n\n## Same\n"))
    assert [s.anchor for s in rendered.sections] == ["same", "same-2", "same-3", "same-4"]


def _preview(client, article, body):
    data = {"title": article.title, "slug": article.slug, "condition": "C", "summary": "S", "body": body}
    data.update({"references-TOTAL_FORMS": 0, "references-INITIAL_FORMS": 0})
    return client.post(f"/studio/{article.slug}/preview/", data, HTTP_X_STUDIO_PREVIEW="1")


def test_the_live_preview_answers_the_issue_inputs_at_once(client, author, article):
    client.force_login(author)
    for body in ("[" * 10_000, "[a](" * 5_000, "## Same\n\n" * 5_000):
        started = time.process_time()
        response = _preview(client, article, body)
        assert response.status_code == 200
        assert time.process_time() - started < CAP_SECONDS


def test_the_live_preview_measures_the_reading_grade_of_the_whole_text(client, author, article):
    # 7,000 characters of short sentences, then one long sentence: the old preview measured only
    # the first 6,000 characters and did not see it.
    long_sentence = " ".join(["word"] * 30) + "."
    client.force_login(author)
    html = _preview(client, article, "Take one pill. " * 470 + long_sentence).content.decode()
    assert "1 long sentence" in html


def test_the_preview_of_oversized_text_says_so_and_renders_only_the_first_part(client, author, article):
    client.force_login(author)
    response = _preview(client, article, "word " * 30_000)
    html = response.content.decode()
    assert response.status_code == 200
    assert "150,000 characters long; the most it can be is 100,000" in html


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("[]()ab !<>`\\\n") + ["http://x", "[r]", "\n\n[r]: http://r\n"]), max_size=30))
def test_linear_links_render_exactly_as_python_markdown_without_titles(pieces):
    # Titles in quotes are where the linear scanner deliberately differs (a ")" inside a quoted
    # title ends the link); everything else must match Python-Markdown byte for byte.
    text = "".join(pieces)
    plain, linear = markdown.Markdown(), markdown.Markdown(extensions=[LinearLinksExtension()])
    assert linear.convert(text) == plain.convert(text)
