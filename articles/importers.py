"""Read reference files (RIS, BibTeX, PubMed/MEDLINE .nbib) into Reference field values.

Reading is all or nothing: any malformed entry raises ReferenceFileError
naming the entry and its line, and nothing is returned. Saving is done by
articles.services.reference_import; this module touches no database.

Keys are the first author's surname (ASCII, lowercase) plus the year,
made unique against the article's keys and the file's own: smith2020,
smith2020b, smith2020c… The kind is guessed from publication types, titles
and sources: a guideline, a review, an FDA label, otherwise research.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from textkit.text import clean_text

from .exceptions import ReferenceFileError
from .models import Reference

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_BRACE_DEPTH = 32
FORMATS = ("ris", "bibtex", "medline")

_FIELD_LIMITS = {name: Reference._meta.get_field(name).max_length for name in ("title", "authors", "source")}
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass(frozen=True)
class ParsedReference:
    """One entry read from a file, before it gets a key."""

    entry: str  # how to name it to the user: "kotton2018", "record 2", "PMID 29596116"
    line: int  # where the entry starts in the file
    title: str
    authors: tuple[str, ...] = ()  # Vancouver style: "Kotton CN"
    source: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    url: str = ""
    kind: str = Reference.Kind.RESEARCH
    surname: str = ""  # of the first author, for the key

    def fields(self, key: str) -> dict:
        """Return the Reference field values for this entry under the given key."""
        return {
            "key": key,
            "kind": str(self.kind),
            "title": self.title,
            "authors": _join_authors(self.authors),
            "source": self.source,
            "year": self.year,
            "pmid": self.pmid,
            "doi": self.doi,
            "url": self.url,
        }


@dataclass
class ImportPlan:
    """What an import would add (field dicts with keys) and what it skips (entry, reason)."""

    add: list[dict] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- shared helpers


def _count_entry(number: int, *, line: int) -> None:
    """Refuse the file as soon as its entry number `number` is past the limit, before parsing any more."""
    if number > MAX_ENTRIES:
        raise ReferenceFileError(
            gettext(
                "The file holds more than %(MAX_ENTRIES)s references, the most one import takes. "
                "Split it into smaller files and import each"
            )
            % {"MAX_ENTRIES": format(MAX_ENTRIES, ",")},
            line=line,
            entry=f"entry {number:,}",
        )


def _refuse_nul(text: str, filename: str) -> None:
    at = text.find("\x00")
    if at >= 0:
        raise ReferenceFileError(
            gettext(
                "“%(filename)s” contains a NUL character, so it is not a plain-text export (it "
                "may be a word-processor or UTF-16 file). Export the references again as RIS, "
                "BibTeX or PubMed text"
            )
            % {"filename": filename},
            line=text.count("\n", 0, at) + 1,
        )


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _join_authors(authors: Iterable[str]) -> str:
    authors = [a for a in authors if a]
    # Vancouver lists six names, then "et al."; it also keeps the field within its column.
    shown = authors if len(authors) <= 6 else [*authors[:6], "et al"]
    return _clip(", ".join(shown), _FIELD_LIMITS["authors"])


def _vancouver_name(name: str) -> tuple[str, str]:
    """Return ("Kotton CN", "Kotton") for "Kotton, Camille N." or "Camille N. Kotton"."""
    name = " ".join(name.replace("{", "").replace("}", "").split()).strip(" ,;")
    if not name:
        return "", ""
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        parts = name.split(" ")
        # "Kotton CN" (MEDLINE AU) already is Vancouver.
        if len(parts) >= 2 and parts[-1].isupper() and len(parts[-1]) <= 4 and parts[-1].isalpha():
            return name, " ".join(parts[:-1])
        surname, given = parts[-1], " ".join(parts[:-1])
    surname, given = surname.strip(), given.strip()
    initials = "".join(part[0].upper() for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha())
    return (f"{surname} {initials}".strip(), surname)


def _parse_year(raw: str, *, entry: str, line: int) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    match = _YEAR_RE.search(raw)
    year = int(match.group(1)) if match else None
    if year is None or not 1800 <= year <= 2100:
        raise ReferenceFileError(
            gettext(
                "The year “%(raw)s” is not a year between 1800 and 2100. Correct it in the file and upload it again"
            )
            % {"raw": raw},
            line=line,
            entry=entry,
        )
    return year


def _clean_doi(raw: str, *, entry: str, line: int) -> str:
    doi = (raw or "").strip().removesuffix("[doi]").strip()
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I).strip()
    if doi and not _DOI_RE.match(doi):
        raise ReferenceFileError(
            gettext("“%(value)s” is not a DOI (a DOI looks like 10.1000/xyz123). Correct or remove it")
            % {"value": raw.strip()},
            line=line,
            entry=entry,
        )
    return doi


def _clean_pmid(raw: str) -> str:
    raw = (raw or "").strip()
    return raw if re.fullmatch(r"\d{1,10}", raw) else ""


def _clean_url(raw: str, *, entry: str, line: int) -> str:
    url = (raw or "").strip()
    if url and re.match(r"^(www\.|doi\.org/)", url, re.I):
        url = "https://" + url
    if url and not re.match(r"^https?://\S+$", url, re.I):
        raise ReferenceFileError(
            gettext("The link “%(url)s” is not an http or https address. Correct or remove it") % {"url": url},
            line=line,
            entry=entry,
        )
    return url[:500]


def _guess_kind(*, types: Iterable[str], title: str, source: str, default: str = Reference.Kind.RESEARCH) -> str:
    text = " | ".join(t.lower() for t in types)
    if "guideline" in text or "consensus development" in text:
        return Reference.Kind.GUIDELINE
    if "review" in text or "meta-analysis" in text:
        return Reference.Kind.REVIEW
    lowered_source, lowered_title = source.lower(), title.lower()
    if (
        "food and drug administration" in lowered_source
        or re.search(r"\bfda\b", lowered_source)
        or "dailymed" in lowered_source
        or "prescribing information" in lowered_title
    ):
        return Reference.Kind.FDA_LABEL
    if re.search(r"\bguidelines?\b", lowered_title):
        return Reference.Kind.GUIDELINE
    return default


def _require_title(title: str, *, entry: str, line: int) -> str:
    title = " ".join((title or "").split()).rstrip(".")
    if not title:
        raise ReferenceFileError(
            gettext("This entry has no title. Add a title to it in the file, or remove the entry"),
            line=line,
            entry=entry,
        )
    return _clip(title, _FIELD_LIMITS["title"])


def _build(
    *,
    entry: str,
    line: int,
    title: str,
    names: Iterable[str],
    source: str,
    year: str,
    pmid: str,
    doi: str,
    url: str,
    types: Iterable[str],
    default_kind: str = Reference.Kind.RESEARCH,
) -> ParsedReference:
    title = _require_title(title, entry=entry, line=line)
    formatted = [_vancouver_name(n) for n in names]
    source = _clip(source or "", _FIELD_LIMITS["source"])
    return ParsedReference(
        entry=entry,
        line=line,
        title=title,
        authors=tuple(f for f, _ in formatted if f),
        source=source,
        year=_parse_year(year, entry=entry, line=line),
        pmid=_clean_pmid(pmid),
        doi=_clean_doi(doi, entry=entry, line=line),
        url=_clean_url(url, entry=entry, line=line),
        kind=_guess_kind(types=types, title=title, source=source, default=default_kind),
        surname=next((s for _, s in formatted if s), ""),
    )


# --------------------------------------------------------------------------- RIS

_RIS_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -( (.*))?$")


def parse_ris(text: str) -> list[ParsedReference]:
    """Read a RIS file; every record must run from "TY  - " to "ER  - "."""
    records: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        match = _RIS_TAG_RE.match(line)
        tag = match.group(1) if match else None
        if tag == "TY":
            if current is not None:
                raise ReferenceFileError(
                    gettext("A record starts before the previous one ended with “ER  - ”. Add the missing ER line"),
                    line=start,
                    entry=f"record {len(records) + 1}",
                )
            _count_entry(len(records) + 1, line=number)
            current, start = [line], number
        elif current is None:
            if line.strip():
                raise ReferenceFileError(
                    gettext("“%(clip)s” is outside any record; each record starts with “TY  - ”")
                    % {"clip": _clip(line, 60)},
                    line=number,
                )
        elif tag == "ER":
            current.append("ER  - ")
            records.append((start, current))
            current = None
        else:
            current.append(line)
    if current is not None:
        raise ReferenceFileError(
            gettext(
                "The last record has no “ER  - ” line, so the file may be cut off. Add the ER line or export again"
            ),
            line=start,
            entry=f"record {len(records) + 1}",
        )
    parsed = []
    for index, (line, lines) in enumerate(records, start=1):
        try:
            (data,) = rispy.loads("\n".join(lines) + "\n")
        except Exception:  # rispy raises plain exceptions on malformed tags; their text means nothing to a user
            raise ReferenceFileError(
                gettext(
                    "This record cannot be read: check that every line is “XX  - value” with a "
                    "two-letter tag, or export the file again"
                ),
                line=line,
                entry=f"record {index}",
            ) from None
        title = data.get("title") or data.get("primary_title") or data.get("translated_title") or ""
        label = f"record {index}" + (f" (“{_clip(title, 50)}”)" if title else "")
        names = [*data.get("authors", []), *data.get("first_authors", [])]
        source = (
            data.get("journal_name")
            or data.get("secondary_title")
            or data.get("alternate_title1")
            or data.get("alternate_title3")
            or data.get("publisher")
            or ""
        )
        if (data.get("type_of_reference") or "") in {"BOOK", "RPRT", "GOVDOC", "STAND"} and not source:
            source = data.get("publisher", "")
        notes = " ".join(data.get("notes", []) or [])
        database = (data.get("name_of_database") or "").lower()
        pmid = ""
        if not database or "pubmed" in database or "medline" in database:
            pmid = _clean_pmid(data.get("accession_number", ""))
        if not pmid and (found := re.search(r"\bPMID:?\s*(\d{1,10})\b", notes)):
            pmid = found.group(1)
        doi = data.get("doi", "")
        urls = data.get("urls", []) or []
        if not doi:
            doi = next((u for u in urls if re.match(r"^https?://(dx\.)?doi\.org/", u, re.I)), "")
        url = next((u for u in urls if not re.match(r"^https?://(dx\.)?doi\.org/", u, re.I)), "")
        ty = data.get("type_of_reference", "")
        parsed.append(
            _build(
                entry=label,
                line=line,
                title=title,
                names=names,
                source=source,
                year=data.get("year") or data.get("publication_year") or data.get("date") or "",
                pmid=pmid,
                doi=doi,
                url=url,
                types=[
                    *data.get("keywords", []),
                    data.get("type_of_work", "") or "",
                    notes if "Review" in notes else "",
                ],
                default_kind=Reference.Kind.OTHER if ty in {"ELEC", "WEB", "GEN"} else Reference.Kind.RESEARCH,
            )
        )
    return parsed


# --------------------------------------------------------------------------- BibTeX

_BIB_ENTRY_RE = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])", re.M)
_BIB_SKIP = {"comment", "preamble", "string"}


def _bib_value(value: str) -> str:
    value = latex_to_unicode(value or "")
    return " ".join(value.replace("{", "").replace("}", "").split())


def _bib_chunks(text: str) -> list[tuple[str, int, str]]:
    """Return (entry type, line, text) for each @entry, checking that its braces balance and are not too deep."""
    chunks = []
    starts = list(_BIB_ENTRY_RE.finditer(text))
    line, counted_to, entries = 1, 0, 0
    for i, match in enumerate(starts):
        kind = match.group(1).lower()
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        if kind not in _BIB_SKIP:
            entries += 1
            _count_entry(entries, line=line)
        end_limit = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        opener = match.group(2)
        closer = "}" if opener == "{" else ")"
        depth, pos, end = 0, match.end() - 1, None
        while pos < end_limit:
            char = text[pos]
            if char == "\\":
                pos += 2
                continue
            if char == opener or (opener == "(" and char == "{"):
                depth += 1
                if depth > MAX_BRACE_DEPTH:
                    head = text[match.end() : match.end() + 80].split(",")[0].strip()
                    raise ReferenceFileError(
                        gettext(
                            "This entry nests braces more than %(MAX_BRACE_DEPTH)s deep, which no reference "
                            "needs. Remove the extra “{” and “}” and upload the file again"
                        )
                        % {"MAX_BRACE_DEPTH": MAX_BRACE_DEPTH},
                        line=line + text.count("\n", match.start(), pos),
                        entry=head or f"@{kind} entry",
                    )
            elif char == closer or (opener == "(" and char == "}"):
                depth -= 1
                if depth == 0:
                    end = pos + 1
                    break
            pos += 1
        head = text[match.end() : match.end() + 80].split(",")[0].strip()
        entry = head if kind not in _BIB_SKIP and head else f"@{kind} entry"
        if end is None:
            raise ReferenceFileError(
                gettext(
                    "This entry's braces do not balance: a “{” is never closed. Fix the braces and "
                    "upload the file again"
                ),
                line=line,
                entry=entry,
            )
        chunks.append((kind, line, text[match.start() : end]))
    return chunks


def parse_bibtex(text: str) -> list[ParsedReference]:
    """Read a BibTeX file, checking each entry's braces first (bibtexparser skips broken entries quietly)."""
    chunks = _bib_chunks(text)
    strings = "\n".join(chunk for kind, _, chunk in chunks if kind == "string")
    parsed = []
    for kind, line, chunk in chunks:
        if kind in _BIB_SKIP:
            continue
        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
        try:
            entries = bibtexparser.loads(f"{strings}\n{chunk}\n", parser=parser).entries
        except Exception:  # RecursionError included; bibtexparser's pyparsing errors mean nothing to a user
            raise ReferenceFileError(
                gettext(
                    "This entry cannot be read: check its key and the “name = {value},” pairs, and "
                    "that quotes and braces are closed"
                ),
                line=line,
                entry=f"@{kind} at line {line}",
            ) from None
        if len(entries) != 1:
            raise ReferenceFileError(
                gettext("This entry cannot be read; check its key and the “name = {value},” pairs"),
                line=line,
                entry=f"@{kind}",
            )
        data = {name.lower(): value for name, value in entries[0].items()}
        entry = data.get("id") or f"@{kind} at line {line}"
        names = [n for n in re.split(r"\s+and\s+", _bib_value(data.get("author", "")) or "") if n.strip()]
        if not names and data.get("editor"):
            names = [n for n in re.split(r"\s+and\s+", _bib_value(data["editor"])) if n.strip()]
        source = _bib_value(
            data.get("journal")
            or data.get("journaltitle")
            or data.get("booktitle")
            or data.get("publisher")
            or data.get("institution")
            or data.get("organization")
            or data.get("howpublished", "")
        )
        pmid = data.get("pmid", "")
        if not pmid and (data.get("eprinttype", "").lower() == "pubmed"):
            pmid = data.get("eprint", "")
        types = [data.get("type", ""), data.get("keywords", ""), data.get("pubtype", ""), data.get("note", "")]
        parsed.append(
            _build(
                entry=entry,
                line=line,
                title=_bib_value(data.get("title", "")),
                names=names,
                source=source,
                year=_bib_value(data.get("year") or data.get("date", "")),
                pmid=_clean_pmid(_bib_value(pmid)),
                doi=_bib_value(data.get("doi", "")),
                url=_bib_value(data.get("url", "")),
                types=[_bib_value(t) for t in types],
                default_kind=Reference.Kind.OTHER
                if kind in {"misc", "online", "electronic", "www"} and not source
                else Reference.Kind.RESEARCH,
            )
        )
    return parsed


# --------------------------------------------------------------------------- PubMed / MEDLINE

_MEDLINE_TAG_RE = re.compile(r"^([A-Z0-9]{2,4}) *- (.*)$")


def parse_medline(text: str) -> list[ParsedReference]:
    """Read a PubMed/MEDLINE (.nbib) file: "TAG - value" lines, 6-space continuations, blank lines between records."""
    records: list[tuple[int, list[tuple[str, str]]]] = []
    current: list[tuple[str, str]] = []
    start = 1
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            if current:
                records.append((start, current))
                current = []
            continue
        if line.startswith("      ") and current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}")
            continue
        match = _MEDLINE_TAG_RE.match(line)
        if not match:
            raise ReferenceFileError(
                gettext("“%(clip)s” is not a MEDLINE line (expected “TAG - value” or a 6-space continuation)")
                % {"clip": _clip(line, 60)},
                line=number,
                entry=f"record {len(records) + 1}",
            )
        if not current:
            start = number
            _count_entry(len(records) + 1, line=number)
        current.append((match.group(1), match.group(2).strip()))
    if current:
        records.append((start, current))

    parsed = []
    for index, (line, tags) in enumerate(records, start=1):
        values: dict[str, list[str]] = {}
        for tag, value in tags:
            values.setdefault(tag, []).append(value)

        def first(*names: str, values=values) -> str:
            return next((values[n][0] for n in names if values.get(n)), "")

        pmid = first("PMID")
        entry = f"PMID {pmid}" if pmid else f"record {index}"
        doi = next(
            (v for v in [*values.get("LID", []), *values.get("AID", [])] if v.lower().endswith("[doi]")),
            "",
        )
        parsed.append(
            _build(
                entry=entry,
                line=line,
                title=first("TI", "BTI"),
                names=values.get("AU", []) or values.get("FAU", []),
                source=first("JT", "TA", "PB"),
                year=first("DP", "DEP"),
                pmid=pmid,
                doi=doi,
                url="",
                types=values.get("PT", []),
            )
        )
    return parsed


# --------------------------------------------------------------------------- entry point


def detect_format(filename: str, text: str) -> str:
    """Return "ris", "bibtex" or "medline" from the file's content, or its name when the content is unclear."""
    head = text.lstrip()[:2000]
    if re.match(r"TY  -", head):
        return "ris"
    if re.match(r"PMID- ", head) or re.match(r"[A-Z]{2,4} *- ", head) and "\nPMID- " in text[:5000]:
        return "medline"
    if _BIB_ENTRY_RE.search(head) or head.startswith("%"):
        return "bibtex"
    name = filename.lower()
    if name.endswith(".ris"):
        return "ris"
    if name.endswith((".bib", ".bibtex")):
        return "bibtex"
    if name.endswith((".nbib", ".medline")):
        return "medline"
    raise ReferenceFileError(
        gettext(
            "“%(filename)s” is not a RIS, BibTeX or PubMed/MEDLINE (.nbib) file. Export the "
            "references in one of these formats and upload that file"
        )
        % {"filename": filename}
    )


def parse_reference_file(filename: str, data: bytes) -> list[ParsedReference]:
    """Read every entry of an uploaded reference file, or raise ReferenceFileError naming the bad entry."""
    if len(data) > MAX_FILE_BYTES:
        raise ReferenceFileError(
            gettext("“%(filename)s” is %(value)s MB; the limit is %(value2)s MB. Split it into smaller files")
            % {
                "filename": filename,
                "value": format(len(data) / 1024 / 1024, ".1f"),
                "value2": MAX_FILE_BYTES // 1024 // 1024,
            }
        )
    text = _decode(data)
    _refuse_nul(text, filename)
    text = clean_text(text)  # line endings, control characters, NFC: as every other stored text
    if not text.strip():
        raise ReferenceFileError(
            gettext("“%(filename)s” is empty. Choose a file with at least one reference") % {"filename": filename}
        )
    reader = {"ris": parse_ris, "bibtex": parse_bibtex, "medline": parse_medline}[detect_format(filename, text)]
    entries = reader(text)
    if not entries:
        raise ReferenceFileError(
            gettext("No references were found in “%(filename)s”. Check that it is a full export")
            % {"filename": filename}
        )
    return entries


def key_base(surname: str, year: int | None, title: str = "") -> str:
    """Return the key stem: first author's surname (ASCII, lowercase) plus year, e.g. "kotton2018"."""
    stem = re.sub(r"[^a-z0-9]", "", _ascii(surname).lower())
    if not stem:
        words = [re.sub(r"[^a-z0-9]", "", w) for w in _ascii(title).lower().split()]
        stem = next((w for w in words if len(w) >= 3), "ref")
    return f"{stem[:60]}{year or ''}"


def unique_key(base: str, taken: set[str]) -> str:
    """Return base, or base + "b", "c", … the first that is not taken."""
    if base not in taken:
        return base
    suffixes = [chr(c) for c in range(ord("b"), ord("z") + 1)]
    for suffix in suffixes:
        if f"{base}{suffix}" not in taken:
            return f"{base}{suffix}"
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def plan_import(entries: Iterable[ParsedReference], *, existing: Iterable) -> ImportPlan:
    """Give each new entry a unique key and skip those whose DOI or PMID the article (or file) already has.

    `existing` is the article's references (anything with key, doi and pmid
    attributes). Each entry to add is validated against the Reference model;
    an invalid one raises ReferenceFileError so nothing is added.
    """
    existing = list(existing)
    taken = {r.key for r in existing}
    dois = {r.doi.lower(): f"the article's reference “{r.key}”" for r in existing if r.doi}
    pmids = {r.pmid: f"the article's reference “{r.key}”" for r in existing if r.pmid}
    plan = ImportPlan()
    for parsed in entries:
        if parsed.doi and parsed.doi.lower() in dois:
            plan.skipped.append((parsed.entry, f"same DOI ({parsed.doi}) as {dois[parsed.doi.lower()]}"))
            continue
        if parsed.pmid and parsed.pmid in pmids:
            plan.skipped.append((parsed.entry, f"same PMID ({parsed.pmid}) as {pmids[parsed.pmid]}"))
            continue
        key = unique_key(key_base(parsed.surname, parsed.year, parsed.title), taken)
        fields = parsed.fields(key)
        try:
            Reference(**fields).full_clean(exclude=["article"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
            raise ReferenceFileError(
                gettext("This entry is not a valid reference (%(problems)s)") % {"problems": problems},
                line=parsed.line,
                entry=parsed.entry,
            )
        taken.add(key)
        if parsed.doi:
            dois[parsed.doi.lower()] = f"{parsed.entry} earlier in this file"
        if parsed.pmid:
            pmids[parsed.pmid] = f"{parsed.entry} earlier in this file"
        plan.add.append(fields)
    return plan
