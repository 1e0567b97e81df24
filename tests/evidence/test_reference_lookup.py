"""The editor's "add reference by PMID or DOI" dialog: its JSON endpoint (studio:reference_lookup).

The lookup is the shared one (articles/identifiers.py), answered by the recorded
PubMed/Crossref responses of test_identifiers; nothing reaches the outside network.
"""

from __future__ import annotations

import socket

import pytest
from django.test import Client
from django.utils import translation

from articles.models import IdentifierRecord, Reference
from review import services as review_services
from tests.evidence.test_identifiers import recorded_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(settings):
    with recorded_services() as (asked, base):
        settings.IDENTIFIER_LOOKUP_NETWORK = True
        settings.PUBMED_ESUMMARY_URL = f"{base}/esummary"
        settings.CROSSREF_WORKS_URL = f"{base}/works/"
        yield asked


def _url(article) -> str:
    return f"/studio/{article.slug}/references/lookup/"


def _post(client, article, **data):
    return client.post(_url(article), data, HTTP_ACCEPT="application/json")


def test_a_pmid_is_looked_up_and_its_fields_returned_without_saving_anything(client, online, article, author):
    client.force_login(author)
    lock, refs = article.lock_version, Reference.objects.filter(article=article).count()
    response = _post(client, article, identifier="PMID: 90000001")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["origin"] == "pubmed"
    assert data["reference"] == {
        "key": "doe2019",
        "kind": "research",
        "title": "Induction therapy with an invented antiviral: a made-up randomised trial",
        "authors": "Doe J, Roe R",
        "source": "Journal of Invented Results",
        "year": "2019",
        "pmid": "90000001",
        "doi": "10.5555/vetted.trial.001",
        "url": "",
    }
    article.refresh_from_db()
    assert article.lock_version == lock and Reference.objects.filter(article=article).count() == refs
    # The answer is cached: the second lookup does not ask PubMed again.
    again = _post(client, article, identifier="90000001").json()
    assert again["origin"] == "cache" and len(online) == 1


def test_a_doi_is_looked_up_on_crossref(client, online, article, author):
    client.force_login(author)
    data = _post(client, article, identifier="https://doi.org/10.5555/VETTED.cohort.003", key="registry").json()
    assert data["origin"] == "crossref"
    assert (data["reference"]["key"], data["reference"]["authors"]) == ("registry", "Poe AM, Loe B")
    assert data["reference"]["doi"] == "10.5555/vetted.cohort.003" and data["reference"]["year"] == "2020"


def test_the_cache_answers_without_network(client, settings, article, author):
    settings.IDENTIFIER_LOOKUP_NETWORK = False
    IdentifierRecord.objects.create(
        scheme="pmid", value="90000002", title="A cached paper", authors="Lee K", year=2021, pmid="90000002"
    )
    client.force_login(author)
    data = _post(client, article, identifier="90000002").json()
    assert data["origin"] == "cache" and data["reference"]["key"] == "lee2021"
    response = _post(client, article, identifier="90000003")
    assert response.status_code == 422
    assert "not in the local reference cache" in response.json()["error"]


def test_errors_are_said_in_plain_words(client, online, article, author):
    client.force_login(author)
    malformed = _post(client, article, identifier="hello")
    assert malformed.status_code == 400
    assert malformed.json() == {
        "error": "“hello” is neither a PMID (digits, e.g. 29596116) nor a DOI (e.g. 10.1097/TP.0000000000002191).",
        "field": "identifier",
    }
    empty = _post(client, article, identifier="")
    assert empty.status_code == 400 and empty.json()["field"] == "identifier"
    assert "PMID or DOI: This field is required." == empty.json()["error"]
    bad_key = _post(client, article, identifier="90000001", key="two words")
    assert bad_key.status_code == 400 and bad_key.json()["field"] == "key"
    unknown = _post(client, article, identifier="99999999")
    assert unknown.status_code == 422
    assert "PubMed has no article with PMID 99999999" in unknown.json()["error"]


def test_an_unreachable_service_fails_clearly(client, settings, article, author):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.IDENTIFIER_LOOKUP_NETWORK = True
    settings.CROSSREF_WORKS_URL = f"http://127.0.0.1:{port}/works/"
    client.force_login(author)
    response = _post(client, article, identifier="10.5555/vetted.cohort.003")
    assert response.status_code == 422
    assert "Crossref could not be reached to look up DOI 10.5555/vetted.cohort.003" in response.json()["error"]


def test_duplicates_in_the_saved_article_and_in_the_editors_unsaved_rows(client, online, article, author):
    client.force_login(author)
    # The article already cites PMID 29596116 as kotton2018 (saved).
    assert Reference.objects.get(article=article, key="kotton2018").pmid == "29596116"
    IdentifierRecord.objects.create(scheme="pmid", value="29596116", title="Guidelines", pmid="29596116")
    saved = _post(client, article, identifier="29596116")
    assert saved.status_code == 409
    assert saved.json() == {
        "error": "This paper is already reference [@kotton2018] of the article.",
        "field": "identifier",
    }
    # An unsaved row of the editor with the same DOI counts too.
    unsaved = _post(
        client,
        article,
        identifier="90000001",
        row_key=["kotton2018", "trial"],
        row_pmid=["29596116", ""],
        row_doi=["", "https://doi.org/10.5555/VETTED.trial.001"],
    )
    assert unsaved.status_code == 409 and "already reference [@trial]" in unsaved.json()["error"]
    # A chosen key that is taken is refused, naming the key field; a suggested one steps aside.
    taken = _post(client, article, identifier="90000001", key="kotton2018")
    assert taken.status_code == 409 and taken.json()["field"] == "key"
    assert "The key “kotton2018” is already used" in taken.json()["error"]
    suggested = _post(client, article, identifier="90000001", row_key=["doe2019"], row_pmid=[""], row_doi=[""])
    assert suggested.json()["reference"]["key"] == "doe2019a"


def test_who_may_look_up(client, online, article, author, author2, reviewer):
    assert _post(client, article, identifier="90000001").status_code == 404  # anonymous
    client.force_login(author2)  # an author, not of this article
    assert _post(client, article, identifier="90000001").status_code == 403
    client.force_login(reviewer)
    assert _post(client, article, identifier="90000001").status_code == 403
    client.force_login(author)
    assert client.get(_url(article)).status_code == 405
    assert online == []  # nobody but the article's author got as far as the lookup


def test_an_article_with_the_board_refuses(client, online, article, author):
    review_services.article_submit(article, acting_user=author)
    client.force_login(author)
    response = _post(client, article, identifier="90000001")
    assert response.status_code == 409 and "with the Medical Advisory Board" in response.json()["error"]
    page = client.get(f"/studio/{article.slug}/").content.decode()
    assert "data-reference-lookup-form" not in page


def test_the_endpoint_needs_the_csrf_token(online, article, author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    page = client.get(f"/studio/{article.slug}/")
    assert client.post(_url(article), {"identifier": "90000001"}).status_code == 403
    token = page.cookies["csrftoken"].value
    response = client.post(_url(article), {"identifier": "90000001"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["reference"]["pmid"] == "90000001"


def test_the_editor_has_the_dialog_and_keeps_the_link_for_no_javascript(client, article, author):
    client.force_login(author)
    html = client.get(f"/studio/{article.slug}/").content.decode()
    assert f'action="/studio/{article.slug}/references/lookup/"' in html
    assert '<dialog class="reference-lookup"' in html
    # Both openers are plain links to the separate page, which works without JavaScript.
    assert html.count(f'href="/studio/{article.slug}/references/add-by-id/" data-reference-lookup-open') == 2
    assert "onclick" not in html and 'style="' not in html


def test_the_taken_key_is_named_by_its_field_in_every_language(client, online, article, author):
    """The view reads the error's field, not its words: a Spanish message still points at the key field."""
    client.force_login(author)
    IdentifierRecord.objects.create(scheme="pmid", value="29596116", title="Guidelines", pmid="29596116")
    with translation.override("es"):
        taken = _post(client, article, identifier="90000001", key="kotton2018")
        paper = _post(client, article, identifier="29596116")
    assert taken.status_code == 409 and taken.json()["field"] == "key"
    assert taken.json()["error"] == "La clave «kotton2018» ya se usa en este artículo. Elija otra clave."
    assert paper.status_code == 409 and paper.json()["field"] == "identifier"
