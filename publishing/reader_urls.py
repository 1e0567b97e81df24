"""Public reader URLs, mounted at / in the "reader" namespace."""

from django.urls import path

from . import api, feeds, question_views, reader_views, sitemaps

app_name = "reader"

urlpatterns = [
    path("", reader_views.index, name="index"),
    path("search/", reader_views.search, name="search"),
    path("articles/<slug:slug>/", reader_views.article, name="article"),
    path("articles/<slug:slug>/for/<slug:audience_slug>/", reader_views.article_for, name="article_for"),
    path("articles/<slug:slug>/question/", question_views.question, name="question"),
    path("articles/<slug:slug>/question/sent/", question_views.question_sent, name="question_sent"),
    path("articles/<slug:slug>/provenance.json", reader_views.provenance, name="provenance"),
    path("personalise/", reader_views.personalise, name="personalise"),
    path("editorial-policy/", reader_views.editorial_policy, name="editorial_policy"),
    path("board/", reader_views.board, name="board"),
    path("changes/", reader_views.changes, name="changes"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-<slug:section>-<int:page>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("feed/", feeds.feed, name="feed"),
    path("robots.txt", reader_views.robots_txt, name="robots"),
    path("api/articles/", api.article_list, name="api_article_list"),
    path("api/articles/<slug:slug>/", api.article_detail, name="api_article"),
]
