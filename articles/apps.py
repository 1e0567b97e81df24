from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        import reversion

        from .models import Article, ArticleVariant, Reference

        # Workflow fields are not content: reverting a version must never
        # restore an old status, lock or approval pointer.
        reversion.register(
            Article,
            fields=["slug", "title", "condition", "drugs", "summary", "body"],
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

        from .text import connect_text_cleaning

        connect_text_cleaning(self)
