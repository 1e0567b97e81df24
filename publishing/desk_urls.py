"""Editors' desk pages beside publishing: readers' questions inbox, editorial policy."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
