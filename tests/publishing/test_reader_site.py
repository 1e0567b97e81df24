"""Reader pages beside the article: index and search, sitemap, feed, API, policy, board, robots."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings as django_settings

from publishing import services
from publishing.models import EditorialPolicy
from review import services as review_services
from tests import factories
from tests.publishing.publish_helpers import approve, request_and_publish, run_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def site(published, author, author2, reviewer, editor, settings):
    """One live approved article, one live provisional, one approved-but-unpublished, one draft, one withdrawn."""
    settings.PROVISIONAL_PUBLISHING = True
    provisional = factories.make_article(
        author=author, slug="disseminated-cmv", title="How is disseminated CMV treated?", condition="Disseminated CMV"
    )
    review_services.article_submit(provisional, acting_user=author)
    run_publish(services.publication_request_provisional(provisional, acting_user=editor))
    unpublished = factories.make_article(author=author, slug="approved-only", title="Approved but never published?")
    approve(unpublished, author=author, reviewer=reviewer)
    factories.make_article(author=author2, slug="draft-only", title="A draft nobody may see?")
    withdrawn = factories.make_article(author=author, slug="withdrawn-one", title="Withdrawn question?")
    approve(withdrawn, author=author, reviewer=reviewer)
    request_and_publish(withdrawn, editor=editor)
    services.publication_withdraw(withdrawn, acting_user=editor, reason="Superseded by new guidance.", mode="notice")
    return {"approved": "cmv-treatment", "provisional": "disseminated-cmv"}


HIDDEN = ("approved-only", "draft-only", "withdrawn-one")


def test_index_lists_live_articles_only_with_an_index_by_condition(client, site):
    html = client.get("/").content.decode()
    assert "What is the treatment for CMV infection?" in html and "How is disseminated CMV treated?" in html
    assert "Articles by condition" in html and "Disseminated CMV" in html
    for slug in HIDDEN:
        assert f"/articles/{slug}/" not in html
    assert "Approved but never published?" not in html and "A draft nobody may see?" not in html


@pytest.mark.parametrize("query", ["treatment", "valganciclovir", "Cytomegalovirus", "VALGANC"])
def test_search_finds_by_title_condition_and_drug(client, site, query):
    html = client.get("/search/", {"q": query}).content.decode()
    results = html.split('id="results-title"')[1]
    assert "/articles/cmv-treatment/" in results
    for slug in HIDDEN:
        assert f"/articles/{slug}/" not in results
    # Search has its own page: the whole index is not rendered under it.
    assert "Articles by condition" not in html


def test_old_search_links_go_to_the_search_page(client, site):
    response = client.get("/", {"q": "valganciclovir"})
    assert response.status_code == 302 and response["Location"] == "/search/?q=valganciclovir"


def test_search_finds_words_of_the_published_text_and_highlights_them_escaped(client, site):
    html = client.get("/search/", {"q": "retinitis"}).content.decode()
    results = html.split('id="results-title"')[1]
    assert "2 results for" in html and "/articles/cmv-treatment/" in results  # both share the body
    snippet = results.split('class="article-item__snippet"')[1].split("</p>")[0]
    assert "<mark>" in snippet.lower() and "retinitis" in snippet.lower()
    # The query is shown escaped, never as markup.
    html = client.get("/search/", {"q": '<script>alert("x")</script>'}).content.decode()
    assert '<script>alert("x")' not in html and "&lt;script&gt;" in html


def test_search_without_matches_says_so(client, site):
    html = client.get("/search/", {"q": "zzzunknownzzz"}).content.decode()
    assert "0 results" in html and "We could not find a published article" in html


def test_search_never_finds_draft_text(client, site):
    html = client.get("/search/", {"q": "nobody may see"}).content.decode()
    assert "0 results" in html


def test_search_page_without_a_query_invites_one(client, site):
    html = client.get("/search/").content.decode()
    assert "results-title" not in html and 'name="q"' in html


def test_index_pages_by_letter(client, site):
    html = client.get("/", {"letter": "D"}).content.decode()
    assert "/articles/disseminated-cmv/" in html and "/articles/cmv-treatment/" not in html
    html = client.get("/", {"letter": "Q"}).content.decode()
    assert "No published article is about a condition starting with Q" in html
    # An unknown letter shows everything rather than an error.
    html = client.get("/", {"letter": "<b>"}).content.decode()
    assert "/articles/cmv-treatment/" in html and "/articles/disseminated-cmv/" in html


def test_sitemap_lists_exactly_the_live_approved_pages(client, site, settings):
    response = client.get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    index = ET.fromstring(response.content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    sections = [s.find(f"{SITEMAP}loc").text for s in index.findall(f"{SITEMAP}sitemap")]
    assert all(loc.startswith(settings.SITE_URL) for loc in sections) and len(sections) == 2
    locs, lastmods = [], []
    for section in sections:
        page = client.get(section.removeprefix(settings.SITE_URL))
        assert page.status_code == 200 and page["Content-Type"].startswith("application/xml")
        for url in ET.fromstring(page.content).findall(f"{SITEMAP}url"):
            locs.append(url.find(f"{SITEMAP}loc").text)
            if "/articles/" in locs[-1]:
                lastmods.append(url.find(f"{SITEMAP}lastmod"))
    articles = sorted(loc.split("/articles/")[1] for loc in locs if "/articles/" in loc)
    assert articles == ["cmv-treatment/"]
    assert f"{settings.SITE_URL}/" in locs
    assert lastmods and all(lm is not None and len(lm.text) == 10 for lm in lastmods)


def test_sitemap_section_that_does_not_exist_is_404(client, site):
    assert client.get("/sitemap-nothing-1.xml").status_code == 404
    assert client.get("/sitemap-articles-2.xml").status_code == 404


def test_feed_is_atom_and_lists_exactly_the_live_approved_pages(client, site):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert len(links) == 1 and links[0].endswith("/articles/cmv-treatment/")
    assert entries[0].find(f"{ATOM}updated") is not None


def test_api_list_has_exactly_the_live_pages(client, site):
    response = client.get("/api/articles/")
    assert response.status_code == 200 and response["ETag"] and "max-age" in response["Cache-Control"]
    data = response.json()
    assert sorted(item["slug"] for item in data["results"]) == ["cmv-treatment", "disseminated-cmv"]
    assert data["count"] == 2
    item = next(i for i in data["results"] if i["slug"] == "cmv-treatment")
    assert item["title"] == "What is the treatment for CMV infection?"
    assert item["condition"] == "Cytomegalovirus (CMV) infection"
    assert item["url"].endswith("/articles/cmv-treatment/") and item["last_updated"]


def test_api_detail_gives_the_audience_version_with_references_as_data(client, live_site):
    api = live_site.url(f"/api/articles/{live_site.slug}/")
    data = client.get(api, {"for": "patient"}).json()
    assert data["audience"] == "patient" and data["language"] == live_site.language
    assert "Most people take an antiviral medicine" in data["summary_html"]  # the translation copied the version
    assert [s["title"] for s in data["sections"]] == ["From the FDA drug label", "Dosing"]
    assert {r["pmid"] for r in data["references"]} >= {"29596116", "11948268"}
    assert data["review_status"]["stage"] == "approved"
    reviewer = "Dr. Rita Reviewer" if live_site.language == "en" else "Dra. Lucía Ferrer"
    assert data["review_status"]["reviewers"][0]["name"] == reviewer
    assert data["disclaimer"]["html"]
    professional = client.get(api, {"for": "professional"}).json()
    assert professional["disclaimer"]["name"] == "Professional Medical Disclaimer"


def test_api_detail_etag_depends_on_audience_and_answers_304(client, live_site):
    api = live_site.url(f"/api/articles/{live_site.slug}/")
    first = client.get(api, {"for": "patient"})
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong, from the bytes
    assert client.get(api, {"for": "professional"})["ETag"] != etag
    again = client.get(api, {"for": "patient"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(api, {"for": "patient"}, HTTP_IF_NONE_MATCH='"nope"').status_code == 200


def test_api_is_read_only(client, live_site):
    for path in (live_site.url("/api/articles/"), live_site.url(f"/api/articles/{live_site.slug}/")):
        assert client.post(path).status_code == 405, path
        assert client.delete(path).status_code == 405, path


def test_api_rejects_unknown_audience_clearly(client, live_site):
    response = client.get(live_site.url(f"/api/articles/{live_site.slug}/"), {"for": "martians"})
    assert response.status_code == 400 and "patient" in response.json()["error"]


def test_each_languages_lists_hold_its_own_articles_at_their_own_addresses(client, live_site):
    url, other = live_site.article_url, ("/es/articles/tratamiento-cmv/", "/articles/cmv-treatment/")
    other = other[live_site.language == "es"]
    index = client.get(live_site.url("/")).content.decode()
    assert f'<html lang="{live_site.language}"' in index and f'href="{url}"' in index
    assert f'href="{other}"' not in index
    feed = ET.fromstring(client.get(live_site.url("/feed/")).content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang", "").startswith(live_site.language)
    links = [entry.find(f"{ATOM}link").get("href") for entry in feed.findall(f"{ATOM}entry")]
    assert len(links) == 1 and links[0].endswith(url)
    items = client.get(live_site.url("/api/articles/"), {"language": live_site.language}).json()["results"]
    assert [item["url"].removeprefix(django_settings.SITE_URL.rstrip("/")) for item in items] == [url]
    board = client.get(live_site.url("/board/")).content.decode()
    assert f'<html lang="{live_site.language}"' in board and "Dr. Rita Reviewer" in board
    policy = client.get(live_site.url("/editorial-policy/"))
    assert policy.status_code == 200 and f'<html lang="{live_site.language}"' in policy.content.decode()


def test_api_and_provenance_hide_unpublished_and_withdrawn(client, site):
    for slug in HIDDEN:
        assert client.get(f"/api/articles/{slug}/").status_code == 404
        assert client.get(f"/articles/{slug}/provenance.json").status_code == 404
    assert client.get("/articles/draft-only/").status_code == 404
    assert client.get("/articles/approved-only/").status_code == 404
    assert client.get("/articles/withdrawn-one/").status_code == 410


def test_editorial_policy_page_shows_policy_and_its_date(client, editor, reviewer):
    from publishing.services import furniture_change_approve, furniture_change_propose

    change = furniture_change_propose(
        acting_user=editor,
        kind="policy",
        values={"title": "How we work", "body": "## Sources\n\nWe cite **everything**."},
    )
    furniture_change_approve(change, acting_user=reviewer)
    html = client.get("/editorial-policy/").content.decode()
    assert "How we work" in html and "<strong>everything</strong>" in html and "Last updated" in html


def test_editorial_policy_page_without_a_policy_still_answers(client, db):
    EditorialPolicy.objects.all().delete()
    assert client.get("/editorial-policy/").status_code == 200


def test_board_page_lists_active_members_with_disclosures(client, reviewer, db):
    factories.BoardMemberFactory(display_name="Dr. Gone Away", active=False)
    html = client.get("/board/").content.decode()
    assert "Dr. Rita Reviewer" in html and "MD, Infectious Diseases" in html
    assert "No relevant financial relationships." in html and "Declared" in html
    assert "Dr. Gone Away" not in html


def test_robots_txt_keeps_crawlers_out_of_staff_areas(client, db):
    text = client.get("/robots.txt").content.decode()
    for path in ("/studio/", "/review/", "/publishing/", "/admin/", "/accounts/"):
        assert f"Disallow: {path}" in text
    assert "Sitemap: " in text and text.strip().splitlines()[-1].endswith("/sitemap.xml")


def test_robots_txt_and_the_sitemap_are_at_the_root_only_for_every_language(client, db):
    # Crawlers read /robots.txt alone, and the one sitemap lists every language's alternates.
    for path in ("/es/robots.txt", "/es/sitemap.xml"):
        assert client.get(path).status_code == 404, path


def test_unknown_page_gets_the_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "We could not find that page" in response.content.decode()
