"""Unit tests for textkit.diff: pure functions, no database."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from textkit.content import ArticleContent, ReferenceContent, VariantContent
from textkit.diff import content_diff, mentions_dose, split_sections, word_diff_html

BODY = """Intro paragraph.

## Dosing

- Ganciclovir 5 mg/kg IV every 12 hours for 14 days.
- Take it with food.

## Monitoring

- Check blood counts weekly.
"""

NAMES = {1: "Patient", 2: "Healthcare professional"}


def _content(**overrides) -> ArticleContent:
    values = {
        "slug": "cmv",
        "title": "What is the treatment for CMV?",
        "condition": "CMV",
        "drugs": "ganciclovir",
        "summary": "Ganciclovir is the usual first treatment.",
        "body": BODY,
        "variants": (VariantContent(audience_id=1, summary="Take a medicine."),),
        "references": (ReferenceContent(key="kotton2018", kind="guideline", title="Guidelines", year=2018),),
    }
    values.update(overrides)
    return ArticleContent(**values)


def test_identical_versions_have_no_changes():
    diff = content_diff(_content(), _content(), audience_names=NAMES)
    assert not diff.has_changes
    assert all(section.status == "unchanged" for section in diff.sections)
    assert diff.dose_changes == []


def test_changed_title_is_shown_as_an_inline_word_diff():
    diff = content_diff(_content(), _content(title="What is the best treatment for CMV?"), audience_names=NAMES)
    title = next(f for f in diff.fields if f.name == "title")
    assert title.changed
    assert re.findall(r"<ins>(.*?)</ins>", title.html) == [" best"]
    assert "<del>" not in title.html
    assert "What is the" in title.html
    assert [f.name for f in diff.changed_fields] == ["title"]


def test_sections_are_matched_by_heading_and_get_a_status():
    new_body = BODY.replace("Check blood counts weekly.", "Check blood counts twice a week.") + (
        "\n## Side effects\n\n- Low white cells.\n"
    )
    diff = content_diff(_content(), _content(body=new_body), audience_names=NAMES)
    statuses = {s.title: s.status for s in diff.sections}
    assert statuses == {
        "Introduction": "unchanged",
        "Dosing": "unchanged",
        "Monitoring": "changed",
        "Side effects": "added",
    }


def test_removed_section_is_reported_as_removed():
    new_body = BODY.split("## Monitoring")[0]
    diff = content_diff(_content(), _content(body=new_body), audience_names=NAMES)
    monitoring = next(s for s in diff.sections if s.title == "Monitoring")
    assert monitoring.status == "removed"
    assert "<del>" in monitoring.html


def test_changed_dose_line_is_flagged_and_highlighted():
    new_body = BODY.replace("5 mg/kg", "6 mg/kg")
    diff = content_diff(_content(), _content(body=new_body), audience_names=NAMES)
    dosing = next(s for s in diff.sections if s.title == "Dosing")
    assert dosing.status == "changed"
    assert len(dosing.dose_changes) == 1
    assert "5 mg/kg" in dosing.dose_changes[0] and "6 mg/kg" in dosing.dose_changes[0]
    assert "diff-line--dose" in dosing.html
    assert "<del>5</del><ins>6</ins>" in dosing.html
    assert diff.dose_changes == dosing.dose_changes


def test_wording_change_without_a_dose_is_not_flagged():
    new_body = BODY.replace("Take it with food.", "Take it with a meal.")
    diff = content_diff(_content(), _content(body=new_body), audience_names=NAMES)
    dosing = next(s for s in diff.sections if s.title == "Dosing")
    assert dosing.status == "changed"
    assert dosing.dose_changes == []
    assert "diff-line--dose" not in dosing.html


def test_dose_patterns_cover_amounts_frequencies_and_durations():
    for text in [
        "900 mg by mouth",
        "5 mg/kg",
        "450 mcg",
        "10 µg",
        "2 g",
        "5 mL",
        "10 units",
        "1000 IU",
        "twice daily",
        "every 12 hours",
        "q12h",
        "once weekly",
        "BID",
        "TID with meals",
        "for 14 days",
        "for 2 to 3 weeks",
    ]:
        assert mentions_dose(text), text
    for text in ["Check blood counts.", "The bid was accepted.", "Take it with food.", "2 groups of people"]:
        assert not mentions_dose(text), text


def test_dose_patterns_read_spanish_too():
    for text in [
        "900 mg por vía oral",
        "dos veces al día",
        "una vez al día",
        "3 veces por semana",
        "cada 12 horas",
        "cada 8 h",
        "c/12 h",
        "cada día",
        "en días alternos",
        "durante 21 días",
        "por 2 a 3 semanas",
        "10 unidades",
        "1000 UI",
    ]:
        assert mentions_dose(text), text
    for text in ["Controle el hemograma.", "Tómelo con comida.", "Hay dos grupos de personas.", "una vez más"]:
        assert not mentions_dose(text), text


def test_a_changed_spanish_frequency_without_an_amount_is_flagged():
    body = "## Dosis\n\n- Valganciclovir por boca dos veces al día.\n- Tómelo con comida.\n"
    old, new = _content(body=body), _content(body=body.replace("dos veces", "tres veces"))
    dosing = next(s for s in content_diff(old, new, audience_names=NAMES).sections if s.title == "Dosis")
    assert len(dosing.dose_changes) == 1 and "tres veces al día" in dosing.dose_changes[0]
    wording = _content(body=body.replace("con comida", "con alimentos"))
    unflagged = next(s for s in content_diff(old, wording, audience_names=NAMES).sections if s.title == "Dosis")
    assert unflagged.status == "changed" and unflagged.dose_changes == []


def test_added_dose_line_in_an_audience_variant_is_flagged():
    old = _content(variants=(VariantContent(audience_id=2, body="## Dosing\n\n- Induction as per label."),))
    new = _content(
        variants=(VariantContent(audience_id=2, body="## Dosing\n\n- Induction as per label.\n- 900 mg BID."),)
    )
    diff = content_diff(old, new, audience_names=NAMES)
    variant = next(v for v in diff.variants if v.audience_id == 2)
    assert variant.status == "changed"
    assert variant.dose_changes and "900 mg BID" in variant.dose_changes[0]
    assert any(note.startswith("Healthcare professional") for note in diff.dose_changes)
    assert not any("Healthcare professional: Healthcare professional" in note for note in diff.dose_changes)


def test_script_in_text_is_escaped_in_every_html_part():
    evil = '<script>alert("x")</script>'
    old = _content()
    new = _content(
        title=f"CMV {evil}",
        summary=f"Summary {evil}",
        body=BODY + f"\n## Evil {evil}\n\n{evil} 5 mg\n",
        variants=(VariantContent(audience_id=1, summary=evil, body=f"## X\n\n{evil}"),),
        references=old.references + (ReferenceContent(key="bad", title=evil),),
    )
    diff = content_diff(old, new, audience_names=NAMES)
    pieces = [f.html for f in diff.fields] + [s.html for s in diff.sections] + [s.title_html for s in diff.sections]
    for variant in diff.variants:
        pieces += [variant.summary.html] + [s.html for s in variant.sections]
    for html in pieces:
        assert "<script" not in html
    assert any("&lt;script&gt;" in html for html in pieces)
    rendered = render_to_string("articles/_diff.html", {"diff": diff})
    assert "<script" not in rendered
    assert "&lt;script&gt;" in rendered


def test_first_version_shows_everything_as_added():
    diff = content_diff(None, _content(), audience_names=NAMES)
    assert diff.first_version and diff.has_changes
    assert all(section.status == "added" for section in diff.sections)
    assert [r.key for r in diff.references.added] == ["kotton2018"]
    assert [v.status for v in diff.variants] == ["added"]
    assert next(f for f in diff.fields if f.name == "title").html.startswith("<ins>")
    # A first version with a dose in it still draws the reviewer's eye to the dose.
    assert any("5 mg/kg" in note for note in diff.dose_changes)


def test_references_added_removed_and_changed_by_key():
    old = _content(
        references=(
            ReferenceContent(key="a", title="Alpha", year=2001),
            ReferenceContent(key="b", title="Beta", year=2002),
        )
    )
    new = _content(
        references=(
            ReferenceContent(key="b", title="Beta revised", year=2003),
            ReferenceContent(key="c", title="Gamma"),
        )
    )
    diff = content_diff(old, new, audience_names=NAMES)
    assert [r.key for r in diff.references.added] == ["c"]
    assert [r.key for r in diff.references.removed] == ["a"]
    (change,) = diff.references.changed
    assert change.key == "b"
    assert [(c.name, c.old, c.new) for c in change.changes] == [
        ("title", "Beta", "Beta revised"),
        ("year", "2002", "2003"),
    ]


def test_removed_variant_is_reported():
    diff = content_diff(_content(), _content(variants=()), audience_names=NAMES)
    (variant,) = diff.variants
    assert variant.audience_name == "Patient" and variant.status == "removed"


def test_split_sections_keeps_text_before_first_heading():
    assert split_sections("Lead.\n## A\nx\n## B\ny") == [("", "Lead."), ("A", "x"), ("B", "y")]
    assert split_sections("## A\nx") == [("A", "x")]


def test_word_diff_of_equal_text_has_no_markup():
    assert word_diff_html("same & text", "same & text") == "same &amp; text"


def test_template_renders_changed_section_and_added_reference():
    new = _content(
        body=BODY.replace("weekly", "daily"),
        references=_content().references + (ReferenceContent(key="new2024", title="A new trial"),),
    )
    rendered = render_to_string("articles/_diff.html", {"diff": content_diff(_content(), new, audience_names=NAMES)})
    assert "Monitoring" in rendered
    assert "new2024" in rendered and "A new trial" in rendered
    assert "diff-section--changed" in rendered
