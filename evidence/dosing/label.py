"""Dose statements from a drug label's SPL XML (issue 24 item 2).

`parse_label(xml)` reads one Structured Product Labeling document (the XML
file inside a DailyMed SPL zip) and returns a `LabelDosing`: the label's Set
ID, version number, effective date and title, the drug names it declares,
and the dose statements of its "Dosage and administration" section (LOINC
34068-7), each with the section headings it sits under.

How the section is read:

- The section and its subsections (``component/section``) are walked in
  document order. Each subsection's ``title`` is a heading, and the headings
  above a statement give its context: the `indication` is the nearest heading
  that is not about a population or dose adjustment ("Treatment of CMV
  Retinitis"), and population words in any heading ("Pediatric Patients",
  "Renal Impairment") are added to the statement's population.
- Inside ``text``, each paragraph, list item and table row is one piece of
  text, read by `evidence.dosing.parser.parse_doses` with the label's drug
  names (generic and proprietary); a row's cells are joined with ", " so that
  a renal table row ("40 to 59 mL/min | 450 mg twice daily") reads as one
  statement.

Parsing uses defusedxml, so entity expansion, external entities and DTDs are
refused (`LabelError`) rather than followed. Only the namespace
``urn:hl7-org:v3`` is read; no network access, no Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext

from .parser import DoseStatement, parse_doses
from .words import POPULATIONS

__all__ = ["DOSAGE_SECTION_CODE", "LabelDosing", "LabelError", "LabelStatement", "parse_label"]

DOSAGE_SECTION_CODE = "34068-7"
LOINC = "2.16.840.1.113883.6.1"
_NS = "{urn:hl7-org:v3}"
MAX_LABEL_BYTES = 20_000_000  # real labels are well under 2 MB
# Heading words that say who a dose is for or how it is adjusted, not what it treats.
_NOT_INDICATION = (
    "pediatric",
    "paediatric",
    "adult",
    "renal",
    "hepatic",
    "impairment",
    "dialysis",
    "elderly",
    "geriatric",
    "administration",
    "recommended dosage",
    "dosage",
    "dosing",
    "important",
    "general",
)
_HEADING_POPULATIONS = [(" ".join(words), code) for words, code in POPULATIONS] + [
    ("pediatric", "child"),
    ("geriatric", "elderly"),
]


class LabelError(ValueError):
    """The file is not an SPL document this reader can use (or is unsafe XML)."""


@dataclass(frozen=True)
class LabelStatement:
    """One dose statement of the label with the headings it sits under."""

    statement: DoseStatement
    indication: str  # the nearest heading that names what the dose is for; "" when none
    headings: tuple[str, ...]
    text: str  # the paragraph, list item or table row it was read from

    def as_dict(self) -> dict:
        return {
            "statement": self.statement.as_dict(),
            "indication": self.indication,
            "headings": list(self.headings),
            "text": self.text,
        }


@dataclass(frozen=True)
class LabelDosing:
    set_id: str
    version: int
    effective_date: dt.date | None
    title: str
    drugs: tuple[str, ...]
    statements: tuple[LabelStatement, ...] = field(default=())
    has_dosage_section: bool = True


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[len(_NS) :] if tag.startswith(_NS) else tag


def _children(element, name: str):
    return [child for child in element if _tag(child) == name]


def _child(element, name: str):
    return next(iter(_children(element, name)), None)


def _drug_names(root) -> tuple[str, ...]:
    names: dict[str, None] = {}
    for element in root.iter():
        tag = _tag(element)
        if tag == "manufacturedProduct":
            for name in _children(element, "name"):
                if _text(name):
                    names[_text(name)] = None
        elif tag == "genericMedicine":
            name = _child(element, "name")
            if name is not None and _text(name):
                names[_text(name)] = None
    # "Valganciclovir hydrochloride" should also match "valganciclovir" in the text.
    out: dict[str, None] = {}
    for name in names:
        lowered = name.lower()
        out[lowered] = None
        first = lowered.split()[0] if lowered.split() else ""
        if first and first != lowered:
            out[first] = None
    return tuple(out)


def _pieces(text_element):
    """Each paragraph, list item and table row of a section's text, in order."""
    stack = [text_element]
    ordered = []
    while stack:
        element = stack.pop()
        tag = _tag(element)
        if tag in {"paragraph", "item"}:
            nested = [c for c in element.iter() if c is not element and _tag(c) in {"list", "table"}]
            if not nested:
                ordered.append(_text(element))
                continue
        if tag == "tr":
            cells = [_text(cell) for cell in element if _tag(cell) in {"td", "th"}]
            ordered.append(", ".join(cell for cell in cells if cell))
            continue
        stack.extend(reversed(list(element)))
    return [piece for piece in ordered if piece]


def _heading_population(headings: tuple[str, ...]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for heading in headings:
        lowered = heading.lower()
        for words, code in _HEADING_POPULATIONS:
            if words in lowered:
                found[code] = None
    return tuple(found)


def _indication(headings: tuple[str, ...]) -> str:
    for heading in reversed(headings):
        lowered = heading.lower()
        if not any(word in lowered for word in _NOT_INDICATION):
            return heading
    return ""


def _is_dosage_section(section) -> bool:
    code = _child(section, "code")
    return code is not None and code.get("code") == DOSAGE_SECTION_CODE


def _walk(section, headings: tuple[str, ...], drugs: tuple[str, ...], out: list[LabelStatement]) -> None:
    title = _text(_child(section, "title"))
    if title:
        headings = (*headings, title)
    text = _child(section, "text")
    if text is not None:
        population = _heading_population(headings)
        indication = _indication(headings)
        for piece in _pieces(text):
            for statement in parse_doses(piece, drugs).statements:
                extra = tuple(code for code in population if code not in statement.population)
                if extra:
                    statement = _with_population(statement, statement.population + extra)
                out.append(LabelStatement(statement, indication, headings, piece))
    for component in _children(section, "component"):
        for child in _children(component, "section"):
            _walk(child, headings, drugs, out)


def _with_population(statement: DoseStatement, population: tuple[str, ...]) -> DoseStatement:
    values = {name: getattr(statement, name) for name in statement.__dataclass_fields__}
    values["population"] = population
    return DoseStatement(**values)


def _date(value: str | None) -> dt.date | None:
    value = (value or "")[:8]
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date() if len(value) == 8 else None
    except ValueError:
        return None


def parse_label(xml: bytes) -> LabelDosing:
    """Return the label's identity and the dose statements of its Dosage and Administration section.

    Raise LabelError for unsafe or unreadable XML, a document that is not SPL,
    or one without a Set ID or version number.
    """
    if len(xml) > MAX_LABEL_BYTES:
        raise LabelError(
            gettext("The file is %(size)s bytes; an SPL label is at most %(limit)s.")
            % {"size": f"{len(xml):,}", "limit": f"{MAX_LABEL_BYTES:,}"}
        )
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise LabelError(
            gettext("The XML uses a feature refused for safety (%(feature)s).") % {"feature": type(exc).__name__}
        ) from exc
    except SafeElementTree.ParseError as exc:
        raise LabelError(gettext("The file is not well-formed XML: %(problem)s.") % {"problem": exc}) from exc
    if root.tag != f"{_NS}document":
        raise LabelError(gettext("This is not an SPL document (the root element is not urn:hl7-org:v3 document)."))
    set_id_element = _child(root, "setId")
    version_element = _child(root, "versionNumber")
    set_id = (set_id_element.get("root", "") if set_id_element is not None else "").strip().lower()
    version_text = (version_element.get("value", "") if version_element is not None else "").strip()
    if len(set_id) != 36 or set_id.count("-") != 4:
        raise LabelError(
            gettext("The document's setId “%(set_id)s” is not an SPL Set ID (a UUID).") % {"set_id": set_id}
        )
    if not version_text.isdigit():
        raise LabelError(
            gettext("The document's versionNumber “%(version)s” is not a whole number.") % {"version": version_text}
        )
    effective = _child(root, "effectiveTime")
    drugs = _drug_names(root)
    statements: list[LabelStatement] = []
    found = False
    for section in root.iter(f"{_NS}section"):
        if _is_dosage_section(section):
            found = True
            _walk(section, (), drugs, statements)
            break
    return LabelDosing(
        set_id=set_id,
        version=int(version_text),
        effective_date=_date(effective.get("value") if effective is not None else None),
        title=_text(_child(root, "title"))[:1000],
        drugs=drugs,
        statements=tuple(statements),
        has_dosage_section=found,
    )
