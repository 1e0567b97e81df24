"""Reader and staff pages under translation.override("es"): Spanish text, no English leftovers; English unchanged."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from publishing.models import Publication
from publishing.pages import render_article_page
from tests.publishing.reader_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _live(published) -> Publication:
    return Publication.objects.get(pk=published.pk)


def test_the_article_page_reads_in_spanish_around_the_approved_text(published):
    publication = _live(published)
    english = render_article_page(publication, None).decode()
    # A page's chrome is in its article's language (a Spanish translation), whatever language is active.
    publication.article.language = "es"
    spanish = render_article_page(publication, None).decode()
    text = _text(spanish)
    for phrase in (
        "Estado de revisión del artículo",
        "Enviado",
        "En revisión",
        "Aprobado",
        "Última actualización",
        "Revisado médicamente por",
        "¿Cuál le describe mejor?",
        "Mostrar esta versión",
        "Lectores en general",
        "Solo con fines educativos",
        "Consejo Asesor Médico",
        "Referencias",
        "Saltar al contenido",
    ):
        assert phrase in text, phrase
    # Dates in the Spanish order ("7 de diciembre de 2026"), not "December 7, 2026".
    assert re.search(r"Última actualización \d{1,2} de [a-z]+ de \d{4}", text), text[:400]
    for phrase in (
        "Article Review Status",
        "Under Review",
        "Last updated",
        "Medically reviewed by",
        "Which best describes you?",
        "Show this version",
        "General readers",
        "Educational purpose only",
        "Medical Advisory Board",
        "Skip to content",
        "Have a follow-up question?",
    ):
        assert phrase not in text, phrase
    # The approved article itself is the same bytes in both: only the page around it is translated.
    body = re.search(r'<div class="article-body">(.*?)</div>\s*\n', english, re.S).group(1)
    assert body in spanish
    # An active Spanish does not make an English article's page Spanish: its address and bytes stay.
    publication.article.language = "en"
    with translation.override("es"):
        assert render_article_page(publication, None).decode() == english


def test_reader_site_pages_read_in_spanish(client, published):
    with translation.override("es"):
        board = _text(client.get(reverse("reader:board")).content.decode())
        policy = _text(client.get(reverse("reader:editorial_policy")).content.decode())
    assert "Declaración de intereses" in board and "Política editorial" in board
    assert "Disclosures" not in board
    assert "Conozca al Consejo Asesor Médico" in policy
    assert "Meet the" not in policy


def test_staff_pages_read_in_spanish(client, published, editor, author):
    client.force_login(editor)
    with translation.override("es"):
        desk = _text(client.get(reverse("publishing:dashboard")).content.decode())
    assert "Alertas de evidencia" in desk and "Aprobados, aún sin publicar" in desk and "Cerrar la sesión" in desk
    for english in ("Evidence alerts", "Approved, not yet published", "Nothing is scheduled.", "Sign out"):
        assert english not in desk
    client.force_login(author)
    with translation.override("es"):
        studio = _text(client.get(reverse("studio:article_list")).content.decode())
    assert "Mis artículos" in studio and "Artículos que usted escribe" in studio
    assert "My articles" not in studio
    client.logout()
    with translation.override("es"):
        login_page = _text(client.get(reverse("login")).content.decode())
    assert "Usuario" in login_page and "Contraseña" in login_page
    assert "Username" not in login_page and "Password" not in login_page


def test_a_form_error_and_a_message_read_in_spanish(client, published, author):
    client.force_login(author)
    with translation.override("es"):
        response = client.get(reverse("studio:article_compare", args=[published.article.slug]), follow=True)
    text = _text(response.content.decode())
    assert "Elija dos versiones de este artículo para compararlas." in text


def test_the_studio_scripts_get_their_spanish_catalogue(client, author, published):
    client.force_login(author)
    with translation.override("es"):
        page = client.get(reverse("studio:article_edit", args=[published.article.slug])).content.decode()
        catalogue = client.get(reverse("javascript_catalog")).content.decode()
    # The catalogue is loaded before the scripts that use it (all three are deferred, so in order).
    assert page.index(reverse("javascript_catalog")) < page.index("vetted/studio.js") < page.index("editor.bundle")
    assert "Vista previa al d\\u00eda" in catalogue or "Vista previa al día" in catalogue
    english = client.get(reverse("javascript_catalog")).content.decode()
    assert "Vista previa" not in english
