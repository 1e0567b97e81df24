"""manage.py import_retractions [FILE]: load the Retraction Watch database and match approved articles.

The Retraction Watch database is published openly by Crossref as one CSV
file (the columns Record ID, Title, Subject, …, OriginalPaperDOI,
OriginalPaperPubMedID, RetractionNature, Reason, Paywalled, Notes). Download
it, then pass its path, or an http(s) URL, or set RETRACTION_WATCH_SOURCE.
The file is read as a stream; a malformed row is reported with its line
number and skipped. Rows are upserted by Record ID, so importing a newer file
again is safe. Matching runs at once afterwards (use --no-match to skip it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from evidence.services import retractions_import

from ._evidence_import import run_import


class Command(BaseCommand):
    help = "Import the Retraction Watch CSV (path or URL) and match approved articles against it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", nargs="?", default="", help="Path or URL; default RETRACTION_WATCH_SOURCE.")
        parser.add_argument("--no-match", action="store_true", help="Import only; do not match articles now.")

    def handle(self, *args, source: str, no_match: bool, **options) -> None:
        run_import(
            self,
            source or settings.RETRACTION_WATCH_SOURCE,
            retractions_import,
            what="Retraction Watch records",
            match=not no_match,
        )
