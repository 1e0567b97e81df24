"""The editors' publishing desk (/publishing/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cms import roles


@roles.role_required(roles.EDITORS)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "publishing/dashboard.html", {})
