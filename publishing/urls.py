from django.urls import include, path

from . import views

app_name = "publishing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("articles/<slug:slug>/publish/", views.publish, name="publish"),
    path("articles/<slug:slug>/publish-provisional/", views.publish_provisional, name="publish_provisional"),
    path("articles/<slug:slug>/schedule/", views.schedule, name="schedule"),
    path("articles/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("articles/<slug:slug>/history/", views.history, name="history"),
    path("publications/<int:pk>/retry/", views.retry, name="retry"),
    # Readers' questions inbox and the editorial policy editor.
    path("", include("publishing.desk_urls")),
]
