from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = gettext_lazy("Articles")

    def ready(self) -> None:
        import reversion

        from .models import Article, ArticleVariant, GlossaryDefinition, GlossaryTerm, Reference

        # Workflow fields are not content: reverting a version must never
        # restore an old status, lock or approval pointer.
        reversion.register(
            Article,
            # The language is content (a translation's text is in it); fixed once the article exists.
            fields=["slug", "title", "condition", "drugs", "summary", "body", "language"],
            follow=["variants", "references"],
        )
        reversion.register(ArticleVariant, fields=["article", "audience", "summary", "body"])
        reversion.register(
            Reference,
            fields=[
                "article",
                *("key", "kind", "title", "authors", "source", "year", "pmid", "doi", "url"),
                *("spl_set_id", "spl_version", "spl_date"),
            ],
        )
        # The glossary's wording is medical content: every proposal and approval is a revision too.
        reversion.register(GlossaryTerm, fields=["term", "explanation", "synonyms", "active", "approved_version"])
        reversion.register(
            GlossaryDefinition,
            fields=["glossary_term", "version", "term", "explanation", "synonyms", "active", "status", "decided_at"],
        )

        from audit.registry import register_actions

        from .text import connect_text_cleaning
        from .workflow import EVENT_LABELS, EVENT_LABELS_REACHING

        connect_text_cleaning(self)
        register_actions(EVENT_LABELS, reaching=EVENT_LABELS_REACHING)
        register_actions(
            {
                "translation_start": gettext_lazy("started a translation"),
                "translation_out_of_date": gettext_lazy("marked the translation out of date (the source changed)"),
                "translation_rebase": gettext_lazy("brought the translation up to date with the source"),
            }
        )
