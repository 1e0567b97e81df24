"""Reader pages beside the article: index and search, sitemap, feed, API, policy, board, robots."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext, ngettext

from articles import translations
from articles.models import Article
from publishing import services
from publishing.models import EditorialPolicy
from review import services as review_services
from tests import factories
from tests.publishing.publish_helpers import approve, edit, request_and_publish, run_publish
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)
from tests.publishing.reader_fixtures import SPANISH_SLUG, SPANISH_TITLE

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Site:
    """The reader site in one language: its prefix, its live articles and the ones readers must never find."""

    language: str
    prefix: str  # "" for English, "/es" for Spanish
    approved: str  # slug of the live approved article in this language
    approved_title: str
    provisional: str  # slug of the live provisional (pending review) article
    provisional_title: str
    provisional_condition: str
    hidden: tuple[str, ...]  # addresses (with prefix) of approved-only, draft and withdrawn articles
    title_word: str  # a word of the approved article's title, written without its accents

    def url(self, rest: str = "/") -> str:
        return f"{self.prefix}{rest}"

    def article_url(self, slug: str) -> str:
        return f"{self.prefix}/articles/{slug}/"

    def say(self, text: str, **values) -> str:
        """Return an English catalogue string as this site's readers see it."""
        with translation.override(self.language):
            return gettext(text) % values if values else gettext(text)

    def results(self, count: int, query: str) -> str:
        with translation.override(self.language):
            heading = ngettext("%(counter)s result for “%(shown)s”", "%(counter)s results for “%(shown)s”", count)
        return heading % {"counter": count, "shown": query}


ENGLISH_HIDDEN = ("/articles/approved-only/", "/articles/draft-only/", "/articles/withdrawn-one/")


def _english_site(published, author, author2, reviewer, editor) -> Site:
    """One live approved article, one live provisional, one approved-but-unpublished, one draft, one withdrawn."""
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
    return Site(
        language="en",
        prefix="",
        approved="cmv-treatment",
        approved_title="What is the treatment for CMV infection?",
        provisional="disseminated-cmv",
        provisional_title="How is disseminated CMV treated?",
        provisional_condition="Disseminated CMV",
        hidden=ENGLISH_HIDDEN,
        title_word="treatment",
    )


def _withdraw(slug: str, editor) -> None:
    article = Article.objects.get(slug=slug)
    services.publication_withdraw(article, acting_user=editor, reason="Superseded by new guidance.", mode="notice")


@pytest.fixture(params=["en", "es"])
def site(request, published, author, author2, reviewer, editor, settings) -> Site:
    """The reader site in each language; the Spanish run has the same five kinds of article in Spanish too.

    In Spanish: the live translation of the approved article, a Spanish-source
    article live provisionally, a translation approved but never published, a
    Spanish draft and a translation that was live and withdrawn.
    """
    settings.PROVISIONAL_PUBLISHING = True
    english = _english_site(published, author, author2, reviewer, editor)
    if request.param == "en":
        _withdraw("withdrawn-one", editor)
        return english
    request.getfixturevalue("live_translation")
    spanish_reviewer = request.getfixturevalue("spanish_reviewer")
    provisional = factories.make_article(
        author=author,
        slug="cmv-diseminado",
        title="¿Cómo se trata el CMV diseminado?",
        condition="Enfermedad diseminada por CMV",
        language="es",
    )
    review_services.article_submit(provisional, acting_user=author)
    run_publish(services.publication_request_provisional(provisional, acting_user=editor))
    unpublished = translations.translation_create(
        Article.objects.get(slug="approved-only"), acting_user=author, language="es", slug="solo-aprobado"
    )
    approve(
        edit(unpublished, author=author, title="¿Aprobado y nunca publicado?"), author=author, reviewer=spanish_reviewer
    )
    factories.make_article(author=author2, slug="solo-borrador", title="¿Un borrador que nadie ve?", language="es")
    withdrawn = translations.translation_create(
        Article.objects.get(slug="withdrawn-one"), acting_user=author, language="es", slug="retirado"
    )
    approve(edit(withdrawn, author=author, title="¿Pregunta retirada?"), author=author, reviewer=spanish_reviewer)
    request_and_publish(withdrawn, editor=editor)
    _withdraw("retirado", editor)
    _withdraw("withdrawn-one", editor)
    return Site(
        language="es",
        prefix="/es",
        approved=SPANISH_SLUG,
        approved_title=SPANISH_TITLE,
        provisional="cmv-diseminado",
        provisional_title="¿Cómo se trata el CMV diseminado?",
        provisional_condition="Enfermedad diseminada por CMV",
        hidden=(
            *ENGLISH_HIDDEN,
            "/es/articles/solo-aprobado/",
            "/es/articles/solo-borrador/",
            "/es/articles/retirado/",
        ),
        title_word="infeccion",
    )


def test_index_lists_live_articles_only_with_an_index_by_condition(client, site):
    html = client.get(site.url("/")).content.decode()
    assert site.approved_title in html and site.provisional_title in html
    assert site.say("Articles by condition") in html and site.provisional_condition in html
    for address in site.hidden:
        assert address not in html
    assert "Approved but never published?" not in html and "A draft nobody may see?" not in html
    assert "¿Aprobado y nunca publicado?" not in html and "¿Un borrador que nadie ve?" not in html


@pytest.mark.parametrize("query", ["title word", "valganciclovir", "Cytomegalovirus", "VALGANC"])
def test_search_finds_by_title_condition_and_drug(client, site, query):
    query = site.title_word if query == "title word" else query
    html = client.get(site.url("/search/"), {"q": query}).content.decode()
    results = html.split('id="results-title"')[1]
    found = re.findall(r'href="((?:/es)?/articles/[a-z0-9-]+/)"', results)
    assert site.article_url(site.approved) in found
    # The reader's language first: no article in another language ranks above one in the page's.
    in_language = [address.startswith(f"{site.prefix}/articles/") for address in found]
    assert in_language == sorted(in_language, reverse=True)
    for address in site.hidden:
        assert address not in results
    # Search has its own page: the whole index is not rendered under it.
    assert site.say("Articles by condition") not in html


def test_search_ranks_the_readers_language_above_another_languages_title_match(client, site):
    # "treatment" is in the English title; the Spanish translation has it only in its (copied) body.
    html = client.get(site.url("/search/"), {"q": "treatment"}).content.decode()
    found = re.findall(r'href="((?:/es)?/articles/[a-z0-9-]+/)"', html.split('id="results-title"')[1])
    assert found[0].startswith(f"{site.prefix}/articles/"), found


def test_search_results_write_their_dates_the_readers_way(client, site):
    html = client.get(site.url("/search/"), {"q": "valganciclovir"}).content.decode()
    with translation.override(site.language):
        today = dateformat.format(timezone.localdate(), gettext("M j, Y"))  # "Dec 7, 2026" / "7 dic 2026"
    shown = re.findall(r'<time datetime="\d{4}-\d\d-\d\d">([^<]*)</time>', html.split('id="results-title"')[1])
    assert shown and set(shown) == {today}  # the best match's review date, every other result's update


def test_old_search_links_go_to_the_search_page(client, site):
    response = client.get(site.url("/"), {"q": "valganciclovir"})
    assert response.status_code == 302 and response["Location"] == site.url("/search/?q=valganciclovir")


def test_search_finds_words_of_the_published_text_and_highlights_them_escaped(client, site):
    html = client.get(site.url("/search/"), {"q": "retinitis"}).content.decode()
    results = html.split('id="results-title"')[1]
    live = 2 if site.language == "en" else 4  # the body is shared; in Spanish, both languages' articles match
    assert site.results(live, "retinitis") in html and site.article_url(site.approved) in results
    snippet = results.split('class="article-item__snippet"')[1].split("</p>")[0]
    assert "<mark>" in snippet.lower() and "retinitis" in snippet.lower()
    # The query is shown escaped, never as markup.
    html = client.get(site.url("/search/"), {"q": '<script>alert("x")</script>'}).content.decode()
    assert '<script>alert("x")' not in html and "&lt;script&gt;" in html


NOT_FOUND = (
    "We could not find a published article for “%(query)s”. That may be because we have not written one yet: "
    "the editors see searches like yours and use them to decide what to write next."
)


def test_search_without_matches_says_so(client, site):
    html = client.get(site.url("/search/"), {"q": "zzzunknownzzz"}).content.decode()
    assert site.results(0, "zzzunknownzzz") in html
    assert site.say(NOT_FOUND, query="zzzunknownzzz") in html


def test_search_never_finds_draft_text(client, site):
    for query in ("nobody may see", "borrador"):
        html = client.get(site.url("/search/"), {"q": query}).content.decode()
        assert site.results(0, query) in html


def test_search_page_without_a_query_invites_one(client, site):
    html = client.get(site.url("/search/")).content.decode()
    assert "results-title" not in html and 'name="q"' in html


def test_index_pages_by_letter(client, site):
    html = client.get(site.url("/"), {"letter": site.provisional_condition[0]}).content.decode()
    assert site.article_url(site.provisional) in html and site.article_url(site.approved) not in html
    html = client.get(site.url("/"), {"letter": "Q"}).content.decode()
    assert site.say("No published article is about a condition starting with %(letter)s.", letter="Q") in html
    # An unknown letter shows everything rather than an error.
    html = client.get(site.url("/"), {"letter": "<b>"}).content.decode()
    assert site.article_url(site.approved) in html and site.article_url(site.provisional) in html


def test_sitemap_lists_exactly_the_live_approved_pages_with_their_alternates(client, site, settings):
    response = client.get("/sitemap.xml")  # one sitemap for every language, at the root
    assert response["Content-Type"].startswith("application/xml")
    index = ET.fromstring(response.content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    sections = [s.find(f"{SITEMAP}loc").text for s in index.findall(f"{SITEMAP}sitemap")]
    assert all(loc.startswith(settings.SITE_URL) for loc in sections) and len(sections) == 2
    locs, lastmods, alternates = [], [], {}
    for section in sections:
        page = client.get(section.removeprefix(settings.SITE_URL))
        assert page.status_code == 200 and page["Content-Type"].startswith("application/xml")
        for url in ET.fromstring(page.content).findall(f"{SITEMAP}url"):
            locs.append(url.find(f"{SITEMAP}loc").text)
            alternates[locs[-1]] = {link.get("hreflang") for link in url.findall(f"{XHTML}link")}
            if "/articles/" in locs[-1]:
                lastmods.append(url.find(f"{SITEMAP}lastmod"))
    paths = sorted(loc.removeprefix(settings.SITE_URL.rstrip("/")) for loc in locs if "/articles/" in loc)
    expected = ["/articles/cmv-treatment/"] + (["/es/articles/tratamiento-cmv/"] if site.language == "es" else [])
    assert paths == sorted(expected)  # provisional, draft, unpublished and withdrawn are left out
    assert f"{settings.SITE_URL}/" in locs
    assert lastmods and all(lm is not None and len(lm.text) == 10 for lm in lastmods)
    if site.language == "es":
        translated = settings.SITE_URL.rstrip("/") + site.article_url(site.approved)
        assert alternates[translated] >= {"en", "es", "x-default"}


def test_sitemap_section_that_does_not_exist_is_404(client, site):
    assert client.get("/sitemap-nothing-1.xml").status_code == 404
    assert client.get("/sitemap-articles-2.xml").status_code == 404


def test_feed_is_atom_and_lists_exactly_the_live_approved_pages(client, site):
    response = client.get(site.url("/feed/"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert len(links) == 1 and links[0].endswith(site.article_url(site.approved))
    assert entries[0].find(f"{ATOM}updated") is not None


def test_api_list_has_exactly_the_live_pages(client, site):
    response = client.get(site.url("/api/articles/"), {"language": site.language})
    assert response.status_code == 200 and response["ETag"] and "max-age" in response["Cache-Control"]
    data = response.json()
    assert sorted(item["slug"] for item in data["results"]) == sorted([site.approved, site.provisional])
    assert data["count"] == 2
    item = next(i for i in data["results"] if i["slug"] == site.approved)
    assert item["title"] == site.approved_title and item["language"] == site.language
    assert item["condition"] == "Cytomegalovirus (CMV) infection"  # a translation starts from the source's
    assert item["url"].endswith(site.article_url(site.approved)) and item["last_updated"]
    # Without ?language= the list holds every language's live articles.
    assert client.get("/api/articles/").json()["count"] == (2 if site.language == "en" else 4)


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
    for address in site.hidden:
        prefix, slug = address.split("/articles/")
        assert client.get(f"{prefix}/api/articles/{slug}").status_code == 404, address
        assert client.get(f"{address}provenance.json").status_code == 404, address
    withdrawn = {"en": "/articles/withdrawn-one/", "es": "/es/articles/retirado/"}[site.language]
    for address in site.hidden:
        assert client.get(address).status_code == (410 if address == withdrawn or "withdrawn-one" in address else 404)


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
