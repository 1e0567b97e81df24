"""A fresh install has default disclaimers (data migration 0004), and the demo seed does not duplicate them."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from articles.models import Audience
from publishing import defaults, selectors
from publishing.models import Disclaimer
from tests.publishing.publish_helpers import approve, request_and_publish

pytestmark = pytest.mark.django_db

migration = importlib.import_module("publishing.migrations.0004_default_disclaimers")


def test_a_fresh_database_has_the_professional_and_the_general_disclaimer():
    rows = {(d.audience.slug if d.audience else None, d.name, d.text) for d in Disclaimer.objects.all()}
    assert rows == {
        ("professional", defaults.PROFESSIONAL_DISCLAIMER_NAME, defaults.PROFESSIONAL_DISCLAIMER_TEXT),
        (None, defaults.GENERAL_DISCLAIMER_NAME, defaults.GENERAL_DISCLAIMER_TEXT),
    }
    assert all(d.active for d in Disclaimer.objects.all())


def test_a_page_published_on_a_fresh_database_carries_the_default_disclaimers(article, author, reviewer, editor):
    publication = request_and_publish(approve(article, author=author, reviewer=reviewer), editor=editor)

    professional = selectors.published_page_get(publication, Audience.objects.get(slug="professional"))
    patient = selectors.published_page_get(publication, Audience.objects.get(slug="patient"))
    default = selectors.published_page_get(publication, None)
    assert professional.disclaimer.name == "Professional Medical Disclaimer"
    assert "clinical judgement" in professional.disclaimer_html
    assert patient.disclaimer.name == defaults.GENERAL_DISCLAIMER_NAME
    assert "Talk with your doctor" in patient.disclaimer_html
    assert default.disclaimer == patient.disclaimer


def test_the_reader_page_shows_each_audience_its_default_disclaimer(client, article, author, reviewer, editor):
    request_and_publish(approve(article, author=author, reviewer=reviewer), editor=editor)
    professional = client.get("/articles/cmv-treatment/for/professional/").content.decode()
    patient = client.get("/articles/cmv-treatment/for/patient/").content.decode()
    assert "Professional Medical Disclaimer" in professional
    assert "Professional Medical Disclaimer" not in patient
    assert defaults.GENERAL_DISCLAIMER_NAME in patient


def test_the_migration_adds_nothing_when_the_site_has_disclaimers_and_fills_an_empty_site():
    migration.create_default_disclaimers(apps, None)
    assert Disclaimer.objects.count() == 2

    Disclaimer.objects.all().delete()
    Disclaimer.objects.create(name="Our own", text="Site wording.", effective_from="2026-01-01T00:00Z")
    migration.create_default_disclaimers(apps, None)
    assert list(Disclaimer.objects.values_list("name", flat=True)) == ["Our own"]

    Disclaimer.objects.all().delete()
    migration.create_default_disclaimers(apps, None)
    assert Disclaimer.objects.count() == 2


def test_seed_demo_reuses_the_defaults_and_adds_only_the_student_disclaimer():
    before = set(Disclaimer.objects.values_list("pk", flat=True))
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    added = Disclaimer.objects.exclude(pk__in=before).filter(language="en")
    assert [(d.audience.slug, d.name) for d in added] == [("student", "Educational purpose only")]
    assert Disclaimer.objects.filter(audience__slug="professional", language="en").count() == 1
    assert Disclaimer.objects.filter(audience__isnull=True, language="en").count() == 1
    # The demo's Spanish pages get their own wording for the general and professional notices.
    spanish = Disclaimer.objects.filter(language="es")
    assert sorted(d.audience.slug if d.audience else "" for d in spanish) == ["", "professional"]
