"""The glossary page: editors propose terms and wording, the board approves; the list is paginated."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import GlossaryDefinition, GlossaryTerm
from articles.selectors import glossary_entries
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("studio:glossary")


def test_editor_proposes_a_term_that_is_used_nowhere_until_the_board_approves(client, editor, reviewer):
    client.force_login(editor)
    response = client.post(
        URL, {"term": " viremia ", "explanation": "Virus in the blood.", "synonyms": "viraemia ,", "active": "on"}
    )
    assert response.status_code == 302
    term = GlossaryTerm.objects.get()
    proposal = GlossaryDefinition.objects.get()
    assert (proposal.term, proposal.synonyms, proposal.active, proposal.version) == ("viremia", "viraemia", True, 1)
    assert proposal.status == GlossaryDefinition.Status.PROPOSED and proposal.proposed_by == editor
    assert term.approved_version == 0 and glossary_entries() == []
    page = client.get(URL).content.decode()
    assert "viremia" in page and "Waiting for the board (v1)" in page and "not approved yet" in page

    factories.approve_definition(proposal, board=reviewer)
    term.refresh_from_db()
    assert (term.explanation, term.synonyms, term.active, term.approved_version) == (
        "Virus in the blood.",
        "viraemia",
        True,
        1,
    )
    assert [e.term for e in glossary_entries()] == ["viremia"]


def test_editors_change_is_a_new_version_and_the_approved_wording_stays(client, editor, reviewer):
    term = factories.make_glossary_term("viremia", "Virus in the blood.", board=reviewer)
    client.force_login(editor)
    page = client.get(URL, {"edit": term.pk}).content.decode()
    assert f'name="pk" value="{term.pk}"' in page
    response = client.post(URL, {"pk": term.pk, "term": "viremia", "explanation": "Virus found in the blood."})
    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.explanation, term.active, term.approved_version) == ("Virus in the blood.", True, 1)
    proposal = GlossaryDefinition.objects.get(status=GlossaryDefinition.Status.PROPOSED)
    assert (proposal.version, proposal.explanation, proposal.active) == (2, "Virus found in the blood.", False)
    assert glossary_entries()[0].explanation == "Virus in the blood."


def test_a_newer_proposal_replaces_the_one_waiting(editor):
    first = factories.propose_term("viremia", "Virus in the blood.", editor=editor)
    term = GlossaryTerm.objects.get()
    second = factories.propose_term("viremia", "Virus found in the blood.", term=term, editor=editor)
    first.refresh_from_db()
    assert first.status == GlossaryDefinition.Status.WITHDRAWN and second.version == 2


def test_duplicate_term_is_refused_beside_the_field(client, editor):
    factories.make_glossary_term("Viremia", "x")
    client.force_login(editor)
    response = client.post(URL, {"term": "viremia", "explanation": "Again."})
    assert response.status_code == 200
    assert "is already in the glossary" in response.content.decode()
    assert GlossaryTerm.objects.count() == 1


def test_authors_read_the_glossary_but_cannot_change_it(client, author):
    factories.make_glossary_term("retinitis", "Eye inflammation.")
    client.force_login(author)
    page = client.get(URL).content.decode()
    assert "retinitis" in page and "Editors maintain the glossary" in page and 'name="explanation"' not in page
    assert client.post(URL, {"term": "sneaky", "explanation": "x"}).status_code == 403
    assert not GlossaryTerm.objects.filter(term="sneaky").exists()


def test_glossary_page_queries_do_not_grow(client, editor, django_assert_num_queries):
    client.force_login(editor)
    factories.make_glossary_term("a0", "x")
    client.get(URL)  # warm the session and role caches
    with django_assert_num_queries(6) as first:
        client.get(URL)
    for i in range(1, 80):
        factories.propose_term(f"a{i}", "x", editor=editor)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(URL)
    assert "Page 1 of 2" in response.content.decode()


def test_changing_a_term_starts_from_the_wording_waiting_for_the_board(client, editor):
    term = factories.make_glossary_term("viremia", "Virus in the blood.")
    factories.propose_term("viremia", "Virus found in the blood.", term=term, editor=editor)
    client.force_login(editor)
    page = client.get(URL, {"edit": term.pk}).content.decode()
    assert "Virus found in the blood.</textarea>" in page


def test_the_admin_shows_the_glossary_read_only(admin_client):
    term = factories.make_glossary_term("viremia", "Virus in the blood.")
    assert admin_client.get(reverse("admin:articles_glossaryterm_change", args=[term.pk])).status_code == 200
    response = admin_client.post(
        reverse("admin:articles_glossaryterm_change", args=[term.pk]), {"term": "viremia", "explanation": "Changed."}
    )
    assert response.status_code == 403
    term.refresh_from_db()
    assert term.explanation == "Virus in the blood."
    assert admin_client.get(reverse("admin:articles_glossarydefinition_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:review_glossaryapproval_changelist")).status_code == 200
