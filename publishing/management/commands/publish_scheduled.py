"""Release due scheduled publications and expire old ones (for cron users; beat runs the same task)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing import services


class Command(BaseCommand):
    help = "Put scheduled publications live when their time has come and take expired ones down."

    def handle(self, *args, **options) -> None:
        released = services.publication_release_due()
        expired = services.publication_expire_due()
        self.stdout.write(f"Released {len(released)} scheduled publication(s); expired {len(expired)}.")
