"""Reader lists (index, search) cost a fixed number of queries; the catalogue follows go-live and withdrawal."""

from __future__ import annotations

import json

import pytest

from publishing import services
from publishing.models import CatalogueEntry
from tests import factories
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish
from tests.scale.helpers import assert_all_flat, queries_for

pytestmark = pytest.mark.django_db


def _live(author, reviewer, editor, slugs: list[str], *, condition: str = "Cytomegalovirus (CMV) infection") -> None:
    for slug in slugs:
        article = factories.make_article(author=author, slug=slug, title=f"What treats {slug}?", condition=condition)
        approve(article, author=author, reviewer=reviewer)
        request_and_publish(article, editor=editor)


@pytest.fixture
def reader_site(author, reviewer, editor):
    make_disclaimers()
    _live(author, reviewer, editor, ["a1", "a2"])
    return author, reviewer, editor


def test_reader_lists_are_flat(client, reader_site):
    author, reviewer, editor = reader_site

    def grow():
        _live(author, reviewer, editor, [f"b{i}" for i in range(5)])
        _live(author, reviewer, editor, ["h1"], condition="Herpes zoster")

    def shows_the_new_rows(body: str) -> bool:
        return "/articles/b4/" in body

    urls = ["/", "/?letter=C", "/search/?q=valganciclovir", "/search/?q=retinitis", "/search/?q=ganc"]
    assert_all_flat(client, dict.fromkeys(urls, shows_the_new_rows), grow)


def test_catalogue_follows_go_live_edit_and_withdrawal(client, reader_site, author, reviewer, editor):
    article = factories.make_article(author=author, slug="moving", title="What treats moving?")
    assert not CatalogueEntry.objects.filter(article=article).exists()
    approve(article, author=author, reviewer=reviewer)
    assert not CatalogueEntry.objects.filter(article=article).exists()  # approved is not live
    request_and_publish(article, editor=editor)
    assert "/articles/moving/" in client.get("/search/", {"q": "retinitis"}).content.decode()
    # A new live revision replaces the searchable text.
    edit(article, author=author, body="## Dosing\n\n- Foscarnet is the choice when the virus resists [@kotton2018].\n")
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    assert "/articles/moving/" in client.get("/search/", {"q": "foscarnet"}).content.decode()
    assert "/articles/moving/" not in client.get("/search/", {"q": "retinitis"}).content.decode()
    services.publication_withdraw(article, acting_user=editor, reason="Out of date.")
    assert not CatalogueEntry.objects.filter(article=article).exists()
    assert "/articles/moving/" not in client.get("/search/", {"q": "foscarnet"}).content.decode()
    assert "/articles/moving/" not in client.get("/").content.decode()


@pytest.mark.postgres
def test_misspelled_names_get_close_matches_on_postgres(client, reader_site):
    html = client.get("/search/", {"q": "valgancyclovir"}).content.decode()
    # Nothing matches as typed: the closest spelling is searched instead, and the page says so.
    assert "Did you mean <strong>valganciclovir</strong>" in html and "2 results for “valganciclovir”" in html
    assert "/articles/a1/" in html and "/articles/a2/" in html


@pytest.mark.postgres
def test_title_outranks_body_on_postgres(client, reader_site, author, reviewer, editor):
    article = factories.make_article(
        author=author, slug="foscarnet-first", title="When is foscarnet used?", condition="Resistant CMV"
    )
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    other = factories.make_article(author=author, slug="foscarnet-body", title="What else treats CMV?")
    edit(other, author=author, body="## Other\n\n- Foscarnet is an option [@kotton2018].\n")
    approve(other, author=author, reviewer=reviewer)
    request_and_publish(other, editor=editor)
    html = client.get("/search/", {"q": "foscarnet"}).content.decode()
    assert html.index("/articles/foscarnet-first/") < html.index("/articles/foscarnet-body/")


def test_sitemap_splits_into_sections_of_at_most_the_limit(client, reader_site, monkeypatch):
    from publishing.sitemaps import ArticleSitemap

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["c1"])
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-articles-1.xml" in index and "/sitemap-articles-2.xml" in index
    assert "/sitemap-articles-3.xml" not in index
    first = client.get("/sitemap-articles-1.xml").content.decode()
    second = client.get("/sitemap-articles-2.xml").content.decode()
    assert first.count("<url>") == 2 and second.count("<url>") == 1
    assert "/articles/c1/" in second


def test_machine_lists_are_flat(client, reader_site):
    author, reviewer, editor = reader_site

    def grow():
        _live(author, reviewer, editor, [f"b{i}" for i in range(4)])

    def showing(text: str):
        return lambda body: text in body

    assert_all_flat(
        client,
        {
            "/sitemap.xml": showing("/sitemap-articles-1.xml"),
            "/sitemap-articles-1.xml": showing("/articles/b3/"),
            "/api/articles/": showing("/articles/b3/"),
        },
        grow,
    )


def test_api_list_pages_by_cursor_and_every_page_costs_the_same(client, reader_site, monkeypatch, settings):
    from publishing import api

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["b1", "b2", "b3"])
    # Equal titles: the cursor must settle ties by id, never skip or repeat.
    CatalogueEntry.objects.filter(slug__in=["b1", "b2", "b3"]).update(title="Same title?")
    monkeypatch.setattr(api, "PAGE_SIZE", 2)
    seen, url, counts = [], "/api/articles/", []
    while url:
        count, body, _sql = queries_for(client, url.removeprefix(settings.SITE_URL))
        data = json.loads(body)
        assert data["count"] == 5
        seen += [item["slug"] for item in data["results"]]
        counts.append(count)
        url = data["next"]
    assert sorted(seen) == ["a1", "a2", "b1", "b2", "b3"] and len(seen) == 5
    assert len(counts) == 3 and len(set(counts)) == 1
    bad = client.get("/api/articles/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "follow the 'next' links" in bad.json()["error"]


def test_catalogue_rebuild_restores_a_lost_row(client, reader_site, capsys):
    from django.core.management import call_command

    CatalogueEntry.objects.filter(slug="a1").delete()
    assert "/articles/a1/" not in client.get("/").content.decode()
    call_command("catalogue_rebuild")
    assert "lists 2 live articles" in capsys.readouterr().out
    assert "/articles/a1/" in client.get("/").content.decode()
    assert "/articles/a1/" in client.get("/search/", {"q": "retinitis"}).content.decode()


def test_index_letters_follow_go_live_although_cached(client, reader_site, django_capture_on_commit_callbacks):
    author, reviewer, editor = reader_site
    assert 'href="?letter=H"' not in client.get("/").content.decode()
    # Going live invalidates the site's cached lists on commit.
    with django_capture_on_commit_callbacks(execute=True):
        _live(author, reviewer, editor, ["h1"], condition="Herpes zoster")
    html = client.get("/").content.decode()
    assert 'href="?letter=H"' in html
    assert "/articles/h1/" in client.get("/", {"letter": "H"}).content.decode()


def test_index_letters_pages_and_counts_agree_with_the_rows(client, reader_site, monkeypatch):
    """Letters by first character (edges "a", "z", digits), and every page of a letter, with its count."""
    from publishing import presenters
    from publishing import selectors as rs

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["z1", "z2"], condition="Zoster ophthalmicus")
    _live(author, reviewer, editor, ["n1"], condition="2019 novel coronavirus")
    _live(author, reviewer, editor, ["y1"], condition="Yellow fever")
    _live(author, reviewer, editor, ["m1"], condition="{m} braces are not letters")
    assert rs.catalogue_letters() == {"C", "Z", "Y", "0-9"}
    monkeypatch.setattr(presenters, "INDEX_PAGE_SIZE", 1)
    for letter, slugs in [("Z", ["z1", "z2"]), ("Y", ["y1"]), ("0-9", ["m1", "n1"]), ("C", ["a1", "a2"])]:
        seen = []
        for page in (1, 2):
            html = client.get("/", {"letter": letter, "page": page}).content.decode()
            seen += [slug for slug in ("a1", "a2", "z1", "z2", "n1", "y1", "m1") if f"/articles/{slug}/" in html]
            if len(slugs) == 2:
                assert " of 2" in html
        assert sorted(set(seen)) == slugs, letter
    html = client.get("/", {"page": 7}).content.decode()
    assert "7 of 7" in html


def test_an_accented_condition_is_filed_under_its_letter_and_filters_by_any_spelling(client, reader_site):
    from publishing import selectors as rs
    from publishing.models import CatalogueEntry

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["u1"], condition="Úlcera péptica")
    _live(author, reviewer, editor, ["e1"], condition="Enfermedad de Lyme")
    _live(author, reviewer, editor, ["e2"], condition="Émesis gravídica")
    assert CatalogueEntry.objects.get(slug="u1").condition_key == "ulcera peptica"
    assert rs.catalogue_letters() == {"C", "E", "U"}  # nothing under "0-9"
    assert "/articles/u1/" in client.get("/", {"letter": "U"}).content.decode()
    assert "/articles/u1/" not in client.get("/", {"letter": "0-9"}).content.decode()
    # Under E the accented name sorts where a reader looks for it: "Émesis" before "Enfermedad".
    under_e = client.get("/", {"letter": "E"}).content.decode()
    assert under_e.index("/articles/e2/") < under_e.index("/articles/e1/")
    # The search filter matches with or without the accent, and marks the facet it came from.
    for spelling in ("Úlcera péptica", "ulcera peptica", "ÚLCERA  PÉPTICA"):
        html = client.get("/search/", {"q": "What treats", "condition": spelling}).content.decode()
        assert "/articles/u1/" in html and "/articles/e1/" not in html, spelling
    html = client.get("/search/", {"q": "What treats", "condition": "ulcera peptica"}).content.decode()
    assert 'aria-current="true">Úlcera péptica (1)</a>' in html


def test_the_migration_refiles_conditions_stored_with_their_accents(client, reader_site):
    import importlib

    from django.apps import apps as django_apps
    from django.db import connection

    from publishing.models import CatalogueEntry, CatalogueLead

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["u1"], condition="Úlcera péptica")
    # As the catalogue stored it before: casefolded only, so "ú" fell under "0-9".
    CatalogueEntry.objects.filter(slug="u1").update(condition_key="úlcera péptica")
    CatalogueLead.objects.filter(entry__slug="u1").update(condition_key="úlcera péptica")
    assert "/articles/u1/" in client.get("/", {"letter": "0-9"}).content.decode()
    migration = importlib.import_module("publishing.migrations.0024_condition_key_folded")

    editor_ = type("Editor", (), {"connection": connection})()  # the migration reads only its connection
    migration.forward(django_apps, editor_)
    assert CatalogueEntry.objects.get(slug="u1").condition_key == "ulcera peptica"
    assert CatalogueLead.objects.get(entry__slug="u1").condition_key == "ulcera peptica"
    assert CatalogueEntry.objects.exclude(slug="u1").filter(condition_key__regex=r"[^ -~]").count() == 0
    html = client.get("/search/", {"q": "What treats", "condition": "Úlcera péptica"}).content.decode()
    assert "/articles/u1/" in html and "/articles/a1/" not in html


def test_a_search_counts_up_to_the_cap_and_says_there_are_more(client, reader_site, monkeypatch):
    from publishing.selectors import search

    author, reviewer, editor = reader_site
    _live(author, reviewer, editor, ["b1"])
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 2)
    html = client.get("/search/", {"q": "retinitis"}).content.decode()
    # Three articles match; the count stops at the cap and says so, and every match is still ranked.
    assert "More than 2 results" in html and "best matches come first" in html
    monkeypatch.setattr(search, "SEARCH_COUNT_CAP", 3)
    html = client.get("/search/", {"q": "retinitis"}).content.decode()
    assert "3 results" in html and "More than" not in html
    for slug in ("a1", "a2", "b1"):
        assert f"/articles/{slug}/" in html


def test_reader_pages_and_lists_are_flat_as_articles_gain_languages(
    client, reader_site, settings, django_capture_on_commit_callbacks
):
    """Translations add rows, never queries: a page, the lists, the sitemap and search cost the same."""
    from articles import translations
    from articles.models import Article

    author, reviewer, editor = reader_site
    settings.LANGUAGES = [*settings.LANGUAGES, ("fr", "Français")]
    reviewer_member = reviewer.board_member
    reviewer_member.languages = "en, es, fr"
    reviewer_member.save(update_fields=["languages"])

    def translate(slug: str, code: str) -> None:
        source = Article.objects.get(slug=slug)
        version = translations.translation_create(source, acting_user=author, language=code, slug=f"{slug}-{code}")
        approve(version, author=author, reviewer=reviewer)
        request_and_publish(version, editor=editor)

    translate("a1", "es")  # one translation before the first count, so both counts read the language rows
    translate("a2", "fr")  # and one French one, so the French index has a page to show from the start

    def grow():
        # After commit each go-live re-renders the other languages' pages (their hreflang links), as in production.
        with django_capture_on_commit_callbacks(execute=True):
            translate("a1", "fr")
            translate("a2", "es")

    def showing(text: str):
        return lambda body: text in body

    assert_all_flat(
        client,
        {
            "/articles/a1/": showing('hreflang="fr"'),
            "/es/articles/a1-es/": showing('hreflang="fr"'),
            "/": showing("2 articles in French"),
            "/fr/": showing("a1-fr"),
            "/sitemap-articles-1.xml": showing("/fr/articles/a1-fr/"),
            "/es/search/?q=valganciclovir": showing("/es/articles/a2-es/"),
        },
        grow,
    )
