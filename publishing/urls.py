from django.urls import include, path

from . import views

app_name = "publishing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # The readers' questions inbox (publishing/inbox_urls.py) is added here once it exists.
]
