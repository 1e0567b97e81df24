"""Write the live site as static files (see publishing/export.py for the layout)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing.export import export_site


class Command(BaseCommand):
    help = "Export every live page (every audience), the index, sitemap, feed, API and assets to DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="Folder to write to (created if missing).")
        parser.add_argument("--no-static", action="store_true", help="Skip collectstatic and the assets.")

    def handle(self, *args, **options) -> None:
        result = export_site(options["directory"], static=not options["no_static"])
        self.stdout.write(
            f"Wrote {len(result.written)} file(s), removed {len(result.removed)} folder(s) to {options['directory']}."
        )
        for skipped in result.skipped:
            self.stderr.write(f"Skipped {skipped}")
