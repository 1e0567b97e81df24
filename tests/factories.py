"""factory_boy factories, and helpers that build content through the services."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from articles import services as article_services
from articles.models import Article, Audience, GlossaryTerm
from review import services as review_services
from review.models import BoardMember

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember

    user = factory.SubFactory(UserFactory, groups=["Medical Advisory Board"])
    display_name = factory.LazyAttribute(lambda m: f"Dr. {m.user.username.title()}")
    credentials = "MD, Infectious Diseases"
    specialties = "Infectious diseases, Transplant medicine"
    active = True
    credential_verified_until = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))
    disclosures = "No relevant financial relationships."
    disclosures_declared_on = factory.LazyFunction(dt.date.today)


REFERENCES = [
    {
        "key": "label2023",
        "kind": "fda_label",
        "title": "Valganciclovir tablets: prescribing information",
        "authors": "",
        "source": "U.S. Food and Drug Administration",
        "year": 2023,
        "url": "https://example.org/label",
    },
    {
        "key": "kotton2018",
        "kind": "guideline",
        "title": "The Third International Consensus Guidelines on the Management of CMV in Solid-organ Transplantation",
        "authors": "Kotton CN, Kumar D, Caliendo AM",
        "source": "Transplantation",
        "year": 2018,
        "pmid": "29596116",
        "doi": "10.1097/TP.0000000000002191",
    },
    {
        "key": "martin2002",
        "kind": "research",
        "title": "A controlled trial of valganciclovir as induction therapy for cytomegalovirus retinitis",
        "authors": "Martin DF, Sierra-Madero J, Walmsley S",
        "source": "N Engl J Med",
        "year": 2002,
        "pmid": "11948268",
    },
]

SUMMARY = "Ganciclovir by vein or valganciclovir by mouth is the usual first treatment [@kotton2018]."
BODY = """## From the FDA drug label

- Valganciclovir treats CMV retinitis in people with AIDS [@label2023].

## Dosing

- Ganciclovir 5 mg/kg IV every 12 hours for 14 to 21 days [@kotton2018; @martin2002].
- Valganciclovir 900 mg by mouth twice daily is as effective for induction [@martin2002].
"""


def make_article(
    *, author, slug: str = "cmv-treatment", title: str = "What is the treatment for CMV infection?", **overrides
) -> Article:
    """Create an article through article_create, with a patient variant and three references."""
    patient = Audience.objects.get(slug="patient")
    fields = {
        "slug": slug,
        "title": title,
        "condition": "Cytomegalovirus (CMV) infection",
        "drugs": "ganciclovir, valganciclovir",
        "summary": SUMMARY,
        "body": BODY,
        "variants": [
            article_services.VariantInput(
                audience_id=patient.pk,
                summary="Most people take an antiviral medicine called valganciclovir [@kotton2018].",
            )
        ],
        "references": REFERENCES,
    }
    fields.update(overrides)
    return article_services.article_create(acting_user=author, **fields)


def glossary_editor() -> object:
    return UserFactory(username="glossary-editor", groups=["Editors"])


def glossary_board_member() -> object:
    member = BoardMember.objects.filter(user__username="glossary-board").first()
    return member.user if member else BoardMemberFactory(user__username="glossary-board").user


def propose_term(
    word: str,
    explanation: str,
    *,
    synonyms: str = "",
    active: bool = True,
    term: GlossaryTerm | None = None,
    editor=None,
    language: str = "",
):
    """Propose a glossary definition through the editors' service; return the proposal."""
    return article_services.glossary_term_save(
        term,
        acting_user=editor or glossary_editor(),
        word=word,
        explanation=explanation,
        synonyms=synonyms,
        active=active,
        language=language,
    )


def approve_definition(definition, *, board=None):
    """Approve a proposal through the board's service (enough times for the setting) and return the term."""
    review_services.glossary_definition_approve(definition, acting_user=board or glossary_board_member())
    return GlossaryTerm.objects.get(pk=definition.glossary_term_id)


def make_glossary_term(
    word: str,
    explanation: str,
    *,
    synonyms: str = "",
    term: GlossaryTerm | None = None,
    editor=None,
    board=None,
    language: str = "",
) -> GlossaryTerm:
    """Propose and approve a glossary term (or a new wording of `term`) through the real services."""
    definition = propose_term(word, explanation, synonyms=synonyms, term=term, editor=editor, language=language)
    return approve_definition(definition, board=board)
