"""Review actions that authors reach from /studio/ (submit, withdraw, resolve comments)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
