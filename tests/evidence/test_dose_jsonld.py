"""Codes for machines (issue 24): RxNorm/ICD-10 from the sample vocabulary and each dose as a doseSchedule,
in the stored page's JSON-LD and the JSON API, taken from the approved revision only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles import translations
from evidence.models import VocabularyCode
from tests import factories
from tests.publishing.publish_helpers import approve, edit, make_disclaimers, request_and_publish

pytestmark = pytest.mark.django_db
URL = "/articles/valg/"
BODY = "## Treatment\n\n- Valganciclovir 900 mg orally twice daily for 21 days [@kotton2018].\n"


def _jsonld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD script on the page"
    return json.loads(match.group(1))


SPANISH_BODY = (
    "## Tratamiento\n\n- Valganciclovir 900 mg por vía oral dos veces al día durante 21 días [@kotton2018].\n"
)


@pytest.fixture
def english(author, reviewer, editor):
    call_command("import_vocabulary", stdout=StringIO(), stderr=StringIO())
    make_disclaimers()
    article = factories.make_article(author=author, slug="valg", body=BODY, variants=[])
    approve(article, author=author, reviewer=reviewer)
    request_and_publish(article, editor=editor)
    return article


@pytest.fixture(params=["en", "es"])
def published(request, english, author, editor):
    """The live article in each language: the "es" run's Spanish translation has its own Spanish text."""
    if request.param == "en":
        return Live(english, URL, "/api/articles/valg/")
    reviewer = factories.BoardMemberFactory(
        user=factories.UserFactory(username="revisora", groups=["Medical Advisory Board"]), languages="en, es"
    ).user
    spanish = translations.translation_create(english, acting_user=author, language="es", slug="valg-es")
    spanish = edit(spanish, author=author, title="¿Cómo se trata el CMV?", body=SPANISH_BODY)
    request_and_publish(approve(spanish, author=author, reviewer=reviewer), editor=editor)
    return Live(spanish, "/es/articles/valg-es/", "/es/api/articles/valg-es/")


@dataclass(frozen=True)
class Live:
    article: object
    url: str
    api: str


def test_sample_vocabulary_imports_and_bad_rows_are_reported(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("import_vocabulary", stdout=out, stderr=err)
    assert VocabularyCode.objects.get(kind="drug", name="valganciclovir").system == "RxNorm"
    bad = tmp_path / "codes.csv"
    bad.write_text("kind,name,system,code\nvirus,x,RxNorm,1\ndrug,,RxNorm,2\ndrug,foscarnet,RxNorm,3\n")
    call_command("import_vocabulary", str(bad), stdout=out, stderr=err)
    assert "Line 2: skipped" in err.getvalue() and "Line 3: skipped" in err.getvalue()
    assert VocabularyCode.objects.filter(name="foscarnet").exists()
    (tmp_path / "nohead.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="lacks the column"):
        call_command("import_vocabulary", str(tmp_path / "nohead.csv"), stdout=out, stderr=err)


def test_jsonld_has_condition_code_drug_code_and_dose_schedule(client, published):
    data = _jsonld(client.get(published.url).content.decode())
    about = data["about"]
    assert about["code"] == {"@type": "MedicalCode", "codeValue": "B25.9", "codingSystem": "ICD-10-CM"}
    drugs = {drug["name"]: drug for drug in about["drug"]}
    valg = drugs["valganciclovir"]
    assert valg["code"] == {"@type": "MedicalCode", "codeValue": "275891", "codingSystem": "RxNorm"}
    assert valg["doseSchedule"] == [
        {"@type": "DoseSchedule", "doseValue": "900", "doseUnit": "mg", "frequency": "2 times a day"}
    ]
    assert "doseSchedule" not in drugs["ganciclovir"]  # named, but no dose in this text


def test_json_api_carries_the_codes_and_schedules(client, published):
    body = client.get(published.api).json()
    assert body["condition_code"] == {"system": "ICD-10-CM", "code": "B25.9"}
    assert body["drug_codes"]["valganciclovir"]["code"] == "275891"
    assert [(s["drug"], s["doseValue"], s["route"]) for s in body["dose_schedules"]] == [
        ("valganciclovir", "900", "oral")
    ]


def test_an_unapproved_edit_never_reaches_the_jsonld(client, published, author):
    edit(published.article, author=author, body=published.article.body.replace("900 mg", "9000 mg"))
    data = _jsonld(client.get(published.url).content.decode())
    (valg,) = [d for d in data["about"]["drug"] if d["name"] == "valganciclovir"]
    assert valg["doseSchedule"][0]["doseValue"] == "900"


def test_extruct_reads_drug_with_dose_schedule_and_codes(client, published):
    extruct = pytest.importorskip("extruct", reason="extruct is in requirements-dev.txt; install it to run this")
    found = extruct.extract(client.get(published.url).content.decode(), syntaxes=["json-ld"])["json-ld"]
    (page,) = [item for item in found if item.get("@type") == "MedicalWebPage"]
    (valg,) = [d for d in page["about"]["drug"] if d["name"] == "valganciclovir"]
    assert valg["@type"] == "Drug" and valg["code"]["codeValue"] == "275891"
    assert valg["doseSchedule"][0]["doseUnit"] == "mg"
