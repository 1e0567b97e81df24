"""The one-pass inline processor gives the HTML Python-Markdown's own gave (textkit/markdown_linear.py).

The frozen samples were rendered by the old pipeline before the switch
(tests/textkit/inline_samples.py); the properties compare with stock
Python-Markdown on random text made of ordinary inline pieces.
"""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.textkit.inline_samples import SAMPLES, expected, render_sample
from textkit.markdown_linear import LinearInlineExtension, LinearInlineProcessor, LinearLinksExtension
from textkit.rendering import _markdown

FROZEN = expected()


def test_every_sample_has_frozen_html():
    assert set(FROZEN) == set(SAMPLES)


@pytest.mark.parametrize("text", SAMPLES)
def test_sample_renders_as_before_the_linear_inline_pass(text):
    assert render_sample(text) == FROZEN[text]


def test_the_renderer_uses_the_linear_inline_processor():
    assert isinstance(_markdown(citations=True).treeprocessors["inline"], LinearInlineProcessor)
    assert isinstance(_markdown(citations=False).treeprocessors["inline"], LinearInlineProcessor)


def _both(text: str) -> tuple[str, str]:
    stock = markdown.Markdown(extensions=[LinearLinksExtension()])
    linear = markdown.Markdown(extensions=[LinearLinksExtension(), LinearInlineExtension()])
    return stock.convert(text), linear.convert(text)


# Ordinary pieces of prose, joined by spaces: emphasis, strong, nesting, escapes, code, links, entities.
WORDS = [
    "word",
    "*em*",
    "**strong**",
    "_em_",
    "__strong__",
    "***both***",
    "*two words*",
    "*a **b** c*",
    "**a *b* c**",
    "\\*",
    "\\_",
    "\\\\",
    "`code`",
    "`*`",
    "[link](http://e.org/x)",
    "*[em link](http://e.org/y)*",
    "[*em text*](http://e.org/z)",
    "&amp;",
    "&",
    "<http://e.org/a>",
    "snake_case",
    "2*3*4",
    "\n",
    "  \n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=25))
def test_prose_renders_exactly_as_python_markdown(words):
    stock, linear = _both(" ".join(words))
    assert linear == stock


# Any mix, without emphasis delimiters: escapes, code spans, brackets, entities, angle brackets, breaks.
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab \\`[]()!<>&#;:1\n") + ["&amp;", "  \n", "http://x", "``"]), max_size=30))
def test_text_without_emphasis_renders_exactly_as_python_markdown(pieces):
    stock, linear = _both("".join(pieces))
    assert linear == stock


def test_escaped_backslash_before_a_code_span_still_opens_it():
    # The only lookbehind that can see a replaced backslash pair: "\\`a`" is "\" then code.
    stock, linear = _both("\\\\`a` and \\\\\\\\`b`")
    assert linear == stock
    assert "<code>a</code>" in linear and "<code>b</code>" in linear


def test_delimiter_soup_keeps_every_letter():
    # Python-Markdown 3.11.3 shifted its cached emphasis regions by the wrong amount when a
    # stray "*" sat between them and dropped the "y"; 3.11.4, which the engine requires, keeps it.
    stock, linear = _both("**a *b* x * y *c* d")
    assert linear == stock == "<p>**a <em>b</em> x * y <em>c</em> d</p>"


def test_an_older_python_markdown_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(markdown, "__version_info__", (3, 11, 3, "final", 0))
    monkeypatch.setattr(markdown, "__version__", "3.11.3")
    with pytest.raises(RuntimeError, match=r"needs Python-Markdown 3\.11\.4 or later; 3\.11\.3 is installed"):
        markdown.Markdown(extensions=[LinearInlineExtension()])


def test_the_inline_processor_inherits_nothing_from_python_markdowns():
    # Python-Markdown's own inline processor has only private (name-mangled) helpers; nothing of it is reused.
    from markdown import treeprocessors

    assert not issubclass(LinearInlineProcessor, treeprocessors.InlineProcessor)
    assert issubclass(LinearInlineProcessor, treeprocessors.Treeprocessor)
