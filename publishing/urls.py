from django.urls import include, path

from . import views

app_name = "publishing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Readers' questions inbox and the editorial policy editor.
    path("", include("publishing.desk_urls")),
]
