"""Reading the evidence files as streams: the Retraction Watch CSV and an SPL label-version listing.

Pure parsing, no database: each reader yields ``(line, record)`` for a good
row and ``(line, RowProblem)`` for a row it had to skip, so one bad row never
stops an import. A file that cannot be read at all (no such file, the
required columns missing) raises EvidenceFileError before anything is saved.

Sources are paths or http(s) URLs, opened as text streams (never read into
memory whole). A .zip holding one text file (as DailyMed publishes its SPL
metadata, dm_spl_zip_files_meta_data.zip) is read through that member,
decompressed as it is read; a zip from a URL is first spooled to a
temporary file, because a zip's index is at its end.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext

from articles.identifiers import normalise_doi, normalise_pmid

from .exceptions import EvidenceFileError

RETRACTION_COLUMNS = (
    "Record ID",
    "Title",
    "Subject",
    "Institution",
    "Journal",
    "Publisher",
    "Country",
    "Author",
    "URLS",
    "ArticleType",
    "RetractionDate",
    "RetractionDOI",
    "RetractionPubMedID",
    "OriginalPaperDate",
    "OriginalPaperDOI",
    "OriginalPaperPubMedID",
    "RetractionNature",
    "Reason",
    "Paywalled",
    "Notes",
)
# Without these a row cannot be matched or stored.
RETRACTION_REQUIRED = ("Record ID", "OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature")
LABEL_REQUIRED = ("SETID", "SPL_VERSION")
# DailyMed's SPL metadata file (dm_spl_zip_files_meta_data.txt inside its .zip); the date column is UPLOAD_DATE.
# An older layout with PUBLISHED_DATE instead (and no ZIP_FILE_NAME) is read too.
LABEL_COLUMNS = ("SETID", "ZIP_FILE_NAME", "UPLOAD_DATE", "SPL_VERSION", "TITLE")

_NATURES = {
    "retraction": "retraction",
    "correction": "correction",
    "expression of concern": "expression_of_concern",
    "reinstatement": "reinstatement",
}
_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d", "%Y%m%d", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y")
_MAX_FIELD = 1_000_000


@dataclass(frozen=True)
class RowProblem:
    """Why a row was skipped."""

    message: str


@contextlib.contextmanager
def open_source(source: str) -> Iterator[IO[str]]:
    """Open a path or an http(s) URL as a text stream (UTF-8, a byte-order mark dropped, bad bytes replaced).

    A zip archive (recognised by its first bytes, or for a URL by a name
    ending in .zip or a zip content type) is opened through its single file.
    """
    if not source:
        raise EvidenceFileError(gettext("No file given: pass a path or URL, or set it in the settings."))
    with contextlib.ExitStack() as stack:
        if source.startswith(("http://", "https://")):
            try:
                # bandit waiver (reviewed): only http(s), checked just above; the address is an administrator's.
                response = urllib.request.urlopen(source, timeout=60)  # noqa: S310  # nosec B310
            except OSError as exc:
                raise EvidenceFileError(
                    gettext("Could not download %(source)s: %(exc)s. Check the address or the network.")
                    % {"source": source, "exc": exc}
                ) from exc
            raw: IO[bytes] = stack.enter_context(response)
            content_type = (response.headers.get("Content-Type") or "").lower()
            if source.split("?", 1)[0].lower().endswith(".zip") or "zip" in content_type:
                spool = stack.enter_context(tempfile.TemporaryFile())
                shutil.copyfileobj(response, spool, 1 << 20)
                spool.seek(0)
                raw = spool
        else:
            try:
                raw = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                raise EvidenceFileError(
                    gettext("Could not open %(source)s: %(value)s. Check the path.")
                    % {"source": source, "value": exc.strerror or exc}
                ) from exc
        if raw.seekable():
            head = raw.read(4)
            raw.seek(0)
            if head == b"PK\x03\x04":
                raw = _zip_member(raw, source, stack)
        yield io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _zip_member(raw: IO[bytes], source: str, stack: contextlib.ExitStack) -> IO[bytes]:
    """Return the one file inside a zip archive, opened to decompress as it is read."""
    try:
        archive = stack.enter_context(zipfile.ZipFile(raw))
    except zipfile.BadZipFile as exc:
        raise EvidenceFileError(
            gettext("%(source)s looks like a zip archive but cannot be read: %(exc)s.") % {"source": source, "exc": exc}
        ) from exc
    members = [info for info in archive.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if len(members) != 1:
        names = ", ".join(info.filename for info in members[:10]) or "nothing"
        raise EvidenceFileError(
            gettext("%(source)s holds %(count)s files (%(names)s); expected one text file. Unzip it and pass the file.")
            % {"source": source, "count": len(members), "names": names}
        )
    return stack.enter_context(archive.open(members[0]))


def parse_date(text: str | None) -> dt.date | None:
    """Return the date in any of the layouts these files use; None for blank; raise ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    for layout in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date this importer understands (e.g. 1/31/2020 0:00 or 2020-01-31)")


def _rows(stream: IO[str], required: tuple[str, ...], *, what: str) -> Iterator[tuple[int, dict | RowProblem]]:
    csv.field_size_limit(_MAX_FIELD)
    first = stream.readline()
    delimiter = "|" if first.count("|") > first.count(",") else ","
    # DailyMed's pipe-separated files are not quoted: a double quote there is part of a title.
    quoting = csv.QUOTE_NONE if delimiter == "|" else csv.QUOTE_MINIMAL
    header = next(csv.reader([first], delimiter=delimiter, quoting=quoting), [])
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise EvidenceFileError(
            gettext("This does not look like %(what)s: the first line lacks the column(s) %(list)s. It has: %(value)s.")
            % {"what": what, "list": ", ".join(missing), "value": ", ".join(header[:25]) or "nothing"}
        )
    # strict: a stray or unterminated quote is an error for its row, not a field that swallows the rest.
    reader = csv.reader(stream, delimiter=delimiter, quoting=quoting, strict=True)
    while True:
        start = reader.line_num + 2  # line numbers in the file: the header was line 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            end = reader.line_num + 1
            through = f" (read through line {end})" if end > start else ""
            yield start, RowProblem(f"unreadable CSV: {exc}{through}")
            continue
        if not any(value.strip() for value in values):
            continue
        if any("\x00" in value for value in values):
            yield start, RowProblem("holds a NUL character (the file may be damaged)")
            continue
        if len(values) != len(header):
            yield start, RowProblem(f"has {len(values)} fields where the header has {len(header)}")
            continue
        yield start, dict(zip(header, values, strict=True))


def retraction_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | RowProblem]]:
    """Yield (line, model fields) for each Retraction Watch row, or (line, RowProblem) for a row skipped."""
    for line, row in _rows(stream, RETRACTION_REQUIRED, what="a Retraction Watch CSV"):
        if isinstance(row, RowProblem):
            yield line, row
            continue

        def get(name: str, row: dict = row) -> str:
            return (row.get(name) or "").strip()

        record_id = get("Record ID")
        if not record_id.isdigit():
            yield line, RowProblem(f"Record ID “{record_id}” is not a number")
            continue
        nature_text = get("RetractionNature")
        nature = _NATURES.get(nature_text.lower(), "other")
        try:
            retraction_date = parse_date(get("RetractionDate"))
            original_date = parse_date(get("OriginalPaperDate"))
        except ValueError as exc:
            yield line, RowProblem(str(exc))
            continue
        doi = normalise_doi(get("OriginalPaperDOI"))
        pmid = normalise_pmid(get("OriginalPaperPubMedID"))
        if not doi and not pmid:
            yield line, RowProblem("has neither an OriginalPaperDOI nor an OriginalPaperPubMedID to match")
            continue
        yield (
            line,
            {
                "record_id": record_id,
                "title": get("Title"),
                "subject": get("Subject"),
                "institution": get("Institution"),
                "journal": get("Journal")[:500],
                "publisher": get("Publisher")[:500],
                "country": get("Country")[:500],
                "author": get("Author"),
                "urls": get("URLS"),
                "article_type": get("ArticleType")[:300],
                "retraction_date": retraction_date,
                "retraction_doi": get("RetractionDOI")[:300],
                "retraction_pmid": normalise_pmid(get("RetractionPubMedID")),
                "original_paper_date": original_date,
                "original_paper_doi": doi,
                "original_paper_pmid": pmid,
                "nature": nature,
                "nature_text": nature_text[:100],
                "reason": get("Reason"),
                "paywalled": get("Paywalled")[:20],
                "notes": get("Notes"),
            },
        )


def label_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any] | RowProblem]]:
    """Yield (line, fields) for each row of DailyMed's SPL metadata listing, or (line, RowProblem).

    The layout is LABEL_COLUMNS (SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE);
    only SETID and SPL_VERSION are required, and PUBLISHED_DATE is read where
    UPLOAD_DATE is absent (the earlier layout).
    """
    for line, row in _rows(stream, LABEL_REQUIRED, what="an SPL label-version listing"):
        if isinstance(row, RowProblem):
            yield line, row
            continue
        set_id = (row.get("SETID") or "").strip().lower()
        version = (row.get("SPL_VERSION") or "").strip()
        if len(set_id) != 36 or set_id.count("-") != 4:
            yield line, RowProblem(f"SETID “{set_id}” is not an SPL Set ID (a UUID)")
            continue
        if not version.isdigit():
            yield line, RowProblem(f"SPL_VERSION “{version}” is not a whole number")
            continue
        try:
            published = parse_date(row.get("UPLOAD_DATE") or row.get("PUBLISHED_DATE"))
        except ValueError as exc:
            yield line, RowProblem(str(exc))
            continue
        yield (
            line,
            {
                "set_id": set_id,
                "version": int(version),
                "published_date": published,
                "title": (row.get("TITLE") or "").strip()[:1000],
            },
        )


MAX_LABEL_DOCUMENT = 20_000_000


def read_label_document(source: str) -> bytes:
    """Return the SPL XML of one label from a path or http(s) URL: the .xml itself, or a DailyMed SPL zip.

    A DailyMed label zip holds one .xml (the SPL document) and the label's
    images; the .xml is read. Raise EvidenceFileError, reading nothing more,
    when the source cannot be opened, a zip has no single .xml, or the
    document is larger than an SPL label can be.
    """
    if not source:
        raise EvidenceFileError(gettext("No file given: pass the path or URL of an SPL .xml or a DailyMed label .zip."))
    with contextlib.ExitStack() as stack:
        if source.startswith(("http://", "https://")):
            try:
                # bandit waiver (reviewed): only http(s), checked just above; the address is an administrator's.
                response = urllib.request.urlopen(source, timeout=60)  # noqa: S310  # nosec B310
            except OSError as exc:
                raise EvidenceFileError(
                    gettext("Could not download %(source)s: %(exc)s. Check the address or the network.")
                    % {"source": source, "exc": exc}
                ) from exc
            stack.enter_context(response)
            raw: IO[bytes] = stack.enter_context(tempfile.TemporaryFile())
            shutil.copyfileobj(response, raw, 1 << 20)
            raw.seek(0)
        else:
            try:
                raw = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                raise EvidenceFileError(
                    gettext("Could not open %(source)s: %(value)s. Check the path.")
                    % {"source": source, "value": exc.strerror or exc}
                ) from exc
        if raw.read(4) == b"PK\x03\x04":
            raw.seek(0)
            try:
                archive = stack.enter_context(zipfile.ZipFile(raw))
            except zipfile.BadZipFile as exc:
                raise EvidenceFileError(
                    gettext("%(source)s looks like a zip archive but cannot be read: %(exc)s.")
                    % {"source": source, "exc": exc}
                ) from exc
            documents = [
                info
                for info in archive.infolist()
                if info.filename.lower().endswith(".xml") and not info.filename.startswith("__MACOSX/")
            ]
            if len(documents) != 1:
                raise EvidenceFileError(
                    gettext("%(source)s holds %(count)s .xml files; a DailyMed label zip holds exactly one.")
                    % {"source": source, "count": len(documents)}
                )
            raw = stack.enter_context(archive.open(documents[0]))
        else:
            raw.seek(0)
        data = raw.read(MAX_LABEL_DOCUMENT + 1)
    if len(data) > MAX_LABEL_DOCUMENT:
        raise EvidenceFileError(
            gettext("%(source)s is larger than %(limit)s bytes; that is not one drug label.")
            % {"source": source, "limit": f"{MAX_LABEL_DOCUMENT:,}"}
        )
    return data
