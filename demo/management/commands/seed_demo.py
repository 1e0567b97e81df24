"""Load the demo: users for every role, two CMV articles, the board, a live page.

Idempotent: running it again leaves the same data. The demo app holds all
of it (demo/texts.py the articles and glossary, board.py the board and the
review round, labels.py the sample label and codes, publish.py the live page,
translations.py and shingles.py the Spanish pages); each part goes through
the apps' services, and this command only orders them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from cms import roles
from cms.celery import configured as celery_configured

from ... import board, labels, publish, shingles, texts, translations

# bandit waiver (reviewed): the demo password; seed_demo refuses to run in production.
DEMO_PASSWORD = "vetted-demo"  # demo only; never used by production settings  # nosec B105
DEMO_USERS = [
    # username, first, last, groups, superuser
    ("author", "Maya", "Lindqvist", [roles.AUTHORS], False),
    ("author2", "Tomás", "Reyes", [roles.AUTHORS], False),
    ("reviewer", "Amara", "Okafor", [roles.BOARD], False),
    ("reviewer2", "Henrik", "Sato", [roles.BOARD], False),
    ("reviewer3", "Lucía", "Marín", [roles.BOARD], False),
    ("editor", "Priya", "Raman", [roles.EDITORS], False),
    ("admin", "Ada", "Admin", [], True),
]


def seed_users() -> dict[str, object]:
    """Create (or reset) the demo users and return them by username."""
    User = get_user_model()
    users = {}
    for username, first, last, groups, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@vetted.example"},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.is_staff = superuser
        user.is_superuser = superuser
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        users[username] = user
    return users


@contextlib.contextmanager
def _everything_in_this_process() -> Iterator[list]:
    """Run tasks in-process and keep every email in memory; yield the list of emails.

    In services mode the demo's notifications would otherwise go through the
    broker to a worker and out by SMTP to the demo addresses.
    """
    previous_outbox = getattr(mail, "outbox", None)
    try:
        with (
            celery_configured(task_always_eager=True),
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", CELERY_TASK_ALWAYS_EAGER=True
            ),
        ):
            mail.outbox = []
            yield mail.outbox
    finally:
        # Put back an outbox someone else holds (the test runner's).
        if previous_outbox is not None:
            mail.outbox = previous_outbox
        elif hasattr(mail, "outbox"):
            del mail.outbox


class Command(BaseCommand):
    help = (
        "Load the demo users, articles, board and publications (safe to run again). "
        "Demo users share a published password: with DEBUG off it refuses unless given "
        "--i-know-this-is-not-production."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Seed even though DEBUG is off (a local trial of services mode, never a real site).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "DEBUG is off, so this looks like a production site: seed_demo would create an "
                f"'admin' superuser and other accounts whose password ({DEMO_PASSWORD!r}) is published "
                "in the README. Create real accounts with `manage.py createsuperuser` instead, or, "
                "if this really is a local trial, run `manage.py seed_demo --i-know-this-is-not-production`."
            )
        with transaction.atomic():
            users = seed_users()
        # The demo's workflow notifications would flood the console (or, in
        # services mode, be mailed by the worker): keep them in memory, count them.
        with _everything_in_this_process() as outbox:
            for step in (
                texts.seed,
                board.seed,
                labels.seed,
                publish.seed,
                translations.seed,
                shingles.seed,
            ):
                step(users, stdout=self.stdout)
            sent = len(outbox)
        if sent:
            self.stdout.write(f"({sent} workflow notification emails were generated and not sent.)")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
