"""manage.py flag_reviews_due: email the editors the approved articles due for re-review."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from review.tasks import flag_reviews_due


class Command(BaseCommand):
    help = "Email the editors every approved article whose next review is due today or earlier."

    def handle(self, *args, **options) -> None:
        count = flag_reviews_due()
        self.stdout.write(f"{count} article(s) due for re-review" + ("; editors emailed." if count else "."))
