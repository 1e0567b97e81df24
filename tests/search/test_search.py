"""Reader search (issue 21): synonyms both ways, filters, the best match, fixed queries, languages, RUM and GIN."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from publishing import services
from publishing.catalogue import search_vectors_write
from publishing.models import CatalogueLead, SearchSynonym
from publishing.selectors import search as search_selectors
from tests import factories
from tests.publishing.publish_helpers import approve, make_disclaimers, request_and_publish
from tests.scale.helpers import assert_all_flat, queries_for

pytestmark = pytest.mark.django_db


def live(author, reviewer, editor, slug: str, **fields):
    article = factories.make_article(author=author, slug=slug, **fields)
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    return article


@pytest.fixture
def catalogue(author, reviewer, editor):
    make_disclaimers()
    live(
        author,
        reviewer,
        editor,
        "cmv-overview",
        title="How is cytomegalovirus infection treated?",
        condition="Cytomegalovirus infection",
        drugs="valganciclovir, ganciclovir",
        summary="Most adults take valganciclovir by mouth for cytomegalovirus [@kotton2018].",
    )
    live(
        author,
        reviewer,
        editor,
        "zoster-overview",
        title="What is the treatment for herpes zoster?",
        condition="Herpes zoster",
        drugs="valacyclovir",
        summary="Valacyclovir started within three days shortens herpes zoster [@kotton2018].",
        variants=[],
    )
    live(
        author,
        reviewer,
        editor,
        "shingles-pain",
        title="Pain after the rash",
        condition="Postherpetic neuralgia",
        drugs="gabapentin",
        summary="Pain that stays after shingles is treated with gabapentin [@kotton2018].",
        variants=[],
    )
    return author, reviewer, editor


def results_of(client, query: str, **params) -> str:
    html = client.get("/search/", {"q": query, **params}).content.decode()
    return html.split('id="results-title"')[1] if 'id="results-title"' in html else ""


def test_synonyms_apply_both_ways_at_query_time(client, catalogue, editor):
    assert "/articles/cmv-overview/" not in results_of(client, "Valcyte")
    services.search_synonym_create(services.SynonymInput("Valcyte", "valganciclovir", "brand"), acting_user=editor)
    services.search_synonym_create(services.SynonymInput("shingles", "herpes zoster", "lay"), acting_user=editor)
    services.search_synonym_create(services.SynonymInput("CMV", "cytomegalovirus", "abbreviation"), acting_user=editor)
    assert "/articles/cmv-overview/" in results_of(client, "valcyte")
    assert "/articles/cmv-overview/" in results_of(client, "CMV valganciclovir")
    # Lay word finds the clinical article, and the clinical phrase finds the article in lay words.
    shingles = results_of(client, "shingles")
    assert "/articles/zoster-overview/" in shingles and "/articles/shingles-pain/" in shingles
    assert "/articles/shingles-pain/" in results_of(client, "herpes zoster")
    assert "Also searched for" in results_of(client, "shingles")


def test_the_best_match_shows_its_question_bottom_line_and_review_date(client, catalogue):
    html = results_of(client, "cytomegalovirus")
    best = html.split('class="best-match"')[1].split("</article>")[0]
    assert "How is cytomegalovirus infection treated?" in best
    assert "Most adults take valganciclovir by mouth" in best
    assert "Reviewed" in best and "<time datetime=" in best


def test_filters_by_audience_condition_and_drug(client, catalogue):
    everything = results_of(client, "treated")
    assert "/articles/cmv-overview/" in everything and "/articles/shingles-pain/" in everything
    # Only the CMV article has text of its own for patients (the factory's patient variant).
    patient = results_of(client, "treated", audience="patient")
    assert "/articles/cmv-overview/" in patient and "/articles/shingles-pain/" not in patient
    by_condition = results_of(client, "treated", condition="Postherpetic neuralgia")
    assert "/articles/shingles-pain/" in by_condition and "/articles/cmv-overview/" not in by_condition
    by_drug = results_of(client, "treated", drug="Valganciclovir")
    assert "/articles/cmv-overview/" in by_drug and "/articles/zoster-overview/" not in by_drug
    # An unknown audience is ignored, not an error.
    assert "/articles/shingles-pain/" in results_of(client, "treated", audience="nobody")


def test_the_page_offers_facets_from_the_matches(client, catalogue):
    html = client.get("/search/", {"q": "treated"}).content.decode()
    facets = html.split('class="search-facets"')[1].split("</nav>")[0]
    assert "Cytomegalovirus infection (1)" in facets and "gabapentin (1)" in facets
    assert "condition=Postherpetic+neuralgia" in facets or "condition=Postherpetic%20neuralgia" in facets


def test_name_matches_rank_before_text_only_matches(client, catalogue):
    html = results_of(client, "gabapentin")
    assert "/articles/shingles-pain/" in html
    # "retinitis" is only in the factory's body text: still found, after any lead match.
    assert "/articles/cmv-overview/" in results_of(client, "retinitis")


def test_a_search_that_finds_nothing_says_so_kindly_and_suggests_conditions(client, catalogue):
    html = client.get("/search/", {"q": "herpes zosterr neuralgia pills"}).content.decode()
    assert "herpes" in html
    html = client.get("/search/", {"q": "qqqq"}).content.decode()
    assert "0 results" in html and "We could not find a published article" in html


def test_a_misspelling_searches_the_closest_spelling(client, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("spelling suggestions need pg_trgm (PostgreSQL)")
    html = client.get("/search/", {"q": "valgancyclovir"}).content.decode()
    assert "Did you mean" in html and "valganciclovir" in html
    assert "/articles/cmv-overview/" in html.split('id="results-title"')[1]


def test_search_pages_cost_the_same_queries_at_any_size(client, catalogue, editor):
    author, reviewer, _editor = catalogue
    services.search_synonym_create(services.SynonymInput("CMV", "cytomegalovirus", "abbreviation"), acting_user=editor)

    def grow():
        for i in range(4):
            live(author, reviewer, editor, f"more-{i}", title=f"Cytomegalovirus question {i}?")

    def shows_more(body: str) -> bool:
        return "/articles/more-" in body

    pages = {
        "/search/?q=cytomegalovirus": shows_more,
        "/search/?q=CMV": shows_more,
        "/search/?q=cytomegalovirus&audience=patient": shows_more,
        "/search/?q=valganciclovir&drug=valganciclovir": shows_more,
        "/search/?q=retinitis": shows_more,
    }
    counts = assert_all_flat(client, pages, grow)
    # synonyms, count, page ids, rows, snippets, facets, audiences (+ a session-free page: no more)
    assert max(counts.values()) <= 8, counts
    before, _body, _sql = queries_for(client, "/search/?q=nothingmatcheszz")
    grow_more = [live(author, reviewer, editor, f"other-{i}", title=f"Other {i}?") for i in range(2)]
    assert grow_more
    after, _body, _sql = queries_for(client, "/search/?q=nothingmatcheszz")
    assert before == after


def test_accents_are_ignored_on_either_side_on_every_database(client, catalogue, author, reviewer, editor):
    live(
        author,
        reviewer,
        editor,
        "zoster-es",
        title="¿Cuál es el tratamiento del herpes zóster?",
        condition="Herpes zóster",
        drugs="valaciclovir",
        summary="Se trata con un antiviral por la boca durante siete días [@kotton2018].",
        variants=[],
    )
    for query in ("herpes zóster", "herpes zoster", "ZOSTER", "zóster"):
        assert "zoster-es" in [e.slug for e in search_selectors.catalogue_search(query)[:5]], query
    page = client.get("/es/search/", {"q": "zoster"}).content.decode()
    assert "zoster-es/" in page and '<html lang="es"' in page


@pytest.mark.postgres
def test_spanish_entries_match_without_accents_with_spanish_stemming_and_come_first_for_spanish_readers(
    client, catalogue, author, reviewer, editor
):
    from django.utils import translation

    article = live(
        author,
        reviewer,
        editor,
        "cmv-es",
        title="¿Cómo se tratan las infecciones por citomegalovirus?",
        condition="Infección por citomegalovirus",
        drugs="valganciclovir",
        summary="La mayoría de los adultos toman valganciclovir por vía oral [@kotton2018].",
        variants=[],
    )
    lead = CatalogueLead.objects.get(entry__article=article)
    lead.language, lead.text_config = "es", "spanish"
    lead.save()
    search_vectors_write([lead.entry_id])
    # No accent typed, singular for plural: the Spanish configuration stems both, unaccent folds the accent.
    found = search_selectors.catalogue_search("infeccion citomegalovirus", language="es")
    assert [e.slug for e in found[:5]][0] == "cmv-es"
    assert "cmv-es" in [e.slug for e in search_selectors.catalogue_search("infección", language="es")[:5]]
    # Both match "valganciclovir": each reader's language comes first.
    assert [e.slug for e in search_selectors.catalogue_search("valganciclovir", language="es")[:1]] == ["cmv-es"]
    assert [e.slug for e in search_selectors.catalogue_search("valganciclovir", language="en")[:1]] == ["cmv-overview"]
    with translation.override("es"):
        assert search_selectors.reader_language() == "es"


@pytest.mark.postgres
def test_the_lead_index_is_rum_where_the_extension_exists_and_gin_search_ranks_the_same(client, catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        rum_available = cursor.fetchone() is not None
    assert search_selectors.search_index_kind() == ("rum" if rum_available else "gin")
    rum_order = [e.slug for e in search_selectors.catalogue_search("treated")[:10]]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows just written: no pending FK checks before DDL
        cursor.execute("DROP INDEX catalogue_lead_tsv")
        cursor.execute("CREATE INDEX catalogue_lead_tsv ON publishing_cataloguelead USING gin (tsv)")
    assert search_selectors.search_index_kind() == "gin"
    assert [e.slug for e in search_selectors.catalogue_search("treated")[:10]] == rum_order
    assert "/articles/cmv-overview/" in results_of(client, "cytomegalovirus")


@pytest.mark.postgres
def test_the_migration_falls_back_to_gin_and_plain_text_without_the_extensions(monkeypatch):
    migration = importlib.import_module("publishing.migrations.0016_search_lead_synonyms_misses")
    monkeypatch.setattr(migration, "_available", lambda schema_editor, name: False)
    with connection.schema_editor(atomic=True) as editor:
        migration.postgres_backward(None, editor)
        migration.postgres_forward(None, editor)
    assert search_selectors.search_index_kind() == "gin"
    with connection.cursor() as cursor:
        cursor.execute("SELECT vetted_unaccent('Infección')")
        assert cursor.fetchone()[0] == "Infección"  # no unaccent: the text unchanged, nothing broken


def test_sqlite_and_postgres_parse_synonym_phrases_longest_first(editor):
    services.search_synonym_create(services.SynonymInput("herpes zoster", "shingles", "lay"), acting_user=editor)
    services.search_synonym_create(services.SynonymInput("zoster", "zona", "other"), acting_user=editor)
    parsed = search_selectors.parse_query("Herpes-Zoster  treatment")
    assert parsed.groups == [["herpes zoster", "shingles"], ["treatment"]]
    assert parsed.prefix == "" and search_selectors.parse_query("valganc").prefix == "valganc"
    assert search_selectors.search_key("Infección  CMV") == "infeccion cmv"
    assert SearchSynonym.objects.count() == 2


# --- issue 21 at 100,000: one statement, filters inside the index, prior tiers, the vocabulary ------------------


@pytest.fixture
def forget_index_kind():
    """Forget which prior index a search found, after a test that drops or creates one (before its rollback)."""
    yield
    search_selectors.prior_order_forget()


def slugs_of(results, start: int = 0, stop: int = 20) -> list[str]:
    return [e.slug for e in results[start:stop]]


@pytest.mark.postgres
def test_the_lead_carries_its_filters_as_lexemes_and_a_filtered_search_matches_the_columns(
    client, catalogue, author, reviewer, editor
):
    live(
        author,
        reviewer,
        editor,
        "wort",
        title="Does St. John's wort interact with valganciclovir?",
        condition="Drug interactions",
        drugs="St. John's wort, valganciclovir",
        summary="It lowers some drug levels; ask before taking it with valganciclovir [@kotton2018].",
    )
    lead = CatalogueLead.objects.get(entry__slug="wort")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsv::text FROM publishing_cataloguelead WHERE entry_id = %s", [lead.entry_id])
        tsv = cursor.fetchone()[0]
    assert "'~a:patient'" in tsv and "'~c:drug interactions'" in tsv
    assert "'~d:st. john''s wort'" in tsv and "'~d:valganciclovir'" in tsv
    # A drug name with a space, a dot and a quote is one lexeme: the filter finds it and nothing else.
    found = search_selectors.catalogue_search("valganciclovir", search_selectors.Filters(drug="st. john's wort"))
    assert slugs_of(found) == ["wort"]
    assert slugs_of(
        search_selectors.catalogue_search("valganciclovir", search_selectors.Filters(condition="drug interactions"))
    ) == ["wort"]
    everyone = search_selectors.catalogue_search("valganciclovir")[0:20]
    patients = slugs_of(
        search_selectors.catalogue_search("valganciclovir", search_selectors.Filters(audience="patient"))
    )
    assert "wort" in [e.slug for e in everyone]
    assert sorted(patients) == sorted(e.slug for e in everyone if " patient " in e.lead.audiences)
    # The page's filter links read the same: "St. John's wort" from the facets, through the address.
    assert "/articles/wort/" in results_of(client, "valganciclovir", drug="St. John's wort")
    assert "/articles/cmv-overview/" not in results_of(client, "valganciclovir", drug="St. John's wort")


@pytest.mark.postgres
def test_a_filter_never_makes_a_match_of_words_that_fold_to_nothing(catalogue):
    # "a" is a stop word in English and in Spanish: the words are nothing, and a filter ANDed must not match alone.
    assert search_selectors.catalogue_search("a", search_selectors.Filters(audience="patient")).count() == 0
    assert search_selectors.catalogue_search("a").count() == 0
    assert search_selectors.catalogue_search("treated", search_selectors.Filters(audience="patient")).count() > 0


@pytest.mark.postgres
def test_the_prior_split_changes_the_speed_never_the_results(catalogue, monkeypatch):
    expected = {q: slugs_of(search_selectors.catalogue_search(q)) for q in ("treated", "valacyclovir", "zoster")}
    assert expected["treated"]
    for split in ("0.0", "0.5", "2.0"):  # everything in the low tier, both tiers, everything in the high tier
        monkeypatch.setattr(search_selectors, "SEARCH_PRIOR_SPLIT", split)
        assert {q: slugs_of(search_selectors.catalogue_search(q)) for q in expected} == expected, split


@pytest.mark.postgres
def test_with_more_matches_than_candidates_the_highest_prior_are_ranked(catalogue, monkeypatch):
    leads = {lead.entry.slug: lead.prior for lead in CatalogueLead.objects.select_related("entry")}
    CatalogueLead.objects.filter(entry__slug="zoster-overview").update(prior=0.9)
    CatalogueLead.objects.filter(entry__slug="shingles-pain").update(prior=0.1)
    CatalogueLead.objects.filter(entry__slug="cmv-overview").update(prior=0.5)
    assert len(leads) == 3
    monkeypatch.setattr(search_selectors, "SEARCH_CANDIDATES", 2)
    monkeypatch.setattr(search_selectors, "SEARCH_COUNT_CAP", 1)
    found = search_selectors.catalogue_search("treated")  # all three leads say "treated" (or "treatment")
    assert found.count() == 1 and found.capped
    # The window ranks the two candidates with the highest prior; the third is not among them.
    ranked = {e.slug for e in search_selectors.search_rows(found._window)}
    assert ranked == {"zoster-overview", "cmv-overview"}


@pytest.mark.postgres
def test_pages_past_the_window_continue_the_same_ranking(client, catalogue, author, reviewer, editor, monkeypatch):
    for i in range(4):
        live(author, reviewer, editor, f"treat-{i}", title=f"How is infection {i} treated?")
    whole = slugs_of(search_selectors.catalogue_search("treated"), 0, 7)
    assert len(whole) == 7
    monkeypatch.setattr(search_selectors, "SEARCH_WINDOW", 2)
    results = search_selectors.catalogue_search("treated")
    # The count reads the window (2 places); later places are read again, in the same order, none twice.
    assert results.count() == 7
    assert slugs_of(results, 0, 2) + slugs_of(results, 2, 5) + slugs_of(results, 5, 7) == whole


@pytest.mark.postgres
def test_the_gin_fallback_without_the_prior_tiers_ranks_the_same(client, catalogue, forget_index_kind):
    rum_order = slugs_of(search_selectors.catalogue_search("treated"))
    filtered = slugs_of(search_selectors.catalogue_search("treated", search_selectors.Filters(audience="patient")))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX IF EXISTS catalogue_lead_prior_high")
        cursor.execute("DROP INDEX IF EXISTS catalogue_lead_prior_low")
    search_selectors.prior_order_forget()
    assert search_selectors.prior_order_is_rum() is False
    assert slugs_of(search_selectors.catalogue_search("treated")) == rum_order
    assert slugs_of(search_selectors.catalogue_search("treated", search_selectors.Filters(audience="patient"))) == (
        filtered
    )


@pytest.mark.postgres
def test_misspellings_are_looked_up_among_the_names_words_kept_by_the_catalogue(client, catalogue):
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM publishing_searchword")
        words = {row[0] for row in cursor.fetchall()}
    # Every name's words (accents removed, three letters or more), written by the catalogue itself.
    assert {"cytomegalovirus", "valganciclovir", "herpes", "zoster", "gabapentin", "postherpetic"} <= words
    assert search_selectors.catalogue_name_words("valgancyclovir gabapentn") == sorted(
        set(search_selectors.catalogue_name_words("valgancyclovir gabapentn"))
    )
    close = search_selectors.catalogue_name_words("valgancyclovir gabapentn")
    assert "valganciclovir" in close and "gabapentin" in close
    assert search_selectors.catalogue_did_you_mean("valgancyclovir gabapentn", close) == "valganciclovir gabapentin"
    html = client.get("/search/", {"q": "gabapentn"}).content.decode()
    assert "Did you mean <strong>gabapentin</strong>" in html and "/articles/shingles-pain/" in html
    es = client.get("/es/search/", {"q": "gabapentn"}).content.decode()
    assert "<strong>gabapentin</strong>" in es and "/articles/shingles-pain/" in es


def test_a_capped_count_says_more_than_in_english_and_in_spanish(client, catalogue, monkeypatch):
    monkeypatch.setattr(search_selectors, "SEARCH_COUNT_CAP", 1)
    html = client.get("/search/", {"q": "treated"}).content.decode()
    assert "More than 1 results for “treated”" in html
    es = client.get("/es/search/", {"q": "treated"}).content.decode()
    assert "Más de 1 resultados para «treated»" in es


@pytest.mark.postgres
def test_a_count_that_read_only_part_of_the_body_matches_says_at_least(client, catalogue, monkeypatch):
    # "retinitis" is in every body and in no title, condition, drug or bottom line: body-only matches.
    html = client.get("/search/", {"q": "retinitis"}).content.decode()
    assert "3 results for “retinitis”" in html and "At least" not in html
    monkeypatch.setattr(search_selectors, "SEARCH_BODY_SCAN", 1)
    found = search_selectors.catalogue_search("retinitis")
    assert found.count() == 2 and found.at_least and not found.capped
    html = client.get("/search/", {"q": "retinitis"}).content.decode()
    assert "At least 2 results for “retinitis”" in html and "only in their text" in html
    es = client.get("/es/search/", {"q": "retinitis"}).content.decode()
    assert "Al menos 2 resultados para «retinitis»" in es and "solo lo mencionan en el texto" in es
