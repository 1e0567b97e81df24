"""Templates: links from {% url %}, role names from cms/roles.py, stylesheets only in <head>."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse

from cms import roles

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {"node_modules", ".venv", "var", ".git"}
# An internal address typed into an attribute: href="/studio/", action='/', data-url="/x".
# Protocol-relative ("//host") and absolute ("https://") addresses are external and allowed.
HARD_CODED_PATH = re.compile(r"""\b(?:href|src|action|formaction|poster|data-[\w-]+)\s*=\s*["']/(?!/)""")
# Templates allowed to type an internal path, each with the reason. Keep it empty unless one truly must.
ALLOWED_PATHS: dict[str, str] = {}
STYLESHEET = re.compile(r"""<link\b[^>]*\brel=["']?stylesheet""", re.I)
HEAD_BLOCK = re.compile(r"{%\s*block head\s*%}.*?{%\s*endblock", re.S)
HEAD_ELEMENT = re.compile(r"<head>.*?</head>", re.S | re.I)


def template_files(*suffixes: str) -> list[Path]:
    """Return every project template (templates/ and each app's templates/ folder) with one of `suffixes`."""
    found = []
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if path.suffix in suffixes and "templates" in parts and not set(parts) & SKIP_DIRS:
            found.append(path)
    return found


def hard_coded_paths(text: str) -> list[str]:
    """Return the lines of `text` that type an internal address into an attribute."""
    return [line.strip() for line in text.splitlines() if HARD_CODED_PATH.search(line)]


def typed_role_names(text: str) -> list[str]:
    """Return the role group names (cms.roles.ALL_GROUPS) typed literally into `text`."""
    return [name for name in roles.ALL_GROUPS if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)]


def stylesheets_outside_head(text: str) -> int:
    """Count the stylesheet links of a template that are neither in <head> nor in {% block head %}."""
    return len(STYLESHEET.findall(HEAD_ELEMENT.sub("", HEAD_BLOCK.sub("", text))))


# --- the scanners can fail -------------------------------------------------------------------


def test_path_scanner_flags_internal_paths_and_allows_urls_and_external_links():
    text = "\n".join(
        [
            '<a href="/studio/">Studio</a>',
            "<form action='/' method=post>",
            '<div data-url="/studio/x/preview/">',
            "<a href=\"{% url 'studio:article_list' %}\">ok</a>",
            '<a href="https://www.ncbi.nlm.nih.gov/">ok</a>',
            '<a href="//cdn.example/">ok</a>',
            '<a href="#main">ok</a>',
        ]
    )
    assert hard_coded_paths(text) == [
        '<a href="/studio/">Studio</a>',
        "<form action='/' method=post>",
        '<div data-url="/studio/x/preview/">',
    ]


def test_role_name_scanner_flags_group_names_but_not_ordinary_words():
    assert typed_role_names("reviewed by our Medical Advisory Board.") == [roles.BOARD]
    assert typed_role_names("{% if 'Editors' in user_roles %}") == [roles.EDITORS]
    assert typed_role_names("our editors and authors write") == []


def test_stylesheet_scanner_allows_head_only():
    assert stylesheets_outside_head('{% block head %}<link rel="stylesheet" href="x.css">{% endblock %}') == 0
    assert stylesheets_outside_head('<head><link rel="stylesheet" href="x.css"></head><body></body>') == 0
    assert stylesheets_outside_head('<section><link rel="stylesheet" href="x.css"></section>') == 1


# --- the templates -------------------------------------------------------------------------------


def test_templates_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in template_files(".html")}
    assert "templates/base.html" in names and "templates/review/detail.html" in names


@pytest.mark.parametrize("path", template_files(".html"), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_hard_coded_internal_path_in_templates(path):
    rel = path.relative_to(ROOT).as_posix()
    if rel in ALLOWED_PATHS:
        pytest.skip(ALLOWED_PATHS[rel])
    assert not hard_coded_paths(path.read_text()), f"{rel}: use {{% url %}} (or {{% static %}}) for internal links"


@pytest.mark.parametrize("path", template_files(".html", ".txt", ".xml"), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_role_name_typed_in_templates(path):
    found = typed_role_names(path.read_text())
    assert not found, (
        f"{path.relative_to(ROOT)} types {found}: use {{% role_name %}} or |has_role (cms/template_roles.py)"
    )


@pytest.mark.parametrize("path", template_files(".html"), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_colour_typed_in_templates(path):
    found = re.findall(r"""=\s*["']#[0-9a-fA-F]{3,8}["']|\brgba?\(""", path.read_text())
    assert not found, f"{path.relative_to(ROOT)} names colours {found}: style it from a token in the stylesheets"


@pytest.mark.parametrize("path", template_files(".html"), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_stylesheets_only_in_head(path):
    assert stylesheets_outside_head(path.read_text()) == 0, f"{path.relative_to(ROOT)} links a stylesheet in the body"


# --- role names come from cms/roles.py -------------------------------------------------------------


def test_role_name_tag_renders_the_name_from_roles_py(monkeypatch):
    monkeypatch.setattr(roles, "BOARD", "Clinical Review Panel")
    html = render_to_string("publishing/reader/board.html", {"board": [], "SITE_NAME": "Vetted"})
    assert "<h1>Clinical Review Panel</h1>" in html
    assert "Medical Advisory Board" not in html


def test_role_name_tag_refuses_an_unknown_role():
    from django.template import engines

    template = engines["django"].from_string('{% role_name "REVIEWERS" %}')
    with pytest.raises(TemplateSyntaxError, match="Unknown role"):
        template.render({})


@pytest.mark.django_db
def test_staff_navigation_follows_the_roles(client, author, editor):
    client.force_login(author)
    html = client.get(reverse("studio:article_list")).content.decode()
    assert f'href="{reverse("studio:article_list")}">Studio<' in html
    assert f'href="{reverse("publishing:dashboard")}">Publishing<' not in html
    client.force_login(editor)
    html = client.get(reverse("publishing:dashboard")).content.decode()
    assert f'href="{reverse("publishing:dashboard")}">Publishing<' in html
    assert f'href="{reverse("studio:glossary")}">Glossary<' in html


# --- rendered pages: stylesheets in <head>, tokens and components loaded ---------------------------


def _head_and_body(html: str) -> tuple[str, str]:
    head, _, body = html.partition("</head>")
    return head, body


@pytest.mark.django_db
def test_studio_editor_loads_every_stylesheet_in_head(client, author, article):
    client.force_login(author)
    head, body = _head_and_body(
        client.get(reverse("studio:article_edit", kwargs={"slug": article.slug})).content.decode()
    )
    for sheet in (
        "vetted/tokens.css",
        "vetted/components.css",
        "vetted/site.css",
        "vetted/studio.css",
        "studio/editor.css",
        "review/review.css",
    ):
        assert sheet in head, sheet
    assert not STYLESHEET.search(body)


@pytest.mark.django_db
def test_reader_pages_load_tokens_then_components_then_site(client):
    head, body = _head_and_body(client.get(reverse("reader:board")).content.decode())
    positions = [head.index(sheet) for sheet in ("vetted/tokens.css", "vetted/components.css", "vetted/site.css")]
    assert positions == sorted(positions)
    assert not STYLESHEET.search(body)
