"""Dose statements recognised in article text (issue 24 item 1).

`parse_doses(text, drugs, language="en")` reads Markdown source (or plain
text) and returns a `ParseResult`: the `DoseStatement`s it recognised, in text
order, and a `DoseWarning` for every number with a unit-like word next to a
drug that it could not read, so that nothing which looks like a dose is
silently dropped.

It reads English and Spanish. `language` is the text's language code (the
article's `language`; "es-MX" reads as "es"; a language with no words of its
own reads as English). The grammar below is the same for both; the words are
each language's `Vocabulary` in `evidence.dosing.words` ("twice daily" and
"dos veces al día", "every 12 hours" and "cada 12 horas" or "c/12 h", "for 21
days" and "durante 21 días", "orally" and "por vía oral", "up to" and
"hasta"), and the statements carry the same machine values in both (doses a
day, hours, days, route and population codes). Numbers differ by language:
in English "," only groups thousands ("1,000 mg") and "." is the decimal
point; in Spanish either mark is a decimal ("2,5 mg", "0,125 mg", "2.5 mg")
unless it is followed by a group of three digits after one to three that do
not start with 0 ("1.000 mg", "1,000 mg", "10 000 mg" are thousands).

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

from .words import ENGLISH, Vocabulary, fold, vocabulary_for

# The only expression run over user text: one token at a time, each
# alternative a single character class with one quantifier.
_TOKEN = re.compile(r"\d+|[^\W\d_]+|\n|[^\w\s]|_")

MARKER_OPEN = "{dose"
MARKER_CLOSE = "{/dose}"
MARKER_MAX_TAG = 200  # characters from "{dose" to its "}"
MARKER_MAX_BODY = 500  # characters between the tags

# Spaces that group thousands in Spanish typography ("10 000 mg"): no-break, narrow no-break, thin.
_GROUP_SPACES = {"\u00a0", "\u202f", "\u2009"}


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


def _glued(raw: list[_Tok], j: int, end: int, separators: set[str]) -> bool:
    """Whether raw[j] is one of the separators, glued between the number ending at `end` and digits after it."""
    return (
        j + 1 < len(raw)
        and raw[j].text in separators
        and raw[j].start == end
        and raw[j + 1].kind == "num"
        and raw[j + 1].start == raw[j].end
    )


def _english_number(raw: list[_Tok], i: int) -> tuple[str, int, int]:
    """The digits of the number starting at raw[i], its end and the next raw index: "1,000" and "2.5"."""
    digits, end, j = raw[i].text, raw[i].end, i + 1
    # thousands: 1,000 / 1,500,000
    while _glued(raw, j, end, {","}) and len(raw[j + 1].text) == 3:
        digits += raw[j + 1].text
        end = raw[j + 1].end
        j += 2
    if _glued(raw, j, end, {"."}):
        digits += "." + raw[j + 1].text
        end = raw[j + 1].end
        j += 2
    return digits, end, j


def _spanish_number(raw: list[_Tok], i: int, text: str, offset: int) -> tuple[str, int, int]:
    """As `_english_number`, with either mark for decimals: "2,5" and "2.5" are 2.5, "0,125" is 0.125.

    Groups of three digits after a first group of one to three that does not
    start with 0 are thousands, whichever mark (or a no-break or thin space)
    separates them: "1.000", "1,000" and "10 000" are 1000 (Spain groups with
    ".", Mexico with ","). A decimal written with three digits and no leading
    zero ("1,500" for 1.5) is therefore read as thousands; dosing style forbids
    such trailing zeros, and the label check flags the dose as out of range.
    """
    digits, end, j = raw[i].text, raw[i].end, i + 1
    grouping = None
    groupable = 1 <= len(digits) <= 3 and digits[0] != "0"
    while groupable:
        spaced = (
            grouping in (None, " ")
            and j < len(raw)
            and raw[j].kind == "num"
            and raw[j].start == end + 1
            and text[end - offset] in _GROUP_SPACES
        )
        if spaced and len(raw[j].text) == 3:
            grouping, digits, end, j = " ", digits + raw[j].text, raw[j].end, j + 1
        elif _glued(raw, j, end, {",", "."}) and len(raw[j + 1].text) == 3 and grouping in (None, raw[j].text):
            grouping, digits, end, j = raw[j].text, digits + raw[j + 1].text, raw[j + 1].end, j + 2
        else:
            break
    decimal_marks = {",", "."} - {grouping}
    if _glued(raw, j, end, decimal_marks):
        digits += "." + raw[j + 1].text
        end = raw[j + 1].end
        j += 2
    return digits, end, j


def _tokens(text: str, offset: int = 0, vocabulary: Vocabulary = ENGLISH) -> list[_Tok]:
    raw = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        kind = "num" if piece.isdigit() else "nl" if piece == "\n" else "word" if piece.isalpha() else "punct"
        low = fold(piece.lower()) if vocabulary.fold_accents else piece.lower()
        raw.append(_Tok(kind, piece, low, match.start() + offset, match.end() + offset))
    out: list[_Tok] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok.kind == "num":
            if vocabulary.decimal_comma:
                digits, end, j = _spanish_number(raw, i, text, offset)
            else:
                digits, end, j = _english_number(raw, i)
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
            word = fold(letters.lower()) if vocabulary.fold_accents else letters.lower()
            out.append(_Tok("word", text[tok.start - offset : end - offset], word, tok.start, end, dotted=True))
            i = j
            continue
        out.append(tok)
        i += 1
    return out


def _is_route(tok: _Tok, vocabulary: Vocabulary) -> str | None:
    route = vocabulary.routes.get(tok.low)
    if route and tok.low in vocabulary.capital_only_routes and not (tok.dotted or tok.text.isupper()):
        return None
    return route


def _match_words(toks: list[_Tok], i: int, end: int, words: tuple[str, ...]) -> bool:
    if i + len(words) > end:
        return False
    return all(toks[i + k].low == w for k, w in enumerate(words))


def _match_any(toks: list[_Tok], i: int, end: int, phrases) -> tuple | None:
    """The first of the phrases (or of the (phrase, value) pairs) found at token i."""
    for item in phrases:
        words = item[0] if isinstance(item[0], tuple) else item
        if _match_words(toks, i, end, words):
            return item
    return None


def _number(toks: list[_Tok], i: int, end: int, vocabulary: Vocabulary) -> Decimal | None:
    if i >= end:
        return None
    tok = toks[i]
    if tok.kind == "num":
        return tok.value
    if tok.low in vocabulary.number_words:
        return Decimal(vocabulary.number_words[tok.low])
    return None


class _Sentence:
    """The tokens of one sentence, read for amounts and their attributes."""

    def __init__(
        self,
        toks: list[_Tok],
        start: int,
        end: int,
        drugs: list[tuple[tuple[str, ...], str]],
        vocabulary: Vocabulary = ENGLISH,
    ):
        self.toks, self.start, self.end, self.drugs = toks, start, end, drugs
        self.words = vocabulary
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
        toks, end, words = self.toks, self.end, self.words
        j = i
        if toks[j].low in words.clearance_words:
            kind = words.clearance_words[toks[j].low]
            j += 1
        elif (phrase := _match_any(toks, j, end, words.clearance_phrases)) is not None:
            kind = phrase[1]
            j += len(phrase[0])
        else:
            return None
        if j < end and toks[j].low in words.clearance_fillers:
            j += 1
        op = ""
        if (comparator := _match_any(toks, j, end, words.comparators)) is not None:
            op = comparator[1]
            j += len(comparator[0])
        if _match_words(toks, j, end, words.or_equal):
            op += "="
            j += len(words.or_equal)
        low = _number(toks, j, end, words)
        if low is None or toks[j].kind != "num":
            return None
        j += 1
        code = f"{kind}{op}{_plain(low)}"
        if j + 1 < end and toks[j].low in words.range_joiners and toks[j + 1].kind == "num":
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
        toks, end, words = self.toks, self.end, self.words
        if i >= end:
            return None
        j = i + 1
        base = words.units.get(toks[i].low)
        if (phrase := _match_any(toks, i, end, words.unit_phrases)) is not None:
            base, j = phrase[1], i + len(phrase[0])
        elif base is None or (toks[i].low == "u" and toks[i].text != "U"):
            return None
        per_weight = per_area = daily = False
        for _ in range(2):
            sep = j < end and toks[j].low in words.per_words
            if not sep or j + 1 >= end:
                break
            nxt = toks[j + 1].low
            if nxt in words.weight_words and not per_weight and not per_area:
                per_weight, j = True, j + 2
            elif nxt in {"m2", "m²"} and not per_weight and not per_area:
                per_area, j = True, j + 2
            elif nxt == "m" and j + 2 < end and toks[j + 2].low == "2" and not per_area:
                per_area, j = True, j + 3
            elif nxt in words.day_units and not daily:
                daily, j = True, j + 2
            elif nxt == "24" and j + 2 < end and toks[j + 2].low in words.hour_units and not daily:
                daily, j = True, j + 3
            elif nxt in words.dose_words:
                j += 2
            else:
                break
        if (weight := _match_any(toks, j, end, words.body_weight)) is not None:
            j += len(weight)
        unit = base + ("/kg" if per_weight else "/m2" if per_area else "")
        return j, unit, per_weight, per_area, daily

    def _rate_after(self, j: int) -> bool:
        toks, end, words = self.toks, self.end, self.words
        return j + 1 < end and toks[j].low in words.per_words and toks[j + 1].low in words.rate_words

    def _concentration_after(self, j: int) -> bool:
        toks, end = self.toks, self.end
        return j + 1 < end and toks[j].low in self.words.per_words and toks[j + 1].low in {"ml", "l", "dl"}

    def _strength(self, i: int, j: int) -> bool:
        toks, end, words = self.toks, self.end, self.words
        if words.strength_form_first:  # "dos comprimidos de 200 mg"
            return (
                i - 3 >= self.start
                and _number(toks, i - 3, end, words) is not None
                and toks[i - 2].low in words.strength_forms
                and toks[i - 1].low in words.of_words
            )
        counted = i > self.start and _number(toks, i - 1, end, words) is not None
        return counted and j < end and toks[j].low in words.strength_forms

    def _amount(self, i: int) -> dict | None:
        toks, end, words = self.toks, self.end, self.words
        low = toks[i].value
        j = i + 1
        high = None
        if j + 1 < end and toks[j].low in words.range_joiners | {words.and_word} and toks[j + 1].kind == "num":
            if toks[j].low != words.and_word or (i > self.start and toks[i - 1].low == words.between):
                high, j = toks[j + 1].value, j + 2
        unit = self._unit(j)
        if unit is None:
            return None
        j, name, per_weight, per_area, daily = unit
        if high is None and j + 1 < end and toks[j].low in words.range_joiners and toks[j + 1].kind == "num":
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
                words = self.words
                if (
                    nxt is not None
                    and nxt.kind == "word"
                    and nxt.low not in words.not_units
                    and nxt.low not in words.units
                ):
                    glued = nxt.start == tok.end
                    unknown = glued and nxt.low not in words.number_words and len(nxt.low) <= 5
                    if nxt.low in words.suspect_units or unknown:
                        self.suspects.append((i, i + 2, "unknown_unit"))
                        i += 2
                        continue
                if (
                    nxt is not None
                    and nxt.low in self.words.units
                    and i + 3 < self.end
                    and toks[i + 2].low == "/"
                    and toks[i + 3].kind == "word"
                ):
                    self.suspects.append((i, i + 4, "unknown_unit"))
                    i += 4
                    continue
            i += 1


class _Reader:
    def __init__(self, text: str, drugs: list[str], offset: int = 0, vocabulary: Vocabulary = ENGLISH):
        self.text = text
        self.offset = offset
        self.words = vocabulary
        names = []
        for drug in drugs:
            words = tuple(t.low for t in _tokens(drug.strip(), vocabulary=vocabulary) if t.kind != "nl")
            if words:
                names.append((words, drug.strip()))
        names.sort(key=lambda item: -len(item[0]))
        self.drugs = names
        self.toks = _tokens(text, offset, vocabulary)
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
                and toks[i - 1].low in self.words.abbreviations_before_dot
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
            sentence = _Sentence(self.toks, start, end, self.drugs, self.words)
            self._read_sentence(sentence, forced_drug or context_drug, forced_drug is not None)
            if sentence.drug_at:
                context_drug = sentence.drug_at[max(sentence.drug_at)]

    def _drug_for(self, sentence: _Sentence, amount: dict, context: str | None, forced: bool) -> str | None:
        if forced:
            return context
        j = amount["j"]
        if j + 1 < sentence.end and sentence.toks[j].low in self.words.of_words and j + 1 in sentence.drug_at:
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
            # "900 mg of valganciclovir twice daily"
            own = amount["j"] + 1 if toks[amount["j"]].low in self.words.of_words else None
            for k in range(amount["j"], stop):
                if k == own and sentence.drug_at.get(k) == drug:
                    continue
                if k in sentence.drug_at and not forced:  # another drug named: its own statement begins
                    window_end = k - 1 if k - 1 >= amount["j"] and _is_route(toks[k - 1], self.words) else k
                    break
                if self._link_at(k, stop):
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
        return any(self._link_at(k, end) for k in range(start, end))

    def _link_at(self, k: int, end: int) -> bool:
        """Whether a "then" (or "followed by") starts at token k."""
        toks, words = self.toks, self.words
        link = _match_any(toks, k, end, words.links)
        if link is None:
            return False
        after = k + len(link)
        return not (after < len(toks) and toks[after].low in words.not_links.get(toks[k].low, ()))

    def _attributes(self, sentence: _Sentence, start: int, end: int, before: bool) -> dict:
        toks, words = self.toks, self.words
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
            elif (route := _is_route(tok, words)) is not None:
                if found["route"] is None or before:
                    found["route"] = route
            elif (phrase := _match_any(toks, i, end, words.route_phrases)) is not None:
                found["route"] = phrase[1]
                consumed = i + len(phrase[0])
            elif (phase := _match_any(toks, i, end, words.phases)) is not None:
                found["phase"] = phase[1]
                consumed = i + len(phase[0])
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
            elif not before and (daily := _match_any(toks, i, end, words.daily_phrases)) is not None:
                found["daily"], consumed = True, i + len(daily)
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
        for words, code in self.words.populations_by_first.get(self.toks[i].low, ()):
            if _match_words(self.toks, i, end, words):
                return i + len(words), code
        return None

    def _maximum(self, i: int, end: int) -> int | None:
        words = _match_any(self.toks, i, end, self.words.maximum_words)
        if words is None:
            return None
        j = i + len(words)
        if (filler := _match_any(self.toks, j, end, self.words.maximum_fillers)) is not None:
            j += len(filler)
        return j

    def _divided(self, i: int, end: int) -> tuple[int, Decimal | None] | None:
        toks, words = self.toks, self.words
        if toks[i].low != words.divided_before:
            return None
        j = i + 1
        count = _number(toks, j, end, words)
        if count is not None:
            j += 1
        ending = _match_any(toks, j, end, words.divided_endings)
        if ending is None or (len(ending) == 1 and count is None):  # "en 2 tomas", never "en dosis"
            return None
        return j + len(ending), count

    def _frequency(self, i: int, end: int) -> tuple[int, Decimal | None, Decimal | None] | None:
        toks, words = self.toks, self.words
        tok = toks[i]
        low = tok.low
        if low == "q" and i + 1 < end and toks[i + 1].kind == "num":
            j = i + 2
            if j + 1 < end and toks[j].low in words.range_joiners and toks[j + 1].kind == "num":
                j += 2
            if j < end and toks[j].low in {"h", "hr", "hrs", "hours", "hourly"}:
                hours = toks[i + 1].value
                return j + 1, _per_day(hours), hours
            return None
        if low in words.latin_abbreviations:
            per_day, interval = words.latin_abbreviations[low]
            if interval is not None:
                return i + 1, _per_day(Decimal(interval)), Decimal(interval)
            return i + 1, _decimal(per_day), None
        if (every := _match_any(toks, i, end, words.interval_words)) is not None:
            j = i + len(every)
            count = _number(toks, j, end, words)
            if count is not None:
                j += 1
                if j + 1 < end and toks[j].low in words.range_joiners and _number(toks, j + 1, end, words) is not None:
                    j += 2
            elif (other := _match_any(toks, j, end, words.every_other_day)) is not None:
                return j + len(other), _per_day(Decimal(48)), Decimal(48)
            if j < end and toks[j].low in words.hour_words:
                hours = (count or 1) * words.hour_words[toks[j].low]
                if count is None and toks[j].low in words.whole_days:
                    return j + 1, Decimal(1), None
                return j + 1, _per_day(hours), Decimal(hours)
            if count is None and j < end and toks[j].low in words.times_of_day:
                return j + 1, Decimal(1), None
            return None
        count = None
        j = i
        if low in words.count_words:
            count, j = Decimal(words.count_words[low]), i + 1
        elif (n := _number(toks, i, end, words)) is not None and i + 1 < end and toks[i + 1].low in words.times_words:
            count, j = n, i + 2
        if count is not None:
            period = _match_any(toks, j, end, words.periods)
            if period is None:
                return None
            return j + len(period[0]), _decimal(count / period[1]), None
        if (fixed := _match_any(toks, i, end, words.fixed_frequencies)) is not None:
            phrase, per_day, interval = fixed
            if interval is not None:
                return i + len(phrase), _per_day(interval), interval
            return i + len(phrase), _decimal(per_day), None
        return None

    def _duration(self, i: int, end: int) -> tuple[int, Decimal, Decimal | None] | None:
        """The course length at token i: (end index, days, at most days)."""
        toks, words = self.toks, self.words
        j = i
        ranged_only = False
        if (prefix := _match_any(toks, i, end, words.duration_words)) is not None:
            j = i + len(prefix)
            if (filler := _match_any(toks, j, end, words.duration_fillers)) is not None:
                j += len(filler)
        elif (prefix := _match_any(toks, i, end, words.range_duration_words)) is not None:
            # "de 3 a 6 meses", unless it gives an age: "niños de 3 a 6 meses", "pacientes de 3 a 6 meses".
            if i > 0 and toks[i - 1].low in words.not_duration_after:
                return None
            j, ranged_only = i + len(prefix), True
        elif toks[i].kind != "num":
            return None
        low = _number(toks, j, end, words)
        if low is None:
            return None
        j += 1
        high = None
        joiners = words.duration_range_joiners
        if j + 1 < end and toks[j].low in joiners and _number(toks, j + 1, end, words) is not None:
            high, j = _number(toks, j + 1, end, words), j + 2
        if ranged_only and high is None:
            return None
        if toks[i].kind == "num":  # "a 14-day course"
            if (
                j + 2 < end
                and toks[j].low == "-"
                and toks[j + 1].low in words.day_words
                and toks[j + 2].low == "course"
            ):
                days = words.day_words[toks[j + 1].low]
                return j + 3, low * days, None
            return None
        if j < end and toks[j].low in words.day_words:
            days = words.day_words[toks[j].low]
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


def parse_doses(text: str, drugs: list[str] | tuple[str, ...] = (), *, language: str | None = "en") -> ParseResult:
    """Every dose statement in `text` of the `drugs` named (and of any author's marker), with warnings.

    `language` is the text's language code ("es", "es-MX"); a language without
    a vocabulary of its own is read as English.
    """
    vocabulary = vocabulary_for(language)
    markers, warnings = _markers(text)
    statements: list[dict] = []
    # The text outside the markers, with each marker blanked out (same length, so spans hold).
    pieces, position = [], 0
    for start, _body_start, _body_end, end, _drug in markers:
        pieces.append(text[position:start])
        pieces.append(" " * (end - start))
        position = end
    pieces.append(text[position:])
    reader = _Reader("".join(pieces), list(drugs), vocabulary=vocabulary)
    reader.read()
    statements.extend(reader.statements)
    warnings.extend(reader.warnings)
    for start, body_start, body_end, end, drug in markers:
        if drug is None:
            warnings.append(DoseWarning("marker_without_drug", start, end, text[start:end]))
            continue
        inner = _Reader(text[body_start:body_end], [drug], offset=body_start, vocabulary=vocabulary)
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
