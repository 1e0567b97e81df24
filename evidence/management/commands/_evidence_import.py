"""Shared body of the two import commands: open the source, import, report, match."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from evidence.exceptions import EvidenceFileError
from evidence.files import open_source
from evidence.services import evidence_match


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keep the help's own line breaks, so the download addresses are never split across lines."""


class ImportCommand(BaseCommand):
    """An import command whose --help prints its description as written."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser


def run_import(command: BaseCommand, source: str, importer, *, what: str, match: bool) -> None:
    try:
        with open_source(source) as stream:
            result = importer(stream, source=source)
    except EvidenceFileError as exc:
        raise CommandError(str(exc)) from exc
    record = result.record
    for problem in result.problems[:200]:
        command.stderr.write(problem)
    if len(result.problems) > 200:
        command.stderr.write(f"… and {len(result.problems) - 200} more skipped rows (all listed in the admin).")
    command.stdout.write(
        f"Imported {record.rows_saved} {what} from {source}; {record.rows_skipped} row(s) skipped "
        f"of {record.rows_read} read."
    )
    if match:
        raised = evidence_match()
        command.stdout.write(f"Matched approved articles: {len(raised)} new evidence alert(s).")
