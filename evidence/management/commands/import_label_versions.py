"""manage.py import_label_versions [FILE]: load the current FDA label versions and match approved articles.

The file lists one label per row with the columns SETID, SPL_VERSION,
PUBLISHED_DATE and TITLE, comma- or pipe-separated: the layout of the SPL
listing that the National Library of Medicine's DailyMed publishes for
download (its "all labels" metadata file). Pass its path or an http(s) URL,
or set LABEL_VERSIONS_SOURCE. References of kind "FDA drug label" that record
an older SPL version of the same Set ID raise an evidence alert.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from evidence.services import label_versions_import

from ._evidence_import import run_import


class Command(BaseCommand):
    help = "Import current FDA label versions (SETID, SPL_VERSION, PUBLISHED_DATE, TITLE) and match articles."

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
