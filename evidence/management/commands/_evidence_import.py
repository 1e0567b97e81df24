"""Shared body of the two import commands: open the source, import, report, match."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from evidence.exceptions import EvidenceFileError
from evidence.files import open_source
from evidence.services import evidence_match


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
