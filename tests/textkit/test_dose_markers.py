"""The dose marker's tags are hidden from readers; everything else renders as before (textkit.dosemarks)."""

from __future__ import annotations

import time

from evidence.dosing.parser import parse_doses
from textkit.content import ArticleContent
from textkit.dosemarks import strip_dose_tags
from textkit.rendering import render_content, render_markdown


def body_html(body: str) -> str:
    return render_content(ArticleContent(slug="s", title="T", summary="", body=body)).body_html


def test_reader_sees_only_the_statement_inside_the_marker():
    html = body_html("Give {dose drug=ganciclovir}5 mg/kg IV every 12 hours{/dose} for 14 days.")
    assert html == "<p>Give 5 mg/kg IV every 12 hours for 14 days.</p>"


def test_quoted_drug_names_and_any_letter_case_are_hidden():
    html = body_html('{DOSE drug="insulin glargine"}10 units at bedtime{/Dose}')
    assert html == "<p>10 units at bedtime</p>"


def test_markdown_inside_the_marker_still_renders():
    html = body_html("{dose drug=valganciclovir}**900 mg** orally twice daily{/dose}")
    assert html == "<p><strong>900 mg</strong> orally twice daily</p>"


def test_an_unclosed_marker_loses_its_tag_and_keeps_its_text():
    assert body_html("{dose drug=x}5 mg daily") == "<p>5 mg daily</p>"


def test_marker_in_a_code_span_or_escaped_stays_literal():
    assert body_html("`{dose drug=x}`") == "<p><code>{dose drug=x}</code></p>"
    assert body_html("\\{dose drug=x}5 mg{/dose}") == "<p>{dose drug=x}5 mg</p>"


def test_text_that_only_looks_like_a_marker_is_unchanged():
    for text in ("{doses}", "{dosed drug=x}", "{dose-drug=x}", "{ dose }", "{dose drug={x}}"):
        assert body_html(text) == f"<p>{text}</p>", text


def test_a_tag_longer_than_the_parser_reads_is_left_alone():
    text = "{dose drug=" + "a" * 300 + "}"
    assert body_html(text) == f"<p>{text}</p>"


def test_disclaimers_and_comments_keep_their_braces():
    # Only article text carries markers; render_markdown (policy, disclaimers, comments) is untouched.
    assert render_markdown("{dose drug=x}5 mg{/dose}") == "<p>{dose drug=x}5 mg{/dose}</p>"


def test_every_marker_the_parser_reads_is_hidden():
    texts = [
        "{dose drug=ganciclovir}5 mg/kg IV q12h{/dose}",
        "{dose  drug=foscarnet }90 mg/kg every 12 hours{/dose}",
        "{dose drug='a b'}1 g daily{/dose}",
        "{dose}5 mg{/dose}",
    ]
    for text in texts:
        result = parse_doses(text)
        assert result.statements or result.warnings, text
        assert "dose" not in body_html(text), text


def test_strip_dose_tags_for_plain_text():
    assert strip_dose_tags("a {dose drug=x}5 mg{/dose} b") == "a 5 mg b"
    assert strip_dose_tags("") == ""


def test_hostile_tag_runs_render_in_linear_time():
    for text in ("{dose " * 20_000, "{dose drug=" + "a" * 100_000, "{/dose}" * 15_000, "{dose}" * 15_000):
        started = time.process_time()
        html = body_html(text)
        assert time.process_time() - started < 5.0
        assert "{dose}" not in html and "{/dose}" not in html
