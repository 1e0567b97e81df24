"""Rewrite the reader catalogue (index, search, sitemap, API list) from the live publications."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from publishing.catalogue import catalogue_rebuild


class Command(BaseCommand):
    help = "Rewrite the reader catalogue from what is live now (normally kept in step by the publishing services)."

    def handle(self, *args, **options):
        count = catalogue_rebuild()
        self.stdout.write(f"The catalogue lists {count} live article{'s' if count != 1 else ''}.")
