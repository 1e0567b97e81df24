"""The shared draft preview, /preview/<token>/ (review/preview_views.py)."""

from django.urls import path

from . import preview_views

app_name = "preview"

urlpatterns = [path("<str:token>/", preview_views.preview, name="show")]
