from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        import reversion

        from .models import EditorialPolicy

        reversion.register(EditorialPolicy, fields=["title", "body"])

        from review.services import register_approval_hook, register_archive_hook

        from .services import publication_on_approval_hook, publication_on_archive_hook

        register_approval_hook(publication_on_approval_hook)
        register_archive_hook(publication_on_archive_hook)

        from articles.text import connect_text_cleaning

        # Stored pages keep the renderer's exact bytes; their text is cleaned on the way out.
        connect_text_cleaning(self, exclude=frozenset({"PublishedPage"}))
