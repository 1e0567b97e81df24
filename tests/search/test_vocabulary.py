"""The search vocabulary and the report of searches that found nothing (issue 21)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from reversion.models import Version

from audit.models import AppendOnly
from cms.languages import language_name
from publishing import services
from publishing.exceptions import SearchPermissionError, SearchSynonymImportError, SearchSynonymInvalid
from publishing.models import SearchMiss, SearchSynonym, SearchSynonymEvent
from publishing.tasks import prune_search_misses

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "docs" / "search_synonyms_sample.csv"


def add(editor, term="CMV", synonym="cytomegalovirus", kind="abbreviation"):
    return services.search_synonym_create(services.SynonymInput(term, synonym, kind), acting_user=editor)


def test_only_editors_change_the_vocabulary(author, editor):
    with pytest.raises(SearchPermissionError):
        add(author)
    synonym = add(editor)
    with pytest.raises(SearchPermissionError):
        services.search_synonym_delete(synonym, acting_user=author)
    assert SearchSynonym.objects.count() == 1


@pytest.mark.parametrize(
    ("term", "synonym", "message"),
    [
        ("", "x", "Fill in both"),
        ("CMV", "cmv", "same words"),
        ("--", "x", "letters or digits"),
        ("a" * 121, "b", "at most"),
    ],
)
def test_bad_pairs_are_refused_with_a_reason(editor, term, synonym, message):
    with pytest.raises(SearchSynonymInvalid, match=message):
        add(editor, term, synonym)
    assert not SearchSynonym.objects.exists()


def test_a_pair_is_unique_in_either_direction(editor):
    add(editor)
    with pytest.raises(SearchSynonymInvalid, match="already"):
        add(editor, "Cytomegalovirus", "cmv")
    assert SearchSynonym.objects.count() == 1


def test_every_change_is_a_version_and_an_append_only_event(editor):
    synonym = add(editor)
    services.search_synonym_update(
        synonym, services.SynonymInput("CMV", "cytomegalovirus infection", "abbreviation", "MeSH"), acting_user=editor
    )
    versions = Version.objects.get_for_object(synonym)
    assert [v.field_dict["synonym"] for v in versions] == ["cytomegalovirus infection", "cytomegalovirus"]
    assert versions[0].revision.user == editor
    pk = synonym.pk
    services.search_synonym_delete(synonym, acting_user=editor)
    events = list(SearchSynonymEvent.objects.filter(synonym_id_at_event=pk).order_by("pk"))
    assert [e.action for e in events] == ["added", "changed", "deleted"]
    assert events[1].before["synonym"] == "cytomegalovirus" and events[1].after["source"] == "MeSH"
    assert events[2].before["term"] == "CMV" and events[2].actor == editor
    with pytest.raises(AppendOnly):
        events[0].save()
    with pytest.raises(AppendOnly):
        events[0].delete()
    with pytest.raises(AppendOnly):
        SearchSynonymEvent.objects.all().delete()


@pytest.mark.postgres
def test_postgres_refuses_changing_synonym_events_from_any_client(editor):
    from django.db import DatabaseError, connection, transaction

    add(editor)
    for statement in (
        "UPDATE publishing_searchsynonymevent SET comment = 'x'",
        "DELETE FROM publishing_searchsynonymevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert SearchSynonymEvent.objects.count() == 1


def test_import_reads_the_sample_file_and_skips_pairs_already_there(editor):
    add(editor)
    call_command("import_search_synonyms", str(SAMPLE), "--as", editor.username)
    lines = len(SAMPLE.read_text().strip().splitlines()) - 1
    assert SearchSynonym.objects.count() == lines
    assert SearchSynonym.objects.filter(term="Valcyte", synonym="valganciclovir", kind="brand").exists()
    assert SearchSynonymEvent.objects.filter(action="added", comment__startswith="Imported").count() == lines - 1


def test_import_is_all_or_nothing_with_line_numbers(editor, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "term,synonym,kind\n"
        "Valcyte,valganciclovir,brand\n"
        ",ganciclovir,brand\n"
        "Zovirax,acyclovir,tradename\n"
        "valganciclovir,Valcyte,brand\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_search_synonyms", str(path), "--as", editor.username)
    message = str(caught.value)
    assert "Nothing was imported" in message
    assert "line 3:" in message and "line 4:" in message and "line 5: the same pair as line 2" in message
    assert "line 2:" not in message
    assert not SearchSynonym.objects.exists()
    with pytest.raises(SearchSynonymImportError):
        services.search_synonyms_import("synonym\nx\n", acting_user=editor)


def test_import_needs_an_active_editor(author, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("term,synonym\nflu,influenza\n")
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_search_synonyms", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="Only editors"):
        call_command("import_search_synonyms", str(path), "--as", author.username)
    assert not SearchSynonym.objects.exists()


def test_staff_pages_list_add_edit_and_delete_synonyms(client, editor, author):
    client.force_login(author)
    assert client.get("/publishing/search/synonyms/").status_code == 403
    assert client.post("/publishing/search/synonyms/add/", {"term": "flu", "synonym": "influenza"}).status_code == 403
    client.force_login(editor)
    response = client.post(
        "/publishing/search/synonyms/add/", {"term": "flu", "synonym": "influenza", "kind": "lay", "source": "editor"}
    )
    assert response.status_code == 302
    synonym = SearchSynonym.objects.get()
    html = client.get("/publishing/search/synonyms/").content.decode()
    assert "flu" in html and "influenza" in html and "Lay ↔ clinical" in html
    # A bad pair is shown again with the reason; nothing is lost.
    html = client.post("/publishing/search/synonyms/add/", {"term": "Flu", "synonym": "INFLUENZA", "kind": "lay"})
    assert "already in the vocabulary" in html.content.decode() and 'value="Flu"' in html.content.decode()
    client.post(f"/publishing/search/synonyms/{synonym.pk}/", {"term": "flu", "synonym": "grippe", "kind": "lay"})
    synonym.refresh_from_db()
    assert synonym.synonym == "grippe"
    assert "Changed" in client.get(f"/publishing/search/synonyms/{synonym.pk}/").content.decode()
    assert client.get(f"/publishing/search/synonyms/{synonym.pk}/delete/").status_code == 405
    client.post(f"/publishing/search/synonyms/{synonym.pk}/delete/")
    assert not SearchSynonym.objects.exists()
    client.logout()
    assert client.get("/publishing/search/synonyms/").status_code in (302, 403)


def test_the_synonym_list_is_paginated_with_flat_queries(client, editor, django_assert_max_num_queries):
    for i in range(60):
        add(editor, f"term{i:02d}", f"synonym{i:02d}", "other")
    client.force_login(editor)
    client.get("/publishing/search/synonyms/")
    with django_assert_max_num_queries(12):
        html = client.get("/publishing/search/synonyms/?page=2").content.decode()
    assert "term59" in html and "term00" not in html


@pytest.mark.parametrize("prefix, language", [("", "en"), ("/es", "es")])
def test_searches_that_find_nothing_are_counted_without_identity(client, editor, disclaimers, prefix, language):
    for _ in range(3):
        client.get(f"{prefix}/search/", {"q": "  Zzq  Unknown-Thing "})
    client.get(f"{prefix}/search/", {"q": "other nothing"})
    client.get(f"{prefix}/search/", {"q": "zzq unknown", "audience": "patient"})  # filtered: not a vocabulary gap
    counts = {(m.query_key, m.language): m.count for m in SearchMiss.objects.all()}
    assert counts == {("zzq unknown thing", language): 3, ("other nothing", language): 1}
    fields = {f.name for f in SearchMiss._meta.get_fields()}
    assert fields == {"id", "query_key", "language", "day", "count"}
    client.force_login(editor)
    html = client.get("/publishing/search/misses/").content.decode()
    assert html.index("zzq unknown thing") < html.index("other nothing")
    assert f'<span lang="{language}">zzq unknown thing</span></th>\n      <td>{language_name(language)}</td>' in html
    assert "/publishing/search/synonyms/add/?term=zzq%20unknown%20thing" in html


def test_the_same_words_missed_in_two_languages_are_two_rows_of_the_report(client, editor, disclaimers):
    client.get("/search/", {"q": "zzq"})
    client.get("/es/search/", {"q": "zzq"})
    client.get("/es/search/", {"q": "zzq"})
    assert {(m.language, m.count) for m in SearchMiss.objects.filter(query_key="zzq")} == {("en", 1), ("es", 2)}
    client.force_login(editor)
    html = client.get("/publishing/search/misses/").content.decode()
    # Commonest first: the Spanish row (2) above the English one (1).
    assert html.index('<span lang="es">zzq</span>') < html.index('<span lang="en">zzq</span>')


def test_the_miss_report_is_paginated_with_flat_queries(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()

    def misses(start: int, end: int) -> None:
        SearchMiss.objects.bulk_create(
            SearchMiss(query_key=f"gap{n:03}", language=("en", "es")[n % 2], day=today, count=1000 - n)
            for n in range(start, end)
        )

    def queries(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        return len(captured), html

    client.force_login(editor)
    client.get("/publishing/search/misses/")  # the session, read once
    misses(0, 60)
    few, first = queries("/publishing/search/misses/")
    misses(60, 300)
    many, _ = queries("/publishing/search/misses/")
    assert few == many
    assert "gap000" in first and "gap050" not in first  # 50 a page, commonest first
    _, page2 = queries("/publishing/search/misses/?page=2")
    assert "gap050" in page2 and "gap000" not in page2


def test_the_report_covers_30_days_and_old_counts_are_pruned(client, editor, settings):
    today = timezone.localdate()
    SearchMiss.objects.create(query_key="recent", day=today - dt.timedelta(days=29), count=2)
    SearchMiss.objects.create(query_key="older", day=today - dt.timedelta(days=30), count=9)
    SearchMiss.objects.create(query_key="ancient", day=today - dt.timedelta(days=400), count=1)
    client.force_login(editor)
    html = client.get("/publishing/search/misses/").content.decode()
    assert "recent" in html and "older" not in html and "ancient" not in html
    settings.SEARCH_MISS_KEEP_DAYS = 90
    assert prune_search_misses() == 1
    assert set(SearchMiss.objects.values_list("query_key", flat=True)) == {"recent", "older"}


@pytest.fixture
def disclaimers(db):
    from tests.publishing.publish_helpers import make_disclaimers

    return make_disclaimers()
