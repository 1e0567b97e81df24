from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        import reversion

        from .models import EditorialPolicy

        reversion.register(EditorialPolicy, fields=["title", "body"])
