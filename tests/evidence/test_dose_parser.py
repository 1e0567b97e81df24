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
