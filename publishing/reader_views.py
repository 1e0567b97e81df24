"""Public reader pages: only published, approved content is ever read here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "publishing/reader/index.html", {})
