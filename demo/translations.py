"""Demo: the CMV article in Spanish, reviewed and live, then left out of date by a newer English revision.

The Spanish text is the project's own, written for the demo from the English
article's facts (a shorter rendering of each version, with the same references
and citations). ``seed`` runs after demo/publish.py has put the English
article live.
"""

from __future__ import annotations

from django.utils import timezone

from articles import translations
from articles.models import Article, Audience
from articles.services import VariantInput, article_update
from publishing import services, tasks
from publishing.models import Disclaimer, Publication
from review import services as review_services

SOURCE_SLUG = "cmv-treatment"
ES_SLUG = "tratamiento-cmv"
ES_TITLE = "¿Cuál es el tratamiento de la infección por citomegalovirus (CMV)?"
ES_CONDITION = "Infección por citomegalovirus (CMV)"

ES_SUMMARY = """\
La enfermedad por CMV en personas con las defensas bajas se trata con un antiviral: ganciclovir \
por la vena o valganciclovir por la boca, casi siempre durante dos semanas como mínimo y hasta \
que el virus deja de aparecer en la sangre [@kotton2018; @valcyte-label]. Foscarnet, cidofovir \
y, tras un trasplante, maribavir se reservan para las infecciones que no responden a esos \
fármacos [@kotton2018; @avery2022].
"""

ES_BODY = """\
## Lo que dice la ficha técnica de la FDA

- Los comprimidos de valganciclovir están aprobados para adultos con sida y retinitis por CMV, \
y para prevenir la enfermedad tras un trasplante de riñón, corazón o riñón-páncreas cuando el \
donante tiene CMV y el receptor no [@valcyte-label].
- Para la retinitis, la dosis de adulto es de 900 mg dos veces al día con comida durante 21 \
días y después 900 mg una vez al día [@valcyte-label].
- La ficha lleva una advertencia destacada: puede bajar las células de la sangre y, en \
animales, dañó la fertilidad y al feto [@valcyte-label].

## Lo que muestra la investigación

- En personas con sida y retinitis recién diagnosticada, los comprimidos controlaron la \
infección igual que el ganciclovir por goteo [@martin2002].
- En trasplantados con enfermedad leve o moderada, el valganciclovir oral no fue peor que el \
ganciclovir intravenoso [@asberg2007].
- Cuando la retinitis volvió, ganciclovir y foscarnet juntos la frenaron más tiempo que cada \
uno por separado [@soca1996].
- El cidofovir intravenoso retrasó el avance de la retinitis, pero puede dañar los riñones \
[@lalezari1997].
- En trasplantados cuya infección no cedía, el maribavir eliminó el virus de la sangre con \
más frecuencia que las alternativas habituales [@avery2022].

## Tratamiento de primera elección

- Ganciclovir por la vena o valganciclovir por la boca [@kotton2018; @hiv-oi].
- El ganciclovir intravenoso se prefiere si la enfermedad es grave o el intestino puede no \
absorber los comprimidos [@kotton2018].
- Las personas con VIH deben empezar o ajustar el tratamiento antirretroviral a la vez [@hiv-oi].

## Dosis y duración

- Ganciclovir: 5 mg/kg por la vena cada 12 horas [@kotton2018].
- Valganciclovir: 900 mg por la boca dos veces al día, con comida [@valcyte-label; @martin2002].
- Ambas dosis se reducen si los riñones funcionan peor [@valcyte-label; @kotton2018].
- El tratamiento dura al menos dos semanas y sigue hasta que los síntomas mejoran y la carga \
viral queda por debajo del límite del laboratorio [@kotton2018].

## Controles y efectos adversos

- Cada semana: carga viral de CMV y hemograma completo [@kotton2018; @valcyte-label].
- Foscarnet y cidofovir exigen vigilar de cerca los riñones [@kotton2018; @lalezari1997].
- Quien tiene retinitis necesita revisiones de la vista con pupila dilatada [@hiv-oi].

## Cuando el tratamiento no funciona

- Se sospecha resistencia si la carga viral no baja tras unas dos semanas de tratamiento bien \
dosificado; un estudio genético del virus (UL97 y UL54) lo confirma [@kotton2018].
- Tras un trasplante, el maribavir es una opción [@avery2022].
- El letermovir previene la infección tras un trasplante de células madre; no trata la \
enfermedad ya establecida [@marty2017].
"""

ES_PATIENT_SUMMARY = """\
El CMV se trata con un antiviral, un medicamento que impide que el virus haga copias de sí \
mismo. La mayoría recibe ganciclovir por goteo o toma comprimidos de valganciclovir durante dos \
semanas como mínimo [@kotton2018; @valcyte-label].
"""

ES_PATIENT_BODY = """\
## Qué es el CMV

- El CMV (citomegalovirus) es un virus muy común. Casi nadie sano nota que lo tiene \
[@kotton2018].
- Puede enfermarle si sus defensas están bajas, por ejemplo tras un trasplante o con el VIH \
avanzado [@kotton2018; @hiv-oi].

## Los medicamentos

- El ganciclovir entra por la vena con un goteo, a menudo en el hospital [@kotton2018].
- El valganciclovir es un comprimido que el cuerpo convierte en ganciclovir. Tómelo con comida \
[@valcyte-label].
- Un estudio vio que los comprimidos funcionaban igual que el goteo en una infección del ojo \
por CMV [@martin2002].

## Cuánto dura y qué controles tendrá

- Al menos dos semanas. Su médico lo termina cuando usted mejora y los análisis ya no \
encuentran el virus [@kotton2018].
- Tendrá análisis de sangre más o menos cada semana [@kotton2018].

## Efectos adversos

- Estos medicamentos pueden bajar las células de la sangre. Avise si tiene fiebre, moratones \
o mucho cansancio [@valcyte-label].
- El valganciclovir puede dañar al bebé durante el embarazo: use anticonceptivos durante el \
tratamiento y un tiempo después [@valcyte-label].
- Otros medicamentos para el CMV pueden dañar los riñones [@lalezari1997; @soca1996].

## Si el medicamento no funciona

- A veces el virus cambia y el medicamento deja de hacer efecto. Su médico puede pasar a \
foscarnet o maribavir [@kotton2018; @avery2022].
- El letermovir evita el CMV tras un trasplante de células madre [@marty2017].
- Los comprimidos también sirven a trasplantados con CMV leve [@asberg2007].
"""

ES_PROFESSIONAL_SUMMARY = """\
En la enfermedad por CMV del paciente inmunodeprimido: ganciclovir 5 mg/kg IV cada 12 horas o \
valganciclovir 900 mg VO dos veces al día (ajustados al aclaramiento de creatinina) durante al \
menos dos semanas, hasta la resolución clínica y una PCR cuantitativa por debajo del umbral en \
una o dos muestras semanales seguidas [@kotton2018; @valcyte-label; @martin2002]. Ante una \
infección refractaria: genotipado UL97/UL54 y cambio a foscarnet o, tras un trasplante, \
maribavir [@kotton2018; @avery2022].
"""

ES_PROFESSIONAL_BODY = """\
## Indicaciones y posología de la ficha técnica

- Retinitis por CMV en adultos con sida: inducción 900 mg dos veces al día durante 21 días, \
mantenimiento 900 mg una vez al día, con comida [@valcyte-label].
- Profilaxis en receptores D+/R− de riñón, corazón o riñón-páncreas: 900 mg una vez al día \
hasta el día 100 (200 tras trasplante renal) [@valcyte-label].

## Pruebas que sostienen las pautas

- Inducción oral con valganciclovir tan eficaz como ganciclovir IV en la retinitis del sida \
[@martin2002]; no inferior en trasplantados con enfermedad no grave [@asberg2007].
- Ganciclovir más foscarnet retrasó la progresión de la retinitis recidivante [@soca1996].
- Cidofovir con probenecid e hidratación retrasó la retinitis periférica [@lalezari1997].
- Maribavir 400 mg dos veces al día durante 8 semanas: aclaramiento de la viremia en torno al \
56 % frente al 24 % con el tratamiento elegido por el investigador [@avery2022].

## Tratamiento, ajuste renal y seguimiento

- Ganciclovir IV en la enfermedad grave o con absorción dudosa; valganciclovir en la leve o \
moderada; reducir la inmunosupresión si es posible [@kotton2018].
- En el VIH, iniciar u optimizar el TAR [@hiv-oi].
- Valganciclovir según aclaramiento: ≥60 mL/min 900 mg cada 12 h; 40–59 450 mg cada 12 h; \
25–39 450 mg al día; 10–24 450 mg cada 2 días [@valcyte-label].
- PCR semanal con el mismo ensayo; hemograma y creatinina semanales [@kotton2018].

## Resistencia

- Sospecharla si la carga viral no cae más de 1 log10 tras dos semanas bien dosificadas; \
genotipar UL97 y UL54; foscarnet 90 mg/kg IV cada 12 horas ante resistencia en UL97 \
[@kotton2018].
- Letermovir es profilaxis tras el trasplante de progenitores hematopoyéticos, no tratamiento \
[@marty2017].
"""

# The disclaimers in Spanish (the site's own wording). The student audience's
# English notice is left untranslated on purpose: its Spanish page shows it
# in English with a notice that it is not yet available in Spanish.
ES_DISCLAIMERS = (
    (
        None,
        "Antes de usar esta información",
        "Esta página explica un tratamiento en términos generales y no puede decirle qué es lo adecuado "
        "para usted. Hable con su médico, enfermera o farmacéutico antes de empezar, dejar o cambiar un "
        "medicamento. Si se encuentra muy mal, pida ayuda médica urgente.",
    ),
    (
        "professional",
        "Aviso para profesionales sanitarios",
        "Este resumen es una referencia rápida para profesionales sanitarios. No sustituye al juicio "
        "clínico, a la ficha técnica completa ni a los protocolos locales. Compruebe las dosis con la ficha "
        "vigente y ajústelas a la función renal, el peso y las interacciones de cada paciente.",
    ),
)

# The English change that leaves the Spanish page out of date (a wording change, no new dose).
SOURCE_ADDITION = " Your care team checks the blood count each week while you take these medicines [@valcyte-label]."


# The editorial policy in both languages, and Dr. Marín's entry in Spanish (the site's own wording):
# proposed by the editor and approved by a board member, like any furniture change.
POLICY = {
    "en": {
        "title": "Editorial policy",
        "body": (
            "## How an article is made\n\n"
            "- An author writes it from published evidence: drug labels, guidelines and research, each cited "
            "where it is used.\n"
            "- A member of our Medical Advisory Board who did not write it checks every dose, duration and "
            "claim against those sources before anyone can publish it.\n"
            "- Readers see only the text the board approved. A change goes through the same review.\n\n"
            "## Translations\n\n"
            "- A translation is reviewed like the original, by a board member who reads its language. When "
            "the original changes, the translation says so until it is reviewed again.\n"
        ),
    },
    "es": {
        "title": "Política editorial",
        "body": (
            "## Cómo se hace un artículo\n\n"
            "- Un autor lo escribe a partir de pruebas publicadas: fichas técnicas, guías clínicas e "
            "investigación, citadas donde se usan.\n"
            "- Un miembro de nuestro Consejo Asesor Médico que no lo ha escrito comprueba cada dosis, duración y "
            "afirmación con esas fuentes antes de que se pueda publicar.\n"
            "- Los lectores solo ven el texto que el consejo aprobó. Cualquier cambio pasa por la misma revisión.\n\n"
            "## Traducciones\n\n"
            "- Una traducción se revisa como el original, por un miembro del consejo que lee su idioma. Si el "
            "original cambia, la traducción lo indica hasta que se revisa de nuevo.\n"
        ),
    },
}
ES_BIO = {
    "bio": "Oftalmóloga especializada en enfermedades de la retina y en la inflamación del ojo, incluidas las "
    "infecciones de la retina.",
    "disclosures": "Honorarios de consultoría de Lumen Eye Therapeutics por un panel asesor sobre faricimab en la "
    "degeneración macular.",
}
# Spanish glossary terms, approved by the board member who reads Spanish before the translation is reviewed.
ES_GLOSSARY = (
    (
        "citomegalovirus",
        "Un virus muy común que casi nunca da problemas, pero que puede enfermar mucho a quien tiene las "
        "defensas bajas.",
        "CMV",
    ),
    ("antiviral", "Un medicamento que impide que un virus haga copias de sí mismo.", "antivirales"),
    ("retinitis", "Inflamación de la capa del fondo del ojo que capta la luz; puede dañar la vista.", ""),
    ("carga viral", "La cantidad de virus que mide un análisis de sangre.", ""),
    (
        "herpes zóster",
        "Erupción dolorosa con ampollas que aparece cuando el virus de la varicela se reactiva.",
        "zóster",
    ),
)


def seed_furniture(users: dict, stdout=None) -> None:
    """Propose and approve the policy (English and Spanish) and Dr. Marín's Spanish entry, if missing."""
    from publishing.models import EditorialPolicy
    from review.models import BoardMember

    editor, approver = users.get("editor"), users.get("reviewer")
    if editor is None or approver is None:
        return
    done = []
    for language, values in POLICY.items():
        if not EditorialPolicy.objects.filter(language=language).exists():
            change = services.furniture_change_propose(
                acting_user=editor, kind="policy", values=values, language=language
            )
            services.furniture_change_approve(change, acting_user=approver)
            done.append(f"editorial policy ({language})")
    member = BoardMember.objects.filter(user=users.get("reviewer3")).first()
    if member is not None and "es" not in (member.translations or {}):
        change = services.furniture_change_propose(
            acting_user=editor, kind="board_member", board_member=member, values=ES_BIO, language="es"
        )
        services.furniture_change_approve(change, acting_user=approver)
        done.append(f"{member.display_name} (es)")
    if done:
        _write(stdout, f"Page furniture approved: {', '.join(done)}.")


def seed_glossary(users: dict, stdout=None) -> None:
    """Propose (editor) and approve (reviewer3, who reads Spanish) the Spanish glossary terms that are missing."""
    from articles.models import GlossaryTerm
    from articles.services import glossary_term_save

    editor, board = users.get("editor"), users.get("reviewer3")
    if editor is None or board is None:
        return
    added = 0
    for word, explanation, synonyms in ES_GLOSSARY:
        if GlossaryTerm.objects.filter(term__iexact=word, language="es").exists():
            continue
        proposal = glossary_term_save(
            None, acting_user=editor, word=word, explanation=explanation, synonyms=synonyms, language="es"
        )
        review_services.glossary_definition_approve(proposal, acting_user=board)
        added += 1
    if added:
        _write(stdout, f"Spanish glossary: {added} terms approved.")


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def seed_disclaimers(stdout=None) -> None:
    """Create the Spanish disclaimers that do not exist yet (demo seeding writes them directly, as approved)."""
    created = []
    for audience_slug, name, text in ES_DISCLAIMERS:
        audience = Audience.objects.filter(slug=audience_slug).first() if audience_slug else None
        if audience_slug and audience is None:
            continue
        if Disclaimer.objects.filter(audience=audience, language="es").exists():
            continue
        Disclaimer.objects.create(name=name, audience=audience, language="es", text=text, effective_from=timezone.now())
        created.append(name)
    if created:
        _write(stdout, f"Spanish disclaimers: {', '.join(created)}.")


def _publish(article: Article, editor, summary: str) -> Publication:
    publication = services.publication_request(article, acting_user=editor, change_summary=summary)
    tasks.publish.apply(args=[publication.pk])  # the demo runs without a worker
    publication.refresh_from_db()
    return publication


def seed(users: dict, stdout=None) -> None:
    """Translate, review and publish the Spanish CMV article, then approve a newer English revision."""
    source = Article.objects.filter(slug=SOURCE_SLUG).first()
    author, editor, reviewer = users.get("author"), users.get("editor"), users.get("reviewer")
    translator = users.get("reviewer3")
    if source is None or source.last_approved_revision_id is None or None in (author, editor, reviewer, translator):
        _write(stdout, "No approved CMV article (or demo users); no Spanish translation.")
        return
    seed_disclaimers(stdout)
    seed_furniture(users, stdout)
    seed_glossary(users, stdout)
    if source.translations.filter(language="es").exists():
        _write(stdout, "Kept the Spanish translation (already there).")
        return
    spanish = translations.translation_create(source, acting_user=author, language="es", slug=ES_SLUG)
    audiences = {a.slug: a.pk for a in Audience.objects.filter(slug__in=["patient", "professional"])}
    spanish = article_update(
        spanish,
        acting_user=author,
        lock_version=spanish.lock_version,
        fields={"title": ES_TITLE, "condition": ES_CONDITION, "summary": ES_SUMMARY, "body": ES_BODY},
        variants=[
            VariantInput(audiences["patient"], ES_PATIENT_SUMMARY, ES_PATIENT_BODY),
            VariantInput(audiences["professional"], ES_PROFESSIONAL_SUMMARY, ES_PROFESSIONAL_BODY),
        ],
        comment="Spanish text of every version.",
    )
    review_services.article_submit(spanish, acting_user=author, comment="Spanish translation ready for review.")
    review_services.review_claim(spanish, acting_user=translator)
    review_services.review_approve(
        spanish, acting_user=translator, comment="Doses, units and citations match the English source."
    )
    spanish.refresh_from_db()
    publication = _publish(spanish, editor, "Primera publicación en español.")
    _write(stdout, f"Spanish translation {publication.get_state_display().lower()} at /es/articles/{ES_SLUG}/.")

    # A newer English revision approved after the translation: the Spanish page says so.
    source.refresh_from_db()
    article_update(
        source,
        acting_user=author,
        lock_version=source.lock_version,
        fields={"summary": source.summary.rstrip("\n") + SOURCE_ADDITION + "\n"},
        comment="Added the weekly blood count to the bottom line.",
    )
    source.refresh_from_db()
    review_services.article_submit(source, acting_user=author, comment="A sentence on monitoring.")
    review_services.review_claim(source, acting_user=reviewer)
    review_services.review_approve(source, acting_user=reviewer, comment="Monitoring advice checked.")
    source.refresh_from_db()
    _publish(source, editor, "Weekly blood count added to the bottom line.")
    _write(stdout, "Approved a newer English revision: the Spanish translation is now out of date.")
