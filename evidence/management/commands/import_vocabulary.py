"""manage.py import_vocabulary [FILE]: load RxNorm codes for drugs and ICD-10 (or SNOMED CT) codes for conditions.

FILE is a CSV with the columns kind,name,system,code[,display]: kind is
"drug" or "condition", name is matched (without regard to case) against an
article's drug names and its condition. Without FILE the project's sample,
docs/vocabulary_codes_sample.csv, is read. Codes are looked up when a page
goes live and written into the stored page's JSON-LD and the JSON API; a real
vocabulary comes from RxNav (https://mor.nlm.nih.gov/RxNav/) and the CDC's
ICD-10-CM files, exported to these columns.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.exceptions import EvidenceFileError
from evidence.files import open_source
from evidence.services import vocabulary_import

SAMPLE = "docs/vocabulary_codes_sample.csv"


class Command(BaseCommand):
    help = "Import drug (RxNorm) and condition (ICD-10-CM) codes from a CSV: kind,name,system,code[,display]."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", nargs="?", default="", help=f"Path or URL; default the sample {SAMPLE}.")

    def handle(self, *args, source: str, **options) -> None:
        source = source or str(settings.BASE_DIR / SAMPLE)
        try:
            with open_source(source) as stream:
                result = vocabulary_import(stream, source=source)
        except EvidenceFileError as exc:
            raise CommandError(str(exc)) from exc
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(f"Imported {result.record.rows_saved} code(s) from {source}.")
