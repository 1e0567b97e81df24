"""Dose statements recognised in article text (issue 24 item 1).

`parse_doses(text, drugs)` reads Markdown source (or plain text) and returns a
`ParseResult`: the `DoseStatement`s it recognised, in text order, and a
`DoseWarning` for every number with a unit-like word next to a drug that it
could not read, so that nothing which looks like a dose is silently dropped.

How it reads, in one pass and in linear time:

1. One simple regular expression splits the text into tokens (runs of digits,
   runs of letters, single other characters). No pattern with nested
   quantifiers ever runs over user text; everything after this is a walk over
   the token list with look-aheads of a bounded number of tokens.
2. Tokens are grouped into sentences (".", ";", "!", "?", line breaks) and
   paragraphs (blank lines).
3. In each sentence, an amount is a number (or range) followed by a unit:
   mg, g, mcg (µg, ug, microgram), units (IU), mL, optionally per kg or per m2
   and optionally per day (a daily total). The attributes that follow it, up
   to the next amount, "then" or the end of the sentence, are read into route,
   frequency, duration and population; "up to", "maximum" and the like before
   it mark a maximum; "loading dose", "induction" and "maintenance" name the
   phase, and "then" or "followed by" links a statement to the one before.
4. The drug is the nearest drug name from `drugs` before the amount in the
   sentence, else the one named right after it ("900 mg of valganciclovir"),
   else the last drug named earlier in the paragraph. An amount with no drug
   in reach is not a dose statement of this article and is not reported.

Authors force a statement with the marker
``{dose drug=ganciclovir}5 mg/kg IV every 12 hours{/dose}``: the text between
the tags is read as one statement of the named drug (quotes allow spaces:
``drug="insulin glargine"``), even if the drug is not in the list. The whole
statement must be inside the marker. A marker that is unclosed, names no drug
or holds no readable amount is a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# The only expression run over user text: one token at a time, each
# alternative a single character class with one quantifier.
_TOKEN = re.compile(r"\d+|[^\W\d_]+|\n|[^\w\s]|_")

MARKER_OPEN = "{dose"
MARKER_CLOSE = "{/dose}"
MARKER_MAX_TAG = 200  # characters from "{dose" to its "}"
MARKER_MAX_BODY = 500  # characters between the tags

MASS_UNITS = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
}
OTHER_UNITS = {
    "units": "units",
    "unit": "units",
    "iu": "units",
    "u": "units",
    "ml": "mL",
    "milliliter": "mL",
    "milliliters": "mL",
    "millilitre": "mL",
    "millilitres": "mL",
}
UNITS = {**MASS_UNITS, **OTHER_UNITS}
# Words right after a number that are plainly not a dose: no statement, no warning.
NOT_UNITS = {
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
    "h",
    "hr",
    "hrs",
    "minute",
    "minutes",
    "min",
    "mins",
    "times",
    "time",
    "x",
    "patients",
    "patient",
    "people",
    "trials",
    "trial",
    "studies",
    "study",
    "kg",
    "cm",
    "mm",
    "mmhg",
    "copies",
    "cells",
    "percent",
    "doses",
    "dose",
    "and",
    "or",
    "to",
    "of",
    "in",
    "per",
    "divided",
    "decades",
    "am",
    "pm",
    "st",
    "nd",
    "rd",
    "th",
    "hourly",
    "daily",
    "weekly",
    "l",
    "dl",
    "kilograms",
    "kilogram",
    "lb",
    "lbs",
    "pounds",
    "ng",
    "log",
    "cases",
    "subjects",
    "adults",
    "children",
    "infants",
    "visits",
    "mmol",
}
# Words after a number next to a drug that look like a dose we cannot read: a warning.
SUSPECT_UNITS = {
    "tablet",
    "tablets",
    "tab",
    "tabs",
    "capsule",
    "capsules",
    "cap",
    "caps",
    "puff",
    "puffs",
    "drop",
    "drops",
    "meq",
    "mgs",
    "mgm",
    "mcgs",
    "ugs",
    "mls",
    "cc",
    "gtt",
    "gtts",
    "sachet",
    "sachets",
    "vial",
    "vials",
    "ampoule",
    "ampoules",
    "spoon",
    "spoonful",
    "teaspoon",
    "teaspoons",
    "tsp",
    "tbsp",
    "grain",
    "grains",
    "mu",
    "miu",
    "mk",
    "mq",
    "gr",
    "kgs",
    "nanograms",
    "pills",
    "pill",
    "injection",
    "injections",
}
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
}
COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
ABBREVIATIONS = {
    "qd": (1, None),
    "od": (1, None),
    "qhs": (1, None),
    "qam": (1, None),
    "qpm": (1, None),
    "hs": (1, None),
    "bid": (2, None),
    "bd": (2, None),
    "tid": (3, None),
    "tds": (3, None),
    "qid": (4, None),
    "qds": (4, None),
    "qod": (None, 48),
    "qwk": (Decimal(1) / 7, None),
}
HOUR_WORDS = {
    "h": 1,
    "hr": 1,
    "hrs": 1,
    "hour": 1,
    "hours": 1,
    "hourly": 1,
    "day": 24,
    "days": 24,
    "week": 168,
    "weeks": 168,
}
DAY_WORDS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30}
ROUTES = {
    "orally": "oral",
    "oral": "oral",
    "po": "oral",
    "intravenously": "iv",
    "intravenous": "iv",
    "iv": "iv",
    "intramuscularly": "im",
    "intramuscular": "im",
    "im": "im",
    "subcutaneously": "sc",
    "subcutaneous": "sc",
    "sc": "sc",
    "sq": "sc",
    "subcut": "sc",
    "intravitreally": "intravitreal",
    "intravitreal": "intravitreal",
    "topically": "topical",
    "topical": "topical",
    "inhaled": "inhaled",
    "inhalation": "inhaled",
    "rectally": "rectal",
    "rectal": "rectal",
    "sublingually": "sublingual",
    "sublingual": "sublingual",
    "nebulised": "inhaled",
    "nebulized": "inhaled",
}
# Short route abbreviations count only as written in capitals (or dotted): "IM", not "im".
CAPITAL_ONLY_ROUTES = {"im", "sc", "sq", "po", "iv"}
POPULATIONS = [  # longest phrases first: "older adults" is not "adult"
    (("older", "adults"), "elderly"),
    (("renal", "impairment"), "renal_impairment"),
    (("renal", "insufficiency"), "renal_impairment"),
    (("renal", "failure"), "renal_impairment"),
    (("kidney", "disease"), "renal_impairment"),
    (("hepatic", "impairment"), "hepatic_impairment"),
    (("liver", "disease"), "hepatic_impairment"),
    (("adults",), "adult"),
    (("adult",), "adult"),
    (("children",), "child"),
    (("child",), "child"),
    (("pediatric",), "child"),
    (("paediatric",), "child"),
    (("infants",), "infant"),
    (("infant",), "infant"),
    (("neonates",), "neonate"),
    (("neonate",), "neonate"),
    (("newborns",), "neonate"),
    (("adolescents",), "adolescent"),
    (("adolescent",), "adolescent"),
    (("elderly",), "elderly"),
    (("pregnancy",), "pregnancy"),
    (("pregnant",), "pregnancy"),
    (("hemodialysis",), "dialysis"),
    (("haemodialysis",), "dialysis"),
    (("dialysis",), "dialysis"),
]
# The phrases by their first word, longest first as listed: a position tries only the phrases that can start there.
_POPULATIONS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _code in POPULATIONS:
    _POPULATIONS_BY_FIRST.setdefault(_words[0], []).append((_words, _code))
CLEARANCE_WORDS = {"crcl": "crcl", "clcr": "crcl", "egfr": "egfr"}
COMPARATORS = [
    (("less", "than"), "<"),
    (("fewer", "than"), "<"),
    (("below",), "<"),
    (("under",), "<"),
    (("<",), "<"),
    (("≤",), "<="),
    (("<", "="), "<="),
    (("greater", "than"), ">"),
    (("more", "than"), ">"),
    (("above",), ">"),
    (("over",), ">"),
    ((">",), ">"),
    (("≥",), ">="),
    ((">", "="), ">="),
    (("at", "least"), ">="),
]
MAXIMUM_WORDS = [
    ("up", "to"),
    ("maximum",),
    ("max",),
    ("maximal",),
    ("not", "to", "exceed"),
    ("not", "exceeding"),
    ("no", "more", "than"),
    ("at", "most"),
    ("should", "not", "exceed"),
]
# After "two 200 mg ...": the strength of each unit of the form, not a dose.
STRENGTH_FORMS = {"tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "vial", "vials"}
PHASES = {"loading": "loading", "induction": "induction", "maintenance": "maintenance"}
RANGE_JOINERS = {"-", "–", "—", "to"}


@dataclass(frozen=True)
class DoseStatement:
    """One dose of one drug as the text states it.

    `amount_high` is set for a range ("5 to 10 mg"); `unit` is one of mg, g,
    mcg, units, mL, followed by "/kg" (per_weight) or "/m2" (per_area) when the
    dose is per body weight or surface. `daily_total` means the amount is per
    day ("mg/kg/day", "4 g per day"). Frequency is `per_day` (doses a day;
    three times a week is 3/7) and, when stated as an interval, `interval_hours`.
    `population` holds codes (adult, child, infant, neonate, adolescent, elderly,
    renal_impairment, hepatic_impairment, pregnancy, dialysis, and clearance
    bands such as "crcl<50" or "crcl25-49"). `follows` is the index, in the
    same result, of the statement this one comes after ("then"). `start` and
    `end` are the character span in the source.
    """

    drug: str
    amount_low: Decimal
    unit: str
    start: int
    end: int
    amount_high: Decimal | None = None
    per_weight: bool = False
    per_area: bool = False
    daily_total: bool = False
    route: str | None = None
    per_day: Decimal | None = None
    interval_hours: Decimal | None = None
    duration_days: Decimal | None = None
    duration_days_max: Decimal | None = None
    population: tuple[str, ...] = ()
    maximum: bool = False
    phase: str | None = None
    follows: int | None = None
    explicit: bool = False

    @property
    def base_unit(self) -> str:
        """The unit without its per-weight or per-area part: "mg" for "mg/kg"."""
        return self.unit.split("/")[0]

    @property
    def amount_range(self) -> tuple[Decimal, Decimal]:
        return self.amount_low, self.amount_high if self.amount_high is not None else self.amount_low

    @classmethod
    def from_dict(cls, data: dict) -> DoseStatement:
        """The statement `as_dict` wrote (unknown keys are ignored, so older stored rows still load)."""
        values = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name not in data:
                continue
            value = data[name]
            if value is not None and "Decimal" in str(spec.type):
                value = Decimal(str(value))
            elif name == "population":
                value = tuple(value or ())
            values[name] = value
        return cls(**values)

    def as_dict(self) -> dict:
        """A JSON-ready form (numbers as strings, so nothing is rounded)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = _plain(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class DoseWarning:
    """Something next to a drug that looks like a dose and could not be read.

    Codes: ``unknown_unit`` (a number followed by a unit we do not read, e.g.
    "2 tablets", "5 mgs"), ``unsupported_rate`` (an infusion rate such as
    "mg/h"), ``marker_unclosed``, ``marker_without_drug``, ``marker_without_dose``.
    """

    code: str
    start: int
    end: int
    text: str
    drug: str | None = None


@dataclass(frozen=True)
class ParseResult:
    statements: tuple[DoseStatement, ...] = ()
    warnings: tuple[DoseWarning, ...] = ()


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass
class _Tok:
    kind: str  # num, word, punct, nl
    text: str
    low: str
    start: int
    end: int
    value: Decimal | None = None
    dotted: bool = False


def _tokens(text: str, offset: int = 0) -> list[_Tok]:
    raw = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        kind = "num" if piece.isdigit() else "nl" if piece == "\n" else "word" if piece.isalpha() else "punct"
        raw.append(_Tok(kind, piece, piece.lower(), match.start() + offset, match.end() + offset))
    out: list[_Tok] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok.kind == "num":
            digits = tok.text
            end = tok.end
            j = i + 1
            # thousands: 1,000 / 1,500,000
            while (
                j + 1 < len(raw)
                and raw[j].text == ","
                and raw[j].start == end
                and raw[j + 1].kind == "num"
                and raw[j + 1].start == raw[j].end
                and len(raw[j + 1].text) == 3
            ):
                digits += raw[j + 1].text
                end = raw[j + 1].end
                j += 2
            if (
                j + 1 < len(raw)
                and raw[j].text == "."
                and raw[j].start == end
                and raw[j + 1].kind == "num"
                and raw[j + 1].start == raw[j].end
            ):
                digits += "." + raw[j + 1].text
                end = raw[j + 1].end
                j += 2
            out.append(_Tok("num", text[tok.start - offset : end - offset], digits, tok.start, end, Decimal(digits)))
            i = j
            continue
        if (
            tok.kind == "word"
            and len(tok.text) == 1
            and i + 2 < len(raw)
            and raw[i + 1].text == "."
            and raw[i + 1].start == tok.end
            and raw[i + 2].kind == "word"
            and len(raw[i + 2].text) == 1
            and raw[i + 2].start == raw[i + 1].end
        ):
            # dotted abbreviations: b.i.d., p.o., i.v., e.g.
            letters = ""
            j = i
            end = tok.end
            while j < len(raw) and raw[j].kind == "word" and len(raw[j].text) == 1 and (j == i or raw[j].start == end):
                letters += raw[j].text
                end = raw[j].end
                if j + 1 < len(raw) and raw[j + 1].text == "." and raw[j + 1].start == end:
                    end = raw[j + 1].end
                    j += 2
                else:
                    j += 1
                    break
            word = letters.lower()
            out.append(_Tok("word", text[tok.start - offset : end - offset], word, tok.start, end, dotted=True))
            i = j
            continue
        out.append(tok)
        i += 1
    return out


def _is_route(tok: _Tok) -> str | None:
    route = ROUTES.get(tok.low)
    if route and tok.low in CAPITAL_ONLY_ROUTES and not (tok.dotted or tok.text.isupper()):
        return None
    return route


def _match_words(toks: list[_Tok], i: int, end: int, words: tuple[str, ...]) -> bool:
    if i + len(words) > end:
        return False
    return all(toks[i + k].low == w for k, w in enumerate(words))


def _number(toks: list[_Tok], i: int, end: int) -> Decimal | None:
    if i >= end:
        return None
    tok = toks[i]
    if tok.kind == "num":
        return tok.value
    if tok.low in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[tok.low])
    return None


class _Sentence:
    """The tokens of one sentence, read for amounts and their attributes."""

    def __init__(self, toks: list[_Tok], start: int, end: int, drugs: list[tuple[tuple[str, ...], str]]):
        self.toks, self.start, self.end, self.drugs = toks, start, end, drugs
        self.drug_at: dict[int, str] = {}
        self.population_at: dict[int, tuple[int, str]] = {}  # index -> (end index, code)
        self.amounts: list[dict] = []
        self.suspects: list[tuple[int, int, str]] = []  # (start index, end index, code)
        self._scan()

    def _drug(self, i: int) -> tuple[int, str] | None:
        for words, name in self.drugs:
            if _match_words(self.toks, i, self.end, words):
                return i + len(words), name
        return None

    def _clearance(self, i: int) -> tuple[int, str] | None:
        toks, end = self.toks, self.end
        j = i
        if toks[j].low in CLEARANCE_WORDS:
            kind = CLEARANCE_WORDS[toks[j].low]
            j += 1
        elif _match_words(toks, j, end, ("creatinine", "clearance")):
            kind = "crcl"
            j += 2
        else:
            return None
        if j < end and toks[j].low in {"of", "is", ":", "("}:
            j += 1
        op = ""
        for words, symbol in COMPARATORS:
            if _match_words(toks, j, end, words):
                op = symbol
                j += len(words)
                break
        if j < end and toks[j].low == "or" and _match_words(toks, j + 1, end, ("equal", "to")):
            op += "="
            j += 3
        low = _number(toks, j, end)
        if low is None or toks[j].kind != "num":
            return None
        j += 1
        code = f"{kind}{op}{_plain(low)}"
        if j + 1 < end and toks[j].low in RANGE_JOINERS and toks[j + 1].kind == "num":
            code = f"{kind}{_plain(low)}-{_plain(toks[j + 1].value)}"
            j += 2
        # the unit: mL/min (optionally /1.73 m2)
        if _match_words(toks, j, end, ("ml", "/", "min")):
            j += 3
            if j + 2 < end and toks[j].low == "/" and toks[j + 1].kind == "num":
                j += 2
                if j < end and toks[j].low in {"m2", "m²", "m"}:
                    j += 1
                    if j < end and toks[j].low == "2" and toks[j].kind == "num":
                        j += 1
        return j, code

    def _unit(self, i: int) -> tuple[int, str, bool, bool, bool] | None:
        """The unit starting at token i: (end index, unit, per_weight, per_area, daily_total)."""
        toks, end = self.toks, self.end
        if i >= end:
            return None
        base = UNITS.get(toks[i].low)
        if base is None and _match_words(toks, i, end, ("international", "units")):
            base, i = "units", i + 1
        if base is None or (toks[i].low == "u" and toks[i].text != "U"):
            return None
        j = i + 1
        per_weight = per_area = daily = False
        for _ in range(2):
            sep = j < end and (toks[j].low == "/" or toks[j].low == "per")
            if not sep or j + 1 >= end:
                break
            nxt = toks[j + 1].low
            if nxt in {"kg", "kilogram"} and not per_weight and not per_area:
                per_weight, j = True, j + 2
            elif nxt in {"m2", "m²"} and not per_weight and not per_area:
                per_area, j = True, j + 2
            elif nxt == "m" and j + 2 < end and toks[j + 2].low == "2" and not per_area:
                per_area, j = True, j + 3
            elif nxt in {"day", "d", "24h"} and not daily:
                daily, j = True, j + 2
            elif nxt == "24" and j + 2 < end and toks[j + 2].low in {"h", "hours", "hr"} and not daily:
                daily, j = True, j + 3
            elif nxt == "dose":
                j += 2
            else:
                break
        if _match_words(toks, j, end, ("of", "body", "weight")):
            j += 3
        unit = base + ("/kg" if per_weight else "/m2" if per_area else "")
        return j, unit, per_weight, per_area, daily

    def _rate_after(self, j: int) -> bool:
        toks, end = self.toks, self.end
        return j + 1 < end and toks[j].low in {"/", "per"} and toks[j + 1].low in {"h", "hr", "hour", "min", "minute"}

    def _concentration_after(self, j: int) -> bool:
        toks, end = self.toks, self.end
        return j + 1 < end and toks[j].low in {"/", "per"} and toks[j + 1].low in {"ml", "l", "dl"}

    def _strength(self, i: int, j: int) -> bool:
        toks, end = self.toks, self.end
        counted = i > self.start and _number(toks, i - 1, end) is not None
        return counted and j < end and toks[j].low in STRENGTH_FORMS

    def _amount(self, i: int) -> dict | None:
        toks, end = self.toks, self.end
        low = toks[i].value
        j = i + 1
        high = None
        if j + 1 < end and toks[j].low in RANGE_JOINERS | {"and"} and toks[j + 1].kind == "num":
            if toks[j].low != "and" or (i > self.start and toks[i - 1].low == "between"):
                high, j = toks[j + 1].value, j + 2
        unit = self._unit(j)
        if unit is None:
            return None
        j, name, per_weight, per_area, daily = unit
        if high is None and j + 1 < end and toks[j].low in RANGE_JOINERS and toks[j + 1].kind == "num":
            second = self._unit(j + 2)
            if second is not None and second[1] == name:
                high = toks[j + 1].value
                j, daily = second[0], daily or second[4]
        if high is not None and high < low:
            return None
        return {
            "i": i,
            "j": j,
            "low": low,
            "high": high,
            "unit": name,
            "per_weight": per_weight,
            "per_area": per_area,
            "daily": daily,
        }

    def _scan(self) -> None:
        toks, i = self.toks, self.start
        while i < self.end:
            found = self._drug(i)
            if found:
                self.drug_at[i] = found[1]
                i = found[0]
                continue
            clearance = self._clearance(i)
            if clearance:
                self.population_at[i] = (clearance[0], clearance[1])
                i = clearance[0]
                continue
            tok = toks[i]
            if tok.kind == "num":
                amount = self._amount(i)
                if amount is not None:
                    if self._concentration_after(amount["j"]) or self._strength(i, amount["j"]):
                        # "137 IU/mL", "15 mcg/mL", "two 200 mg tablets": a level or a tablet's strength, not a dose
                        i = amount["j"] + 1
                        continue
                    if self._rate_after(amount["j"]):
                        if amount["unit"] != "mL":
                            self.suspects.append((i, amount["j"] + 2, "unsupported_rate"))
                        i = amount["j"] + 2
                        continue
                    self.amounts.append(amount)
                    i = amount["j"]
                    continue
                nxt = toks[i + 1] if i + 1 < self.end else None
                # A number inside a code ("M460V", "UL97") is no dose: glued to a letter before it.
                coded = i > self.start and toks[i - 1].kind == "word" and toks[i - 1].end == tok.start
                if coded:
                    i += 1
                    continue
                if nxt is not None and nxt.kind == "word" and nxt.low not in NOT_UNITS and nxt.low not in UNITS:
                    glued = nxt.start == tok.end
                    if nxt.low in SUSPECT_UNITS or (glued and nxt.low not in NUMBER_WORDS and len(nxt.low) <= 5):
                        self.suspects.append((i, i + 2, "unknown_unit"))
                        i += 2
                        continue
                if (
                    nxt is not None
                    and nxt.low in UNITS
                    and i + 3 < self.end
                    and toks[i + 2].low == "/"
                    and toks[i + 3].kind == "word"
                ):
                    self.suspects.append((i, i + 4, "unknown_unit"))
                    i += 4
                    continue
            i += 1


class _Reader:
    def __init__(self, text: str, drugs: list[str], offset: int = 0):
        self.text = text
        self.offset = offset
        names = []
        for drug in drugs:
            words = tuple(t.low for t in _tokens(drug.strip()) if t.kind != "nl")
            if words:
                names.append((words, drug.strip()))
        names.sort(key=lambda item: -len(item[0]))
        self.drugs = names
        self.toks = _tokens(text, offset)
        self.statements: list[dict] = []
        self.warnings: list[DoseWarning] = []

    def _sentences(self):
        """(start, end, new paragraph) index ranges of the sentences."""
        toks = self.toks
        start = 0
        new_paragraph = True
        i = 0
        while i < len(toks):
            tok = toks[i]
            boundary = tok.text in {".", ";", "!", "?"} or tok.kind == "nl"
            if (
                tok.text == "."
                and i > 0
                and toks[i - 1].kind == "word"
                and toks[i - 1].low in {"e", "eg", "ie", "vs", "approx", "dr"}
            ):
                boundary = False
            if boundary:
                if i > start:
                    yield start, i, new_paragraph
                    new_paragraph = False
                if tok.kind == "nl" and i + 1 < len(toks) and toks[i + 1].kind == "nl":
                    new_paragraph = True
                start = i + 1
            i += 1
        if start < len(toks):
            yield start, len(toks), new_paragraph

    def read(self, forced_drug: str | None = None) -> None:
        context_drug = None
        for start, end, new_paragraph in self._sentences():
            if new_paragraph:
                context_drug = None
            sentence = _Sentence(self.toks, start, end, self.drugs)
            self._read_sentence(sentence, forced_drug or context_drug, forced_drug is not None)
            if sentence.drug_at:
                context_drug = sentence.drug_at[max(sentence.drug_at)]

    def _drug_for(self, sentence: _Sentence, amount: dict, context: str | None, forced: bool) -> str | None:
        if forced:
            return context
        j = amount["j"]
        if j + 1 < sentence.end and sentence.toks[j].low == "of" and j + 1 in sentence.drug_at:
            return sentence.drug_at[j + 1]
        before = [k for k in sentence.drug_at if k < amount["i"]]
        if before:
            return sentence.drug_at[max(before)]
        after = [k for k in sentence.drug_at if k > amount["i"]]
        if after:
            return sentence.drug_at[min(after)]
        return context

    def _read_sentence(self, sentence: _Sentence, context: str | None, forced: bool) -> None:
        toks = self.toks
        amounts = sentence.amounts
        pre_start = sentence.start
        previous: dict | None = None
        for n, amount in enumerate(amounts):
            drug = self._drug_for(sentence, amount, context, forced)
            stop = amounts[n + 1]["i"] if n + 1 < len(amounts) else sentence.end
            window_end = stop
            own = amount["j"] + 1 if toks[amount["j"]].low == "of" else None  # "900 mg of valganciclovir twice daily"
            for k in range(amount["j"], stop):
                if k == own and sentence.drug_at.get(k) == drug:
                    continue
                if k in sentence.drug_at and not forced:  # another drug named: its own statement begins
                    window_end = k - 1 if k - 1 >= amount["j"] and _is_route(toks[k - 1]) else k
                    break
                if toks[k].low == "then" or (toks[k].low == "followed" and k + 1 < stop and toks[k + 1].low == "by"):
                    window_end = k
                    break
            pre = self._attributes(sentence, pre_start, amount["i"], before=True)
            post = self._attributes(sentence, amount["j"], window_end, before=False)
            pre_start = max(post["last"] + 1, amount["j"])
            if drug is None:
                continue
            linked = previous is not None and self._has_link(previous["_window_end"], amount["i"])
            route = post["route"] or pre["route"]
            population = tuple(dict.fromkeys(pre["population"] + post["population"]))
            phase = post["phase"] or pre["phase"]
            if previous is not None and previous["drug"] == drug:
                route = route or previous["route"]
                population = population or previous["population"]
                if linked and phase is None and previous["phase"] in {"loading", "induction"}:
                    phase = "maintenance"
            statement = {
                "drug": drug,
                "amount_low": amount["low"],
                "amount_high": amount["high"],
                "unit": amount["unit"],
                "per_weight": amount["per_weight"],
                "per_area": amount["per_area"],
                "daily_total": amount["daily"] or post["daily"],
                "route": route,
                "per_day": post["per_day"],
                "interval_hours": post["interval"],
                "duration_days": post["duration"],
                "duration_days_max": post["duration_max"],
                "population": population,
                "maximum": pre["maximum"],
                "phase": phase,
                "explicit": forced,
                "start": toks[pre["max_start"] if pre["maximum"] else amount["i"]].start,
                "end": toks[max(post["last"], amount["j"] - 1)].end,
                "_follows": previous if linked and previous["drug"] == drug else None,
                "_window_end": window_end,
            }
            self.statements.append(statement)
            previous = statement
        if context or sentence.drug_at:
            for i, j, code in sentence.suspects:
                drug = context if forced else self._drug_for(sentence, {"i": i, "j": j}, context, False)
                start, end = toks[i].start, toks[j - 1].end
                self.warnings.append(DoseWarning(code, start, end, self._slice(start, end), drug))

    def _slice(self, start: int, end: int) -> str:
        return self.text[start - self.offset : end - self.offset]

    def _has_link(self, start: int, end: int) -> bool:
        toks = self.toks
        return any(
            toks[k].low == "then" or (toks[k].low == "followed" and toks[k + 1].low == "by") for k in range(start, end)
        )

    def _attributes(self, sentence: _Sentence, start: int, end: int, before: bool) -> dict:
        toks = self.toks
        found = {
            "route": None,
            "population": (),
            "phase": None,
            "per_day": None,
            "interval": None,
            "daily": False,
            "duration": None,
            "duration_max": None,
            "maximum": False,
            "max_start": None,
            "last": start - 1,
        }
        population: list[str] = []
        i = start
        while i < end:
            tok = toks[i]
            consumed = i + 1
            matched = True
            if i in sentence.population_at:
                consumed, code = sentence.population_at[i]
                population.append(code)
            elif (route := _is_route(tok)) is not None:
                if found["route"] is None or before:
                    found["route"] = route
            elif _match_words(toks, i, end, ("by", "mouth")) or _match_words(toks, i, end, ("per", "os")):
                found["route"] = "oral"
                consumed = i + 2
            elif tok.low in PHASES:
                found["phase"] = PHASES[tok.low]
            elif (pop := self._population(i, end)) is not None:
                consumed, code = pop
                population.append(code)
            elif before and (maximum := self._maximum(i, end)) is not None:
                if maximum >= end - 3:  # a maximum word only counts right before the amount
                    found["maximum"], found["max_start"] = True, i
                consumed = maximum
            elif not before and (freq := self._frequency(i, end)) is not None:
                consumed, per_day, interval = freq
                if found["per_day"] is None:
                    found["per_day"], found["interval"] = per_day, interval
            elif not before and (duration := self._duration(i, end)) is not None:
                consumed, low, high = duration
                if found["duration"] is None:
                    found["duration"], found["duration_max"] = low, high
            elif not before and self._divided(i, end) is not None:
                consumed, count = self._divided(i, end)
                found["daily"] = True
                if count is not None and found["per_day"] is None:
                    found["per_day"] = count
            elif not before and _match_words(toks, i, end, ("per", "day")):
                found["daily"], consumed = True, i + 2
            else:
                matched = False
            if matched:
                found["last"] = consumed - 1
            i = consumed
        found["population"] = tuple(population)
        return found

    def _population(self, i: int, end: int) -> tuple[int, str] | None:
        if i >= end:
            return None
        for words, code in _POPULATIONS_BY_FIRST.get(self.toks[i].low, ()):
            if _match_words(self.toks, i, end, words):
                return i + len(words), code
        return None

    def _maximum(self, i: int, end: int) -> int | None:
        for words in MAXIMUM_WORDS:
            if _match_words(self.toks, i, end, words):
                j = i + len(words)
                for filler in (("daily", "dose", "of"), ("dose", "of"), ("of",), ("dose",), ("daily", "dose"), (":",)):
                    if _match_words(self.toks, j, end, filler):
                        j += len(filler)
                        break
                return j
        return None

    def _divided(self, i: int, end: int) -> tuple[int, Decimal | None] | None:
        toks = self.toks
        if toks[i].low != "in":
            return None
        j = i + 1
        count = _number(toks, j, end)
        if count is not None:
            j += 1
        if _match_words(toks, j, end, ("divided", "doses")) or _match_words(toks, j, end, ("equally", "divided")):
            return j + 2, count
        return None

    def _frequency(self, i: int, end: int) -> tuple[int, Decimal | None, Decimal | None] | None:
        toks = self.toks
        tok = toks[i]
        low = tok.low
        if low == "q" and i + 1 < end and toks[i + 1].kind == "num":
            j = i + 2
            if j + 1 < end and toks[j].low in RANGE_JOINERS and toks[j + 1].kind == "num":
                j += 2
            if j < end and toks[j].low in {"h", "hr", "hrs", "hours", "hourly"}:
                hours = toks[i + 1].value
                return j + 1, _per_day(hours), hours
            return None
        if low in ABBREVIATIONS:
            per_day, interval = ABBREVIATIONS[low]
            if interval is not None:
                return i + 1, _per_day(Decimal(interval)), Decimal(interval)
            return i + 1, _decimal(per_day), None
        if low in {"every", "each"}:
            j = i + 1
            count = _number(toks, j, end)
            if count is not None:
                j += 1
                if j + 1 < end and toks[j].low in RANGE_JOINERS and _number(toks, j + 1, end) is not None:
                    j += 2
            elif _match_words(toks, j, end, ("other", "day")):
                return j + 2, _per_day(Decimal(48)), Decimal(48)
            if j < end and toks[j].low in HOUR_WORDS:
                hours = (count or 1) * HOUR_WORDS[toks[j].low]
                if count is None and toks[j].low in {"day", "days"}:
                    return j + 1, Decimal(1), None
                return j + 1, _per_day(hours), Decimal(hours)
            if count is None and j < end and toks[j].low in {"morning", "evening", "night"}:
                return j + 1, Decimal(1), None
            return None
        count = None
        j = i
        if low in COUNT_WORDS:
            count, j = Decimal(COUNT_WORDS[low]), i + 1
        elif (n := _number(toks, i, end)) is not None and i + 1 < end and toks[i + 1].low in {"times", "x"}:
            count, j = n, i + 2
        if count is not None:
            period = self._period(j, end)
            if period is None:
                return None
            j, days = period
            return j, _decimal(count / days), None
        if low in {"daily", "nightly"}:
            return i + 1, Decimal(1), None
        if low == "weekly":
            return i + 1, _decimal(Decimal(1) / 7), None
        if _match_words(toks, i, end, ("at", "bedtime")) or _match_words(toks, i, end, ("a", "day")):
            return i + 2, Decimal(1), None
        if _match_words(toks, i, end, ("a", "week")):
            return i + 2, _decimal(Decimal(1) / 7), None
        return None

    def _period(self, j: int, end: int) -> tuple[int, Decimal] | None:
        toks = self.toks
        if j < end and toks[j].low in {"daily", "day"}:
            return j + 1, Decimal(1)
        if j < end and toks[j].low == "weekly":
            return j + 1, Decimal(7)
        if j + 1 < end and toks[j].low in {"a", "per", "each", "every", "/"}:
            unit = toks[j + 1].low
            if unit in {"day", "d"}:
                return j + 2, Decimal(1)
            if unit == "week":
                return j + 2, Decimal(7)
        return None

    def _duration(self, i: int, end: int) -> tuple[int, Decimal, Decimal | None] | None:
        toks = self.toks
        j = i
        if toks[i].low in {"for", "x", "×"}:
            j = i + 1
            for filler in (
                ("at", "least"),
                ("up", "to"),
                ("a", "total", "of"),
                ("another",),
                ("a", "further"),
                ("a", "minimum", "of"),
            ):
                if _match_words(toks, j, end, filler):
                    j += len(filler)
                    break
        elif toks[i].kind != "num":
            return None
        low = _number(toks, j, end)
        if low is None:
            return None
        j += 1
        high = None
        if j + 1 < end and toks[j].low in RANGE_JOINERS | {"or"} and _number(toks, j + 1, end) is not None:
            high, j = _number(toks, j + 1, end), j + 2
        if toks[i].kind == "num":  # "a 14-day course"
            if j + 2 < end and toks[j].low == "-" and toks[j + 1].low in DAY_WORDS and toks[j + 2].low == "course":
                days = DAY_WORDS[toks[j + 1].low]
                return j + 3, low * days, None
            return None
        if j < end and toks[j].low in DAY_WORDS:
            days = DAY_WORDS[toks[j].low]
            return j + 1, low * days, high * days if high is not None else None
        return None


def _decimal(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.0001")).normalize()


def _per_day(hours: Decimal) -> Decimal:
    return _decimal(Decimal(24) / hours) if hours else None


def _markers(text: str) -> tuple[list[tuple[int, int, int, int, str | None]], list[DoseWarning]]:
    """The author's markers: (start, body start, body end, end, drug) and warnings for broken ones."""
    found, warnings = [], []
    lowered = text.lower()
    position = 0
    while True:
        start = lowered.find(MARKER_OPEN, position)
        if start < 0:
            break
        after = start + len(MARKER_OPEN)
        if after < len(text) and text[after] not in " }":
            position = after
            continue
        close_tag = text.find("}", after, start + MARKER_MAX_TAG)
        body_end = lowered.find(MARKER_CLOSE, close_tag + 1, close_tag + 1 + MARKER_MAX_BODY) if close_tag >= 0 else -1
        if close_tag < 0 or body_end < 0 or MARKER_OPEN in lowered[close_tag + 1 : body_end]:
            warnings.append(DoseWarning("marker_unclosed", start, after, text[start:after]))
            position = after
            continue
        drug = _marker_drug(text[after:close_tag])
        end = body_end + len(MARKER_CLOSE)
        found.append((start, close_tag + 1, body_end, end, drug))
        position = end
    return found, warnings


def _marker_drug(attributes: str) -> str | None:
    attributes = attributes.strip()
    if not attributes.lower().startswith("drug="):
        return None
    value = attributes[5:].strip()
    if value[:1] in {'"', "'"}:
        closing = value.find(value[0], 1)
        value = value[1:closing] if closing > 0 else ""
    else:
        value = value.split()[0] if value.split() else ""
    return value.strip() or None


def parse_doses(text: str, drugs: list[str] | tuple[str, ...] = ()) -> ParseResult:
    """Every dose statement in `text` of the `drugs` named (and of any author's marker), with warnings."""
    markers, warnings = _markers(text)
    statements: list[dict] = []
    # The text outside the markers, with each marker blanked out (same length, so spans hold).
    pieces, position = [], 0
    for start, _body_start, _body_end, end, _drug in markers:
        pieces.append(text[position:start])
        pieces.append(" " * (end - start))
        position = end
    pieces.append(text[position:])
    reader = _Reader("".join(pieces), list(drugs))
    reader.read()
    statements.extend(reader.statements)
    warnings.extend(reader.warnings)
    for start, body_start, body_end, end, drug in markers:
        if drug is None:
            warnings.append(DoseWarning("marker_without_drug", start, end, text[start:end]))
            continue
        inner = _Reader(text[body_start:body_end], [drug], offset=body_start)
        inner.read(forced_drug=drug)
        warnings.extend(inner.warnings)
        if not inner.statements:
            warnings.append(DoseWarning("marker_without_dose", start, end, text[start:end], drug))
            continue
        for statement in inner.statements:
            if statement is inner.statements[0]:
                statement["start"] = start
            if statement is inner.statements[-1]:
                statement["end"] = end
        statements.extend(inner.statements)
    statements.sort(key=lambda s: s["start"])
    index = {id(s): n for n, s in enumerate(statements)}
    result = []
    for statement in statements:
        follows = statement.pop("_follows")
        statement.pop("_window_end")
        result.append(DoseStatement(**statement, follows=index.get(id(follows)) if follows is not None else None))
    warnings.sort(key=lambda w: w.start)
    return ParseResult(tuple(result), tuple(warnings))


__all__ = ["DoseStatement", "DoseWarning", "ParseResult", "parse_doses"]
