"""Hostile reference files: NUL bytes, too many entries, braces nested without end, broken records."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from articles.exceptions import ReferenceFileError
from articles.importers import MAX_ENTRIES, parse_reference_file
from articles.models import Reference
from articles.services import reference_import

SAMPLES = Path(__file__).parent / "samples"


def ris_records(count: int) -> bytes:
    record = "TY  - JOUR\nTI  - Title {n}\nAU  - Smith, John\nPY  - 2020\nER  - \n"
    return "".join(record.format(n=i) for i in range(count)).encode()


@pytest.mark.parametrize("name", ["good.ris", "good.bib", "good.nbib"])
def test_a_nul_byte_is_refused_with_the_line_on_every_database(article, author, name):
    data = (SAMPLES / name).read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    data = data[:cut] + b"Bad\x00line\n" + data[cut:]
    before = sorted(Reference.objects.filter(article=article).values_list("key", flat=True))
    with pytest.raises(ReferenceFileError) as excinfo:
        reference_import(article, acting_user=author, filename=name, data=data, lock_version=article.lock_version)
    message = str(excinfo.value)
    bad_line = data[:cut].count(b"\n") + 1
    assert "NUL character" in message and f"line {bad_line}" in message
    assert sorted(Reference.objects.filter(article=article).values_list("key", flat=True)) == before


def test_the_studio_shows_the_nul_refusal_instead_of_an_error_page(client, author, article):
    client.force_login(author)
    upload = (SAMPLES / "good.ris").read_bytes().replace(b"TY  - ", b"TY  - \x00", 1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/studio/{article.slug}/references/import/",
        {"file": SimpleUploadedFile("refs.ris", upload), "lock_version": article.lock_version},
    )
    assert response.status_code == 200
    assert "NUL character" in response.content.decode()


def test_other_control_characters_in_a_file_are_removed(article, author):
    data = (SAMPLES / "good.ris").read_bytes().replace(b"TI  - ", b"TI  - \x0b\x01", 1)
    result = reference_import(
        article, acting_user=author, filename="x.ris", data=data, lock_version=article.lock_version
    )
    assert result.added and all("\x01" not in r.title and "\x0b" not in r.title for r in result.added)


def test_utf16_exports_are_read(article, author):
    data = (SAMPLES / "good.ris").read_bytes().decode("utf-8").encode("utf-16")
    assert parse_reference_file("x.ris", data)


def test_an_oversized_count_of_entries_is_refused_while_reading(monkeypatch):
    import articles.importers as importers

    calls = []
    monkeypatch.setattr(importers.rispy, "loads", lambda *a, **k: calls.append(1) or [{}])
    with pytest.raises(ReferenceFileError) as excinfo:
        parse_reference_file("big.ris", ris_records(30_000))
    assert f"more than {MAX_ENTRIES:,} references" in str(excinfo.value)
    assert f"entry {MAX_ENTRIES + 1:,}" in str(excinfo.value) and f"line {MAX_ENTRIES * 5 + 1}" in str(excinfo.value)
    assert calls == []  # refused before any record was parsed


def test_thirty_thousand_entries_are_refused_at_once():
    started = time.process_time()
    with pytest.raises(ReferenceFileError):
        parse_reference_file("big.ris", ris_records(30_000))
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("big.bib", "".join(f"@article{{k{i}, title={{T}}, year={{2020}}}}\n" for i in range(MAX_ENTRIES + 5))),
        ("big.nbib", "".join(f"PMID- {i}\nTI  - T\nDP  - 2020\n\n" for i in range(MAX_ENTRIES + 5))),
    ],
)
def test_too_many_entries_are_refused_in_every_format(name, body):
    with pytest.raises(ReferenceFileError) as excinfo:
        parse_reference_file(name, body.encode())
    assert f"entry {MAX_ENTRIES + 1:,}" in str(excinfo.value)


def test_deeply_nested_bibtex_braces_are_a_clear_error_not_a_recursion_error():
    body = "@article{deep2020,\n  title = " + "{" * 5000 + "x" + "}" * 5000 + ",\n  year = {2020}\n}\n"
    with pytest.raises(ReferenceFileError) as excinfo:
        parse_reference_file("deep.bib", body.encode())
    message = str(excinfo.value)
    assert "nests braces more than 32 deep" in message and "deep2020" in message and "line 2" in message


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bad.ris", "TY  - JOUR\nTI  - T\nxx  - lowercase tag\nER  - \n"),
        ("bad.bib", "@article{k1, title = {T}, year = 2020 junk junk}\n"),
    ],
)
def test_unreadable_entries_are_described_without_python_error_text(name, body):
    try:
        parse_reference_file(name, body.encode())
    except ReferenceFileError as exc:
        message = str(exc)
        assert "line 1" in message
        for python_words in ("Traceback", "Error(", "Exception", "pyparsing", "Expected"):
            assert python_words not in message
