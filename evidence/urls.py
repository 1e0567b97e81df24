"""Evidence URLs, mounted at /publishing/evidence/ (see cms/urls.py)."""

from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.report, name="report"),
    path("alerts/<int:pk>/", views.alert_act, name="alert_act"),
    path("articles/<slug:slug>/", views.article_evidence, name="article"),
    path("articles/<slug:slug>/doses/accept/", views.dose_accept, name="dose_accept"),
]
