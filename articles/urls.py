from django.urls import include, path

from . import translation_views, views

app_name = "studio"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_create, name="article_create"),
    path("new/preview/", views.article_create_preview, name="article_create_preview"),
    path("new/draft/", views.article_create_draft, name="article_create_draft"),
    path("glossary/", views.glossary, name="glossary"),
    path("<slug:slug>/", views.article_edit, name="article_edit"),
    path("<slug:slug>/preview/", views.article_preview, name="article_preview"),
    path("<slug:slug>/draft/", views.article_draft, name="article_draft"),
    path("<slug:slug>/history/", views.article_history, name="article_history"),
    path("<slug:slug>/compare/", views.article_compare, name="article_compare"),
    path("<slug:slug>/restore/<int:revision_id>/", views.article_restore, name="article_restore"),
    path("<slug:slug>/references/import/", views.reference_import, name="reference_import"),
    path("<slug:slug>/references/add-by-id/", views.reference_add_by_identifier, name="reference_add_by_identifier"),
    path("<slug:slug>/references/lookup/", views.reference_lookup, name="reference_lookup"),
    path("<slug:slug>/translations/new/", translation_views.translation_start, name="translation_start"),
    path("<slug:slug>/translations/up-to-date/", translation_views.translation_rebase, name="translation_rebase"),
    # Submit / withdraw / resolve-comment actions, owned by the review app.
    path("", include("review.studio_urls")),
]
