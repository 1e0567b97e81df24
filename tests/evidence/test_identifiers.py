"""Cite by identifier: one lookup (cache, then PubMed or Crossref) answered here by recorded responses.

A local HTTP server on a free loopback port serves the recorded files; the
lookup URLs are settings pointed at it. Nothing here reaches the outside network.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from articles import services as article_services
from articles.exceptions import IdentifierNotFound
from articles.identifiers import normalise_doi, normalise_pmid, parse_identifier, resolve, use_fetcher
from articles.models import IdentifierRecord, Reference
from tests.evidence.conftest import SAMPLES

pytestmark = pytest.mark.django_db

ROUTES = {
    "/esummary?db=pubmed&id=90000001&retmode=json": "pubmed_esummary_90000001.json",
    "/esummary?db=pubmed&id=99999999&retmode=json": "pubmed_esummary_missing.json",
    "/works/10.5555/vetted.cohort.003": "crossref_work_vetted.cohort.003.json",
}


@contextlib.contextmanager
def recorded_services() -> Iterator[list[str]]:
    """Serve the recorded responses; yield the list of paths asked for."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            name = ROUTES.get(self.path)
            if name is None:
                self.send_error(404)
                return
            body = (SAMPLES / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield asked, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def online(settings):
    with recorded_services() as (asked, base):
        settings.IDENTIFIER_LOOKUP_NETWORK = True
        settings.PUBMED_ESUMMARY_URL = f"{base}/esummary"
        settings.CROSSREF_WORKS_URL = f"{base}/works/"
        yield asked


def test_normalisers():
    assert normalise_doi("https://doi.org/10.5555/VETTED.Trial.001.") == "10.5555/vetted.trial.001"
    assert normalise_doi("doi: 10.5555/x") == "10.5555/x"
    assert normalise_doi("unavailable") == ""
    assert normalise_pmid("PMID: 0090000001") == "90000001"
    assert normalise_pmid("0") == "" and normalise_pmid("12a") == ""
    assert parse_identifier("90000001") == ("pmid", "90000001")
    assert parse_identifier("https://dx.doi.org/10.5555/ABC") == ("doi", "10.5555/abc")
    with pytest.raises(IdentifierNotFound, match="neither a PMID"):
        parse_identifier("hello")


def test_pubmed_answer_is_parsed_and_cached(online):
    fields = resolve("pmid", "90000001")
    assert fields.title == "Induction therapy with an invented antiviral: a made-up randomised trial"
    assert (fields.authors, fields.source, fields.year) == ("Doe J, Roe R", "Journal of Invented Results", 2019)
    assert (fields.doi, fields.kind, fields.origin) == ("10.5555/vetted.trial.001", "research", "pubmed")
    assert len(online) == 1
    again = resolve("pmid", "90000001")
    assert again.origin == "cache" and again.title == fields.title and len(online) == 1
    assert IdentifierRecord.objects.filter(scheme="doi", value="10.5555/vetted.trial.001").exists()


def test_crossref_answer_is_parsed(online):
    fields = resolve("doi", "10.5555/VETTED.cohort.003")
    assert (fields.title, fields.authors, fields.year) == ("An imaginary registry study", "Poe AM, Loe B", 2020)
    assert fields.source == "Journal of Invented Results" and fields.origin == "crossref"


def test_unknown_identifiers_fail_clearly(online):
    with pytest.raises(IdentifierNotFound, match="PubMed has no article with PMID 99999999"):
        resolve("pmid", "99999999")
    with pytest.raises(IdentifierNotFound, match="Crossref does not know DOI 10.5555/nothing"):
        resolve("doi", "10.5555/nothing")


def test_without_network_only_the_cache_answers(settings):
    settings.IDENTIFIER_LOOKUP_NETWORK = False
    with pytest.raises(IdentifierNotFound, match="not in the local reference cache"):
        resolve("pmid", "90000001")
    IdentifierRecord.objects.create(scheme="pmid", value="90000001", title="Cached title", origin="manual")
    assert resolve("pmid", "90000001").title == "Cached title"


def test_unreachable_service_fails_clearly(settings):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.IDENTIFIER_LOOKUP_NETWORK = True
    settings.PUBMED_ESUMMARY_URL = f"http://127.0.0.1:{port}/esummary"
    with pytest.raises(IdentifierNotFound, match="PubMed could not be reached to look up PMID 90000001"):
        resolve("pmid", "90000001")


def test_a_pluggable_fetcher_replaces_the_network(settings):
    settings.IDENTIFIER_LOOKUP_NETWORK = True
    seen = []

    def fake(url: str, timeout: float) -> dict:
        seen.append((url, timeout))
        raise TimeoutError("timed out")

    with use_fetcher(fake), pytest.raises(IdentifierNotFound, match="TimeoutError"):
        resolve("doi", "10.5555/slow")
    assert seen[0][1] == settings.IDENTIFIER_LOOKUP_TIMEOUT


def test_citing_by_identifier_in_the_text_creates_the_reference_at_save(online, article, author):
    article_services.article_update(
        article,
        acting_user=author,
        lock_version=article.lock_version,
        fields={
            "body": article.body
            + "\n- Oral induction [@pmid:90000001] and registries [@doi:10.5555/vetted.cohort.003].\n"
        },
    )
    by_key = {r.key: r for r in Reference.objects.filter(article=article)}
    assert by_key["pmid:90000001"].title.startswith("Induction therapy with an invented antiviral")
    assert by_key["pmid:90000001"].doi == "10.5555/vetted.trial.001"
    assert by_key["doi:10.5555/vetted.cohort.003"].authors == "Poe AM, Loe B"
    from articles.content import content_from_article
    from textkit.rendering import render_content

    article.refresh_from_db()
    rendered = render_content(content_from_article(article))
    assert not rendered.unknown_keys
    assert "Induction therapy with an invented antiviral" in rendered.references_html


def test_an_identifier_that_cannot_be_looked_up_saves_nothing(settings, article, author):
    from django.core.exceptions import ValidationError

    settings.IDENTIFIER_LOOKUP_NETWORK = False
    lock = article.lock_version
    with pytest.raises(ValidationError, match="pmid:90000001"):
        article_services.article_update(
            article, acting_user=author, lock_version=lock, fields={"body": "New text [@pmid:90000001]."}
        )
    article.refresh_from_db()
    assert article.lock_version == lock and "pmid:90000001" not in article.body


def test_add_by_identifier_page(client, online, article, author):
    url = f"/studio/{article.slug}/references/add-by-id/"
    client.force_login(author)
    page = client.get(url).content.decode()
    assert "Add a reference by PMID or DOI" in page
    response = client.post(url, {"identifier": "PMID: 90000001", "key": "", "lock_version": article.lock_version})
    assert response.status_code == 302
    ref = Reference.objects.get(article=article, pmid="90000001")
    assert ref.key == "doe2019" and ref.source == "Journal of Invented Results"
    article.refresh_from_db()
    response = client.post(url, {"identifier": "10.5555/vetted.trial.001", "lock_version": article.lock_version})
    assert response.status_code == 422 and "already reference [@doe2019]" in response.content.decode()
    response = client.post(url, {"identifier": "99999999", "lock_version": article.lock_version})
    assert "PubMed has no article with PMID 99999999" in response.content.decode()


def test_edit_page_links_to_the_add_by_identifier_page(client, article, author):
    client.force_login(author)
    html = client.get(f"/studio/{article.slug}/").content.decode()
    assert f'href="/studio/{article.slug}/references/add-by-id/"' in html


def test_doi_keys_are_citations_and_group_with_others():
    from textkit.rendering import cited_keys

    assert cited_keys("A [@doi:10.5555/vetted.cohort.003; @a] and [@pmid:90000001].") == [
        "doi:10.5555/vetted.cohort.003",
        "a",
        "pmid:90000001",
    ]
    assert cited_keys("Not a citation: [@a/]") == []


def _record_transaction_depth(monkeypatch) -> list[int]:
    """Record how many atomic blocks were open on the database at each PubMed/Crossref call."""
    from django.db import connection

    from articles import identifiers

    depths: list[int] = []
    for name in ("_from_pubmed", "_from_crossref"):
        original = getattr(identifiers, name)

        def spy(value, original=original):
            depths.append(len(connection.atomic_blocks))
            return original(value)

        monkeypatch.setattr(identifiers, name, spy)
    return depths


def test_the_network_lookup_of_a_cited_identifier_holds_no_lock(online, article, author, monkeypatch):
    from django.db import connection

    depths = _record_transaction_depth(monkeypatch)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    article_services.article_update(
        article, acting_user=author, lock_version=article.lock_version, fields={"body": "See [@pmid:90000001]."}
    )
    assert depths == [outside]  # looked up before the service's transaction (and the row lock) began
    assert Reference.objects.filter(article=article, key="pmid:90000001").exists()

    article.refresh_from_db()
    article_services.reference_add_by_identifier(
        article, acting_user=author, identifier="10.5555/VETTED.cohort.003", lock_version=article.lock_version
    )
    assert depths == [outside, outside]


def test_under_the_lock_only_the_cache_is_read(settings):
    settings.IDENTIFIER_LOOKUP_NETWORK = True
    with pytest.raises(IdentifierNotFound, match="not in the local reference cache; save again"):
        resolve("pmid", "90000001", network=False)
