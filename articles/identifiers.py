"""Look a paper up by PMID or DOI: one shared lookup for citing by identifier.

``resolve("pmid", "12345678")`` returns the fields of a Reference. It asks, in
order: the local cache (`IdentifierRecord`), then, only where
``settings.IDENTIFIER_LOOKUP_NETWORK`` is on, PubMed E-utilities (esummary,
JSON) for a PMID or Crossref (``/works/<doi>``) for a DOI, with a short
timeout. Answers from the network are cached. When nothing can answer,
`IdentifierNotFound` says so in words an author can act on.

The HTTP call is one function, `fetch_json`, so tests point the lookup at a
local server of recorded responses (the URLs are settings) or swap the
fetcher with `use_fetcher`; nothing here is tied to the real services.

Also the normalisers every DOI/PMID match in Vetted uses (the retraction
watch included): `normalise_doi`, `normalise_pmid`.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils.translation import gettext

from .exceptions import IdentifierNotFound, MalformedIdentifier
from .models import IdentifierRecord

__all__ = [
    "IdentifierFields",
    "fetch_json",
    "normalise_doi",
    "normalise_pmid",
    "parse_identifier",
    "resolve",
    "suggest_key",
    "use_fetcher",
]

_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")


def normalise_doi(value: str | None) -> str:
    """Return a DOI in the form matches compare: no resolver prefix, lower case, no trailing dot; "" if not a DOI."""
    text = _DOI_PREFIX_RE.sub("", (value or "").strip()).strip().rstrip(".;,").lower()
    return text if _DOI_RE.match(text) else ""


def normalise_pmid(value: str | None) -> str:
    """Return a PMID as digits without leading zeros; "" for blanks, zero or anything else."""
    text = (value or "").strip()
    if text.lower().startswith("pmid:"):
        text = text[5:].strip()
    if not text.isdigit() or int(text) == 0 or len(text) > 10:
        return ""
    return str(int(text))


def parse_identifier(text: str) -> tuple[str, str]:
    """Return ("pmid"|"doi", normalised value) for what an author typed; raise IdentifierNotFound if neither."""
    raw = (text or "").strip()
    if raw.lower().startswith("pmid:") or raw.isdigit():
        pmid = normalise_pmid(raw)
        if pmid:
            return "pmid", pmid
    doi = normalise_doi(raw)
    if doi:
        return "doi", doi
    raise MalformedIdentifier(
        gettext("“%(raw)s” is neither a PMID (digits, e.g. 29596116) nor a DOI (e.g. 10.1097/TP.0000000000002191).")
        % {"raw": raw}
    )


@dataclass(frozen=True)
class IdentifierFields:
    """What a lookup tells about a paper: the fields of a Reference."""

    title: str
    authors: str = ""
    source: str = ""
    year: int | None = None
    pmid: str = ""
    doi: str = ""
    kind: str = "research"
    origin: str = "cache"

    def reference_fields(self) -> dict:
        data = asdict(self)
        data.pop("origin")
        return data


# --------------------------------------------------------------------------- network

Fetcher = Callable[[str, float], dict]


def _urllib_fetch(url: str, timeout: float) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "Vetted/1"})
    # bandit waiver (reviewed): the base URL is an administrator's setting; the identifier is validated and quoted.
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
        return json.loads(response.read().decode("utf-8"))


_fetcher: Fetcher = _urllib_fetch


def fetch_json(url: str) -> dict:
    """GET a URL and return its JSON (through the current fetcher), with the configured timeout."""
    return _fetcher(url, float(settings.IDENTIFIER_LOOKUP_TIMEOUT))


@contextlib.contextmanager
def use_fetcher(fetcher: Fetcher) -> Iterator[None]:
    """Use another fetch function within the block (tests: recorded responses)."""
    global _fetcher
    previous, _fetcher = _fetcher, fetcher
    try:
        yield
    finally:
        _fetcher = previous


def _year(text: str) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", text or "")
    return int(match.group(1)) if match else None


def _kind_from_types(types: list[str]) -> str:
    lowered = " ".join(types).lower()
    if "guideline" in lowered:
        return "guideline"
    if "review" in lowered:
        return "review"
    return "research"


def _from_pubmed(pmid: str) -> IdentifierFields:
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "retmode": "json"})
    data = fetch_json(f"{settings.PUBMED_ESUMMARY_URL}?{query}")
    item = (data.get("result") or {}).get(pmid)
    if not item or item.get("error") or not item.get("title"):
        raise IdentifierNotFound(
            gettext("PubMed has no article with PMID %(pmid)s. Check the number.") % {"pmid": pmid}
        )
    doi = ""
    for article_id in item.get("articleids") or []:
        if article_id.get("idtype") == "doi":
            doi = normalise_doi(article_id.get("value"))
    names = [a.get("name", "") for a in item.get("authors") or [] if a.get("name")]
    authors = ", ".join(names[:6]) + (", et al" if len(names) > 6 else "")
    return IdentifierFields(
        title=str(item["title"]).strip().rstrip("."),
        authors=authors[:500],
        source=str(item.get("fulljournalname") or item.get("source") or "")[:300],
        year=_year(str(item.get("pubdate") or item.get("sortpubdate") or "")),
        pmid=pmid,
        doi=doi,
        kind=_kind_from_types([str(t) for t in item.get("pubtype") or []]),
        origin="pubmed",
    )


def _from_crossref(doi: str) -> IdentifierFields:
    data = fetch_json(settings.CROSSREF_WORKS_URL + urllib.parse.quote(doi, safe="/:;()._-"))
    message = data.get("message") or {}
    titles = message.get("title") or []
    if not titles:
        raise IdentifierNotFound(gettext("Crossref has no work with DOI %(doi)s. Check the DOI.") % {"doi": doi})
    names = [
        f"{a.get('family', '')} {''.join(part[:1] for part in str(a.get('given', '')).split())}".strip()
        for a in message.get("author") or []
        if a.get("family")
    ]
    authors = ", ".join(names[:6]) + (", et al" if len(names) > 6 else "")
    issued = (message.get("issued") or {}).get("date-parts") or [[None]]
    year = issued[0][0] if issued and issued[0] else None
    container = message.get("container-title") or []
    return IdentifierFields(
        title=str(titles[0]).strip()[:500],
        authors=authors[:500],
        source=str(container[0] if container else message.get("publisher", ""))[:300],
        year=int(year) if isinstance(year, int) else None,
        doi=doi,
        kind=_kind_from_types([str(message.get("type", ""))]),
        origin="crossref",
    )


# --------------------------------------------------------------------------- the lookup


def _cached(scheme: str, value: str) -> IdentifierFields | None:
    record = IdentifierRecord.objects.filter(scheme=scheme, value=value).first()
    if record is None:
        return None
    return IdentifierFields(
        title=record.title,
        authors=record.authors,
        source=record.source,
        year=record.year,
        pmid=record.pmid,
        doi=record.doi,
        kind=record.kind,
        origin="cache",
    )


def _store(scheme: str, value: str, fields: IdentifierFields) -> None:
    IdentifierRecord.objects.update_or_create(
        scheme=scheme,
        value=value,
        defaults={**fields.reference_fields(), "origin": fields.origin},
    )


def resolve(scheme: str, value: str, *, network: bool = True) -> IdentifierFields:
    """Return the reference fields for a PMID or DOI from the cache or, if allowed, PubMed/Crossref.

    Raise IdentifierNotFound with a message for the author when neither can
    answer. ``network=False`` reads the cache only (for callers holding a lock).
    """
    value = normalise_pmid(value) if scheme == "pmid" else normalise_doi(value)
    label = "PMID" if scheme == "pmid" else "DOI"
    if not value:
        raise MalformedIdentifier(gettext("That is not a valid %(label)s.") % {"label": label})
    cached = _cached(scheme, value)
    if cached is not None:
        return cached
    if not network:
        raise IdentifierNotFound(
            gettext("%(label)s %(value)s is not in the local reference cache; save again to look it up.")
            % {"label": label, "value": value}
        )
    if not settings.IDENTIFIER_LOOKUP_NETWORK:
        raise IdentifierNotFound(
            gettext(
                "%(label)s %(value)s is not in the local reference cache and this server does "
                "not look identifiers up online. Add the reference by hand (title, authors, "
                "source, year), or ask an administrator to turn on IDENTIFIER_LOOKUP_NETWORK."
            )
            % {"label": label, "value": value}
        )
    service = "PubMed" if scheme == "pmid" else "Crossref"
    try:
        fields = _from_pubmed(value) if scheme == "pmid" else _from_crossref(value)
    except IdentifierNotFound:
        raise
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise IdentifierNotFound(
                gettext("%(service)s does not know %(label)s %(value)s. Check it and try again.")
                % {"service": service, "label": label, "value": value}
            ) from exc
        raise IdentifierNotFound(
            gettext(
                "%(service)s answered with an error (%(code)s) for %(label)s %(value)s. Try "
                "again later, or add the reference by hand."
            )
            % {"service": service, "code": exc.code, "label": label, "value": value}
        ) from exc
    except (OSError, ValueError) as exc:  # unreachable, timed out, or not JSON
        raise IdentifierNotFound(
            gettext(
                "%(service)s could not be reached to look up %(label)s %(value)s (%(error)s). "
                "Try again later, or add the reference by hand."
            )
            % {"service": service, "label": label, "value": value, "error": exc.__class__.__name__}
        ) from exc
    _store(scheme, value, fields)
    if scheme == "pmid" and fields.doi:
        _store("doi", fields.doi, fields)
    return fields


def suggest_key(fields: IdentifierFields, taken: set[str]) -> str:
    """Return a citation key like "kotton2018" for looked-up fields, unique among `taken`."""
    first_author = re.sub(r"[^a-z]", "", (fields.authors.split(",")[0].split(" ")[0] if fields.authors else "").lower())
    base = f"{first_author or 'ref'}{fields.year or ''}"
    key, letter = base, ord("a")
    while key in taken:
        key = f"{base}{chr(letter)}"
        letter += 1
    return key
