from django.urls import include, path

from . import views

app_name = "studio"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    # Submit / withdraw / resolve-comment actions, owned by the review app.
    path("", include("review.studio_urls")),
]
