"""Readability figures and the glossary: pure functions, no database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit import readability as readability_module
from textkit.content import ArticleContent, VariantContent
from textkit.glossary import annotate
from textkit.readability import (
    AudienceTarget,
    GlossaryEntry,
    find_jargon,
    measure,
    plain_text,
    readability_checks,
    readability_reports,
    text_counts,
)
from textkit.rendering import render_content

GLOSSARY = [
    GlossaryEntry("viremia", "Virus found in the blood.", ("viraemia",)),
    GlossaryEntry("prophylaxis", "Medicine taken to stop an infection before it starts.", ()),
]
PATIENT = AudienceTarget(id=1, slug="patient", name="Patient", reading_grade=6, plain_language=True)
PRO = AudienceTarget(id=2, slug="professional", name="Healthcare professional", reading_grade=14, plain_language=False)

PLAIN = "You take one pill a day. It stops the virus. Your nurse checks your blood each week."
HARD = (
    "Immunocompromised transplant recipients experiencing cytomegalovirus reactivation necessitate individualised "
    "antiviral pharmacotherapy considering nephrotoxicity, myelosuppression and resistance-associated mutations "
    "throughout prophylaxis."
)


def test_plain_text_drops_markup_headings_citations_and_code():
    text = plain_text(
        "## Dosing\n\n- Take **one** pill [@kotton2018] {grade=A}.\n- See [the label](https://x.test) `code`\n"
    )
    assert text == "Take one pill. See the label."


def test_harder_text_gets_a_higher_grade_and_long_sentences_are_counted():
    easy = measure(PLAIN, label="x", slug="patient", target=6)
    hard = measure(HARD, label="x", slug="patient", target=6)
    assert easy.fk_grade is not None and hard.fk_grade is not None
    assert hard.fk_grade > easy.fk_grade + 5
    assert hard.coleman_liau > easy.coleman_liau
    assert easy.status == "ok" and hard.status == "over"
    assert hard.long_sentence_count == 0  # 21 words: hard, but not long
    long = measure(" ".join(["word"] * 30) + ".", label="x", slug="", target=None)
    assert long.long_sentence_count == 1 and long.long_sentences[0].endswith("…")
    assert measure("", label="x", slug="", target=6).status == "none"


def test_jargon_is_found_by_term_or_synonym_once_each():
    hits = find_jargon("Viraemia came back; viremia again, then prophylaxis.", GLOSSARY)
    assert [(h.word, h.term) for h in hits] == [("Viraemia", "viremia"), ("prophylaxis", "prophylaxis")]
    assert find_jargon("prophylactically", GLOSSARY) == ()


def test_jargon_explained_where_first_used_is_not_flagged():
    # A parenthesis right after the term, with words in it, explains it.
    assert find_jargon("You may have viremia (virus in your blood). Viremia goes away.", GLOSSARY) == ()
    # So does the glossary's explanation later in the same sentence (case and punctuation ignored).
    assert find_jargon("Take prophylaxis, medicine taken to STOP an infection before it starts.", GLOSSARY) == ()
    # Not explained: the explanation is in another sentence, the brackets are empty or not right after it,
    # or only the first use is unexplained.
    for text in (
        "Take prophylaxis. It is medicine taken to stop an infection before it starts.",
        "You may have viremia (). Later.",
        "You may have viremia, which is common (often).",
        "Viremia is common. Viremia (virus in the blood) goes away.",
    ):
        assert [h.term for h in find_jargon(text, GLOSSARY)] != [], text
    # Explaining one term does not explain another in the same sentence.
    hits = find_jargon("Viremia (virus in the blood) needs prophylaxis now.", GLOSSARY)
    assert [h.term for h in hits] == ["prophylaxis"]
    # Through the report and the checks: the warning clears once the author explains the word.
    unexplained = measure("You might have viremia.", label="P", slug="patient", target=6, glossary=GLOSSARY)
    explained = measure(
        "You might have viremia (virus in the blood).", label="P", slug="patient", target=6, glossary=GLOSSARY
    )
    assert [c.code for c in readability_checks([unexplained])] == ["jargon"]
    assert explained.jargon == () and readability_checks([explained]) == []


def test_reports_cover_every_audience_and_flag_jargon_only_in_plain_language_versions():
    content = ArticleContent(
        slug="a",
        title="t",
        summary="Summary.",
        body=HARD,
        variants=(VariantContent(audience_id=1, body="You might have viremia. " + PLAIN),),
    )
    reports = readability_reports(content, [PATIENT, PRO], glossary=GLOSSARY)
    assert [r.label for r in reports] == ["Default text", "Patient version", "Healthcare professional version"]
    patient, pro = reports[1], reports[2]
    assert patient.own_text and not pro.own_text
    assert [h.term for h in patient.jargon] == ["viremia"]
    assert pro.jargon == ()  # professionals read the default text, jargon and all
    codes = [(c.code, c.location) for c in readability_checks(reports)]
    assert ("jargon", "Patient version") in codes
    assert not any(location == "Healthcare professional version" for _, location in codes)


def test_glossary_explains_the_first_use_and_lists_the_words():
    html, section = annotate(
        "<p>Viremia means virus. <a href='/x'>viremia link</a> viremia again.</p><h2>Prophylaxis</h2>", GLOSSARY
    )
    assert html.count('class="glossary-term"') == 1
    assert (
        '<a class="glossary-term" href="#glossary-viremia"><abbr title="Virus found in the blood.">Viremia</abbr></a>'
        in html
    )
    assert "<h2>Prophylaxis</h2>" in html  # headings are left alone
    assert '<dfn id="glossary-viremia">viremia</dfn>' in section and "<dd>Virus found in the blood.</dd>" in section
    assert "prophylaxis" not in section
    _, by_synonym = annotate("<p>Some viraemia.</p>", GLOSSARY)
    assert '<dfn id="glossary-viremia">viremia (viraemia)</dfn>' in by_synonym


def test_glossary_escapes_explanations_and_renders_through_render_content():
    evil = [GlossaryEntry("viremia", 'Virus "in" <script>alert(1)</script> blood.')]
    content = ArticleContent(slug="a", title="t", body="Some viremia here.\n")
    rendered = render_content(content, glossary=evil)
    assert "<script>" not in rendered.body_html and "<script>" not in rendered.glossary_html
    assert "&lt;script&gt;" in rendered.glossary_html and "&quot;in&quot;" in rendered.body_html
    assert render_content(content).glossary_html == ""


# --- linear counting (textkit.readability.text_counts and the plain-text scanners) ---------------

# Figures textstat 0.7.13 gave for six article versions (the demo's CMV texts as they were
# then, kept in tests/textkit/texts/readability_articles.json so the demo may change) before
# the counting moved into textkit/readability.py: (Flesch–Kincaid, Coleman–Liau, words,
# sentences, long sentences).
DEMO_FIGURES = {
    ("cmv-treatment", "default"): (9.9, 11.4, 701, 35, 7),
    ("cmv-treatment", "patient"): (3.1, 7.2, 350, 37, 0),
    ("cmv-treatment", "professional"): (12.8, 15.3, 532, 28, 5),
    ("disseminated-cmv-treatment", "default"): (9.7, 12.4, 571, 33, 3),
    ("disseminated-cmv-treatment", "patient"): (4.1, 8.1, 324, 29, 0),
    ("disseminated-cmv-treatment", "professional"): (13.5, 16.2, 485, 26, 4),
}


def _demo_texts():
    path = Path(__file__).with_name("texts") / "readability_articles.json"
    for key, text in json.loads(path.read_text(encoding="utf-8")).items():
        yield tuple(key.split("/")), text


@pytest.mark.parametrize(
    ("key", "text"), list(_demo_texts()), ids=lambda value: "/".join(value) if isinstance(value, tuple) else ""
)
def test_demo_versions_keep_the_grades_textstat_gave(key, text):
    report = measure(text, label="x", slug="", target=None)
    figures = (report.fk_grade, report.coleman_liau, report.words, report.sentences, report.long_sentence_count)
    assert figures == DEMO_FIGURES[key]


VOCABULARY = ["take", "one", "tablet", "daily", "cytomegalovirus", "don't", "it's", "well-known", "eye's", "5", "mg"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12), st.sampled_from(".!?;,")),
        min_size=1,
        max_size=8,
    )
)
def test_counts_give_textstats_grades(sentence_list):
    textstat = pytest.importorskip("textstat")
    from textstat.backend.counts import _count_syllables

    _count_syllables.get_cmudict = lambda lang: None  # offline (pyphen only), as the site counted with textstat
    text = " ".join(" ".join(words) + mark for words, mark in sentence_list)
    counts = text_counts(text)
    assert counts.flesch_kincaid == pytest.approx(textstat.flesch_kincaid_grade(text), abs=1e-9)
    assert counts.coleman_liau == pytest.approx(textstat.coleman_liau_index(text), abs=1e-9)


PIECES = list("ab [](){}<>!`~\n\t ") + ["```", "~~~", "[@a]", "{grade=A}", "](x)", "<b>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_scanners_remove_what_the_old_patterns_removed(pieces):
    # The old patterns, quadratic on long runs of "[", "<" or spaces; fine on short text.
    text = "".join(pieces)
    assert readability_module._strip_links(text) == re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    assert readability_module._strip_tags(text) == re.sub(r"<[^>]+>", "", text)
    citations = re.compile(r"[ \t]*" + readability_module.CITATION_RE.pattern)
    assert readability_module._drop_before(readability_module.CITATION_RE, text) == citations.sub("", text)
    fences = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
    assert readability_module._drop_code_blocks(text) == fences.sub("", text)


def test_counts_of_empty_text_are_zero_and_grades_none():
    assert text_counts("") == readability_module.TextCounts(0, 0, 0, 0)
    assert measure("[@a] `code`", label="x", slug="", target=None).fk_grade is None


# --- languages --------------------------------------------------------------------


def test_spanish_text_gets_fernandez_huerta_ease_and_no_english_grade():
    from textkit.readability import fernandez_huerta, measure, spanish_syllable_count, text_counts

    easy = measure(
        "El virus se trata con una pastilla. Se toma con comida.", label="", slug="", target=6, language="es"
    )
    hard = measure(
        "La administración intravenosa de ganciclovir requiere monitorización hematológica semanal "
        "y ajuste posológico según el aclaramiento de creatinina.",
        label="",
        slug="",
        target=6,
        language="es",
    )
    assert easy.fk_grade is None and easy.coleman_liau is None and easy.status == "none"
    assert easy.ease_formula == "Fernández Huerta" and hard.ease_formula == "Fernández Huerta"
    assert easy.ease > hard.ease  # shorter words and sentences read more easily
    assert spanish_syllable_count("medicamento") == 5
    counts = text_counts("Casa grande.", syllables=spanish_syllable_count)
    assert round(fernandez_huerta(counts), 2) == round(206.84 - 60 * (4 / 2) - 1.02 * (2 / 1), 2)


def test_a_language_without_a_formula_gets_no_grade_at_all():
    from textkit.readability import measure

    report = measure("Le virus se soigne avec un comprimé.", label="", slug="", target=6, language="fr")
    assert report.fk_grade is None and report.ease is None and report.words > 0
