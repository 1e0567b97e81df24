"""The glossary per language: a Spanish term is approved by a reviewer who reads Spanish and explains Spanish pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.content import content_from_article
from articles.models import GlossaryTerm
from articles.selectors import glossary_entries, glossary_snapshot
from review import services as review_services
from review.exceptions import ReviewPermissionError
from tests.factories import make_glossary_term, propose_term
from tests.publishing.publish_helpers import approve, request_and_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.reader_fixtures import translate

ES_EXPLANATION = "Un virus común que casi nunca da problemas, salvo con las defensas bajas."


def test_the_same_word_is_a_term_once_per_language(db):
    make_glossary_term("CMV", "A common virus, harmless for most people.")
    spanish = propose_term("CMV", ES_EXPLANATION, language="es")
    assert spanish.glossary_term.language == "es"
    with pytest.raises(ValidationError, match="already in the glossary"):
        propose_term("cmv", "Otra vez.", language="es")
    with pytest.raises(ValidationError, match="not one of the site's languages"):
        propose_term("virus", "Unknown language.", language="xx")


def test_only_a_reviewer_who_reads_the_language_approves_a_term_in_it(db, reviewer, spanish_reviewer):  # noqa: F811
    proposal = propose_term("CMV", ES_EXPLANATION, language="es")
    with pytest.raises(ReviewPermissionError, match="does not review in Spanish"):
        review_services.glossary_definition_approve(proposal, acting_user=reviewer)  # reads English only
    assert GlossaryTerm.objects.get(pk=proposal.glossary_term_id).approved_version == 0
    assert glossary_entries("es") == []
    review_services.glossary_definition_approve(proposal, acting_user=spanish_reviewer)
    assert [e.explanation for e in glossary_entries("es")] == [ES_EXPLANATION]
    assert glossary_entries("en") == []  # the English glossary is not touched


def test_the_board_queue_says_why_a_reviewer_may_not_decide_a_term_in_another_language(
    client,
    reviewer,
    spanish_reviewer,  # noqa: F811
):
    propose_term("CMV", ES_EXPLANATION, language="es")
    client.force_login(reviewer)
    page = client.get(reverse("review:glossary_queue")).content.decode()
    assert "You do not review in Spanish, the language of this term." in page and "Español" in page
    client.force_login(spanish_reviewer)
    page = client.get(reverse("review:glossary_queue")).content.decode()
    assert "You do not review in Spanish" not in page and "Approve this wording" in page


def test_a_translation_pins_and_its_page_explains_the_spanish_definition(
    client,
    published,
    author,
    editor,
    spanish_reviewer,  # noqa: F811
):
    make_glossary_term("valganciclovir", "An antiviral medicine taken by mouth.")
    make_glossary_term("valganciclovir", "Un antiviral que se toma por la boca.", language="es", board=spanish_reviewer)
    spanish = translate(published.article, author)  # its texts name valganciclovir
    snapshot = glossary_snapshot(content_from_article(spanish))
    assert [(g.term, g.explanation) for g in snapshot] == [("valganciclovir", "Un antiviral que se toma por la boca.")]

    # The studio preview of the translation explains the Spanish term, never the English one.
    client.force_login(author)
    preview_url = reverse("studio:article_preview", kwargs={"slug": spanish.slug})
    preview = client.get(preview_url + "?for=patient").content.decode()
    assert "Un antiviral que se toma por la boca." in preview and "An antiviral medicine taken by mouth." not in preview

    approve(spanish, author=author, reviewer=spanish_reviewer)
    assert request_and_publish(spanish, editor=editor).state == "live"
    page = client.get("/es/articles/tratamiento-cmv/for/patient/").content.decode()
    assert 'title="Un antiviral que se toma por la boca."' in page
    assert "An antiviral medicine taken by mouth." not in page
    english = client.get("/articles/cmv-treatment/for/patient/").content.decode()
    assert "Un antiviral que se toma por la boca." not in english


def test_refreshing_a_translations_glossary_needs_a_reader_of_its_language(
    client,
    published,
    author,
    editor,
    reviewer,
    spanish_reviewer,  # noqa: F811
):
    spanish = translate(published.article, author)
    approve(spanish, author=author, reviewer=spanish_reviewer)
    make_glossary_term("ganciclovir", "Un antiviral que se da por la vena.", language="es", board=spanish_reviewer)
    _round, _pinned, fresh = review_services.glossary_refresh_preview(spanish)
    with pytest.raises(ReviewPermissionError, match="does not review in Spanish"):
        review_services.article_glossary_refresh(spanish, acting_user=reviewer, content_hash=fresh.content_hash())
    refreshed = review_services.article_glossary_refresh(
        spanish, acting_user=spanish_reviewer, content_hash=fresh.content_hash()
    )
    assert [item["term"] for item in refreshed.glossary] == ["ganciclovir"]


def test_a_live_translations_glossary_refresh_is_noted_in_its_language(
    published,
    author,
    editor,
    spanish_reviewer,  # noqa: F811
):
    from django.utils import translation
    from django.utils.translation import gettext

    from publishing.models import Publication

    spanish = translate(published.article, author)
    approve(spanish, author=author, reviewer=spanish_reviewer)
    request_and_publish(spanish, editor=editor)
    make_glossary_term("ganciclovir", "Un antiviral que se da por la vena.", language="es", board=spanish_reviewer)
    _round, _pinned, fresh = review_services.glossary_refresh_preview(spanish)
    review_services.article_glossary_refresh(spanish, acting_user=spanish_reviewer, content_hash=fresh.content_hash())
    newest = Publication.objects.filter(article=spanish).order_by("-pk").first()
    with translation.override("es"):
        expected = gettext("Glossary definitions refreshed by the board.")
    assert expected != "Glossary definitions refreshed by the board."  # the catalogue has it
    assert newest.change_summary == expected  # the Spanish page's history says it in Spanish


def test_the_studio_glossary_lists_each_terms_language_and_filters_by_it(client, editor, spanish_reviewer):  # noqa: F811
    make_glossary_term("viremia", "Virus in the blood.")
    make_glossary_term("viremia", "Virus en la sangre.", language="es", board=spanish_reviewer)
    client.force_login(editor)
    everything = client.get(reverse("studio:glossary")).content.decode()
    assert "Virus in the blood." in everything and "Virus en la sangre." in everything
    spanish = client.get(reverse("studio:glossary") + "?language=es").content.decode()
    assert "Virus en la sangre." in spanish and "Virus in the blood." not in spanish
    response = client.post(
        reverse("studio:glossary"),
        {"term": "trasplante", "explanation": "Recibir un órgano de otra persona.", "language": "es", "active": "on"},
    )
    assert response.status_code == 302
    assert GlossaryTerm.objects.get(term="trasplante").language == "es"
