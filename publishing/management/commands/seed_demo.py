"""Load the demo: users for every role, two CMV articles, the board, a live page.

Idempotent: running it again leaves the same data. Each app seeds its own
part through its services (articles/demo.py, review/demo.py,
publishing/demo.py); this command only orders them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from articles import demo as articles_demo
from cms import roles
from publishing import demo as publishing_demo
from review import demo as review_demo

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


class Command(BaseCommand):
    help = "Load the demo users, articles, board and publications (safe to run again)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            users = seed_users()
        # The demo's own workflow notifications would flood the console; keep
        # them in memory and only count them.
        previous_outbox = getattr(mail, "outbox", None)
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                mail.outbox = []
                for step in (articles_demo.seed, review_demo.seed, publishing_demo.seed):
                    step(users, stdout=self.stdout)
                sent = len(mail.outbox)
        finally:
            # Put back an outbox someone else holds (the test runner's).
            if previous_outbox is not None:
                mail.outbox = previous_outbox
        if sent:
            self.stdout.write(f"({sent} workflow notification emails were generated and not sent.)")
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
