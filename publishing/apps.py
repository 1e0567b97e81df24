from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = gettext_lazy("Publishing")

    def ready(self) -> None:
        import reversion
        from django.db.backends.signals import connection_created

        from review.models import BoardMember

        from . import tasks  # noqa: F401 - registers the jobs the services send by name
        from .selectors.search import install_sqlite_unaccent

        connection_created.connect(install_sqlite_unaccent, dispatch_uid="vetted_sqlite_unaccent")
        from .models import Disclaimer, EditorialPolicy, SearchSynonym

        # Page furniture: every approved change is a version (publishing/services/furniture.py).
        reversion.register(EditorialPolicy, fields=["title", "body"])
        reversion.register(Disclaimer, fields=["name", "audience", "text", "active", "effective_from"])
        reversion.register(BoardMember, fields=["display_name", "credentials", "bio", "disclosures"])
        # The search vocabulary: every change a version (publishing/services/search.py).
        reversion.register(SearchSynonym, fields=["term", "synonym", "kind", "source", "term_key", "synonym_key"])

        from audit.registry import register_actions

        from .workflow import EVENT_LABELS

        register_actions(EVENT_LABELS)

        # The hooks the earlier apps run (cms/hooks.py says who runs each and why it is not a direct call).
        from cms import hooks

        from .services import (
            publication_on_approval_hook,
            publication_on_archive_hook,
            publication_on_glossary_refresh_hook,
            publication_withdraw_for_evidence,
        )

        hooks.ON_APPROVAL.register(publication_on_approval_hook)
        hooks.ON_ARCHIVE.register(publication_on_archive_hook)
        hooks.ON_GLOSSARY_REFRESH.register(publication_on_glossary_refresh_hook)
        hooks.PAGE_WITHDRAWERS.register(publication_withdraw_for_evidence)
        # What every stored page shows besides its article: the audiences (the
        # personalise form), disclaimers and the board. A change re-renders them.
        from django.db.models.signals import post_delete, post_save

        # A disclaimer's approved change records its own re-render (RenderRun), so only its deletion is here.
        from articles.models import Audience

        from .signals import refresh_pages_on_commit

        for model in (Audience, BoardMember):
            post_save.connect(refresh_pages_on_commit, sender=model, dispatch_uid=f"refresh-pages-{model.__name__}")
        for model in (Audience, Disclaimer, BoardMember):
            post_delete.connect(
                refresh_pages_on_commit, sender=model, dispatch_uid=f"refresh-pages-del-{model.__name__}"
            )

        from articles.text import connect_text_cleaning

        # Stored pages keep the renderer's exact bytes; their text is cleaned on the way out.
        connect_text_cleaning(self, exclude=frozenset({"PublishedPage", "StoredPage"}))
