"""The phrasing tables (tests/evidence/dose_phrasings.json, and dose_phrasings_es.json in Spanish) and how the
parser is scored on them.

Shared by tests/evidence/test_dose_phrasings.py (which asserts thresholds) and
bench/bench_doses.py (which prints the figures for BENCHMARKS.md).

Two scores, each as precision and recall over statements:

- *found*: the parser reported a statement of the right drug, amount (or range)
  and unit;
- *exact*: that statement also has every other field right (route, doses a
  day, interval, duration, population, maximum, daily total, phase). Fields a
  case does not give must be at their defaults, so a route the text does not
  state counts against the parser.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from evidence.dosing.parser import DoseStatement, parse_doses

TABLE = Path(__file__).with_name("dose_phrasings.json")
SPANISH_TABLE = Path(__file__).with_name("dose_phrasings_es.json")


def load(path: Path = TABLE) -> dict:
    """Return a table: its drugs, its cases and the language they are written in ("en" unless it says)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _num(value) -> str | None:
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def _expected_key(dose: dict, exact: bool) -> tuple:
    key = (dose["drug"].lower(), _num(dose["amount_low"]), _num(dose.get("amount_high")), dose["unit"])
    if not exact:
        return key
    return key + (
        dose.get("route"),
        _num(dose.get("per_day")),
        _num(dose.get("interval_hours")),
        _num(dose.get("duration_days")),
        _num(dose.get("duration_days_max")),
        tuple(dose.get("population", ())),
        bool(dose.get("maximum", False)),
        bool(dose.get("daily_total", False)),
        dose.get("phase"),
    )


def _found_key(statement: DoseStatement, exact: bool) -> tuple:
    key = (statement.drug.lower(), _num(statement.amount_low), _num(statement.amount_high), statement.unit)
    if not exact:
        return key
    return key + (
        statement.route,
        _num(statement.per_day),
        _num(statement.interval_hours),
        _num(statement.duration_days),
        _num(statement.duration_days_max),
        statement.population,
        statement.maximum,
        statement.daily_total,
        statement.phase,
    )


@dataclass
class Score:
    true_positives: int = 0
    expected: int = 0
    reported: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.reported if self.reported else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0


@dataclass
class Miss:
    text: str
    expected: list[tuple]
    reported: list[tuple]


def score(table: dict | None = None, *, exact: bool) -> tuple[Score, list[Miss]]:
    """Return the parser's score on a table (the English one by default) and the cases it did not get right."""
    table = table or load()
    language = table.get("language", "en")
    total, misses = Score(), []
    for case in table["cases"]:
        expected = Counter(_expected_key(d, exact) for d in case["doses"])
        statements = parse_doses(case["text"], table["drugs"], language=language).statements
        reported = Counter(_found_key(s, exact) for s in statements)
        hits = sum((expected & reported).values())
        total.true_positives += hits
        total.expected += sum(expected.values())
        total.reported += sum(reported.values())
        if expected != reported:
            misses.append(Miss(case["text"], sorted(expected, key=str), sorted(reported, key=str)))
    return total, misses
