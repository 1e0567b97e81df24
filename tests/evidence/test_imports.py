"""The import commands: the sample files in the real layouts, line-numbered skips, URLs, bad files."""

from __future__ import annotations

import contextlib
import csv
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, load_command_class

from evidence.files import RETRACTION_COLUMNS
from evidence.models import EvidenceImport, LabelVersion, Retraction
from tests.evidence.conftest import LABELS, RETRACTIONS, SAMPLES

pytestmark = pytest.mark.django_db
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())


def _run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_retractions_saves_good_rows_and_reports_bad_ones_by_line():
    out, err = _run("import_retractions", str(RETRACTIONS))
    expected = EXPECTED["retractions"]
    assert sorted(Retraction.objects.values_list("record_id", flat=True)) == expected["saved_record_ids"]
    for record_id, fields in expected["by_record"].items():
        row = Retraction.objects.get(record_id=record_id)
        assert {name: str(getattr(row, name) or "") for name in fields} == fields
    assert [int(line.split()[1].rstrip(":")) for line in err.splitlines()] == expected["skipped_lines"]
    assert "Line 6: skipped, Record ID “abc” is not a number." in err
    assert "Line 8: skipped, has 3 fields where the header has 20." in err
    record = EvidenceImport.objects.get(kind="retractions")
    assert (record.rows_read, record.rows_saved, record.rows_skipped) == (expected["rows_read"], 5, 4)
    assert record.finished_at is not None and "Line 9:" in record.problems
    assert "Imported 5 Retraction Watch records" in out and "4 row(s) skipped of 9 read" in out
    assert "Matched approved articles: 0 new evidence alert(s)." in out


def test_importing_again_updates_rows_in_place():
    _run("import_retractions", str(RETRACTIONS), "--no-match")
    Retraction.objects.filter(record_id="900001").update(reason="edited by hand")
    _run("import_retractions", str(RETRACTIONS), "--no-match")
    assert Retraction.objects.count() == 5
    second = EvidenceImport.objects.filter(kind="retractions").order_by("-pk").first()
    row = Retraction.objects.get(record_id="900001")
    assert row.reason.startswith("+Concerns/Issues About Data") and row.imported_by_id == second.pk


def _assert_sample_labels(out: str, err: str) -> None:
    expected = EXPECTED["labels"]
    assert dict(LabelVersion.objects.values_list("set_id", "version")) == expected["saved"]
    dates = {set_id: str(day) for set_id, day in LabelVersion.objects.values_list("set_id", "published_date")}
    assert dates == expected["published"]
    for set_id, title in expected["titles"].items():
        assert LabelVersion.objects.get(set_id=set_id).title == title  # unquoted pipes: the quotes are text
    assert [int(line.split()[1].rstrip(":")) for line in err.splitlines()] == expected["skipped_lines"]
    assert "Imported 2 label versions" in out and "3 row(s) skipped of 5 read" in out


def test_import_label_versions_from_the_dailymed_metadata_listing():
    assert LABELS.read_text().splitlines()[0] == "SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE"
    _assert_sample_labels(*_run("import_label_versions", str(LABELS)))


def _zip_of_sample(directory, name: str = "dm_spl_zip_files_meta_data.zip", *, extra: bool = False):
    path = directory / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(LABELS, "dm_spl_zip_files_meta_data.txt")
        if extra:
            archive.writestr("readme.txt", "not a listing")
    return path


def test_import_label_versions_reads_the_dailymed_zip_directly(tmp_path):
    path = _zip_of_sample(tmp_path)
    _assert_sample_labels(*_run("import_label_versions", str(path)))
    assert EvidenceImport.objects.get(kind="labels").source == str(path)


def test_import_label_versions_reads_a_zip_from_a_url(tmp_path):
    _zip_of_sample(tmp_path)
    with _serve(tmp_path) as base:
        _assert_sample_labels(*_run("import_label_versions", f"{base}/dm_spl_zip_files_meta_data.zip"))


def test_a_zip_with_several_files_fails_clearly_and_saves_nothing(tmp_path):
    path = _zip_of_sample(tmp_path, "two.zip", extra=True)
    with pytest.raises(CommandError, match="holds 2 files .*expected one text file"):
        _run("import_label_versions", str(path))
    assert not LabelVersion.objects.exists()


def test_earlier_layout_comma_separated_with_published_date_and_a_later_row_for_the_same_set_id_wins(tmp_path):
    path = tmp_path / "labels.csv"
    set_id = "1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90"
    path.write_text(f"SETID,SPL_VERSION,PUBLISHED_DATE,TITLE\n{set_id},6,20240101,A\n{set_id.upper()},8,20250101,B\n")
    _run("import_label_versions", str(path), "--no-match")
    label = LabelVersion.objects.get()
    assert (label.set_id, label.version, str(label.published_date), label.title) == (set_id, 8, "2025-01-01", "B")


def test_a_file_without_the_columns_fails_clearly_and_saves_nothing(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,title\n1,x\n")
    with pytest.raises(CommandError, match="lacks the column\\(s\\) Record ID, OriginalPaperDOI"):
        _run("import_retractions", str(path))
    assert not Retraction.objects.exists()


def test_a_missing_file_or_no_source_fails_clearly(settings):
    with pytest.raises(CommandError, match="Could not open /no/such/file.csv"):
        _run("import_retractions", "/no/such/file.csv")
    settings.RETRACTION_WATCH_SOURCE = ""
    with pytest.raises(CommandError, match="No file given"):
        _run("import_retractions")


@contextlib.contextmanager
def _serve(directory) -> Iterator[str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # a free loopback port
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_from_a_url_set_in_the_settings(settings):
    with _serve(SAMPLES) as base:
        settings.RETRACTION_WATCH_SOURCE = f"{base}/{RETRACTIONS.name}"
        out, _ = _run("import_retractions")
    assert Retraction.objects.count() == 5
    assert EvidenceImport.objects.get().source == settings.RETRACTION_WATCH_SOURCE


def test_an_unreachable_url_fails_clearly():
    with _serve(SAMPLES) as base:
        missing = f"{base}/nothing-here.csv"
        with pytest.raises(CommandError, match="Could not download"):
            _run("import_retractions", missing)


@pytest.mark.parametrize(
    ("command", "sources"),
    [
        (
            "import_retractions",
            ["https://api.labs.crossref.org/data/retractionwatch", "https://gitlab.com/crossref/retraction-watch-data"],
        ),
        (
            "import_label_versions",
            [
                "dm_spl_zip_files_meta_data.zip",
                "https://dailymed.nlm.nih.gov/dailymed/spl-resources-all-drug-labels.cfm",
                "SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE",
            ],
        ),
    ],
)
def test_help_names_where_the_real_file_comes_from(command, sources):
    help_text = load_command_class("evidence", command).create_parser("manage.py", command).format_help()
    lines = help_text.splitlines()
    for source in sources:
        assert any(source in line for line in lines), source  # each address whole on one line, to copy


def _retraction_csv(path, *rows: dict, tail: str = "") -> str:
    """Write a Retraction Watch CSV with these rows (other columns blank), then `tail` as written."""
    out = StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RETRACTION_COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in RETRACTION_COLUMNS])
    path.write_text(out.getvalue() + tail, encoding="utf-8")
    return str(path)


def _notice(record_id: str, doi: str, **more) -> dict:
    return {"Record ID": record_id, "OriginalPaperDOI": doi, "RetractionNature": "Retraction", **more}


def test_values_too_long_for_the_table_are_skipped_by_line_and_the_rest_saved(tmp_path):
    long_doi = "10.5555/" + "x" * 300
    path = _retraction_csv(
        tmp_path / "rw.csv",
        _notice("910001", "10.5555/fits.001"),
        _notice("9" * 21, "10.5555/fits.002"),  # Record ID: 21 digits, the column holds 20
        _notice("910003", long_doi),
        _notice("910004", "10.5555/fits.004", OriginalPaperPubMedID="90000004"),
    )
    out, err = _run("import_retractions", path, "--no-match")
    assert sorted(Retraction.objects.values_list("record_id", flat=True)) == ["910001", "910004"]
    assert err.splitlines() == [
        "Line 3: skipped, Record ID is 21 characters long; at most 20 fit.",
        "Line 4: skipped, OriginalPaperDOI is 308 characters long; at most 300 fit.",
    ]
    record = EvidenceImport.objects.get()
    assert (record.rows_read, record.rows_saved, record.rows_skipped) == (4, 2, 2)


def test_a_label_version_out_of_range_is_skipped_by_line(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text(
        "SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE\n"
        "1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90|a.zip|Mar 04, 2025|99999999999999999999999|HUGE\n"
        "2c8e3d0f-1b5e-4d2f-8a4b-3e6f7c8d9b01|b.zip|Jan 15, 2024|2147483647|LARGEST THAT FITS\n"
    )
    out, err = _run("import_label_versions", str(path), "--no-match")
    assert err.strip() == ("Line 2: skipped, SPL_VERSION 99999999999999999999999 is out of range (0 to 2147483647).")
    assert list(LabelVersion.objects.values_list("title", "version")) == [("LARGEST THAT FITS", 2147483647)]


def test_unreadable_csv_rows_are_reported_by_line_and_reading_goes_on(tmp_path):
    good = _notice("920001", "10.5555/good.001")
    path = _retraction_csv(tmp_path / "rw.csv", good)
    with open(path, "a", encoding="utf-8", newline="") as stream:
        stream.write('920002,"a title"with a stray quote,,,,,,,,,,,,,10.5555/bad.002,,Retraction,,,\r\n')
        stream.write("920003,a NUL\x00inside,,,,,,,,,,,,,10.5555/bad.003,,Retraction,,,\r\n")
        stream.write("920004,fine again,,,,,,,,,,,,,10.5555/good.004,,Retraction,,,\r\n")
        stream.write('920005,"a title whose quote never closes,,,,,,,,,,,,,10.5555/bad.005,,Retraction,,,\r\n')
    out, err = _run("import_retractions", path, "--no-match")
    assert sorted(Retraction.objects.values_list("record_id", flat=True)) == ["920001", "920004"]
    assert err.splitlines() == [
        "Line 3: skipped, unreadable CSV: ',' expected after '\"'.",
        "Line 4: skipped, holds a NUL character (the file may be damaged).",
        "Line 6: skipped, unreadable CSV: unexpected end of data.",
    ]
    assert "Imported 2 Retraction Watch records" in out and "3 row(s) skipped of 5 read" in out
