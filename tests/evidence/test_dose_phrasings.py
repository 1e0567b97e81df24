"""The dose parser's precision and recall on the phrasing table (tests/evidence/dose_phrasings.json)."""

from __future__ import annotations

from tests.evidence.dose_phrasings import SPANISH_TABLE, load, score

# Figures at the time of writing (BENCHMARKS.md): found 1.00/1.00, exact 0.98/0.98. The floors leave a
# little room for a deliberate trade-off, never for a regression to pass unseen.
FOUND_FLOOR = 0.97
EXACT_FLOOR = 0.95


def test_the_table_is_large_and_holds_negatives():
    table = load()
    assert len(table["cases"]) >= 200
    assert sum(len(case["doses"]) for case in table["cases"]) >= 200
    assert sum(1 for case in table["cases"] if not case["doses"]) >= 25  # sentences with numbers but no dose


def test_parser_finds_the_statements_of_the_table():
    found, misses = score(exact=False)
    assert found.precision >= FOUND_FLOOR, misses
    assert found.recall >= FOUND_FLOOR, misses


def test_parser_reads_every_field_of_nearly_every_statement():
    exact, misses = score(exact=True)
    assert exact.precision >= EXACT_FLOOR, [m.text for m in misses]
    assert exact.recall >= EXACT_FLOOR, [m.text for m in misses]


def test_score_counts_a_wrong_field_against_the_parser():
    table = {"drugs": ["acyclovir"], "cases": [{"text": "Acyclovir 400 mg orally three times daily.", "doses": []}]}
    table["cases"][0]["doses"] = [{"drug": "acyclovir", "amount_low": "400", "unit": "mg", "per_day": "3"}]
    exact, misses = score(table, exact=True)  # the route is stated but the case says none
    assert (exact.true_positives, exact.reported, exact.expected, len(misses)) == (0, 1, 1, 1)
    found, _ = score(table, exact=False)
    assert (found.precision, found.recall) == (1.0, 1.0)


def test_levels_and_tablet_strengths_are_not_doses():
    from evidence.dosing.parser import parse_doses

    assert parse_doses("Aim for vancomycin 15 to 20 mcg/mL.", ["vancomycin"]).statements == ()
    (statement,) = parse_doses("Maribavir 400 mg (two 200 mg tablets) twice daily.", ["maribavir"]).statements
    assert statement.amount_low == 400 and statement.per_day == 2


# Spanish (tests/evidence/dose_phrasings_es.json, read with language="es"). Figures at the time of writing
# (BENCHMARKS.md): found 0.99/1.00, exact 0.97/0.98; the same floors as the English table.


def test_the_spanish_table_is_large_and_holds_negatives():
    table = load(SPANISH_TABLE)
    assert table["language"] == "es"
    assert len(table["cases"]) >= 100
    assert sum(len(case["doses"]) for case in table["cases"]) >= 100
    assert sum(1 for case in table["cases"] if not case["doses"]) >= 10


def test_parser_finds_the_statements_of_the_spanish_table():
    found, misses = score(load(SPANISH_TABLE), exact=False)
    assert found.precision >= FOUND_FLOOR, misses
    assert found.recall >= FOUND_FLOOR, misses


def test_parser_reads_every_field_of_nearly_every_spanish_statement():
    exact, misses = score(load(SPANISH_TABLE), exact=True)
    assert exact.precision >= EXACT_FLOOR, [m.text for m in misses]
    assert exact.recall >= EXACT_FLOOR, [m.text for m in misses]


def test_the_spanish_table_read_as_english_misses_frequencies():
    # The table only means something if the language matters: read as English, most frequencies are lost.
    table = {**load(SPANISH_TABLE), "language": "en"}
    exact, _ = score(table, exact=True)
    assert exact.recall < 0.5
