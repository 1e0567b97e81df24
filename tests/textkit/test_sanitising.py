"""Whatever an author types, the rendered HTML carries no live script, handlers or dangerous URLs."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textkit.content import ArticleContent, ReferenceContent
from textkit.rendering import render_content, render_markdown, sanitize_html

DANGEROUS_TAG_RE = re.compile(
    r"<\s*/?\s*(script|style|iframe|object|embed|svg|math|form|input|button|img|textarea|base|meta|link)\b", re.I
)
EVENT_ATTR_RE = re.compile(r"<[^>]*\s(on[a-z]+|style)\s*=", re.I)
HREF_RE = re.compile(r'\shref="([^"]*)"')


def body_html(markdown_text: str) -> str:
    content = ArticleContent(
        slug="s", title="t", body=markdown_text, references=(ReferenceContent(key="a", title="A"),)
    )
    return render_content(content).body_html


def assert_safe(html: str) -> None:
    assert not DANGEROUS_TAG_RE.search(html), html
    assert not EVENT_ATTR_RE.search(html), html
    for href in HREF_RE.findall(html):
        assert href.startswith(("http://", "https://", "mailto:", "#")), href


def test_script_tags_in_markdown_are_shown_as_text():
    html = body_html("Before <script>alert(1)</script> after\n\n<script>\nalert(2)\n</script>\n")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "java&#09;script:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative/path",
    ],
)
def test_dangerous_link_targets_are_removed(href):
    html = body_html(f"[click]({href}) and <{href}>")
    assert_safe(html)
    assert ">click</a>" in html  # the link text stays, only the target goes
    assert not re.search(r'href="[^"#]*(script|data):', html, re.I)


@pytest.mark.parametrize(
    "raw",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="&#106;&#97;vascript:alert(1)">x</a>',
        '<a href="  java\nscript:alert(1)">x</a>',
        '<a href="data:text/html,hi">x</a>',
    ],
)
def test_sanitize_html_drops_javascript_and_data_urls_however_spelled(raw):
    html = sanitize_html(raw)
    assert "href" not in html
    assert ">x</a>" in html


def test_event_handler_and_style_attributes_are_removed_by_the_allow_list():
    html = sanitize_html('<p onclick="alert(1)" style="color:red" onmouseover=x>hi</p><sup onload=x>1</sup>')
    assert html == "<p>hi</p><sup>1</sup>"


@pytest.mark.parametrize(
    "tag",
    [
        "<script>alert(1)</script>",
        "<style>body{}</style>",
        '<iframe src="https://e.org"></iframe>',
        "<object data=x></object>",
        "<embed src=x>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi>x</mi></math>",
        "<form action=x><input name=a><button>go</button></form>",
        '<img src=x onerror="alert(1)">',
    ],
)
def test_sanitize_html_removes_forbidden_elements(tag):
    html = sanitize_html(f"<p>ok</p>{tag}")
    assert_safe(html)
    assert "<p>ok</p>" in html
    assert "alert" not in html


def test_raw_html_in_markdown_does_not_survive_as_markup():
    html = body_html('<div onclick="x">block</div>\n\nInline <b onmouseover="x">bold</b> <img src=x onerror=alert(1)>')
    assert_safe(html)
    assert "<div" not in html and "<b " not in html
    assert "&lt;div onclick" in html


def test_attribute_list_tricks_are_not_applied():
    html = body_html(
        "# Title {: onclick=alert(1) }\n\nPara\n{: onmouseover=alert(1) style=x }\n\n"
        "[link](https://e.org){: onclick=x }"
    )
    assert_safe(html)
    assert 'onclick="' not in html and 'onmouseover="' not in html
    assert "{: onclick=alert(1) }" in html  # shown as text, not applied


def test_markdown_image_becomes_a_plain_link():
    html = body_html('![chart](https://example.org/c.png "A chart") ![x](javascript:alert(1))')
    assert "<img" not in html
    assert '<a href="https://example.org/c.png" title="A chart" rel="noopener noreferrer">chart</a>' in html
    assert_safe(html)


def test_tables_lists_emphasis_and_links_survive():
    html = body_html(
        "| Drug | Dose |\n|:-----|-----:|\n| *ganciclovir* | 5 mg/kg |\n\n"
        "- one\n- **two**\n\n1. first\n2. second\n\n"
        "See [CDC](https://www.cdc.gov/cmv/) or <mailto:help@example.org> or [top](#summary)."
    )
    assert "<table>" in html and '<th align="left">Drug</th>' in html and '<td align="right">5 mg/kg</td>' in html
    assert "<em>ganciclovir</em>" in html
    assert "<ul>" in html and "<li><strong>two</strong></li>" in html
    assert "<ol>" in html and "<li>first</li>" in html
    assert '<a href="https://www.cdc.gov/cmv/" rel="noopener noreferrer">CDC</a>' in html
    assert 'href="#summary"' in html
    assert "mailto:" in html or "&#109;&#97;" in html  # Python-Markdown obfuscates mail links with entities


def test_external_links_get_noopener_noreferrer():
    html = render_markdown("[x](https://example.org)")
    assert 'rel="noopener noreferrer"' in html


def test_html_comments_are_removed():
    assert "secret" not in sanitize_html("<p>a<!-- secret --></p>")


def test_citation_placeholder_markup_typed_by_an_author_is_inert():
    html = body_html('<span data-vetted-cite="x:0"></span> [@a]')
    assert "data-vetted-cite" not in html.replace("&lt;span data-vetted-cite", "")
    assert html.count('<sup class="citation">') == 1


MARKDOWN_PIECES = st.sampled_from(
    [
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "<a href='javascript:alert(1)'>",
        "onclick=",
        'onload="x"',
        "{: onclick=alert(1) }",
        "javascript:",
        "JaVaScRiPt:",
        "&#106;",
        "data:text/html,",
        "[",
        "]",
        "(",
        ")",
        "![",
        "<",
        ">",
        '"',
        "'",
        "`",
        "*",
        "_",
        "#",
        "## ",
        "\n",
        "\n\n",
        "    ",
        "- ",
        "1. ",
        "| a | b |\n|---|---|\n",
        "|",
        "[@a]",
        "[@a; @b]",
        "@",
        ";",
        "&",
        "=",
        "\\",
        "http://e.org",
        "<http://e.org>",
        " ",
        "x",
        "style=",
        "<svg>",
        "<iframe>",
        "<!--",
        "-->",
        "<![CDATA[",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=5)), max_size=40).map("".join))
def test_random_markdown_never_yields_script_handlers_or_bad_urls(text):
    content = ArticleContent(
        slug="s", title="t", summary=text, body=text, references=(ReferenceContent(key="a", title=text or "A"),)
    )
    rendered = render_content(content)
    for html in (rendered.summary_html, rendered.body_html, rendered.references_html, render_markdown(text)):
        assert_safe(html)


# --------------------------------------------------------------------------- properties (hypothesis)

HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<a href='http://e.org'>",
        "<a href=javascript:alert(1)>",
        "</a>",
        "<script>",
        "<img src=x onerror=alert(1)>",
        "<svg><g onload=x>",
        "<table><tr><td>",
        "<sup class='citation' id='cite-1-1'>",
        "<span data-vetted-cite='x:0'>",
        "<h2 id='Main'>",
        "<!--",
        "-->",
        "&amp;",
        "&lt;",
        "&#0;",
        '"',
        "'",
        "<",
        ">",
        "\x00",
        "\x0b",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=8)), max_size=60).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_TEXT, HOSTILE_TEXT)
def test_rendering_any_text_raises_nothing_and_stays_within_the_allow_list(summary, body):
    from tests.security.test_hostile_corpus import outside_allow_list

    content = ArticleContent(
        slug="s",
        title="t",
        summary=summary,
        body=body,
        references=(ReferenceContent(key="a", title=summary or "A", authors=body[:50]),),
    )
    rendered = render_content(content)  # any exception fails the property
    for html in (rendered.summary_html, rendered.body_html, rendered.references_html, render_markdown(body)):
        assert outside_allow_list(html) == []
        assert sanitize_html(html) == html  # renderer output is already a fixed point of the sanitiser


# Tags the allow-list keeps and tags it drops or empties, nested at random with
# attributes it keeps (id, href, class) and attributes it strips (on*, style).
_KEPT_TAGS = ["a", "h2", "h3", "p", "li", "ul", "ol", "table", "tr", "td", "th", "b", "em", "span", "sup", "pre"]
_KEPT_TAGS += ["blockquote", "dl", "dt", "dd", "code", "tbody", "thead", "cite"]
_DROPPED_TAGS = ["div", "form", "button", "select", "option", "nobr", "font", "caption", "col", "frameset", "body"]
_DROPPED_TAGS += ["script", "svg", "math", "template", "textarea", "noscript", "img", "iframe"]
_ATTRIBUTES = st.sampled_from(
    [
        "",
        " id='Main'",
        " id='x-1'",
        " href='http://e.org'",
        " href=javascript:alert(1)",
        " href='#ref-1'",
        " class='citation'",
        " class='section-heading'",
        " onclick=x",
        ' style="color:red"',
        " colspan=2",
        " data-vetted-cite='x:0'",
    ]
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One element, possibly without its end tag (the parser's recovery is where round trips break)."""
    return st.tuples(
        st.sampled_from(_KEPT_TAGS + _DROPPED_TAGS), st.lists(_ATTRIBUTES, max_size=3), children, st.booleans()
    ).map(lambda t: f"<{t[0]}{''.join(t[1])}>{t[2]}{f'</{t[0]}>' if t[3] else ''}")


NESTED_HTML = st.recursive(
    st.one_of(HTML_PIECES, st.text(max_size=6)),
    lambda children: st.one_of(_element(children), st.lists(children, max_size=4).map("".join)),
    max_leaves=30,
)


# One input in about two used to come back in a form the next parse changes.
# 10,000 derandomised examples (the same ones on every run, so CI cannot pass
# by luck, and a failure is repeatable locally) take about 15 s on one core.
@settings(max_examples=10_000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.one_of(HTML_PIECES, st.text(max_size=6)), max_size=40).map("".join), NESTED_HTML))
def test_sanitising_twice_changes_nothing(raw):
    once = sanitize_html(raw)
    assert sanitize_html(once) == once


@pytest.mark.parametrize(
    "raw",
    [
        # issue 19 item 5: a heading inside a link inside a heading is closed early on the next parse
        "<h2 id='Main'><a href='http://e.org'><h2 id='Main'><a href='http://e.org'>",
        "<h2><a href='http://e.org'><h3>x</h3></a></h2>",
        "<a href='http://e.org'><p>one<a href='http://e.org'>two</a></p></a>",
        "<p><table><tr><td><p>cell<h2>in</h2></td></tr></table></p>",
        "<li><ul><li><h2>deep<li>next",
        "<table><a href='http://e.org'><tr><td>x</td></tr></a></table>",
        "<b><p>one<i>two</b>three</p></i>",
        "<h2><div><h3>x</h3></div></h2>",
        "<pre>\n\nkept</pre><pre><pre>x",
        "<dl><dt><dd><dt><h4>x</dl>",
        "<form><h2><a href='http://e.org'><form><h2>x",
    ],
)
def test_nasty_nestings_sanitise_to_a_fixed_point(raw):
    once = sanitize_html(raw)
    assert sanitize_html(once) == once
    assert_safe(once)


def test_html_that_is_already_normal_comes_back_byte_for_byte():
    html = (
        '<h2 class="section-heading" id="dosing">Dosing</h2>\n<p>See <a href="https://e.org" '
        'rel="noopener noreferrer">x</a><sup class="citation" id="cite-1-1">1</sup>.</p>'
    )
    assert sanitize_html(html) == html


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]@;,-_:.aZ09 \\`\n")), max_size=80))
def test_the_citation_parser_never_fails_and_finds_only_well_formed_keys(text):
    from textkit.rendering import KEY_PATTERN, cited_keys

    for key in cited_keys(text):
        assert re.fullmatch(KEY_PATTERN, key)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_:.\-]{0,12}", fullmatch=True), min_size=1, max_size=6))
def test_a_citation_group_gives_back_its_keys(keys):
    from textkit.rendering import cited_keys

    assert cited_keys("See [" + "; ".join(f"@{k}" for k in keys) + "].") == keys
