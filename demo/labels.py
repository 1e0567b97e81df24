"""Demo data for the dose check (issue 24): the project's sample valganciclovir label, imported once.

The CMV articles cite it through the VALCYTE_LABEL reference (demo/texts.py
gives it the sample's Set ID and version 1), so the studio and the review page
check their valganciclovir doses against it: change "900 mg" to "9000 mg" in
the professional version and the studio shows the mismatch.
"""

from __future__ import annotations

from django.conf import settings

from evidence.files import open_source, read_label_document
from evidence.models import LabelDosing, VocabularyCode
from evidence.services import label_document_import, vocabulary_import

SAMPLE_LABEL = "demo/data/spl_valganciclovir_sample.xml"  # the demo's own copy of the project's sample SPL
SAMPLE_VOCABULARY = "docs/vocabulary_codes_sample.csv"
SAMPLE_SET_ID = "5a0b6c3d-4e8f-4a5b-9c7d-6b9c0d1e2f34"


def seed(users: dict, stdout=None) -> None:
    """Import the sample vocabulary (RxNorm, ICD-10) and the sample valganciclovir label unless already there."""
    if not VocabularyCode.objects.exists():
        with open_source(str(settings.BASE_DIR / SAMPLE_VOCABULARY)) as stream:
            vocabulary_import(stream, source=SAMPLE_VOCABULARY)
    if LabelDosing.objects.filter(set_id=SAMPLE_SET_ID).exists():
        return
    path = settings.BASE_DIR / SAMPLE_LABEL
    dosing, _ = label_document_import(read_label_document(str(path)), source=SAMPLE_LABEL)
    if stdout is not None:
        stdout.write(f"Imported the sample valganciclovir label ({len(dosing.statements)} dose statements).")
