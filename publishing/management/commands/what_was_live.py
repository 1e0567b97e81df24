"""Print the exact bytes a reader got from an article address at a past moment, from the page history."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from publishing.pages import article_path
from publishing.selectors import stored_page_version_at


def _moment(text: str) -> dt.datetime:
    moment = parse_datetime(text)
    if moment is None:
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        except ValueError:
            moment = None
    if moment is None:
        raise CommandError(f"--at {text!r} is not a date and time; write e.g. 2026-11-01T12:00 or 2026-11-01T12:00Z.")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Write to standard output the exact bytes an article address served at a moment (--at, ISO 8601; a time "
        "without an offset is in TIME_ZONE), from the stored page history. Give the article's slug (its default "
        "page) with --audience for an audience's page, or the address itself. --info prints instead what the page "
        "was rendered from: publication, approved revision and hash, furniture versions, when it was served. "
        "Exits with status 1 if nothing was live there then (or no record reaches back that far)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("article", help="A slug (e.g. cmv-in-transplant-recipients) or an address (/articles/…/).")
        parser.add_argument("--at", required=True, help="The moment, e.g. 2026-11-01T12:00.")
        parser.add_argument("--audience", default=None, help="An audience slug (default: the default text).")
        parser.add_argument("--output", default=None, help="Write the bytes to this file instead of stdout.")
        parser.add_argument("--info", action="store_true", help="Print what the page held, as JSON, not its bytes.")

    def handle(self, *args, article: str, at: str, audience: str | None, output: str | None, info: bool, **options):
        moment = _moment(at)
        path = article if article.startswith("/") else article_path(article, audience)
        version = stored_page_version_at(path, moment)
        if version is None:
            self.stderr.write(f"Nothing was served at {path} at {moment.isoformat()} according to the records.")
            sys.exit(1)
        if info:
            publication = version.publication
            self.stdout.write(
                json.dumps(
                    {
                        "address": version.path,
                        "at": moment.isoformat(),
                        "served_from": version.served_from.isoformat(),
                        "served_until": version.served_until.isoformat() if version.served_until else None,
                        "etag": version.etag,
                        "publication": publication.pk,
                        "article": publication.article.title,
                        "revision": publication.revision_id,
                        "content_hash": publication.content_hash,
                        "glossary": publication.glossary,
                        "furniture": version.furniture,
                        "fingerprint": version.fingerprint,
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        body = gzip.decompress(bytes(version.body_gzip))
        if output:
            with open(output, "wb") as handle:
                handle.write(body)
            self.stderr.write(f"Wrote {len(body)} bytes served at {path} at {moment.isoformat()} to {output}.")
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
