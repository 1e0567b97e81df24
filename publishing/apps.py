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

        from evidence.services import register_page_withdrawer

        from .services.publications import publication_withdraw_for_evidence

        register_page_withdrawer(publication_withdraw_for_evidence)
