"""Dose statements read from SPL label XML (evidence.dosing.label) and the label-document import."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evidence.dosing.label import LabelError, parse_label
from evidence.models import EvidenceImport, LabelDosing, LabelVersion
from tests.evidence.conftest import SAMPLES

V1 = SAMPLES / "spl_valganciclovir_v1.xml"
V2 = SAMPLES / "spl_valganciclovir_v2.xml"
SET_ID = "5a0b6c3d-4e8f-4a5b-9c7d-6b9c0d1e2f34"


def test_label_identity_and_drug_names_are_read():
    label = parse_label(V1.read_bytes())
    assert (label.set_id, label.version, str(label.effective_date)) == (SET_ID, 1, "2024-01-15")
    assert label.title.startswith("VALGANCICLOVIR tablets")
    assert label.drugs == ("valganciclovir", "valganciclovir hydrochloride")


def test_statements_carry_their_indication_and_population_from_the_headings():
    label = parse_label(V1.read_bytes())
    rows = [
        (
            item.indication,
            item.statement.amount_low,
            item.statement.unit,
            item.statement.per_day,
            item.statement.duration_days,
            item.statement.phase,
            item.statement.population,
        )
        for item in label.statements
    ]
    assert rows[:4] == [
        ("Treatment of CMV Retinitis", Decimal(900), "mg", 2, 21, "induction", ("adult",)),
        ("Treatment of CMV Retinitis", Decimal(900), "mg", 1, None, "maintenance", ("adult",)),
        ("Prevention of CMV Disease after Transplant", Decimal(900), "mg", 1, 200, None, ("adult",)),
        ("Prevention of CMV Disease after Transplant", Decimal(900), "mg", 1, 100, None, ("adult",)),
    ]
    renal = [
        (item.statement.amount_low, item.statement.per_day, item.statement.population) for item in label.statements[4:]
    ]
    assert renal[0] == (Decimal(900), 2, ("crcl>=60", "renal_impairment"))
    assert (Decimal(450), Decimal("0.5"), ("crcl10-24", "renal_impairment")) in renal
    assert all(item.headings[0] == "2 DOSAGE AND ADMINISTRATION" for item in label.statements)
    assert len(label.statements) == 12


def test_text_outside_the_dosage_section_is_not_read():
    label = parse_label(V1.read_bytes())
    assert all("INDICATIONS" not in " ".join(item.headings) for item in label.statements)


def test_the_newer_sample_changes_one_renal_dose():
    old = {
        (i.statement.amount_low, i.statement.per_day, i.statement.population)
        for i in parse_label(V1.read_bytes()).statements
    }
    new = {
        (i.statement.amount_low, i.statement.per_day, i.statement.population)
        for i in parse_label(V2.read_bytes()).statements
    }
    assert old - new == {(Decimal(450), Decimal("0.5"), ("crcl10-24", "renal_impairment"))}


@pytest.mark.parametrize(
    "xml, message",
    [
        (b"<document", "not well-formed"),
        (b"<html/>", "not an SPL document"),
        (b'<document xmlns="urn:hl7-org:v3"><setId root="x"/></document>', "not an SPL Set ID"),
        (
            b'<document xmlns="urn:hl7-org:v3"><setId root="5a0b6c3d-4e8f-4a5b-9c7d-6b9c0d1e2f34"/>'
            b'<versionNumber value="two"/></document>',
            "not a whole number",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<document xmlns="urn:hl7-org:v3">&b;</document>',
            "refused for safety",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<document xmlns="urn:hl7-org:v3">&x;</document>',
            "refused for safety",
        ),
    ],
)
def test_unsafe_or_wrong_xml_is_refused_with_a_reason(xml, message):
    with pytest.raises(LabelError, match=message):
        parse_label(xml)


@pytest.mark.django_db
def test_import_stores_the_statements_and_moves_the_current_version_up(tmp_path):
    out = StringIO()
    call_command("import_label_document", str(V1), "--no-match", stdout=out, stderr=StringIO())
    assert "version 1): 12 dose statement(s)" in out.getvalue()
    assert LabelVersion.objects.get(set_id=SET_ID).version == 1
    archive = tmp_path / "label.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(V2, "f00d_valganciclovir.xml")
        zipped.writestr("image.jpg", b"\xff\xd8")
    call_command("import_label_document", str(archive), "--no-match", stdout=StringIO(), stderr=StringIO())
    assert list(LabelDosing.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert LabelVersion.objects.get(set_id=SET_ID).version == 2
    stored = LabelDosing.objects.get(version=2).statements[0]
    assert stored["statement"]["amount_low"] == "900" and stored["indication"] == "Treatment of CMV Retinitis"
    # An older version imported later keeps the current version where it is.
    call_command("import_label_document", str(V1), "--no-match", stdout=StringIO(), stderr=StringIO())
    assert LabelVersion.objects.get(set_id=SET_ID).version == 2
    assert EvidenceImport.objects.filter(kind=EvidenceImport.Kind.LABEL_DOCUMENTS).count() == 3


@pytest.mark.django_db
def test_a_bad_file_saves_nothing(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<document")
    with pytest.raises(CommandError, match="cannot be read as an SPL label"):
        call_command("import_label_document", str(bad), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="Could not open"):
        call_command("import_label_document", str(tmp_path / "missing.xml"), stdout=StringIO(), stderr=StringIO())
    empty_zip = tmp_path / "two.zip"
    with zipfile.ZipFile(empty_zip, "w") as zipped:
        zipped.writestr("a.xml", b"<a/>")
        zipped.writestr("b.xml", b"<b/>")
    with pytest.raises(CommandError, match="holds 2 .xml files"):
        call_command("import_label_document", str(empty_zip), stdout=StringIO(), stderr=StringIO())
    assert (
        not LabelDosing.objects.exists() and not EvidenceImport.objects.exists() and not LabelVersion.objects.exists()
    )


@pytest.mark.django_db
def test_dose_models_are_read_only_in_the_admin(client, django_user_model):
    from django.urls import reverse

    call_command("import_label_document", str(V1), "--no-match", stdout=StringIO(), stderr=StringIO())
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(admin)
    for model in ("labeldosing", "dosecheckacceptance", "vocabularycode"):
        assert client.get(reverse(f"admin:evidence_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:evidence_{model}_add")).status_code == 403
    dosing = LabelDosing.objects.get()
    assert (
        client.post(reverse("admin:evidence_labeldosing_delete", args=[dosing.pk]), {"post": "yes"}).status_code == 403
    )
    assert LabelDosing.objects.filter(pk=dosing.pk).exists()
