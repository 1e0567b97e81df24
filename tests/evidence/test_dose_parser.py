"""The dose parser (issue 24 item 1): statements, warnings, the author marker, and a DoS guard."""

from __future__ import annotations

import time
from decimal import Decimal

from evidence.dosing.parser import parse_doses

DRUGS = ["ganciclovir", "valganciclovir", "foscarnet", "acyclovir"]


def test_weight_based_iv_dose_with_duration_range():
    text = "Intravenous ganciclovir (5 mg/kg twice daily) for 2-3 weeks, then oral valganciclovir (900 mg twice daily)."
    first, second = parse_doses(text, DRUGS).statements
    assert (first.drug, first.amount_low, first.unit, first.per_weight, first.route) == (
        "ganciclovir",
        Decimal(5),
        "mg/kg",
        True,
        "iv",
    )
    assert (first.per_day, first.duration_days, first.duration_days_max) == (2, 14, 21)
    assert (second.drug, second.amount_low, second.unit, second.route, second.per_day) == (
        "valganciclovir",
        Decimal(900),
        "mg",
        "oral",
        2,
    )


def test_clearance_population_and_interval():
    (statement,) = parse_doses(
        "In renal impairment (CrCl < 50 mL/min), give ganciclovir 2.5 mg/kg IV q24h.", DRUGS
    ).statements
    assert statement.population == ("renal_impairment", "crcl<50")
    assert (statement.amount_low, statement.interval_hours, statement.per_day) == (Decimal("2.5"), 24, 1)


def test_loading_then_maintenance_are_linked():
    loading, maintenance = parse_doses(
        "A loading dose of foscarnet 90 mg/kg IV, followed by 120 mg/kg every 24 hours.", DRUGS
    ).statements
    assert (loading.phase, maintenance.phase, maintenance.follows) == ("loading", "maintenance", 0)
    assert maintenance.route == "iv"


def test_marker_forces_the_drug_and_unreadable_unit_warns():
    result = parse_doses(
        "{dose drug=ganciclovir}5 mg/kg IV every 12 hours{/dose} and acyclovir 2 tablets b.i.d.", DRUGS
    )
    (statement,) = result.statements
    assert statement.explicit and statement.drug == "ganciclovir" and statement.interval_hours == 12
    assert [(w.code, w.text, w.drug) for w in result.warnings] == [("unknown_unit", "2 tablets", "acyclovir")]


def test_maximum_micrograms_and_negatives():
    (statement,) = parse_doses("Acyclovir up to 800 mg five times a day for 7 to 10 days in adults.", DRUGS).statements
    assert statement.maximum and statement.per_day == 5 and statement.population == ("adult",)
    (mcg,) = parse_doses("Give 1,000 µg of valganciclovir three times a week.", DRUGS).statements
    assert (mcg.amount_low, mcg.unit) == (Decimal(1000), "mcg")
    assert parse_doses("Ganciclovir was approved in 1989 for 12 patients.", DRUGS).statements == ()
    assert parse_doses("The usual dose is 5 mg/kg.", DRUGS).statements == ()


def test_hostile_input_finishes_quickly():
    text = ("ganciclovir 5 - 5 mg/kg q 1 - {dose drug=x " * 3000)[:100_000]
    started = time.monotonic()
    parse_doses(text, DRUGS)
    # A runaway guard, not a speed target (BENCHMARKS.md has the figures): about 0.6 s alone here, and a
    # quadratic parser would take minutes; the margin is for a machine busy with the rest of the suite.
    assert time.monotonic() - started < 6


# Spanish (language="es"): the same machine values from Spanish words.


def test_spanish_frequency_duration_and_route():
    text = "Ganciclovir 5 mg/kg por vía intravenosa c/12 h durante 2 a 3 semanas, luego valganciclovir 900 mg por boca"
    first, second = parse_doses(text + " dos veces al día.", DRUGS, language="es").statements
    assert (first.route, first.per_day, first.interval_hours, first.duration_days, first.duration_days_max) == (
        "iv",
        2,
        12,
        14,
        21,
    )
    assert (second.drug, second.route, second.per_day) == ("valganciclovir", "oral", 2)
    (english,) = parse_doses("Valganciclovir 900 mg by mouth twice daily.", DRUGS).statements
    assert (english.route, english.per_day) == (second.route, second.per_day)


def test_spanish_decimal_comma_and_thousands_never_touch_english():
    (comma,) = parse_doses("Ganciclovir 2,5 mg/kg IV cada 24 h.", DRUGS, language="es").statements
    (point,) = parse_doses("Ganciclovir 1.000 mg al día.", DRUGS, language="es").statements
    (small,) = parse_doses("Ganciclovir 0,125 mg al día.", DRUGS, language="es").statements
    assert (comma.amount_low, point.amount_low, small.amount_low) == (Decimal("2.5"), 1000, Decimal("0.125"))
    (thousands,) = parse_doses("Ganciclovir 1,000 mg daily.", DRUGS).statements
    (decimal,) = parse_doses("Ganciclovir 1.000 mg daily.", DRUGS).statements
    assert (thousands.amount_low, decimal.amount_low) == (1000, 1)


def test_spanish_words_that_are_english_words_keep_their_spanish_meaning():
    # "once" is eleven in Spanish, once a day in English.
    (spanish,) = parse_doses("Foscarnet 90 mg/kg IV cada 12 h durante once días.", DRUGS, language="es").statements
    (english,) = parse_doses("Foscarnet 90 mg/kg IV once daily.", DRUGS).statements
    assert (spanish.duration_days, spanish.per_day, english.per_day) == (11, 2, 1)


def test_spanish_ages_meals_and_missing_accents():
    (infants,) = parse_doses(
        "Ganciclovir 10 mg/kg IV c/8 h en lactantes de 3 a 6 meses.", DRUGS, language="es-MX"
    ).statements
    assert (infants.population, infants.duration_days) == (("infant",), None)
    (meals,) = parse_doses("Ganciclovir 400 mg tres veces al dia despues de comer.", DRUGS, language="es").statements
    assert (meals.per_day, meals.follows) == (3, None)
    first, then = parse_doses(
        "Valganciclovir 900 mg dos veces al día y después 900 mg una vez al día.", DRUGS, language="es"
    ).statements
    assert (first.per_day, then.per_day, then.follows) == (2, 1, 0)


def test_spanish_maximum_loading_dose_and_tablet_strength():
    loading, maintenance = parse_doses(
        "Dosis de carga de foscarnet 90 mg/kg IV, seguida de 120 mg/kg cada 24 horas.", DRUGS, language="es"
    ).statements
    assert (loading.phase, maintenance.phase, maintenance.follows, maintenance.route) == (
        "loading",
        "maintenance",
        0,
        "iv",
    )
    (ceiling,) = parse_doses("Ganciclovir: como máximo 4 g por día.", DRUGS, language="es").statements
    assert ceiling.maximum and ceiling.daily_total
    (dose,) = parse_doses(
        "Valganciclovir 900 mg (dos comprimidos de 450 mg) dos veces al día.", DRUGS, language="es"
    ).statements
    assert (dose.amount_low, dose.per_day) == (900, 2)


def test_a_language_without_its_own_words_is_read_as_english():
    text = "Valganciclovir 900 mg dos veces al día."
    assert parse_doses(text, DRUGS, language="fr") == parse_doses(text, DRUGS)
    assert parse_doses(text, DRUGS, language="fr").statements[0].per_day is None
