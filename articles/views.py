"""The authoring workspace (/studio/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cms import roles
from articles import selectors


@roles.role_required(roles.AUTHORS)
def article_list(request: HttpRequest) -> HttpResponse:
    articles = selectors.article_list_for_author(request.user, search=request.GET.get("q", ""))
    return render(request, "articles/article_list.html", {"articles": articles})
