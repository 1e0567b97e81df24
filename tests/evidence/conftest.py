"""Fixtures for the evidence tests: an article citing made-up papers and labels, the sample files."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.files import open_source
from evidence.services import label_versions_import, retractions_import
from tests import factories
from tests.publishing.publish_helpers import approve, make_disclaimers, request_and_publish

SAMPLES = Path(__file__).parent / "samples"
RETRACTIONS = SAMPLES / "retraction_watch_sample.csv"
LABELS = SAMPLES / "spl_label_versions_sample.txt"

REFERENCES = [
    {"key": "trial2019", "kind": "research", "title": "Induction therapy with an invented antiviral",
     "authors": "Doe J, Roe R", "source": "J Invent Res", "year": 2019, "doi": "10.5555/vetted.trial.001"},
    {"key": "cohort2018", "kind": "research", "title": "A made-up cohort of invented patients",
     "source": "J Invent Res", "year": 2018, "pmid": "90000002"},
    {"key": "registry2020", "kind": "research", "title": "An imaginary registry study",
     "source": "J Invent Res", "year": 2020, "doi": "10.5555/vetted.cohort.003"},
    {"key": "reinstated2017", "kind": "research", "title": "A study that was reinstated",
     "source": "J Invent Res", "year": 2017, "doi": "10.5555/vetted.reinstated.004"},
    {"key": "inventavir", "kind": "fda_label", "title": "INVENTAVIR tablets: prescribing information",
     "source": "U.S. Food and Drug Administration", "year": 2023,
     "spl_set_id": "1b7f2c9e-0a4d-4c1e-9f3a-2d5e6b7c8a90", "spl_version": 5, "spl_date": "2023-02-01"},
    {"key": "fictomycin", "kind": "fda_label", "title": "FICTOMYCIN injection: prescribing information",
     "source": "U.S. Food and Drug Administration", "year": 2024,
     "spl_set_id": "2c8e3d0f-1b5e-4d2f-8a4b-3e6f7c8d9b01", "spl_version": 3},
]  # fmt: skip

SUMMARY = "Inventavir by mouth is the usual first treatment [@trial2019]. {grade=high}"
BODY = """## From the label

- Inventavir 450 mg twice daily for 21 days [@inventavir]. {grade=moderate}
- Fictomycin is given by vein [@fictomycin].

## Evidence

- Induction works as well by mouth as by vein [@trial2019; @cohort2018]. {grade=low}
- Registries agree [@registry2020; @reinstated2017].
"""


def make_evidence_article(author, *, slug: str = "inventavir-treatment", **overrides):
    fields = {"summary": SUMMARY, "body": BODY, "references": REFERENCES, "variants": []}
    fields.update(overrides)
    return factories.make_article(
        author=author, slug=slug, title="What is the treatment for invented virus infection?", **fields
    )


@pytest.fixture
def evidence_article(author):
    return make_evidence_article(author)


@pytest.fixture
def approved_article(evidence_article, author, reviewer):
    return approve(evidence_article, author=author, reviewer=reviewer)


@pytest.fixture
def live_article(approved_article, editor):
    make_disclaimers()
    request_and_publish(approved_article, editor=editor)
    approved_article.refresh_from_db()
    return approved_article


def import_samples(*, retractions: bool = True, labels: bool = True) -> None:
    """Import the sample files (without matching)."""
    if retractions:
        with open_source(str(RETRACTIONS)) as stream:
            retractions_import(stream, source=str(RETRACTIONS))
    if labels:
        with open_source(str(LABELS)) as stream:
            label_versions_import(stream, source=str(LABELS))


@pytest.fixture(params=["en", "es"])
def live_page(request, live_article, author, editor) -> tuple[str, str]:
    """The live evidence article in each language: (address prefix, slug).

    The "es" run translates it (the grades and citations come with the text),
    has a Spanish-reading board member approve the translation and puts it live.
    """
    if request.param == "en":
        return "", live_article.slug
    from articles import translations

    reviewer = factories.BoardMemberFactory(
        user=factories.UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    spanish = translations.translation_create(live_article, acting_user=author, language="es", slug="inventavir-es")
    request_and_publish(approve(spanish, author=author, reviewer=reviewer), editor=editor)
    return "/es", "inventavir-es"
