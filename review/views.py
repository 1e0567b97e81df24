"""The board's review workspace (/review/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cms import roles


@roles.role_required(roles.BOARD)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "review/queue.html", {})
