"""Each article dose statement checked against the drug label's (issue 24 item 3). Pure: no Django.

`check_statement(statement, label, cited=..., approved_version=...)` returns
a `DoseCheck` with one code:

- ``match``: the label has a statement of this drug, for this population,
  whose amount (or range) holds the article's and whose frequency is the
  same (or not stated on either side);
- ``outside_range``: the label doses this drug in the same unit, but no
  amount there holds the article's;
- ``different_unit``: the label never states this drug's dose in the
  article's unit kind (mass, units, mL; per kg; per m²). Mass units convert
  (1 g is 1000 mg is 1,000,000 mcg), so "0.9 g" matches "900 mg";
- ``different_frequency``: an amount matches, but not at the article's
  doses per day;
- ``not_in_label``: no label is known for the drug, the label has no dose of
  it, or none for the population the article names. Off-label use is
  allowed when it is marked (``{dose …}``) and cited; `blocking` says so.
  With no label imported for the drug (`label_known` False) nothing blocks;
- ``label_newer_than_approval``: the statement matches the current label,
  whose version is newer than the one the article was approved against.

Population: an article statement naming a population (children, a clearance
band) is compared with the label statements sharing a population code. One
naming none is compared with the label's general statements (no population,
or adults) first; if none of those holds it, a population-specific statement
that does is reported as a match naming that population, so that a renal
table written without repeating "CrCl" on every line is not called wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .label import LabelStatement
from .parser import DoseStatement

__all__ = [
    "BLOCKING",
    "CODES",
    "DoseCheck",
    "LabelDoses",
    "check_statement",
    "check_statements",
]

MATCH = "match"
OUTSIDE_RANGE = "outside_range"
DIFFERENT_UNIT = "different_unit"
DIFFERENT_FREQUENCY = "different_frequency"
NOT_IN_LABEL = "not_in_label"
LABEL_NEWER = "label_newer_than_approval"
CODES = (MATCH, OUTSIDE_RANGE, DIFFERENT_UNIT, DIFFERENT_FREQUENCY, NOT_IN_LABEL, LABEL_NEWER)
# A reviewer must record a reason before the board can approve text with one of these.
BLOCKING = frozenset({OUTSIDE_RANGE, DIFFERENT_UNIT, DIFFERENT_FREQUENCY, NOT_IN_LABEL})
_TO_MG = {"mg": Decimal(1), "g": Decimal(1000), "mcg": Decimal("0.001")}
_GENERAL = {"adult"}
_FREQUENCY_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class LabelDoses:
    """The statements of one label version, with the names of the drugs it declares (lower case)."""

    set_id: str
    version: int
    drugs: tuple[str, ...]
    statements: tuple[LabelStatement, ...]

    def of(self, drug: str) -> list[LabelStatement]:
        """The statements about `drug`; "valganciclovir" also finds "valganciclovir hydrochloride"."""
        wanted = drug.lower()
        return [
            item
            for item in self.statements
            if item.statement.drug.lower() == wanted or item.statement.drug.lower().startswith(wanted + " ")
        ]


@dataclass(frozen=True)
class DoseCheck:
    """The result for one article statement: its code, the label statement it was held against, a note."""

    code: str
    statement: DoseStatement
    label_statement: LabelStatement | None = None
    set_id: str = ""
    version: int | None = None
    note: str = ""
    marked_and_cited: bool = False
    label_known: bool = True

    @property
    def blocking(self) -> bool:
        """True when approval needs a reviewer's recorded reason.

        Off-label use that is marked and cited does not block, and neither does
        a drug with no imported label: there is nothing to check it against.
        """
        if self.code == NOT_IN_LABEL:
            return self.label_known and not self.marked_and_cited
        return self.code in BLOCKING


def _kind(statement: DoseStatement) -> tuple[str, bool, bool]:
    base = statement.base_unit
    return ("mass" if base in _TO_MG else base, statement.per_weight, statement.per_area)


def _range(statement: DoseStatement, daily: bool) -> tuple[Decimal, Decimal] | None:
    """The amount range in mg (or units, mL), per dose or per day; None when it cannot be put that way."""
    low, high = statement.amount_range
    factor = _TO_MG.get(statement.base_unit, Decimal(1))
    low, high = low * factor, high * factor
    if daily == statement.daily_total:
        return low, high
    if daily and statement.per_day is not None:  # per dose -> per day
        return low * statement.per_day, high * statement.per_day
    if not daily and statement.per_day:  # per day -> per dose
        return low / statement.per_day, high / statement.per_day
    return None


def _holds(label: DoseStatement, article: DoseStatement) -> bool:
    daily = article.daily_total
    outer, inner = _range(label, daily), _range(article, daily)
    if outer is None or inner is None:
        return False
    if article.maximum and not label.maximum:
        return outer[0] <= inner[1] <= outer[1]
    if label.maximum and not article.maximum:
        return inner[1] <= outer[1]
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _same_frequency(label: DoseStatement, article: DoseStatement) -> bool:
    if article.per_day is None or label.per_day is None or article.daily_total or label.daily_total:
        return True
    return abs(label.per_day - article.per_day) <= _FREQUENCY_TOLERANCE


def _population_groups(article: DoseStatement, items: list[LabelStatement]) -> list[list[LabelStatement]]:
    """The label statements to try, in order: for a stated population those sharing it; else general, then all."""
    if article.population:
        wanted = set(article.population) - _GENERAL
        if not wanted:
            return [[i for i in items if set(i.statement.population) <= _GENERAL], items]
        return [[i for i in items if wanted & set(i.statement.population)]]
    general = [i for i in items if set(i.statement.population) <= _GENERAL]
    return [general, items] if general else [items]


def _describe(item: LabelStatement) -> str:
    s = item.statement
    amount = format(s.amount_low.normalize(), "f")
    if s.amount_high is not None:
        amount += "–" + format(s.amount_high.normalize(), "f")
    where = f" ({', '.join(s.population)})" if s.population else ""
    return f"{amount} {s.unit}{where}: “{item.text}”"


def check_statement(
    statement: DoseStatement,
    label: LabelDoses | None,
    *,
    cited: bool = False,
    approved_version: int | None = None,
) -> DoseCheck:
    """Return the check of one article statement against the drug's label (None: no label known)."""
    marked = statement.explicit and cited
    items = label.of(statement.drug) if label is not None else []
    ident = {"set_id": label.set_id, "version": label.version} if label is not None else {}
    if label is None:
        return DoseCheck(NOT_IN_LABEL, statement, note="no label imported", marked_and_cited=marked, label_known=False)
    if not items:
        return DoseCheck(NOT_IN_LABEL, statement, note="no label dose for this drug", marked_and_cited=marked, **ident)
    groups = [group for group in _population_groups(statement, items) if group]
    if not groups:
        note = f"the label has no dose for {', '.join(statement.population)}"
        return DoseCheck(NOT_IN_LABEL, statement, note=note, marked_and_cited=marked, **ident)
    kind = _kind(statement)
    same_unit = [[i for i in group if _kind(i.statement) == kind] for group in groups]
    if not any(same_unit):
        units = sorted({i.statement.unit for group in groups for i in group})
        return DoseCheck(DIFFERENT_UNIT, statement, groups[0][0], note=f"label units: {', '.join(units)}", **ident)
    closest: LabelStatement | None = None
    for group in same_unit:
        held = [i for i in group if _holds(i.statement, statement)]
        timed = [i for i in held if _same_frequency(i.statement, statement)]
        if timed:
            found = timed[0]
            note = (
                "" if group is same_unit[0] else f"matches the label's dose for {', '.join(found.statement.population)}"
            )
            newer = approved_version is not None and label.version > approved_version
            return DoseCheck(LABEL_NEWER if newer else MATCH, statement, found, note=note, **ident)
        if held and closest is None:
            closest = held[0]
    if closest is not None:
        return DoseCheck(DIFFERENT_FREQUENCY, statement, closest, note=_describe(closest), **ident)
    nearest = next(i for group in same_unit for i in group)
    return DoseCheck(OUTSIDE_RANGE, statement, nearest, note=_describe(nearest), **ident)


def check_statements(
    statements: Iterable[DoseStatement],
    labels: dict[str, LabelDoses],
    *,
    cited_drugs: Iterable[str] = (),
    approved_versions: dict[str, int] | None = None,
) -> tuple[DoseCheck, ...]:
    """Return the check of each statement; `labels` and `approved_versions` are keyed by lower-case drug name.

    `cited_drugs` names the drugs whose statements cite a source, which an
    off-label (marked) statement needs.
    """
    cited = {drug.lower() for drug in cited_drugs}
    approved = approved_versions or {}
    return tuple(
        check_statement(
            statement,
            labels.get(statement.drug.lower()),
            cited=statement.drug.lower() in cited,
            approved_version=approved.get(statement.drug.lower()),
        )
        for statement in statements
    )
