from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Medical Advisory Board review"

    def ready(self) -> None:
        from articles.text import connect_text_cleaning

        connect_text_cleaning(self)
