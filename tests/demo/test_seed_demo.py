"""manage.py seed_demo: safe to run twice, and every demo user can sign in."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from reversion.models import Revision, Version

from articles.models import Article
from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS

# Refreshed on every save or sign-in without meaning the data changed.
VOLATILE_FIELDS = {"last_login"}


def _is_volatile(field: models.Field) -> bool:
    return field.name in VOLATILE_FIELDS or getattr(field, "auto_now", False)


def _snapshot() -> dict[str, list[tuple]]:
    """Return every row of every model (M2M tables included) as sorted tuples, timestamps aside."""
    snapshot = {}
    seen_tables = set()
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in seen_tables or not model._meta.managed:
            continue
        seen_tables.add(table)
        names = [f.attname for f in model._meta.concrete_fields if not _is_volatile(f)]
        rows = model._base_manager.values_list(*names)
        snapshot[model._meta.label] = sorted(rows, key=repr)
    return snapshot


def _run_seed_demo(django_capture_on_commit_callbacks) -> str:
    out = io.StringIO()
    # Run on-commit work (tasks, notifications) as a real `manage.py seed_demo` would.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", i_know_this_is_not_production=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_twice_leaves_exactly_the_same_rows(django_capture_on_commit_callbacks):
    first_output = _run_seed_demo(django_capture_on_commit_callbacks)
    first = _snapshot()
    second_output = _run_seed_demo(django_capture_on_commit_callbacks)
    second = _snapshot()

    # The snapshot really covers the demo: users, group memberships, articles, history.
    assert len(first["auth.User"]) == len(DEMO_USERS)
    assert len(first["auth.User_groups"]) >= len(DEMO_USERS) - 1
    assert len(first["articles.Article"]) == 5  # the CMV pair and shingles in English, CMV and shingles in Spanish
    assert len(first["articles.ArticleVariant"]) == 6
    assert len(first["articles.Reference"]) >= 10
    assert len(first["reversion.Revision"]) >= 2 and len(first["reversion.Version"]) >= 2
    changed = sorted(label for label in first if first[label] != second[label])
    assert changed == [], f"a second seed_demo changed {changed}"
    assert (Revision.objects.count(), Version.objects.count()) == (
        len(first["reversion.Revision"]),
        len(first["reversion.Version"]),
    )
    assert "Created article" in first_output and "Created article" not in second_output
    assert "Demo data is ready." in second_output


@pytest.mark.django_db
def test_seed_demo_makes_author_the_only_author_of_both_articles(django_capture_on_commit_callbacks):
    _run_seed_demo(django_capture_on_commit_callbacks)
    for article in Article.objects.all():
        assert [user.username for user in article.authors.all()] == ["author"]


@pytest.mark.django_db
def test_every_demo_user_signs_in_with_the_demo_password(client, django_capture_on_commit_callbacks):
    _run_seed_demo(django_capture_on_commit_callbacks)
    for username in [row[0] for row in DEMO_USERS]:
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"{username} could not sign in"
        assert client.session.get("_auth_user_id")
        assert client.get(reverse("home")).status_code in {200, 302}
        client.logout()
        bad = client.post(reverse("login"), {"username": username, "password": "not-the-password"})
        assert bad.status_code == 200 and "_auth_user_id" not in client.session, username


@pytest.mark.django_db
def test_the_waiting_demo_article_needs_two_approvals():
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    article = Article.objects.get(slug="disseminated-cmv-treatment")
    assert article.status == Article.Status.SUBMITTED
    assert article.review_rounds.get(status="open").required_approvals == 2


@pytest.mark.django_db
def test_seed_demo_keeps_its_emails_out_of_the_callers_outbox(mailoutbox):
    from django.core import mail

    mail.send_mail("before", "kept", "a@example.org", ["b@example.org"])
    out = io.StringIO()
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=out)
    assert mail.outbox is mailoutbox
    assert [m.subject for m in mailoutbox] == ["before"]


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_unless_told_it_is_not_production(settings):
    from django.contrib.auth import get_user_model
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", stdout=io.StringIO())
    assert "--i-know-this-is-not-production" in str(refused.value) and "createsuperuser" in str(refused.value)
    assert not get_user_model().objects.filter(username="admin").exists()

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_demo_in_services_mode_sends_nothing_to_the_broker(settings, caplog):
    """With a broker configured, the demo's notifications still run in-process into memory.

    A transaction test, so on-commit work runs when each service commits, as in `manage.py seed_demo`.
    """
    import logging
    import socket

    from cms.celery import app as celery_app
    from tests.publishing.publish_helpers import broker

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed
    out = io.StringIO()
    with broker(closed), caplog.at_level(logging.WARNING, logger="cms.tasks"):
        call_command("seed_demo", i_know_this_is_not_production=True, stdout=out)
    # Nothing stays pinned: the Celery app follows the settings again (they are put back after the test).
    assert "task_always_eager" not in celery_app.conf.changes and "broker_url" not in celery_app.conf.changes
    assert not [r for r in caplog.records if "Could not enqueue" in r.getMessage()]  # nothing tried the broker
    assert "workflow notification emails were generated and not sent" in out.getvalue()
    assert Article.objects.filter(slug="cmv-treatment").exists()


@pytest.mark.django_db
def test_the_demo_search_finds_the_cmv_article_by_its_brand_name_and_abbreviation(client):
    from publishing.models import SearchSynonym

    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    assert SearchSynonym.objects.filter(term="Valcyte", synonym="valganciclovir").exists()
    for query in ("Valcyte", "CMV"):
        page = client.get("/search/", {"q": query}).content.decode()
        assert "/articles/cmv-treatment/" in page, query
    count = SearchSynonym.objects.count()
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    assert SearchSynonym.objects.count() == count  # the second run adds nothing


@pytest.mark.django_db
def test_the_demo_has_the_cmv_article_in_spanish_live_and_out_of_date(client, django_capture_on_commit_callbacks):
    _run_seed_demo(django_capture_on_commit_callbacks)
    spanish = Article.objects.get(slug="tratamiento-cmv")
    assert spanish.language == "es" and spanish.translation_of.slug == "cmv-treatment"
    assert spanish.status == Article.Status.APPROVED and spanish.translation_out_of_date
    assert {v.audience.slug for v in spanish.variants.all()} == {"patient", "professional"}
    for path in ("/es/articles/tratamiento-cmv/", "/es/articles/tratamiento-cmv/for/professional/"):
        page = client.get(path).content.decode()
        assert '<html lang="es"' in page and "translation-notice" in page, path
        assert "Existe una versión más reciente" in page, path
    english = client.get("/articles/cmv-treatment/").content.decode()
    assert 'hreflang="es"' in english and "translation-notice" not in english


@pytest.mark.django_db
def test_the_demo_has_a_current_spanish_translation_and_spanish_furniture(client, django_capture_on_commit_callbacks):
    _run_seed_demo(django_capture_on_commit_callbacks)
    shingles = Article.objects.get(slug="tratamiento-herpes-zoster")
    assert shingles.language == "es" and shingles.translation_of.slug == "shingles-treatment"
    assert shingles.status == Article.Status.APPROVED and not shingles.translation_out_of_date
    page = client.get("/es/articles/tratamiento-herpes-zoster/").content.decode()
    assert '<html lang="es"' in page and "translation-notice" not in page and "valaciclovir 1 g" in page
    assert 'hreflang="en"' in page and "/articles/shingles-treatment/" in page
    # The Spanish page explains its terms with the Spanish glossary the Spanish reviewer approved.
    patient = client.get("/es/articles/tratamiento-cmv/for/patient/").content.decode()
    assert "Un virus muy común que casi nunca da problemas" in patient and "glossary-term" in patient
    assert ">Palabras explicadas</h2>" in patient and "Words explained" not in patient
    # Spanish policy and board entry, approved like any furniture: no fallback notice for them.
    policy = client.get("/es/editorial-policy/").content.decode()
    assert "<h1>Política editorial</h1>" in policy and "no está disponible" not in policy
    board = client.get("/es/board/").content.decode()
    assert "Oftalmóloga especializada" in board and 'lang="en"' in board  # the others are shown in English
    # A Spanish reader finds the live Spanish page from search.
    results = client.get("/es/search/", {"q": "herpes zóster"}).content.decode()
    assert "/es/articles/tratamiento-herpes-zoster/" in results
