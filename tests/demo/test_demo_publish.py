"""The demo seed leaves cmv-treatment live, and a second run adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.models import WorkflowEvent
from publishing import selectors
from publishing.models import Disclaimer, Publication, PublishedPage

pytestmark = pytest.mark.django_db


def test_seed_demo_publishes_cmv_treatment_and_is_idempotent():
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    live = selectors.publication_live_get("cmv-treatment")
    assert live is not None and live.kind == Publication.Kind.APPROVED
    assert live.content_hash == live.article.last_approved_hash
    pro = PublishedPage.objects.get(publication=live, audience__slug="professional")
    assert pro.disclaimer.name == "Professional Medical Disclaimer"
    assert PublishedPage.objects.get(publication=live, audience__slug="student").disclaimer.name == (
        "Educational purpose only"
    )
    counts = (
        Publication.objects.count(),
        PublishedPage.objects.count(),
        Disclaimer.objects.count(),
        WorkflowEvent.objects.count(),
    )

    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    assert counts == (
        Publication.objects.count(),
        PublishedPage.objects.count(),
        Disclaimer.objects.count(),
        WorkflowEvent.objects.count(),
    )


def test_demo_page_is_served_at_its_address(client):
    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    response = client.get("/articles/cmv-treatment/")
    assert response.status_code == 200
    assert "cytomegalovirus" in response.content.decode().lower()


def test_demo_glossary_is_approved_and_pinned_on_the_plain_language_page(client):
    from articles.models import GlossaryDefinition

    call_command("seed_demo", i_know_this_is_not_production=True, stdout=io.StringIO())
    assert not GlossaryDefinition.objects.filter(status=GlossaryDefinition.Status.PROPOSED).exists()
    live = selectors.publication_live_get("cmv-treatment")
    assert {g["term"] for g in live.glossary} >= {"cytomegalovirus", "antiviral"}
    page = client.get("/articles/cmv-treatment/for/patient/").content.decode()
    assert "Words explained" in page
