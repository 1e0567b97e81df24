"""manage.py match_evidence: the daily evidence match, for cron where celery beat is not run."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from evidence.services import evidence_match


class Command(BaseCommand):
    help = "Match every approved article's references against the imported retractions and label versions."

    def handle(self, *args, **options) -> None:
        raised = evidence_match()
        self.stdout.write(f"{len(raised)} new evidence alert(s).")
