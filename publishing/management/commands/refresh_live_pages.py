"""Re-render the live articles' stored pages after a deploy: now (and wait), or in background batches."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing import services, tasks


class Command(BaseCommand):
    help = (
        "Re-render the stored pages of every live article with the current templates and stylesheets, purge "
        "them from every cache and refresh the static export (when STATIC_EXPORT_DIR is set). Run it after "
        "collectstatic on each deploy. With --background it only records a re-render run of the pages rendered "
        "with other templates or stylesheets and sends its first batch to the workers, so serving starts at once "
        "(progress on the desk at /publishing/furniture/)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--background",
            action="store_true",
            help="Record a re-render run and return; Celery workers re-render in batches (RENDER_BATCH_SIZE).",
        )

    def handle(self, *args, background: bool = False, **options) -> None:
        if background:
            run = services.render_run_start_deploy()
            if run is None:
                self.stdout.write("Every stored page is current; nothing to re-render.")
            else:
                self.stdout.write(f"Re-render run {run.pk}: {run.total} stored page(s) to re-render in the background.")
            return
        slugs = tasks.refresh_live_pages()  # in this process: the deploy waits until the pages are current
        self.stdout.write(f"Re-rendered the stored pages of {len(slugs)} live article(s).")
