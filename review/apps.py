from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = gettext_lazy("Medical Advisory Board review")

    def ready(self) -> None:
        from articles.text import connect_text_cleaning
        from audit.registry import register_actions

        from .workflow import EVENT_LABELS

        connect_text_cleaning(self)
        register_actions(EVENT_LABELS)
