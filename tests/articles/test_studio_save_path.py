"""The studio save reads view → form → one service call → response: the path to the service stays short.

A profiler counts the project's own function frames entered between the edit
view's start and the service call (`articles.services.article_update`), and
the project files they live in. Django's and the libraries' frames are not
counted: the rule is about how often our code bounces between its rooms.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.urls import reverse

from articles import services
from tests.articles.test_studio_views import _add_reference, _edit_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PROJECT_ROOMS = ("articles", "review", "evidence", "publishing", "cms", "audit", "ops", "textkit", "demo")
# Comprehensions and lambdas get frames of their own in Python 3.11, but they are expressions inside
# the function that holds them, not a stay in another function.
EXPRESSION_FRAMES = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"}
MAX_STAYS = 20
MAX_FILES = 8


def _project_file(filename: str) -> str | None:
    try:
        rel = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return rel.as_posix() if rel.parts and rel.parts[0] in PROJECT_ROOMS else None


def _path_to_service(client, url: str, data: dict) -> list[tuple[str, str]]:
    """Return the (file, function) of each project frame entered from the view's start to the service call."""
    stays: list[tuple[str, str]] = []
    state = {"in_view": False, "done": False}
    target = services.article_update.__code__

    def profile(frame, event, arg):
        if event != "call" or state["done"]:
            return
        code = frame.f_code
        if code is target:
            state["done"] = True
            return
        rel = _project_file(code.co_filename)
        if rel is None or code.co_name in EXPRESSION_FRAMES:
            return
        if not state["in_view"]:
            if code.co_name != "article_edit" or not rel.startswith("articles/views"):
                return
            state["in_view"] = True
        stays.append((rel, code.co_name))

    sys.setprofile(profile)
    try:
        response = client.post(url, data)
    finally:
        sys.setprofile(None)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert state["in_view"] and state["done"], "the profiler did not see the view reach the service"
    return stays


def test_the_studio_save_reaches_its_service_in_few_stays_and_files(client, author, article):
    client.force_login(author)
    url = reverse("studio:article_edit", kwargs={"slug": article.slug})
    stays = _path_to_service(client, url, _edit_data(article, body="## Dosing\n\nSaved through the view.\n"))
    files = sorted({rel for rel, _name in stays})
    described = "\n".join(f"{rel}:{name}" for rel, name in stays)
    assert len(stays) <= MAX_STAYS, f"{len(stays)} stays before the service (at most {MAX_STAYS}):\n{described}"
    assert len(files) <= MAX_FILES, f"{len(files)} files before the service (at most {MAX_FILES}): {files}"
    article.refresh_from_db()
    assert "Saved through the view." in article.body


def test_the_path_does_not_grow_with_the_references(client, author, article):
    """Per-row work is Django's own: five more reference rows add no stay of ours."""
    client.force_login(author)
    url = reverse("studio:article_edit", kwargs={"slug": article.slug})
    before = _path_to_service(client, url, _edit_data(article, body="## Dosing\n\nOnce.\n"))
    article.refresh_from_db()
    data = _edit_data(article, body="## Dosing\n\nTwice.\n")
    for index in range(5):
        data = _add_reference(data, key=f"extra{index}", kind="research", title=f"Extra paper {index}")
    after = _path_to_service(client, url, data)
    assert len(after) == len(before)
    article.refresh_from_db()
    assert article.references.filter(key__startswith="extra").count() == 5
