"""manage.py import_label_document FILE: store one drug label's dose statements (issue 24) and its version.

FILE is a label's SPL XML, or the label zip DailyMed publishes for it (one
.xml and the label's images), as a path or an http(s) URL. Real labels:
search https://dailymed.nlm.nih.gov/, open the label, and use "Download
labeling: ZIP" (or https://dailymed.nlm.nih.gov/dailymed/services/v2/spls/<SETID>.xml).
The full release (all labels as zips of zips) is on the SPL resources page.
The Dosage and Administration section's statements are stored for the label's
version, and the Set ID's current version is moved up to it if it is newer.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from evidence.exceptions import EvidenceFileError
from evidence.files import read_label_document
from evidence.services import evidence_match, label_document_import

from ._evidence_import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import one drug label's SPL document: its dose statements and its version.\n\n"
        "FILE: the SPL .xml, or the label .zip from DailyMed (label page, 'Download labeling: ZIP'),\n"
        "  or https://dailymed.nlm.nih.gov/dailymed/services/v2/spls/<SETID>.xml"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", help="Path or URL of the .xml or .zip.")
        parser.add_argument("--no-match", action="store_true", help="Import only; do not match articles now.")

    def handle(self, *args, source: str, no_match: bool, **options) -> None:
        try:
            dosing, result = label_document_import(read_label_document(source), source=source)
        except EvidenceFileError as exc:
            raise CommandError(str(exc)) from exc
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"Imported {dosing.title or dosing.set_id} (Set ID {dosing.set_id}, version {dosing.version}): "
            f"{len(dosing.statements)} dose statement(s)."
        )
        if not no_match:
            raised = evidence_match()
            self.stdout.write(f"Matched approved articles: {len(raised)} new evidence alert(s).")
