"""Re-render every live article's stored pages, purge them and refresh the export (run after each deploy)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing import tasks


class Command(BaseCommand):
    help = (
        "Re-render the stored pages of every live article with the current templates and stylesheets, purge "
        "them from every cache and refresh the static export (when STATIC_EXPORT_DIR is set). Run it after "
        "collectstatic on each deploy."
    )

    def handle(self, *args, **options) -> None:
        slugs = tasks.refresh_live_pages()  # in this process: the deploy waits until the pages are current
        self.stdout.write(f"Re-rendered the stored pages of {len(slugs)} live article(s).")
