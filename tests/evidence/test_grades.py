"""Evidence grades: rendering, checks, the diff, and where they reach readers (JSON-LD, API)."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from articles.models import Audience
from publishing.rendering import recommendations
from textkit.checks import check_content
from textkit.content import ArticleContent, ReferenceContent
from textkit.diff import content_diff
from textkit.grades import graded_statements, grades_shown, schema_evidence_level
from textkit.rendering import render_content

REFS = (ReferenceContent(key="a", title="A paper"),)


def _content(body: str, summary: str = "Bottom line [@a].") -> ArticleContent:
    return ArticleContent(slug="x", title="T", summary=summary, body=body, references=REFS)


def test_grade_renders_as_accessible_badge_with_its_meaning():
    html = render_content(_content("- Give it for 14 days [@a]. {grade=High}")).body_html
    badge = re.search(r'<span class="evidence-grade evidence-grade--high">(.*?)</span></span>', html, re.S)
    assert badge, html
    assert "Evidence: " in badge.group(1)
    assert '<abbr title="GRADE High: More research is very unlikely' in html
    assert '<span class="visually-hidden"> — certainty of evidence (GRADE): More research' in html
    assert "{grade" not in html
    # the space before the marker stays, so the badge never runs into the sentence
    assert '</sup>. <span class="evidence-grade' in html


def test_sort_scheme_from_settings(settings):
    settings.EVIDENCE_GRADING = "SORT"
    html = render_content(_content("Treat early [@a]. {grade=b}")).body_html
    assert 'class="evidence-grade evidence-grade--b"' in html and "SORT B" in html
    assert "inconsistent or limited-quality" in html


def test_sort_grades_map_to_schema_org_evidence_levels(settings):
    body = "- One [@a]. {grade=A}\n- Two [@a]. {grade=b}\n- Three [@a]. {grade=C}\n"
    settings.EVIDENCE_GRADING = "SORT"
    found = recommendations(_content(body), audience_id=None)
    assert [(r["grade"], r["evidence_level"]) for r in found] == [
        ("A", "https://schema.org/EvidenceLevelA"),
        ("B", "https://schema.org/EvidenceLevelB"),
        ("C", "https://schema.org/EvidenceLevelC"),
    ]
    # GRADE has no schema.org level of its own: the scheme and grade in words.
    settings.EVIDENCE_GRADING = "GRADE"
    grade = graded_statements("Treat [@a]. {grade=very low}")[0].grade
    assert schema_evidence_level(grade) == "GRADE Very low"


def test_unknown_grade_is_a_check_error_with_its_line_and_a_visible_badge(settings):
    settings.EVIDENCE_GRADING = "SORT"
    content = _content("## Dosing\n\n- Treat early [@a]. {grade=high}\n")
    errors = [r for r in check_content(content) if r.code == "unknown-grade"]
    assert len(errors) == 1
    assert errors[0].level == "error" and errors[0].location == "Body, line 3"
    assert "Use one of: A, B, C" in errors[0].message
    assert "Unknown evidence grade “high”" in render_content(content).body_html


def test_known_grades_pass_the_checks_in_either_spelling():
    content = _content("- One [@a]. {grade=very-low}\n- Two [@a]. {grade=Very Low}\n- Three [@a]. {grade=moderate}")
    assert not [r for r in check_content(content) if r.code == "unknown-grade"]
    assert [s.grade.code for s in graded_statements(content.body)] == ["very low", "very low", "moderate"]


def test_code_spans_and_escapes_keep_the_marker_as_text():
    body = r"Write `{grade=A}` or \{grade=nonsense} to show the syntax [@a]."
    assert graded_statements(body) == []
    assert not [r for r in check_content(_content(body)) if r.code == "unknown-grade"]
    html = render_content(_content(body)).body_html
    assert "<code>{grade=A}</code>" in html and "{grade=nonsense}" in html and "evidence-grade" not in html


def test_graded_statement_is_the_sentence_before_the_marker_without_citations():
    [item] = graded_statements("- First sentence. Give **valganciclovir** 900 mg daily [@a; @b]. {grade=low}")
    assert item.statement == "Give valganciclovir 900 mg daily."
    assert item.grade.label == "Low" and item.line == 1


def test_hidden_grades_leave_the_sentence_clean():
    with grades_shown(False):
        html = render_content(_content("Treat early [@a]. {grade=high}")).body_html
    assert "evidence-grade" not in html and "{grade" not in html
    assert re.search(r"</sup>\.</p>", html)


def test_badge_markup_survives_the_sanitiser_but_injected_classes_do_not():
    html = render_content(_content('Treat [@a]. {grade=high} <span class="evidence-grade">x</span>')).body_html
    assert html.count('<span class="evidence-grade') == 1
    assert '&lt;span class="evidence-grade"&gt;' in html


def test_diff_flags_a_changed_grade_as_clinically_significant(settings):
    settings.EVIDENCE_GRADING = "SORT"
    old = _content("## Dosing\n\n- Treat early [@a]. {grade=B}\n- Keep going [@a]. {grade=C}\n")
    new = _content("## Dosing\n\n- Treat early [@a]. {grade=A}\n- Keep going [@a].\n")
    diff = content_diff(old, new, audience_names={})
    assert diff.grade_changes == [
        "Dosing: grade changed from B to A — “Treat early [@a].”",
        "Dosing: grade C removed — “Keep going [@a].”",
    ]
    assert diff.sections[0].grade_changes and "diff-line--grade" in diff.sections[0].html


def test_diff_of_unchanged_grades_has_no_grade_notes():
    old = _content("- Treat early [@a]. {grade=high}")
    assert (
        content_diff(old, _content("- Treat early [@a]. {grade=high}\n\nMore."), audience_names={}).grade_changes == []
    )


def test_grade_change_is_shown_on_the_review_diff(client, author, reviewer, editor):
    from review import services as review_services
    from tests.evidence.conftest import make_evidence_article
    from tests.publishing.publish_helpers import approve, edit

    article = make_evidence_article(author)
    approve(article, author=author, reviewer=reviewer)
    edit(article, author=author, summary="Inventavir by mouth is the usual first treatment [@trial2019]. {grade=low}")
    article.refresh_from_db()
    review_services.article_submit(article, acting_user=author)
    client.force_login(reviewer)
    html = client.get(f"/review/{article.slug}/").content.decode()
    assert "Evidence grade changes — check these clinically" in html
    assert "grade changed from High to Low" in html


# --- readers: professional pages carry grades; JSON-LD and API ------------------


def _jsonld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


@pytest.mark.django_db
def test_professional_page_shows_badges_and_recommendations_patient_page_does_not(client, live_page):
    prefix, slug = live_page
    language = "es" if prefix else "en"
    with translation.override(language):  # the badge speaks the page's language
        high, meaning = (
            gettext("High"),
            gettext("More research is very unlikely to change how sure we are of this effect."),
        )
        evidence, title = gettext("Evidence:"), gettext("certainty of evidence (GRADE)")
    pro = client.get(f"{prefix}/articles/{slug}/?for=professional", follow=True).content.decode()
    badge = pro.split('class="evidence-grade evidence-grade--high">')[1].split("</span></span>")[0]
    assert badge.startswith(f"{evidence} <abbr") and f"GRADE {high}</abbr>" in badge
    assert f" — {title}: {meaning}" in badge
    recommendations = _jsonld(pro)["hasPart"]
    assert recommendations[0] == {
        "@type": "MedicalGuidelineRecommendation",
        "description": "Inventavir by mouth is the usual first treatment.",
        "evidenceLevel": "GRADE High",  # schema.org data: the scheme's own words
        "evidenceOrigin": f"GRADE {high}: {meaning}",
    }
    assert [r["evidenceLevel"] for r in recommendations] == ["GRADE High", "GRADE Moderate", "GRADE Low"]
    patient = client.get(f"{prefix}/articles/{slug}/?for=patient", follow=True).content.decode()
    assert "evidence-grade" not in patient and "{grade" not in patient and "hasPart" not in patient

    api = client.get(f"{prefix}/api/articles/{slug}/?for=professional").json()
    assert [(r["grade"], r["scheme"]) for r in api["recommendations"]] == [
        ("High", "GRADE"),
        ("Moderate", "GRADE"),
        ("Low", "GRADE"),
    ]
    assert api["recommendations"][0]["meaning"] == meaning and api["recommendations"][0]["label"] == high
    assert client.get(f"{prefix}/api/articles/{slug}/?for=patient").json()["recommendations"] == []


@pytest.mark.django_db
def test_audience_setting_overrides_the_professional_default(client, approved_article, editor):
    from tests.publishing.publish_helpers import make_disclaimers, request_and_publish

    Audience.objects.filter(slug="patient").update(evidence_grades=Audience.EvidenceGrades.SHOW)
    Audience.objects.filter(slug="professional").update(evidence_grades=Audience.EvidenceGrades.HIDE)
    make_disclaimers()
    request_and_publish(approved_article, editor=editor)
    slug = approved_article.slug
    assert "evidence-grade--high" in client.get(f"/articles/{slug}/?for=patient", follow=True).content.decode()
    assert "evidence-grade" not in client.get(f"/articles/{slug}/?for=professional", follow=True).content.decode()
