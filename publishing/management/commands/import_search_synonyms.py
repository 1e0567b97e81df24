"""Import search synonyms from a CSV file, all or nothing: ``import_search_synonyms <file> --as <editor>``.

The file is UTF-8 CSV with a header row naming the columns ``term`` and
``synonym`` (required) and ``kind`` (abbreviation, brand, lay, other) and
``source`` (optional), one pair a row; each pair works in both directions.
Pairs already in the vocabulary are skipped. A bad row anywhere (empty,
too long, a term equal to its synonym, an unknown kind, a pair repeated in the
file) stops the import with every bad row's line number, and nothing is
written. See docs/search.md for where real files come from (RxNorm
brand/ingredient pairs, MeSH entry terms) and ``docs/search_synonyms_sample.csv``.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from publishing.exceptions import SearchPermissionError, SearchSynonymImportError
from publishing.services import search_synonyms_import


class Command(BaseCommand):
    help = "Import search synonyms (term,synonym[,kind,source] CSV) as an editor; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file: a header with term, synonym and optionally kind, source.")
        parser.add_argument("--as", dest="username", required=True, help="The editor the import is credited to.")

    def handle(self, *args, file: str, username: str, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = search_synonyms_import(text, acting_user=user, source_name=path.name)
        except SearchPermissionError as exc:
            raise CommandError(str(exc)) from exc
        except SearchSynonymImportError as exc:
            raise CommandError(f"Nothing was imported from {file}; fix these rows:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            f"Imported {result['added']} synonym pair(s) from {file}; {result['skipped']} already there were skipped."
        )
