"""Demo: a short shingles article, live in English and in a current Spanish translation.

With ``demo.translations`` (the CMV translation, left out of date
by a newer English revision) the demo shows both states a translation can be
in. The text is the project's own, written for the demo from the cited
sources' facts; ``seed`` runs after the CMV demo, with the same users.
"""

from __future__ import annotations

from articles import translations
from articles.models import Article
from articles.services import article_create, article_update
from publishing import services, tasks
from review import services as review_services

SLUG = "shingles-treatment"
ES_SLUG = "tratamiento-herpes-zoster"

REFERENCES = [
    {
        "key": "dworkin2007",
        "kind": "guideline",
        "title": "Recommendations for the management of herpes zoster",
        "authors": "Dworkin RH, Johnson RW, Breuer J, et al.",
        "source": "Clinical Infectious Diseases",
        "year": 2007,
        "pmid": "17143845",
        "doi": "10.1086/510206",
    },
    {
        "key": "valtrex-label",
        "kind": "fda_label",
        "title": "VALTREX (valacyclovir hydrochloride) caplets: full prescribing information",
        "source": "GlaxoSmithKline; U.S. Food and Drug Administration",
        "url": "https://dailymed.nlm.nih.gov/dailymed/",
    },
    {
        "key": "acip2018",
        "kind": "guideline",
        "title": (
            "Recommendations of the Advisory Committee on Immunization Practices for use of herpes zoster vaccines"
        ),
        "authors": "Dooling KL, Guo A, Patel M, et al.",
        "source": "MMWR Morbidity and Mortality Weekly Report",
        "year": 2018,
        "doi": "10.15585/mmwr.mm6703a5",
    },
]

TITLE = "What is the treatment for shingles (herpes zoster)?"
CONDITION = "Shingles (herpes zoster)"
DRUGS = "valacyclovir, famciclovir, acyclovir"

SUMMARY = """\
Shingles is treated with an antiviral taken by mouth for 7 days, best started within 3 days of \
the rash appearing: valacyclovir 1 g three times daily, famciclovir 500 mg three times daily, or \
acyclovir 800 mg five times daily [@dworkin2007; @valtrex-label]. Pain relief matters as much as \
the antiviral, and a vaccine lowers the chance of shingles coming back [@dworkin2007; @acip2018].
"""

BODY = """\
## Antiviral treatment

- Start as soon as possible, ideally within 72 hours of the first blisters; later if new \
blisters are still forming or the eye is involved [@dworkin2007].
- Valacyclovir 1 g by mouth three times daily for 7 days [@valtrex-label; @dworkin2007].
- Famciclovir 500 mg by mouth three times daily for 7 days, or acyclovir 800 mg by mouth five \
times daily for 7 to 10 days [@dworkin2007].
- All three are lowered when the kidneys work less well [@valtrex-label].

## Pain

- Treat the pain from the start; nerve pain that lasts after the rash heals is the most common \
complication [@dworkin2007].

## When to seek care urgently

- A rash on the forehead, the tip of the nose or near the eye needs an eye examination the \
same day [@dworkin2007].
- People with a weakened immune system, or whose rash spreads widely, may need acyclovir \
into a vein in hospital [@dworkin2007].

## Prevention

- Two doses of the recombinant zoster vaccine, 2 to 6 months apart, are advised for adults 50 \
and older, including those who have had shingles [@acip2018].
"""

ES_TITLE = "¿Cuál es el tratamiento del herpes zóster (culebrilla)?"
ES_CONDITION = "Herpes zóster (culebrilla)"

ES_SUMMARY = """\
El herpes zóster se trata con un antiviral por la boca durante 7 días, mejor si se empieza en \
los 3 días siguientes a la aparición de la erupción: valaciclovir 1 g tres veces al día, \
famciclovir 500 mg tres veces al día o aciclovir 800 mg cinco veces al día [@dworkin2007; \
@valtrex-label]. Aliviar el dolor importa tanto como el antiviral, y una vacuna reduce la \
probabilidad de que vuelva [@dworkin2007; @acip2018].
"""

ES_BODY = """\
## Tratamiento antiviral

- Empiece cuanto antes, idealmente en las 72 horas siguientes a las primeras ampollas; también \
más tarde si siguen saliendo ampollas nuevas o si afecta al ojo [@dworkin2007].
- Valaciclovir 1 g por la boca tres veces al día durante 7 días [@valtrex-label; @dworkin2007].
- Famciclovir 500 mg por la boca tres veces al día durante 7 días, o aciclovir 800 mg por la \
boca cinco veces al día durante 7 a 10 días [@dworkin2007].
- Las tres dosis se reducen cuando los riñones funcionan peor [@valtrex-label].

## El dolor

- Trate el dolor desde el principio; el dolor de los nervios que sigue después de curarse la \
erupción es la complicación más frecuente [@dworkin2007].

## Cuándo pedir atención urgente

- Una erupción en la frente, la punta de la nariz o cerca del ojo necesita una revisión del ojo \
el mismo día [@dworkin2007].
- Quien tiene las defensas bajas, o una erupción muy extendida, puede necesitar aciclovir por \
la vena en el hospital [@dworkin2007].

## Prevención

- Se aconsejan dos dosis de la vacuna recombinante contra el zóster, separadas de 2 a 6 meses, \
a partir de los 50 años, también a quien ya lo ha tenido [@acip2018].
"""


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _approve_and_publish(article: Article, *, author, reviewer, editor, summary: str) -> None:
    review_services.article_submit(article, acting_user=author, comment="Ready for review.")
    review_services.review_claim(article, acting_user=reviewer)
    review_services.review_approve(article, acting_user=reviewer, comment="Doses and citations checked.")
    article.refresh_from_db()
    publication = services.publication_request(article, acting_user=editor, change_summary=summary)
    tasks.publish.apply(args=[publication.pk])  # the demo runs without a worker


def seed(users: dict, stdout=None) -> None:
    """Write, approve and publish the English article, then its Spanish translation (approved by reviewer3)."""
    author, editor, reviewer = users.get("author"), users.get("editor"), users.get("reviewer")
    translator = users.get("reviewer3")
    if None in (author, editor, reviewer, translator):
        _write(stdout, "No demo users; no shingles article.")
        return
    if Article.objects.filter(slug=SLUG).exists():
        _write(stdout, "Kept the shingles article (already there).")
        return
    english = article_create(
        acting_user=author,
        slug=SLUG,
        title=TITLE,
        condition=CONDITION,
        drugs=DRUGS,
        summary=SUMMARY,
        body=BODY,
        references=REFERENCES,
        comment="First draft.",
    )
    _approve_and_publish(english, author=author, reviewer=reviewer, editor=editor, summary="First published.")
    english.refresh_from_db()
    spanish = translations.translation_create(english, acting_user=author, language="es", slug=ES_SLUG)
    spanish = article_update(
        spanish,
        acting_user=author,
        lock_version=spanish.lock_version,
        fields={"title": ES_TITLE, "condition": ES_CONDITION, "summary": ES_SUMMARY, "body": ES_BODY},
        comment="Texto en español.",
    )
    _approve_and_publish(spanish, author=author, reviewer=translator, editor=editor, summary="Primera publicación.")
    _write(stdout, f"Shingles article live in English at /articles/{SLUG}/ and in Spanish at /es/articles/{ES_SLUG}/.")
