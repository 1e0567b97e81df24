"""manage.py import_label_versions [FILE]: load the current FDA label versions and match approved articles.

The file is DailyMed's SPL metadata listing: the National Library of
Medicine publishes it as dm_spl_zip_files_meta_data.zip on
https://dailymed.nlm.nih.gov/dailymed/spl-resources-all-drug-labels.cfm
("SPL metadata" under the full release). Inside is one pipe-separated text file
with the columns SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE, one row
per label and its current version. Pass the .zip itself (its one file is read
as it decompresses) or the unzipped .txt, as a path or an http(s) URL, or set
LABEL_VERSIONS_SOURCE. References of kind "FDA drug label" that record an
older SPL version of the same Set ID raise an evidence alert.
"""

from __future__ import annotations

from django.conf import settings

from evidence.services import label_versions_import

from ._evidence_import import ImportCommand, run_import

DAILYMED_DOWNLOADS = "https://dailymed.nlm.nih.gov/dailymed/spl-resources-all-drug-labels.cfm"


class Command(ImportCommand):
    help = (
        "Import the current FDA label versions and match approved articles against them.\n\n"
        "Where to get it: DailyMed's SPL metadata file, dm_spl_zip_files_meta_data.zip, from\n"
        f"  {DAILYMED_DOWNLOADS}\n"
        "(one pipe-separated file inside: SETID|ZIP_FILE_NAME|UPLOAD_DATE|SPL_VERSION|TITLE).\n"
        "Pass the .zip as downloaded (read directly, as it decompresses) or the .txt unzipped from it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", nargs="?", default="", help="Path or URL; default LABEL_VERSIONS_SOURCE.")
        parser.add_argument("--no-match", action="store_true", help="Import only; do not match articles now.")

    def handle(self, *args, source: str, no_match: bool, **options) -> None:
        run_import(
            self,
            source or settings.LABEL_VERSIONS_SOURCE,
            label_versions_import,
            what="label versions",
            match=not no_match,
        )
