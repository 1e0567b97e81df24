"""The glossary page: editors maintain terms, authors read them; the list is paginated with constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import GlossaryTerm

pytestmark = pytest.mark.django_db
URL = reverse("studio:glossary")


def test_editor_adds_and_changes_a_term(client, editor):
    client.force_login(editor)
    response = client.post(
        URL, {"term": " viremia ", "explanation": "Virus in the blood.", "synonyms": "viraemia ,", "active": "on"}
    )
    assert response.status_code == 302
    term = GlossaryTerm.objects.get()
    assert (term.term, term.synonyms, term.active) == ("viremia", "viraemia", True)
    assert "viremia" in client.get(URL).content.decode()
    page = client.get(URL, {"edit": term.pk}).content.decode()
    assert f'name="pk" value="{term.pk}"' in page
    response = client.post(URL, {"pk": term.pk, "term": "viremia", "explanation": "Virus found in the blood."})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.explanation == "Virus found in the blood." and term.active is False


def test_duplicate_term_is_refused_beside_the_field(client, editor):
    GlossaryTerm.objects.create(term="Viremia", explanation="x")
    client.force_login(editor)
    response = client.post(URL, {"term": "viremia", "explanation": "Again."})
    assert response.status_code == 200
    assert "is already in the glossary" in response.content.decode()
    assert GlossaryTerm.objects.count() == 1


def test_authors_read_the_glossary_but_cannot_change_it(client, author):
    GlossaryTerm.objects.create(term="retinitis", explanation="Eye inflammation.")
    client.force_login(author)
    page = client.get(URL).content.decode()
    assert "retinitis" in page and "Editors maintain the glossary" in page and 'name="explanation"' not in page
    assert client.post(URL, {"term": "sneaky", "explanation": "x"}).status_code == 403
    assert not GlossaryTerm.objects.filter(term="sneaky").exists()


def test_glossary_page_queries_do_not_grow(client, editor, django_assert_num_queries):
    client.force_login(editor)
    GlossaryTerm.objects.create(term="a0", explanation="x")
    client.get(URL)  # warm the session and role caches
    with django_assert_num_queries(5) as first:
        client.get(URL)
    for i in range(1, 80):
        GlossaryTerm.objects.create(term=f"a{i}", explanation="x")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(URL)
    assert "Page 1 of 2" in response.content.decode()
