"""manage.py import_retractions [FILE]: load the Retraction Watch database and match approved articles.

The Retraction Watch database is published openly by Crossref as one CSV
file (https://api.labs.crossref.org/data/retractionwatch, or retraction_watch.csv
in the GitLab repository crossref/retraction-watch-data), with the columns
Record ID, Title, Subject, …, OriginalPaperDOI, OriginalPaperPubMedID,
RetractionNature, Reason, Paywalled, Notes. Download it, then pass its path
(or a .zip holding only it), or an http(s) URL, or set RETRACTION_WATCH_SOURCE.
The file is read as a stream; a malformed row is reported with its line
number and skipped. Rows are upserted by Record ID, so importing a newer file
again is safe. Matching runs at once afterwards (use --no-match to skip it).
"""

from __future__ import annotations

from django.conf import settings

from evidence.services import retractions_import

from ._evidence_import import ImportCommand, run_import

RETRACTION_WATCH_DOWNLOAD = "https://api.labs.crossref.org/data/retractionwatch"
RETRACTION_WATCH_REPOSITORY = "https://gitlab.com/crossref/retraction-watch-data"


class Command(ImportCommand):
    help = (
        "Import the Retraction Watch CSV (a path or URL) and match approved articles against it.\n\n"
        "Where to get it: Crossref publishes the Retraction Watch database openly, as a CSV download at\n"
        f"  {RETRACTION_WATCH_DOWNLOAD}?your@email.address\n"
        "and as retraction_watch.csv in the GitLab repository crossref/retraction-watch-data\n"
        f"  {RETRACTION_WATCH_REPOSITORY}\n"
        "Pass the .csv, or a .zip holding only it (read directly, no need to unzip)."
    )

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
