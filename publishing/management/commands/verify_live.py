"""Prove every live page holds exactly the approved content: re-derive, re-render, compare; non-zero on drift."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from publishing import services
from publishing.models import VerifyRun
from publishing.verify import CHECKS, Finding, Progress, live_publications, verify_publications


class Command(BaseCommand):
    help = (
        "For every live page (every audience; the stored HTML, the published article HTML the API and provenance "
        "are made from, and the static export's files when STATIC_EXPORT_DIR or --export is set), re-derive the "
        "approved content from the pinned revision and glossary snapshot, re-render it and compare bytes and hashes. "
        "Prints one line per difference (article, audience, address, check, reason) and progress on stderr; exits "
        "with status 1 if anything drifted. Pages still waiting for a background re-render are listed as 'stale' "
        "and are not drift. The run and its findings are recorded and shown on the desk (/publishing/verify/)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="Check only the articles live at these slugs.")
        parser.add_argument("--export", default=None, help="The static export folder (default: STATIC_EXPORT_DIR).")
        parser.add_argument("--batch", type=int, default=200, help="Publications read per batch (memory bound).")
        parser.add_argument("--no-record", action="store_true", help="Do not record the run for the desk.")

    def handle(self, *args, slugs: list[str], export: str | None, batch: int, no_record: bool, **options) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        publications = live_publications()
        if slugs:
            publications = publications.filter(slug__in=slugs)
            missing = set(slugs) - set(publications.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"Nothing is live at: {', '.join(sorted(missing))}.")
        total = publications.count()
        export = export if export is not None else settings.STATIC_EXPORT_DIR or None
        now = timezone.now()
        run = (
            None
            if no_record
            else VerifyRun.objects.create(origin=VerifyRun.Origin.COMMAND, created_at=now, progressed_at=now)
        )
        pending: list[Finding] = []

        def progress(done: Progress) -> None:
            if run is not None:
                services.verify_run_record(run, pending, done, finished=False)
            pending.clear()
            self.stderr.write(f"checked {done.publications}/{total} live articles, {done.drift} difference(s)")

        done = Progress()
        for finding in verify_publications(publications, export_dir=export, batch=batch, progress=progress):
            pending.append(finding)
            self.stdout.write(finding.line())
            if finding.drift:
                done.drift += 1
            else:
                done.stale += 1
        if run is not None:
            run.refresh_from_db()
            done = Progress(
                publications=run.publications, pages=run.pages, drift=run.drift, stale=run.stale, cursor=run.cursor
            )
            services.verify_run_record(run, pending, done, finished=True)
        kinds = ", ".join(sorted(CHECKS))
        summary = (
            f"{total} live article(s) checked: {done.drift} difference(s), {done.stale} page(s) awaiting a re-render."
        )
        if done.drift:
            self.stderr.write(self.style.ERROR(summary))
            self.stderr.write(f"Checks: {kinds}. See publishing/verify.py for what each compares.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(summary))
