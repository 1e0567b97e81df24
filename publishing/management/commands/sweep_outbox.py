"""Send again the pending publications whose job was lost (for cron users; beat runs the same task)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from publishing import services


class Command(BaseCommand):
    help = "Re-send publish jobs for publications left pending (broker down, crash between commit and send)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=60, help="Seconds a row must have been pending (default 60)."
        )

    def handle(self, *args, **options) -> None:
        sent = services.publication_outbox_resend(older_than=dt.timedelta(seconds=options["older_than"]))
        self.stdout.write(f"Re-sent {len(sent)} publication(s).")
