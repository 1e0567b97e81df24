from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DemoConfig(AppConfig):
    """The demo site's content and `seed_demo`: nothing else imports it (tests/test_structure.py)."""

    name = "demo"
    verbose_name = gettext_lazy("Demo content")
