"""Reference import from RIS, BibTeX and PubMed/MEDLINE files: all or nothing, duplicates skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from reversion.models import Version

from articles.exceptions import ContentLocked, EditConflict, ReferenceFileError
from articles.importers import MAX_FILE_BYTES, detect_format, key_base, parse_reference_file, unique_key
from articles.models import Article, Reference
from articles.services import article_update, reference_import

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def revisions(article: Article) -> int:
    return Version.objects.get_for_object(article).count()


def do_import(article: Article, user, name: str, data: bytes | None = None):
    article.refresh_from_db()
    return reference_import(
        article,
        acting_user=user,
        filename=name,
        data=sample(name) if data is None else data,
        lock_version=article.lock_version,
    )


# --------------------------------------------------------------------------- reading files (no database)


def test_ris_file_is_read_with_kinds_authors_and_identifiers():
    entries = parse_reference_file("good.ris", sample("good.ris"))
    assert [e.title[:30] for e in entries] == [
        "Cytomegalovirus in solid organ",
        "Guidelines for the management ",
        "Oral valganciclovir is noninfe",
    ]
    first, second, third = entries
    assert first.kind == "guideline" and first.pmid == "30817026" and first.doi == "10.1111/ctr.13512"
    assert first.authors == ("Razonable RR", "Humar A") and first.year == 2019
    assert second.kind == "guideline"  # from the title
    assert second.doi == "10.1016/S1473-3099(19)30107-0"  # the doi.org prefix is removed
    assert second.source == "The Lancet Infectious Diseases"
    assert third.kind == "research" and third.pmid == "17650140"  # PMID found in the notes
    assert third.url.startswith("https://onlinelibrary.wiley.com/")


def test_bibtex_file_is_read_with_latex_accents_strings_and_kinds():
    entries = {e.entry: e for e in parse_reference_file("refs.bib", sample("good.bib"))}
    assert set(entries) == {"marty2017", "kotton2018x", "valcyte", "mueller2020"}
    assert entries["marty2017"].source == "The New England Journal of Medicine"  # @string expanded
    assert (
        entries["marty2017"].title == "Letermovir Prophylaxis for Cytomegalovirus in Hematopoietic-Cell Transplantation"
    )
    assert entries["marty2017"].pmid == "29211658"
    assert entries["kotton2018x"].kind == "review"
    assert entries["valcyte"].kind == "fda_label"
    assert entries["mueller2020"].authors == ("Müller J", "Nguyen A")


def test_medline_file_is_read_with_continuation_lines_and_doi_tags():
    martin, lurain = parse_reference_file("pubmed.nbib", sample("good.nbib"))
    assert martin.title == "A controlled trial of valganciclovir as induction therapy for cytomegalovirus retinitis"
    assert martin.pmid == "11948268" and martin.doi == "10.1056/NEJMoa011759" and martin.year == 2002
    assert martin.authors == ("Martin DF", "Sierra-Madero J")
    assert martin.source == "The New England journal of medicine"
    assert martin.kind == "research"
    assert lurain.kind == "review" and lurain.doi == "10.9999/example.2013.001"


def test_format_is_detected_from_content_before_the_name():
    assert detect_format("export.txt", sample("good.ris").decode()) == "ris"
    assert detect_format("export.txt", sample("good.nbib").decode()) == "medline"
    assert detect_format("export.txt", sample("good.bib").decode()) == "bibtex"


@pytest.mark.parametrize(
    ("name", "entry", "line", "words"),
    [
        ("missing_er.ris", "record 2", 7, "no “ER  - ” line"),
        ("no_title.ris", "record 2", 7, "no title"),
        ("broken_brace.bib", "broken2020", 8, "braces do not balance"),
        ("bad_year.bib", "when", 7, "“20xx” is not a year"),
        ("bad_line.nbib", "record 2", 8, "not a MEDLINE line"),
    ],
)
def test_malformed_file_error_names_the_entry_and_line(name, entry, line, words):
    with pytest.raises(ReferenceFileError) as caught:
        parse_reference_file(name, sample(name))
    assert caught.value.entry == entry
    assert caught.value.line == line
    assert words in str(caught.value)
    assert f"line {line}" in str(caught.value)


def test_file_in_no_known_format_is_rejected():
    with pytest.raises(ReferenceFileError, match="not a RIS, BibTeX or PubMed/MEDLINE"):
        parse_reference_file("letter.txt", sample("not_references.txt"))


def test_keys_are_surname_and_year_made_unique():
    assert key_base("Åsberg", 2007) == "asberg2007"
    assert key_base("de la Cámara", 2019) == "delacamara2019"
    assert key_base("", None, "The FDA label of valganciclovir") == "the"
    taken = {"smith2020", "smith2020b"}
    assert unique_key("smith2020", taken) == "smith2020c"
    assert unique_key("jones2020", taken) == "jones2020"


# --------------------------------------------------------------------------- the service


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("good.ris", ["razonable2019", "ljungman2019", "asberg2007"]),
        ("good.bib", ["marty2017", "kotton2018b", "valcyte2021", "muller2020"]),
        ("good.nbib", ["lurain2013"]),
    ],
)
def test_import_adds_references_in_one_revision(article, author, name, keys):
    before_refs, before_revisions = article.references.count(), revisions(article)
    result = do_import(article, author, name)
    assert [r.key for r in result.added] == keys
    assert all(r.pk for r in result.added)
    assert article.references.count() == before_refs + len(keys)
    assert revisions(article) == before_revisions + 1
    latest = Version.objects.get_for_object(article).first().revision
    assert latest.user == author
    noun = "references" if len(keys) > 1 else "reference"
    assert latest.comment == f"Imported {len(keys)} {noun} from {name}"
    assert {"kotton2018", "label2023", "martin2002"} <= set(article.references.values_list("key", flat=True))


@pytest.mark.django_db
def test_medline_entry_already_in_article_is_skipped(article, author):
    result = do_import(article, author, "good.nbib")
    assert result.skipped == [("PMID 11948268", "same PMID (11948268) as the article's reference “martin2002”")]


@pytest.mark.django_db
def test_duplicates_of_the_article_and_within_the_file_are_skipped_and_reported(article, author):
    result = do_import(article, author, "duplicates.ris")
    assert [r.key for r in result.added] == ["smith2020", "smith2020b"]
    reasons = dict(result.skipped)
    assert len(result.skipped) == 3
    assert "same DOI (10.1097/tp.0000000000002191) as the article's reference “kotton2018”" in reasons.values()
    assert "same PMID (11948268) as the article's reference “martin2002”" in reasons.values()
    assert any("earlier in this file" in reason for reason in reasons.values())
    assert Reference.objects.filter(article=article, doi__iexact="10.5555/smith.one").count() == 1


@pytest.mark.django_db
def test_import_where_everything_is_a_duplicate_writes_no_revision(article, author):
    do_import(article, author, "good.ris")
    article.refresh_from_db()
    lock, count = article.lock_version, revisions(article)
    result = do_import(article, author, "good.ris")
    assert result.added == [] and len(result.skipped) == 3
    article.refresh_from_db()
    assert article.lock_version == lock and revisions(article) == count


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["missing_er.ris", "no_title.ris", "broken_brace.bib", "bad_year.bib", "bad_line.nbib", "not_references.txt"],
)
def test_malformed_file_adds_nothing(article, author, name):
    refs, count, lock = article.references.count(), revisions(article), article.lock_version
    with pytest.raises(ReferenceFileError):
        do_import(article, author, name)
    article.refresh_from_db()
    assert article.references.count() == refs
    assert revisions(article) == count
    assert article.lock_version == lock


@pytest.mark.django_db
def test_entry_failing_model_validation_adds_nothing(article, author):
    data = b"TY  - JOUR\nTI  - Fine\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - Bad link\nUR  - ftp://x\nER  - \n"
    refs = article.references.count()
    with pytest.raises(ReferenceFileError) as caught:
        do_import(article, author, "x.ris", data)
    assert caught.value.entry.startswith("record 2") and caught.value.line == 6
    assert article.references.count() == refs


@pytest.mark.django_db
def test_oversized_file_is_refused_with_the_limit(article, author):
    with pytest.raises(ReferenceFileError, match="the limit is 2 MB"):
        do_import(article, author, "big.ris", b"x" * (MAX_FILE_BYTES + 1))


@pytest.mark.django_db
def test_stale_lock_version_raises_edit_conflict_and_adds_nothing(article, author):
    stale = article.lock_version
    article_update(article, acting_user=author, lock_version=stale, fields={"title": "Changed meanwhile"})
    refs = article.references.count()
    with pytest.raises(EditConflict):
        reference_import(article, acting_user=author, filename="good.ris", data=sample("good.ris"), lock_version=stale)
    assert article.references.count() == refs


@pytest.mark.django_db
def test_article_with_the_board_cannot_take_an_import(article, author):
    article.status = Article.Status.SUBMITTED
    article.save(update_fields=["status"])
    with pytest.raises(ContentLocked):
        do_import(article, author, "good.ris")
    assert article.references.count() == 3


@pytest.mark.django_db
def test_import_into_approved_article_starts_a_new_draft(article, author):
    article.status = Article.Status.APPROVED
    article.save(update_fields=["status"])
    do_import(article, author, "good.ris")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
