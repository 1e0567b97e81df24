"""Content checks: citation errors with their line, duplicate keys, empty summary, unused and uncited warnings."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.content import content_from_article
from textkit.checks import CheckResult, check_content, has_errors
from textkit.content import ArticleContent, ReferenceContent, VariantContent

REFS = (ReferenceContent(key="alpha", title="Alpha"), ReferenceContent(key="beta", title="Beta"))


def make(summary="Bottom line [@alpha].", body="## Dosing\n\nDose [@beta].\n", variants=(), references=REFS):
    return ArticleContent(
        slug="s", title="T", summary=summary, body=body, variants=tuple(variants), references=tuple(references)
    )


def codes(results: list[CheckResult]) -> list[str]:
    return [r.code for r in results]


def test_clean_content_has_no_results():
    assert check_content(make()) == []


def test_unknown_citation_is_an_error_naming_the_key_field_and_line():
    body = "## Dosing\n\nDose [@beta].\n\nMore text\nwith [@ghost] here.\n"
    results = check_content(make(body=body))
    assert results == [
        CheckResult(
            code="unknown-citation",
            level="error",
            message="[@ghost] cites a reference that does not exist. "
            "Add a reference with the key “ghost” or correct the citation.",
            location="Body, line 6",
        )
    ]
    assert has_errors(results)


def test_unknown_citation_in_a_group_and_in_the_summary():
    results = check_content(make(summary="Line one\nLine two [@alpha; @nope]."))
    assert [(r.code, r.location) for r in results] == [("unknown-citation", "Summary, line 2")]
    assert "nope" in results[0].message


def test_unknown_key_cited_on_two_lines_is_reported_for_each_line():
    results = check_content(make(body="## A\n\n[@beta] [@x]\n\n[@x]\n"))
    assert [r.location for r in results if r.code == "unknown-citation"] == ["Body, line 3", "Body, line 5"]


def test_unknown_citation_in_an_audience_version_names_the_version():
    variant = VariantContent(audience_id=3, body="## Plain words\n\nTake it [@beta].\nAsk [@gone].")
    results = check_content(make(variants=[variant]), audience_names={3: "Patient"})
    assert [(r.code, r.location) for r in results] == [("unknown-citation", "Patient version — body, line 4")]


def test_citation_in_code_span_is_not_checked():
    assert check_content(make(body="## A\n\n[@beta] and `[@literal]`\n")) == []


def test_duplicate_reference_key_is_an_error():
    refs = (*REFS, ReferenceContent(key="beta", title="Beta again"))
    results = check_content(make(references=refs))
    assert codes(results) == ["duplicate-reference"]
    assert results[0].level == "error" and "beta" in results[0].message


@pytest.mark.parametrize("summary", ["", "   \n\t"])
def test_empty_summary_is_an_error(summary):
    results = check_content(make(summary=summary, body="## A\n\n[@alpha] [@beta]"))
    assert codes(results) == ["empty-summary"]
    assert has_errors(results)


def test_unused_reference_is_a_warning_only():
    refs = (*REFS, ReferenceContent(key="gamma", title="Gamma"))
    results = check_content(make(references=refs))
    assert [(r.code, r.level) for r in results] == [("unused-reference", "warning")]
    assert "gamma" in results[0].message
    assert not has_errors(results)


def test_reference_cited_only_in_a_variant_is_used():
    refs = (*REFS, ReferenceContent(key="gamma", title="Gamma"))
    variant = VariantContent(audience_id=1, summary="Plain [@gamma].")
    assert check_content(make(variants=[variant], references=refs)) == []


def test_section_without_citation_is_a_warning_naming_the_section():
    body = "## Dosing\n\nDose [@beta].\n\n## Monitoring\n\nCheck blood counts weekly.\n\n### Sub [@alpha]\n\n## Last\n"
    results = check_content(make(body=body))
    assert [(r.code, r.level, r.location) for r in results] == [("uncited-section", "warning", "Body, line 11")]
    assert "Last" in results[0].message


def test_uncited_section_in_a_variant_is_reported_for_that_version():
    variant = VariantContent(audience_id=2, body="## Easy words\n\nNo sources here.")
    results = check_content(make(variants=[variant]), audience_names={2: "Caregiver"})
    assert [(r.code, r.location) for r in results] == [("uncited-section", "Caregiver version — body, line 1")]


def test_empty_variant_fields_fall_back_and_are_not_checked_twice():
    variant = VariantContent(audience_id=2, summary="", body="")
    assert check_content(make(variants=[variant])) == []


def test_has_errors_is_false_for_warnings_only():
    assert not has_errors([CheckResult("unused-reference", "warning", "m", "References")])
    assert not has_errors([])


@pytest.mark.django_db
def test_demo_article_passes_and_checks_run_without_queries(article):
    content = content_from_article(article)
    with CaptureQueriesContext(connection) as queries:
        results = check_content(content)
    assert len(queries) == 0
    assert not has_errors(results)
