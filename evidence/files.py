"""Reading the evidence files as streams: the Retraction Watch CSV and an SPL label-version listing.

Pure parsing, no database: each reader yields ``(line, record)`` for a good
row and ``(line, RowProblem)`` for a row it had to skip, so one bad row never
stops an import. A file that cannot be read at all (no such file, the
required columns missing) raises EvidenceFileError before anything is saved.

Sources are paths or http(s) URLs, opened as text streams (never read into
memory whole).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

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
    """Open a path or an http(s) URL as a text stream (UTF-8, a byte-order mark dropped, bad bytes replaced)."""
    if not source:
        raise EvidenceFileError("No file given: pass a path or URL, or set it in the settings.")
    if source.startswith(("http://", "https://")):
        try:
            response = urllib.request.urlopen(source, timeout=60)  # noqa: S310 (an administrator's setting)
        except OSError as exc:
            raise EvidenceFileError(f"Could not download {source}: {exc}. Check the address or the network.") from exc
        with response:
            yield io.TextIOWrapper(response, encoding="utf-8-sig", errors="replace", newline="")
        return
    try:
        stream = open(source, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as exc:
        raise EvidenceFileError(f"Could not open {source}: {exc.strerror or exc}. Check the path.") from exc
    with stream:
        yield stream


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
    header = next(csv.reader([first], delimiter=delimiter), [])
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise EvidenceFileError(
            f"This does not look like {what}: the first line lacks the column(s) {', '.join(missing)}. "
            f"It has: {', '.join(header[:25]) or 'nothing'}."
        )
    reader = csv.reader(stream, delimiter=delimiter)
    line = 1
    while True:
        start = reader.line_num + 2  # line numbers in the file: the header was line 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num + 1
            yield line, RowProblem(f"unreadable CSV ({exc})")
            continue
        line = start
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield line, RowProblem(f"has {len(values)} fields where the header has {len(header)}")
            continue
        yield line, dict(zip(header, values, strict=True))


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
    """Yield (line, fields) for each SPL listing row (SETID, SPL_VERSION, PUBLISHED_DATE, TITLE), or a problem."""
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
            # Some DailyMed exports name the date column UPLOAD_DATE.
            published = parse_date(row.get("PUBLISHED_DATE") or row.get("UPLOAD_DATE"))
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
