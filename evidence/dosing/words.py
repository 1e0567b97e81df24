"""The words the dose parser reads, one `Vocabulary` per language (English and Spanish).

The parser (`evidence.dosing.parser`) walks the same grammar for every
language: an amount, then its route, frequency, duration and population.
What differs is the words, and they are all here: `ENGLISH` holds the tables
the parser was written with, `SPANISH` the same ideas in Spanish ("dos veces
al día", "cada 12 horas", "durante 21 días", "por vía oral", "hasta"). Both
produce the same machine values (doses a day, hours, days, route codes,
population codes), so a dose reads the same in either language.

Spanish words are written here with their accents and compared without them
(`fold`), so "día" and "dia", "vía" and "via" read alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

Phrase = tuple[str, ...]

# --- English ----------------------------------------------------------------

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
_EN_PERIOD_UNITS = (("day", 1), ("d", 1), ("week", 7))


def fold(word: str) -> str:
    """Return the word without its accents ("día" -> "dia", "niños" -> "ninos"); "µ" stays as it is.

    Not ``textkit.text.folded``: that one casefolds and uses NFKD, which turns
    the micro sign "µ" of "µg" into a Greek mu the unit table does not know.
    """
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language, by the part of a dose statement they belong to.

    A phrase is a tuple of lower-case words (tokens: "c/" is ("c", "/")). Where
    order matters (a longer phrase before its beginning), tables are tuples
    tried in order.
    """

    language: str
    # Numbers: "2,5" is 2.5 and "1.000" is 1000 when `decimal_comma`; else "," only groups thousands.
    decimal_comma: bool
    # Words are compared without their accents.
    fold_accents: bool
    # Sentence ends: a "." after these words is not one ("e.g.", "approx.").
    abbreviations_before_dot: frozenset[str]
    # The amount.
    units: dict[str, str]
    unit_phrases: tuple[tuple[Phrase, str], ...]  # "international units"
    per_words: frozenset[str]  # "mg/kg", "mg per kg"
    weight_words: frozenset[str]
    dose_words: frozenset[str]  # "mg/dose"
    day_units: frozenset[str]  # "mg/kg/day"
    hour_units: frozenset[str]  # "mg/24 h"
    body_weight: tuple[Phrase, ...]  # "mg/kg of body weight"
    rate_words: frozenset[str]  # "mg/h": a rate, not a dose
    not_units: frozenset[str]
    suspect_units: frozenset[str]
    strength_forms: frozenset[str]
    strength_form_first: bool  # "two 200 mg tablets" (False) or "dos comprimidos de 200 mg" (True)
    number_words: dict[str, int]
    range_joiners: frozenset[str]
    between: str  # "between 5 and 10 mg"
    and_word: str
    of_words: frozenset[str]  # "900 mg of valganciclovir"
    # The frequency.
    latin_abbreviations: dict[str, tuple]  # "bid": (doses a day, interval hours)
    count_words: dict[str, int]  # "twice"
    times_words: frozenset[str]  # "3 times a day"
    periods: tuple[tuple[Phrase, int], ...]  # after "3 times": the period in days
    interval_words: tuple[Phrase, ...]  # "every 12 hours"
    every_other_day: tuple[Phrase, ...]  # after "every"
    hour_words: dict[str, int]  # after "every N": hours each
    whole_days: frozenset[str]  # "every day": once a day, no interval
    times_of_day: frozenset[str]  # "every morning"
    fixed_frequencies: tuple[tuple[Phrase, Decimal | None, Decimal | None], ...]  # (phrase, a day, interval)
    daily_phrases: tuple[Phrase, ...]  # "4 g ... per day": a daily total
    divided_before: str  # "in 2 divided doses"
    divided_endings: tuple[Phrase, ...]  # a one-word ending needs the count ("en 2 tomas")
    # The duration.
    duration_words: tuple[Phrase, ...]  # "for 21 days"
    duration_fillers: tuple[Phrase, ...]  # "for at least 21 days"
    duration_range_joiners: frozenset[str]
    range_duration_words: tuple[Phrase, ...]  # "de 3 a 6 meses": a duration only as a range
    not_duration_after: frozenset[str]  # "niños de 3 a 6 meses" is an age, not a course (with every population word)
    day_words: dict[str, int]
    # Route, phase, links, maximum.
    routes: dict[str, str]
    capital_only_routes: frozenset[str]
    route_phrases: tuple[tuple[Phrase, str], ...]
    phases: tuple[tuple[Phrase, str], ...]
    links: tuple[Phrase, ...]  # "then": the next statement follows this one
    not_links: dict[str, frozenset[str]]  # "después de comer" is not "then"
    maximum_words: tuple[Phrase, ...]
    maximum_fillers: tuple[Phrase, ...]
    # Populations and kidney function.
    populations: tuple[tuple[Phrase, str], ...]
    clearance_words: dict[str, str]
    clearance_phrases: tuple[tuple[Phrase, str], ...]
    clearance_fillers: frozenset[str]  # "CrCl of < 50", "CrCl: 30"
    comparators: tuple[tuple[Phrase, str], ...]
    or_equal: Phrase  # "less than or equal to"
    populations_by_first: dict[str, list[tuple[Phrase, str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The phrases by their first word, longest first as listed: a position tries only those that can start there.
        by_first: dict[str, list[tuple[Phrase, str]]] = {}
        for words, code in self.populations:
            by_first.setdefault(words[0], []).append((words, code))
        object.__setattr__(self, "populations_by_first", by_first)
        if self.range_duration_words:
            ages = self.not_duration_after | {words[-1] for words, _code in self.populations}
            object.__setattr__(self, "not_duration_after", frozenset(ages))


ENGLISH = Vocabulary(
    language="en",
    decimal_comma=False,
    fold_accents=False,
    abbreviations_before_dot=frozenset({"e", "eg", "ie", "vs", "approx", "dr"}),
    units=UNITS,
    unit_phrases=((("international", "units"), "units"),),
    per_words=frozenset({"/", "per"}),
    weight_words=frozenset({"kg", "kilogram"}),
    dose_words=frozenset({"dose"}),
    day_units=frozenset({"day", "d", "24h"}),
    hour_units=frozenset({"h", "hours", "hr"}),
    body_weight=(("of", "body", "weight"),),
    rate_words=frozenset({"h", "hr", "hour", "min", "minute"}),
    not_units=frozenset(NOT_UNITS),
    suspect_units=frozenset(SUSPECT_UNITS),
    strength_forms=frozenset(STRENGTH_FORMS),
    strength_form_first=False,
    number_words=NUMBER_WORDS,
    range_joiners=frozenset(RANGE_JOINERS),
    between="between",
    and_word="and",
    of_words=frozenset({"of"}),
    latin_abbreviations=ABBREVIATIONS,
    count_words=COUNT_WORDS,
    times_words=frozenset({"times", "x"}),
    periods=(
        (("daily",), 1),
        (("day",), 1),
        (("weekly",), 7),
        *(((word, unit), days) for word in ("a", "per", "each", "every", "/") for unit, days in _EN_PERIOD_UNITS),
    ),
    interval_words=(("every",), ("each",)),
    every_other_day=(("other", "day"),),
    hour_words=HOUR_WORDS,
    whole_days=frozenset({"day", "days"}),
    times_of_day=frozenset({"morning", "evening", "night"}),
    fixed_frequencies=(
        (("daily",), Decimal(1), None),
        (("nightly",), Decimal(1), None),
        (("weekly",), Decimal(1) / 7, None),
        (("at", "bedtime"), Decimal(1), None),
        (("a", "day"), Decimal(1), None),
        (("a", "week"), Decimal(1) / 7, None),
    ),
    daily_phrases=(("per", "day"),),
    divided_before="in",
    divided_endings=(("divided", "doses"), ("equally", "divided")),
    duration_words=(("for",), ("x",), ("×",)),
    duration_fillers=(
        ("at", "least"),
        ("up", "to"),
        ("a", "total", "of"),
        ("another",),
        ("a", "further"),
        ("a", "minimum", "of"),
    ),
    duration_range_joiners=frozenset(RANGE_JOINERS | {"or"}),
    range_duration_words=(),
    not_duration_after=frozenset(),
    day_words=DAY_WORDS,
    routes=ROUTES,
    capital_only_routes=frozenset(CAPITAL_ONLY_ROUTES),
    route_phrases=((("by", "mouth"), "oral"), (("per", "os"), "oral")),
    phases=tuple(((word,), code) for word, code in PHASES.items()),
    links=(("then",), ("followed", "by")),
    not_links={},
    maximum_words=tuple(MAXIMUM_WORDS),
    maximum_fillers=(("daily", "dose", "of"), ("dose", "of"), ("of",), ("dose",), ("daily", "dose"), (":",)),
    populations=tuple(POPULATIONS),
    clearance_words=CLEARANCE_WORDS,
    clearance_phrases=((("creatinine", "clearance"), "crcl"),),
    clearance_fillers=frozenset({"of", "is", ":", "("}),
    comparators=tuple(COMPARATORS),
    or_equal=("or", "equal", "to"),
)


# --- Spanish ----------------------------------------------------------------
# Written as Spanish is written, with accents; `_p` and `_words` fold them.


def _p(text: str) -> Phrase:
    """The phrase of a space-separated text, folded: "al día" -> ("al", "dia")."""
    return tuple(fold(word) for word in text.split())


def _words(*texts: str) -> frozenset[str]:
    return frozenset(fold(text) for text in texts)


def _keys(table: dict) -> dict:
    return {fold(key): value for key, value in table.items()}


SPANISH = Vocabulary(
    language="es",
    decimal_comma=True,
    fold_accents=True,
    abbreviations_before_dot=_words("aprox", "dr", "dra", "vs", "p", "ej"),
    units=_keys(
        {
            **MASS_UNITS,
            "miligramo": "mg",
            "miligramos": "mg",
            "gramo": "g",
            "gramos": "g",
            "microgramo": "mcg",
            "microgramos": "mcg",
            "unidades": "units",
            "unidad": "units",
            "ui": "units",
            "iu": "units",
            "u": "units",
            "ml": "mL",
            "mililitro": "mL",
            "mililitros": "mL",
        }
    ),
    unit_phrases=((_p("unidades internacionales"), "units"),),
    per_words=_words("/", "por"),
    weight_words=_words("kg", "kilo", "kilogramo"),
    dose_words=_words("dosis"),
    day_units=_words("día", "d", "24h"),
    hour_units=_words("h", "horas", "hr"),
    body_weight=(_p("de peso corporal"), _p("de peso")),
    rate_words=_words("h", "hora", "min", "minuto"),
    not_units=frozenset(NOT_UNITS)
    | _words(
        "día",
        "días",
        "semana",
        "semanas",
        "mes",
        "meses",
        "año",
        "años",
        "hora",
        "horas",
        "hs",
        "minuto",
        "minutos",
        "vez",
        "veces",
        "pacientes",
        "paciente",
        "personas",
        "ensayos",
        "ensayo",
        "estudios",
        "estudio",
        "casos",
        "sujetos",
        "adultos",
        "niños",
        "lactantes",
        "copias",
        "células",
        "dosis",
        "y",
        "o",
        "a",
        "de",
        "en",
        "por",
        "al",
        "kilos",
        "kilogramos",
        "visitas",
        "décadas",
        "º",
        "ª",
    ),
    suspect_units=frozenset(SUSPECT_UNITS)
    | _words(
        "comprimido",
        "comprimidos",
        "cápsula",
        "cápsulas",
        "tableta",
        "tabletas",
        "gota",
        "gotas",
        "viales",
        "ampolla",
        "ampollas",
        "sobres",
        "pastilla",
        "pastillas",
        "cucharada",
        "cucharadas",
        "cucharadita",
        "cucharaditas",
        "inhalaciones",
        "pulsaciones",
        "inyección",
        "inyecciones",
        "mgs",
    ),
    strength_forms=_words(
        "comprimido",
        "comprimidos",
        "cápsula",
        "cápsulas",
        "tableta",
        "tabletas",
        "vial",
        "viales",
        "ampolla",
        "ampollas",
    ),
    strength_form_first=True,
    number_words=_keys(
        {
            "un": 1,
            "uno": 1,
            "una": 1,
            "dos": 2,
            "tres": 3,
            "cuatro": 4,
            "cinco": 5,
            "seis": 6,
            "siete": 7,
            "ocho": 8,
            "nueve": 9,
            "diez": 10,
            "once": 11,
            "doce": 12,
            "catorce": 14,
            "quince": 15,
            "veinte": 20,
            "veintiún": 21,
            "veintiuno": 21,
            "treinta": 30,
        }
    ),
    range_joiners=_words("-", "–", "—", "a"),
    between="entre",
    and_word="y",
    of_words=_words("de"),
    # "od" is the right eye ("ojo derecho") and "hs" hours ("cada 8 hs"), not once a day.
    latin_abbreviations={k: v for k, v in ABBREVIATIONS.items() if k not in {"od", "hs"}},
    count_words={},
    times_words=_words("veces", "vez", "x"),
    periods=(
        (_p("al día"), 1),
        (_p("por día"), 1),
        (_p("cada día"), 1),
        (_p("diarias"), 1),
        (_p("diarios"), 1),
        (_p("/ día"), 1),
        (_p("/ d"), 1),
        (_p("a la semana"), 7),
        (_p("por semana"), 7),
        (_p("cada semana"), 7),
        (_p("semanales"), 7),
        (_p("/ semana"), 7),
    ),
    interval_words=(_p("cada"), _p("c /")),
    every_other_day=(_p("día por medio"),),
    hour_words=_keys(
        {"h": 1, "hr": 1, "hs": 1, "hora": 1, "horas": 1, "día": 24, "días": 24, "semana": 168, "semanas": 168}
    ),
    whole_days=_words("día", "días"),
    times_of_day=_words("mañana", "tarde", "noche"),
    fixed_frequencies=(
        (_p("diario"), Decimal(1), None),
        (_p("diaria"), Decimal(1), None),
        (_p("diariamente"), Decimal(1), None),
        (_p("diarios"), Decimal(1), None),
        (_p("diarias"), Decimal(1), None),
        (_p("al día"), Decimal(1), None),
        (_p("al acostarse"), Decimal(1), None),
        (_p("antes de acostarse"), Decimal(1), None),
        (_p("semanal"), Decimal(1) / 7, None),
        (_p("semanalmente"), Decimal(1) / 7, None),
        (_p("a la semana"), Decimal(1) / 7, None),
        (_p("por semana"), Decimal(1) / 7, None),
        (_p("en días alternos"), None, Decimal(48)),
        (_p("a días alternos"), None, Decimal(48)),
        (_p("días alternos"), None, Decimal(48)),
    ),
    daily_phrases=(_p("por día"),),
    divided_before="en",
    divided_endings=(_p("dosis divididas"), _p("tomas divididas"), _p("dosis"), _p("tomas")),
    duration_words=(_p("durante"), _p("por"), _p("x"), _p("×")),
    duration_fillers=(
        _p("al menos"),
        _p("como mínimo"),
        _p("un mínimo de"),
        _p("hasta"),
        _p("un total de"),
        _p("un periodo de"),
        _p("un período de"),
        _p("otros"),
        _p("otras"),
    ),
    duration_range_joiners=_words("-", "–", "—", "a", "o"),
    range_duration_words=(_p("de"),),
    not_duration_after=_words("pacientes", "personas", "mayores", "menores", "edad"),
    day_words=_keys({"día": 1, "días": 1, "semana": 7, "semanas": 7, "mes": 30, "meses": 30}),
    routes=_keys(
        {
            "oral": "oral",
            "vo": "oral",
            "intravenosa": "iv",
            "intravenoso": "iv",
            "endovenosa": "iv",
            "endovenoso": "iv",
            "iv": "iv",
            "ev": "iv",
            "intramuscular": "im",
            "im": "im",
            "subcutánea": "sc",
            "subcutáneo": "sc",
            "sc": "sc",
            "sq": "sc",
            "intravítrea": "intravitreal",
            "intravítreo": "intravitreal",
            "tópica": "topical",
            "tópico": "topical",
            "inhalada": "inhaled",
            "inhalado": "inhaled",
            "inhalatoria": "inhaled",
            "inhalación": "inhaled",
            "nebulizada": "inhaled",
            "nebulizado": "inhaled",
            "rectal": "rectal",
            "sublingual": "sublingual",
        }
    ),
    capital_only_routes=_words("im", "sc", "sq", "iv", "vo", "ev"),
    route_phrases=(
        (_p("por boca"), "oral"),
        (_p("por la boca"), "oral"),
        (_p("per os"), "oral"),
        (_p("por vena"), "iv"),
        (_p("por la vena"), "iv"),
    ),
    phases=((_p("dosis de carga"), "loading"), (_p("inducción"), "induction"), (_p("mantenimiento"), "maintenance")),
    links=(
        _p("luego"),
        _p("después"),
        _p("posteriormente"),
        _p("a continuación"),
        _p("seguido de"),
        _p("seguida de"),
        _p("seguidos de"),
        _p("seguidas de"),
    ),
    not_links={fold("después"): _words("de")},
    maximum_words=(
        _p("hasta"),
        _p("como máximo"),
        _p("como mucho"),
        _p("máximo"),
        _p("máxima"),
        _p("máx"),
        _p("no superar"),
        _p("sin superar"),
        _p("no exceder"),
        _p("sin exceder"),
        _p("no más de"),
    ),
    maximum_fillers=(_p("dosis diaria de"), _p("diaria de"), _p("dosis de"), _p("de"), _p("dosis"), _p(":")),
    populations=(  # longest phrases first: "adultos mayores" is not "adultos"
        (_p("adultos mayores"), "elderly"),
        (_p("personas mayores"), "elderly"),
        (_p("ancianos"), "elderly"),
        (_p("insuficiencia renal"), "renal_impairment"),
        (_p("enfermedad renal"), "renal_impairment"),
        (_p("insuficiencia hepática"), "hepatic_impairment"),
        (_p("enfermedad hepática"), "hepatic_impairment"),
        (_p("hepatopatía"), "hepatic_impairment"),
        (_p("adultos"), "adult"),
        (_p("adulto"), "adult"),
        (_p("niños"), "child"),
        (_p("niño"), "child"),
        (_p("niñas"), "child"),
        (_p("pediátricos"), "child"),
        (_p("pediátricas"), "child"),
        (_p("lactantes"), "infant"),
        (_p("lactante"), "infant"),
        (_p("recién nacidos"), "neonate"),
        (_p("neonatos"), "neonate"),
        (_p("neonato"), "neonate"),
        (_p("adolescentes"), "adolescent"),
        (_p("adolescente"), "adolescent"),
        (_p("embarazo"), "pregnancy"),
        (_p("embarazadas"), "pregnancy"),
        (_p("embarazada"), "pregnancy"),
        (_p("hemodiálisis"), "dialysis"),
        (_p("diálisis"), "dialysis"),
    ),
    clearance_words={**CLEARANCE_WORDS, "tfge": "egfr", "fge": "egfr", "tfg": "egfr"},
    clearance_phrases=((_p("aclaramiento de creatinina"), "crcl"), (_p("filtrado glomerular"), "egfr")),
    clearance_fillers=_words("de", "es", ":", "("),
    comparators=(
        (_p("menor de"), "<"),
        (_p("menor que"), "<"),
        (_p("menor"), "<"),
        (_p("menos de"), "<"),
        (_p("inferior a"), "<"),
        (_p("por debajo de"), "<"),
        (_p("mayor de"), ">"),
        (_p("mayor que"), ">"),
        (_p("mayor"), ">"),
        (_p("más de"), ">"),
        (_p("superior a"), ">"),
        (_p("por encima de"), ">"),
        (_p("al menos"), ">="),
        *((words, symbol) for words, symbol in COMPARATORS if not words[0].isalpha()),
    ),
    or_equal=_p("o igual a"),
)

VOCABULARIES = {"en": ENGLISH, "es": SPANISH}


def vocabulary_for(language: str | None) -> Vocabulary:
    """Return the vocabulary of a language code's primary subtag ("es-MX" -> Spanish); English for any other."""
    primary = (language or "en").split("-")[0].split("_")[0].lower()
    return VOCABULARIES.get(primary, ENGLISH)
