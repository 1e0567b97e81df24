"""Generate benchmark data: `manage.py bench_seed --articles 10000 [--check 50]` (see bench/seed.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Generate N articles of realistic shape (templates through the services, then bulk copies) and check them."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000, help="How many generated articles in total.")
        parser.add_argument("--check", type=int, default=50, help="How many copies to compare with their template.")

    def handle(self, *args, articles: int, check: int, **options):
        from bench import seed

        if articles < 1:
            raise CommandError("--articles must be at least 1.")
        result = seed.seed(articles, out=self.stdout.write)
        self.stdout.write(f"generated {result['articles']} articles in {result['seconds']} s")
        if check:
            problems = seed.check(check)
            if problems:
                raise CommandError("Copies differ from their templates:\n" + "\n".join(problems[:20]))
            self.stdout.write(f"checked {check} copies against their templates: same shape, hashes match")
