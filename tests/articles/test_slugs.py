"""Slugs: lowercase letters, digits and single hyphens, unique whatever their case."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles import services
from articles.exceptions import SlugTaken
from articles.models import Article
from articles.text import validate_slug

fix_slugs = importlib.import_module("articles.migrations.0007_slug_lowercase_unique").fix_slugs


@pytest.mark.parametrize("slug", ["cmv", "cmv-treatment", "hiv-2", "a", "2024-update"])
def test_valid_slugs(slug):
    validate_slug(slug)


@pytest.mark.parametrize("slug", ["CMV-Treatment", "-cmv", "cmv-", "cmv--treatment", "_x_", "cmv_treatment", "", "ça"])
def test_invalid_slugs_are_refused_with_a_suggestion(slug):
    with pytest.raises(ValidationError) as excinfo:
        validate_slug(slug)
    assert "lowercase letters, digits and single hyphens" in excinfo.value.messages[0]


def test_service_refuses_an_uppercase_slug(author):
    with pytest.raises(ValidationError) as excinfo:
        services.article_create(acting_user=author, slug="CMV-Treatment", title="T", condition="C")
    assert "“cmv-treatment”" in " ".join(excinfo.value.message_dict["slug"])


def test_slug_differing_only_in_case_is_taken(author, article):
    with pytest.raises(SlugTaken):
        services.article_create(acting_user=author, slug=article.slug, title="T", condition="C")


@pytest.mark.django_db(transaction=False)
def test_database_refuses_a_slug_differing_only_in_case(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(slug=article.slug.upper(), title="T", condition="C")


def test_studio_form_explains_the_slug_rule(client, author):
    client.force_login(author)
    data = {
        "title": "T",
        "slug": "My_Slug",
        "condition": "C",
        "references-TOTAL_FORMS": 0,
        "references-INITIAL_FORMS": 0,
    }
    response = client.post("/studio/new/", data)
    assert response.status_code == 200
    assert "single hyphens" in response.content.decode()
    assert not Article.objects.exists()


def test_migration_rewrites_bad_slugs_to_free_valid_ones(db, capsys):
    good = Article.objects.create(slug="cmv-treatment", title="A", condition="C")
    clash = Article.objects.create(slug="cmv_treatment", title="B", condition="C")
    odd = Article.objects.create(slug="--HIV__Care--", title="C", condition="C")
    fix_slugs(apps, None)
    assert Article.objects.get(pk=good.pk).slug == "cmv-treatment"
    assert Article.objects.get(pk=clash.pk).slug == "cmv-treatment-2"
    assert Article.objects.get(pk=odd.pk).slug == "hiv-care"
    assert "cmv_treatment" in capsys.readouterr().out
