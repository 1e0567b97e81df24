"""Article dose statements checked against a label (evidence.dosing.compare): one row per case."""

from __future__ import annotations

import pytest

from evidence.dosing.compare import LabelDoses, check_statement, check_statements
from evidence.dosing.label import LabelStatement, parse_label
from evidence.dosing.parser import parse_doses
from tests.evidence.conftest import SAMPLES

V1 = parse_label((SAMPLES / "spl_valganciclovir_v1.xml").read_bytes())
LABEL = LabelDoses(V1.set_id, V1.version, V1.drugs, V1.statements)
DRUGS = ["valganciclovir", "ganciclovir"]


def _label(*lines: str, drug: str = "ganciclovir") -> LabelDoses:
    items = []
    for line in lines:
        for statement in parse_doses(line, [drug]).statements:
            items.append(LabelStatement(statement, "", (), line))
    return LabelDoses("0" * 8 + "-0000-4000-8000-" + "0" * 12, 3, (drug,), tuple(items))


GANCICLOVIR = _label(
    "Ganciclovir 5 mg/kg IV every 12 hours for 14 to 21 days.",
    "Ganciclovir 5 mg/kg IV once daily.",
    "In children, ganciclovir 6 mg/kg IV every 12 hours.",
    "Ganciclovir 0.5 to 1 g orally three times daily.",
)

CASES = [
    # (article sentence, label, expected code, blocking)
    ("Valganciclovir 900 mg orally twice daily for 21 days.", LABEL, "match", False),
    ("Valganciclovir 0.9 g twice daily.", LABEL, "match", False),
    ("Valganciclovir 900,000 mcg once daily.", LABEL, "match", False),
    ("Valganciclovir 9000 mg orally twice daily.", LABEL, "outside_range", True),
    ("Valganciclovir 90 mg twice daily.", LABEL, "outside_range", True),
    ("Valganciclovir 900 mg three times daily.", LABEL, "different_frequency", True),
    ("Valganciclovir 15 mg/kg twice daily.", LABEL, "different_unit", True),
    ("Valganciclovir 900 units daily.", LABEL, "different_unit", True),
    ("In CrCl 40 to 59 mL/min, valganciclovir 450 mg twice daily.", LABEL, "match", False),
    ("In CrCl 40 to 59 mL/min, valganciclovir 900 mg twice daily.", LABEL, "outside_range", True),
    ("Valganciclovir 450 mg every 2 days.", LABEL, "match", False),  # a renal band, found by amount
    ("In children, valganciclovir 900 mg twice daily.", LABEL, "not_in_label", True),
    ("Ganciclovir 5 mg/kg IV every 12 hours.", GANCICLOVIR, "match", False),
    ("Ganciclovir 5 mg/kg IV q24h.", GANCICLOVIR, "match", False),
    ("Ganciclovir 4 to 5 mg/kg IV every 12 hours.", GANCICLOVIR, "outside_range", True),
    ("Ganciclovir 5 mg/kg IV every 8 hours.", GANCICLOVIR, "different_frequency", True),
    ("Ganciclovir 10 mg/kg/day IV.", GANCICLOVIR, "match", False),  # 5 mg/kg twice a day, as a daily total
    ("Ganciclovir 20 mg/kg/day IV.", GANCICLOVIR, "outside_range", True),
    ("In children, ganciclovir 6 mg/kg IV every 12 hours.", GANCICLOVIR, "match", False),
    ("In children, ganciclovir 5 mg/kg IV every 12 hours.", GANCICLOVIR, "outside_range", True),
    ("In neonates, ganciclovir 6 mg/kg IV every 12 hours.", GANCICLOVIR, "not_in_label", True),
    ("Ganciclovir 750 mg orally three times daily.", GANCICLOVIR, "match", False),
    ("Ganciclovir up to 1 g orally three times daily.", GANCICLOVIR, "match", False),
    ("Ganciclovir 2 g orally three times daily.", GANCICLOVIR, "outside_range", True),
    ("Ganciclovir 5 mg/kg IV.", GANCICLOVIR, "match", False),  # no frequency stated: not a mismatch
]


@pytest.mark.parametrize("text, label, code, blocking", CASES, ids=[case[0] for case in CASES])
def test_check_codes(text, label, code, blocking):
    (statement,) = parse_doses(text, DRUGS).statements
    result = check_statement(statement, label)
    assert (result.code, result.blocking) == (code, blocking), result.note


def test_no_label_for_the_drug_is_not_in_label_and_blocks_unless_marked_and_cited():
    (plain,) = parse_doses("Ganciclovir 5 mg/kg IV every 12 hours.", DRUGS).statements
    (marked,) = parse_doses("{dose drug=ganciclovir}5 mg/kg IV every 12 hours{/dose}", DRUGS).statements
    valg_only = _label("Valganciclovir 900 mg twice daily.", drug="valganciclovir")
    assert check_statement(plain, None).code == "not_in_label"
    assert not check_statement(plain, None).blocking  # no label imported: nothing to check against
    assert check_statement(plain, valg_only, cited=True).blocking  # a label, but no ganciclovir dose in it
    assert check_statement(marked, valg_only).blocking  # marked but not cited
    assert not check_statement(marked, valg_only, cited=True).blocking
    assert check_statement(marked, valg_only, cited=True).code == "not_in_label"


def test_a_newer_label_than_the_approval_is_reported_on_a_match_only():
    (match,) = parse_doses("Valganciclovir 900 mg twice daily.", DRUGS).statements
    (wrong,) = parse_doses("Valganciclovir 9000 mg twice daily.", DRUGS).statements
    assert check_statement(match, LABEL, approved_version=0).code == "label_newer_than_approval"
    assert not check_statement(match, LABEL, approved_version=0).blocking
    assert check_statement(match, LABEL, approved_version=1).code == "match"
    assert check_statement(wrong, LABEL, approved_version=0).code == "outside_range"


def test_the_result_names_the_label_statement_and_version():
    (statement,) = parse_doses("Valganciclovir 9000 mg twice daily.", DRUGS).statements
    result = check_statement(statement, LABEL)
    assert (result.set_id, result.version) == (V1.set_id, 1)
    assert result.label_statement is not None and "900 mg" in result.note


def test_check_statements_looks_labels_up_by_drug_in_any_case():
    statements = parse_doses("Valganciclovir 900 mg twice daily; ganciclovir 5 mg/kg IV q12h.", DRUGS).statements
    codes = [r.code for r in check_statements(statements, {"valganciclovir": LABEL}, cited_drugs=["Ganciclovir"])]
    assert codes == ["match", "not_in_label"]
    assert [r.blocking for r in check_statements(statements, {"valganciclovir": LABEL})] == [False, False]
