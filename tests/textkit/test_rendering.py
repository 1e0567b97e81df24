"""Citations, reference list, headings and sections of the article renderer (pure, no database)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from textkit.content import ArticleContent, ReferenceContent, VariantContent
from textkit.rendering import compress_numbers, render_content, render_markdown

REFS = (
    ReferenceContent(key="alpha", kind="guideline", title="Alpha guideline", authors="Ada A", source="J A", year=2020),
    ReferenceContent(key="beta", kind="research", title="Beta trial", pmid="123456", doi="10.1000/beta.1"),
    ReferenceContent(key="gamma", kind="fda_label", title="Gamma label", url="https://example.org/gamma"),
    ReferenceContent(key="delta", kind="review", title="Delta review", year=2019),
    ReferenceContent(key="eps", kind="other", title="Epsilon note"),
)


def make(summary: str = "", body: str = "", variants=(), references=REFS) -> ArticleContent:
    return ArticleContent(
        slug="s", title="T", summary=summary, body=body, variants=tuple(variants), references=tuple(references)
    )


def sups(html: str) -> list[str]:
    """Return the visible text of each citation superscript."""
    return [re.sub(r"<[^>]+>", "", s) for s in re.findall(r'<sup class="citation">(.*?)</sup>', html)]


def test_numbers_follow_order_of_first_citation_across_summary_then_body():
    rendered = render_content(make(summary="S [@gamma].", body="B [@alpha] then [@gamma] then [@beta]."))
    assert [r.key for r in rendered.references] == ["gamma", "alpha", "beta"]
    assert [r.number for r in rendered.references] == [1, 2, 3]
    assert sups(rendered.summary_html) == ["1"]
    assert sups(rendered.body_html) == ["2", "1", "3"]


def test_repeated_key_keeps_its_number_and_gets_a_backlink_per_citing_place():
    rendered = render_content(make(body="One [@beta]. Two [@alpha]. Three [@beta]."))
    assert sups(rendered.body_html) == ["1", "2", "1"]
    assert 'id="cite-1-1"' in rendered.body_html
    assert 'id="cite-1-2"' in rendered.body_html
    entry = re.search(r'<li[^>]*id="ref-1"[^>]*>.*?</li>', rendered.references_html, re.S).group(0)
    assert 'href="#cite-1-1"' in entry and 'href="#cite-1-2"' in entry
    assert entry.count("↩") == 2


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_references_own_words_are_in_the_texts_language(language):
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    with translation.override(language):
        rendered = render_content(make(body="One [@beta]. Two [@gamma]."))
        back = gettext("Back to citation %(citation)s of reference %(reference)s") % {"citation": 1, "reference": 1}
        link = pgettext("reference", "Link")
    assert f'aria-label="{back}"' in rendered.references_html and f">{link}</a>" in rendered.references_html
    if language == "es":  # the catalogue has both, so a Spanish page never says them in English
        assert "Back to citation" not in rendered.references_html and ">Link</a>" not in rendered.references_html


def test_group_numbers_are_sorted_and_runs_compressed_with_en_dash():
    body = "First [@eps] [@delta] [@gamma] [@beta] [@alpha]. Group [@alpha; @beta; @gamma; @eps; @delta]."
    rendered = render_content(make(body=body))
    assert sups(rendered.body_html)[-1] == "1–5"
    body = "A [@alpha] B [@beta] C [@gamma] D [@delta] E [@eps]. [@eps; @alpha; @gamma; @beta]"
    rendered = render_content(make(body=body))
    assert sups(rendered.body_html)[-1] == "1–3, 5"


def test_two_neighbouring_numbers_are_not_a_range():
    rendered = render_content(make(body="[@alpha] [@beta] [@beta; @alpha]"))
    assert sups(rendered.body_html)[-1] == "1, 2"


def test_compress_numbers_handles_duplicates_and_gaps():
    assert compress_numbers([5, 3, 1, 2, 3]) == [(1, 3), (5, 5)]
    assert compress_numbers([]) == []


def test_range_links_first_and_last_and_keeps_an_anchor_for_the_middle():
    rendered = render_content(make(body="[@alpha; @beta; @gamma]"))
    html = rendered.body_html
    assert 'href="#ref-1"' in html and 'href="#ref-3"' in html
    assert 'id="cite-2-1"' in html  # the back-link of reference 2 has somewhere to land
    assert 'href="#cite-2-1"' in rendered.references_html


def test_comma_separated_group_is_tolerated():
    rendered = render_content(make(body="[@alpha, @beta]"))
    assert sups(rendered.body_html) == ["1, 2"]


def test_citations_link_to_reference_list_entries():
    rendered = render_content(make(body="Claim [@delta]."))
    assert '<a href="#ref-1" id="cite-1-1"' in rendered.body_html
    assert 'id="ref-1"' in rendered.references_html
    assert rendered.references[0].anchor == "ref-1"


def test_unknown_key_renders_visibly_and_is_listed():
    rendered = render_content(make(body="Claim [@alpha; @missing]. Again [@missing] and [@other]."))
    assert '<sup class="citation citation--unknown">[?missing]</sup>' in rendered.body_html
    assert rendered.unknown_keys == ("missing", "other")
    assert [r.key for r in rendered.references] == ["alpha"]


def test_citation_in_code_span_or_escaped_stays_literal():
    rendered = render_content(make(body=r"Code `[@alpha]` and escaped \[@beta]."))
    assert rendered.references == ()
    assert "[@alpha]" in rendered.body_html
    assert "[@beta]" in rendered.body_html
    assert rendered.references_html == ""


def test_reference_list_shows_kind_authors_title_source_year_and_links():
    rendered = render_content(make(body="[@alpha] [@beta] [@gamma] [@delta] [@eps]"))
    html = rendered.references_html
    assert html.startswith('<ol class="references">')
    for label in ("Guideline", "Research", "FDA drug label", "Review", "Other"):
        assert f'<span class="reference__kind">{label}</span>' in html
    assert "Ada A." in html and "Alpha guideline" in html and "J A" in html and "2020" in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/123456/"' in html
    assert 'href="https://doi.org/10.1000/beta.1"' in html
    assert 'href="https://example.org/gamma"' in html
    assert [r.kind_label for r in rendered.references] == ["Guideline", "Research", "FDA drug label", "Review", "Other"]


def test_reference_list_escapes_reference_fields():
    refs = (ReferenceContent(key="x", title='<img src=x onerror="alert(1)">', url="javascript:alert(1)"),)
    html = render_content(make(body="[@x]", references=refs)).references_html
    assert "<img" not in html and "onerror=" not in html.replace("&quot;", '"').split("&lt;img")[0]
    assert "javascript:" not in html
    assert "&lt;img" in html


def test_uncited_references_are_not_listed():
    rendered = render_content(make(body="[@delta]"))
    assert [r.key for r in rendered.references] == ["delta"]
    assert "Alpha guideline" not in rendered.references_html


def test_audience_variant_text_is_rendered_with_fallback():
    content = make(
        summary="Default summary [@alpha].",
        body="Default body [@beta].",
        variants=[VariantContent(audience_id=7, summary="Plain summary [@gamma].")],
    )
    rendered = render_content(content, audience_id=7)
    assert "Plain summary" in rendered.summary_html
    assert "Default body" in rendered.body_html
    assert [r.key for r in rendered.references] == ["gamma", "beta"]
    assert "Default summary" in render_content(content).summary_html
    assert "Default summary" in render_content(content, audience_id=99).summary_html


def test_headings_get_stable_unique_slugified_ids_and_sections():
    body = (
        "Lead text.\n\n## From the FDA Drug Label\n\nA [@alpha].\n\n### Détails\n\nB\n\n"
        "## Dosing\n\nC\n\n## Dosing\n\nD\n"
    )
    rendered = render_content(make(body=body))
    assert '<h2 class="section-heading" id="from-the-fda-drug-label">' in rendered.body_html
    assert 'id="details"' in rendered.body_html
    assert [(s.title, s.anchor) for s in rendered.sections] == [
        ("", ""),
        ("From the FDA Drug Label", "from-the-fda-drug-label"),
        ("Dosing", "dosing"),
        ("Dosing", "dosing-2"),
    ]
    assert rendered.sections[0].html == "<p>Lead text.</p>"
    assert "<h2" not in rendered.sections[1].html and "Détails" in rendered.sections[1].html
    assert render_content(make(body=body)).body_html == rendered.body_html


def test_heading_never_takes_a_reference_anchor():
    rendered = render_content(make(body="## Ref 1\n\n[@alpha]"))
    assert rendered.body_html.count('id="ref-1"') == 0
    assert rendered.sections[0].anchor == "section-ref-1"


def test_rendering_is_deterministic():
    content = make(summary="S [@beta]", body="## A\n\n[@alpha; @gamma] [@nope]")
    assert render_content(content) == render_content(content)


@pytest.mark.django_db
def test_rendering_makes_no_database_queries():
    content = make(summary="S [@beta]", body="## A\n\n[@alpha; @gamma]")
    with CaptureQueriesContext(connection) as queries:
        render_content(content)
        render_markdown("**x**")
    assert len(queries) == 0


def test_render_markdown_leaves_citation_syntax_alone():
    html = render_markdown("See [@alpha] and **bold**.")
    assert "[@alpha]" in html and "<strong>bold</strong>" in html and "<sup" not in html


def test_empty_text_renders_empty():
    rendered = render_content(make())
    assert rendered.summary_html == "" and rendered.body_html == "" and rendered.sections == ()


def test_section_title_leaves_out_a_citation_in_the_heading():
    rendered = render_content(make(body="## Dosing [@alpha]\n\nText"))
    assert rendered.sections[0].title == "Dosing"
    assert rendered.sections[0].anchor == "dosing"
    assert '<sup class="citation">' in rendered.body_html


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [("References", "section-references"), ("Article title", "section-article-title"), ("Main", "section-main")],
)
def test_heading_never_takes_an_id_the_page_itself_uses(heading, anchor):
    assert render_content(make(body=f"## {heading}\n\n[@alpha]")).sections[0].anchor == anchor
