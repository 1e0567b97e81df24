"""A generated reader catalogue with known answers, for search relevance and latency (issue 21).

``generate(n)`` fills the catalogue with n live articles: for every topic of
TOPICS an overview that answers "what treats it" and a few articles that
answer narrower questions (a drug's side effects, prevention after a kidney
transplant, pregnancy, a Spanish overview for some), then filler articles
about the same and other conditions that mention the topics' words in their
titles, drug lists, bottom lines and bodies, so that a common term matches
thousands of articles. Article i depends only on (SEED, i), so a larger
catalogue contains every smaller one and topping up from 10,000 to 100,000
writes only the new rows. The topics' abbreviations, brand and lay names are
installed as search synonyms; no article text contains a brand name or an
abbreviation, so only the synonyms find them.

Rows are written directly (bulk): a bare ``Article``, one shared reversion
``Revision``, a live ``Publication``, the ``CatalogueEntry`` and its
``CatalogueLead`` with the vectors computed by ``publishing.catalogue`` —
exactly what search reads, and nothing it does not. Not part of the site.

``judged()`` returns the judged queries (bench/search_judged.json); ``evaluate()``
computes MRR and nDCG@10 of the search against them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 21
PREFIX = "srch"
JUDGED = Path(__file__).with_name("search_judged.json")
CHUNK = 2000


@dataclass(frozen=True)
class Topic:
    key: str
    condition: str
    drugs: tuple[str, ...]
    abbreviation: str = ""
    lay: str = ""
    brands: tuple[tuple[str, str], ...] = ()  # (brand, generic)
    transplant: bool = False
    spanish: tuple[str, str] = ("", "")  # (title, condition) of a Spanish overview


TOPICS = (
    Topic("cmv", "Cytomegalovirus infection", ("valganciclovir", "ganciclovir"), "CMV", "",
          (("Valcyte", "valganciclovir"), ("Cytovene", "ganciclovir")), True,
          ("¿Cómo se trata la infección por citomegalovirus?", "Infección por citomegalovirus")),
    Topic("zoster", "Herpes zoster", ("valacyclovir", "acyclovir"), "", "shingles",
          (("Valtrex", "valacyclovir"), ("Zovirax", "acyclovir")), False,
          ("¿Cuál es el tratamiento del herpes zóster?", "Herpes zóster")),
    Topic("flu", "Influenza", ("oseltamivir", "zanamivir"), "", "flu", (("Tamiflu", "oseltamivir"),), False,
          ("¿Qué medicamentos tratan la gripe?", "Gripe")),
    Topic("uti", "Urinary tract infection", ("nitrofurantoin", "fosfomycin"), "UTI", "bladder infection",
          (("Macrobid", "nitrofurantoin"),)),
    Topic("pcp", "Pneumocystis pneumonia", ("trimethoprim-sulfamethoxazole", "atovaquone"), "PCP", "",
          (("Bactrim", "trimethoprim-sulfamethoxazole"), ("Mepron", "atovaquone")), True),
    Topic("tb", "Latent tuberculosis", ("isoniazid", "rifapentine"), "LTBI", "", (("Priftin", "rifapentine"),), True),
    Topic("hsv", "Genital herpes", ("valacyclovir", "famciclovir"), "HSV", "", (("Famvir", "famciclovir"),)),
    Topic("varicella", "Varicella", ("acyclovir",), "", "chickenpox", ()),
    Topic("scabies", "Scabies", ("permethrin", "ivermectin"), "", "", (("Stromectol", "ivermectin"),), False,
          ("¿Cómo se trata la sarna?", "Escabiosis")),
    Topic("thrush", "Oropharyngeal candidiasis", ("fluconazole", "nystatin"), "", "thrush",
          (("Diflucan", "fluconazole"),)),
    Topic("lyme", "Lyme disease", ("doxycycline", "amoxicillin"), "", "", (("Vibramycin", "doxycycline"),)),
    Topic("strep", "Streptococcal pharyngitis", ("amoxicillin", "penicillin"), "", "strep throat",
          (("Amoxil", "amoxicillin"),)),
    Topic("pertussis", "Pertussis", ("azithromycin", "clarithromycin"), "", "whooping cough",
          (("Zithromax", "azithromycin"),)),
    Topic("malaria", "Malaria", ("artemether-lumefantrine", "atovaquone-proguanil"), "", "",
          (("Coartem", "artemether-lumefantrine"), ("Malarone", "atovaquone-proguanil"))),
    Topic("nail", "Onychomycosis", ("terbinafine", "itraconazole"), "", "fungal nail infection",
          (("Lamisil", "terbinafine"),)),
    Topic("lice", "Head lice", ("permethrin", "malathion"), "", "", (("Nix", "permethrin"),)),
    Topic("toxo", "Toxoplasmosis", ("pyrimethamine", "sulfadiazine"), "", "", (("Daraprim", "pyrimethamine"),)),
    Topic("hbv", "Chronic hepatitis B", ("tenofovir", "entecavir"), "HBV", "", (("Viread", "tenofovir"),), True),
    Topic("hcv", "Chronic hepatitis C", ("sofosbuvir-velpatasvir", "glecaprevir-pibrentasvir"), "HCV", "",
          (("Epclusa", "sofosbuvir-velpatasvir"), ("Mavyret", "glecaprevir-pibrentasvir"))),
    Topic("cdiff", "Clostridioides difficile infection", ("fidaxomicin", "vancomycin"), "CDI", "",
          (("Dificid", "fidaxomicin"),)),
    Topic("bk", "BK polyomavirus nephropathy", ("leflunomide",), "BKV", "", (("Arava", "leflunomide"),), True),
    Topic("gout", "Gout flare", ("colchicine", "naproxen"), "", "", (("Colcrys", "colchicine"),)),
)  # fmt: skip

FILLER_CONDITIONS = (
    "Acne vulgaris", "Acute bronchitis", "Allergic rhinitis", "Atopic dermatitis", "Bacterial vaginosis",
    "Bell's palsy", "Bronchiolitis", "Cellulitis", "Chlamydia", "Cluster headache", "Community-acquired pneumonia",
    "Diverticulitis", "Dry eye disease", "Erysipelas", "Giardiasis", "Hidradenitis suppurativa", "Impetigo",
    "Kawasaki disease", "Migraine", "Nocturnal leg cramps", "Otitis externa", "Otitis media", "Pinworm infection",
    "Plaque psoriasis", "Q fever", "Rosacea", "Sinusitis", "Syphilis", "Tinea capitis", "Travellers' diarrhoea",
    "Uveitis", "Warts", "Xerosis", "Yellow fever prevention", "Kidney stones",
    "Neutropenia after chemotherapy", "Neutropenic fever", "Sepsis", "Endocarditis", "Osteomyelitis",
)  # fmt: skip
ALL_DRUGS = sorted({d for t in TOPICS for d in t.drugs} | {"doxycycline", "ceftriaxone", "metronidazole"})

# Filler titles about a condition that are not its treatment overview (hard negatives).
FILLER_TITLES = (
    "Travel advice for people with {c}",
    "Blood tests to expect during {c} care",
    "Questions to ask your pharmacist about {c}",
    "Can children go to school with {c}?",
    "Living with {c}: work, sleep and exercise",
    "Does {c} come back?",
    "Diet and {c}",
    "{c} and vaccination",
)
FILLER_SUMMARIES = (
    "Most questions about {c} can wait for a routine visit; this page explains what to ask.",
    "People with {c} often take {d}; ask how long to keep going.",
    "After a kidney transplant, {c} needs a plan agreed with the transplant team.",
    "Write down your medicines, including {d}, before the appointment.",
)
FILLER_BODIES = (
    "Keep a list of your medicines. People who had a kidney transplant take drugs that weaken the immune system, "
    "so fever, rash or breathlessness need a call the same day. {d} and other medicines can interact.",
    "Rest, fluids and simple pain relief help most people. Ask about {d} if you have kidney disease, "
    "and say if you may be pregnant.",
    "The clinic may check blood counts and kidney function. Transplant recipients are seen more often.",
)


# --- what article i is ------------------------------------------------------------------


@dataclass
class Spec:
    slug: str
    title: str
    condition: str
    drugs: str
    summary: str
    body: str
    language: str = "en"
    audiences: tuple[str, ...] = ()
    reviewed_days_ago: int = 200


def _answers() -> list[Spec]:
    """The articles with known answers, always the first ones generated."""
    specs = []
    for t in TOPICS:
        c, d = t.condition, t.drugs[0]
        specs.append(
            Spec(
                f"{PREFIX}-{t.key}-treatment",
                f"What is the treatment for {c.lower() if c[1:].islower() else c}?",
                c,
                ", ".join(t.drugs),
                f"Most adults with {c.lower()} are treated with {d}; how long depends on the immune system.",
                f"## What usually works\n\n{d.capitalize()} is the first choice for {c.lower()}. "
                + (f"{t.drugs[1].capitalize()} is the alternative. " if len(t.drugs) > 1 else "")
                + "## Dosing\n\nThe dose is lowered for kidney disease.",
                audiences=("patient", "caregiver", "professional"),
                reviewed_days_ago=60,
            )
        )
        specs.append(
            Spec(
                f"{PREFIX}-{t.key}-side-effects",
                f"{d.capitalize()} side effects: what to watch for",
                c,
                d,
                f"Most people take {d} without serious problems; blood counts and kidney function are checked.",
                f"## Common side effects\n\nNausea, diarrhoea and headache are the most common effects of {d}.",
                audiences=("patient", "professional"),
                reviewed_days_ago=120,
            )
        )
        if t.transplant:
            specs.append(
                Spec(
                    f"{PREFIX}-{t.key}-transplant",
                    f"How is {c.lower()} prevented after a kidney transplant?",
                    c,
                    ", ".join(t.drugs),
                    f"Kidney transplant recipients at risk take {d} for some months to prevent {c.lower()}.",
                    "## Prevention\n\nPrevention starts soon after the transplant and is reviewed by the team.",
                    audiences=("patient", "professional"),
                    reviewed_days_ago=90,
                )
            )
        specs.append(
            Spec(
                f"{PREFIX}-{t.key}-pregnancy",
                f"{c} in pregnancy: which treatment is safe?",
                c,
                d,
                f"In pregnancy {c.lower()} is treated after weighing the risks; {d} is used when needed.",
                "## Pregnancy\n\nSay if you may be pregnant or are breastfeeding.",
                audiences=("patient",),
                reviewed_days_ago=300,
            )
        )
        if t.spanish[0]:
            title, condition = t.spanish
            specs.append(
                Spec(
                    f"{PREFIX}-{t.key}-es",
                    title,
                    condition,
                    ", ".join(t.drugs),
                    f"La mayoría de los adultos reciben {d}; la duración depende del sistema inmunitario.",
                    f"## Qué suele funcionar\n\nEl {d} es la primera opción. Una infección grave requiere hospital.",
                    language="es",
                    audiences=("patient",),
                    reviewed_days_ago=80,
                )
            )
    return specs


ANSWERS = _answers()


def spec(i: int) -> Spec:
    """Return article i of the generated catalogue (the same for a given i, whatever the size)."""
    if i < len(ANSWERS):
        return ANSWERS[i]
    rng = random.Random(f"{SEED}-{i}")
    topic = rng.choice(TOPICS) if rng.random() < 0.5 else None
    condition = topic.condition if topic else rng.choice(FILLER_CONDITIONS)
    drugs = rng.sample(list(topic.drugs), k=1) if topic else []
    drugs += rng.sample(ALL_DRUGS, k=rng.randint(0, 2))
    drugs = list(dict.fromkeys(drugs))
    d = drugs[0] if drugs else "your usual medicine"
    title = rng.choice(FILLER_TITLES).format(c=condition.lower() if condition[1:].islower() else condition)
    return Spec(
        f"{PREFIX}-{i}",
        title[0].upper() + title[1:],
        condition,
        ", ".join(drugs),
        rng.choice(FILLER_SUMMARIES).format(c=condition.lower(), d=d),
        rng.choice(FILLER_BODIES).format(d=d),
        audiences=tuple(rng.sample(("patient", "caregiver", "professional"), k=rng.randint(0, 2))),
        reviewed_days_ago=rng.randint(30, 1500),
    )


def synonym_pairs() -> list[tuple[str, str, str]]:
    """Return (term, synonym, kind) for every topic's abbreviation, lay name and brands."""
    pairs = []
    for t in TOPICS:
        if t.abbreviation:
            pairs.append((t.abbreviation, t.condition, "abbreviation"))
        if t.lay:
            pairs.append((t.lay, t.condition, "lay"))
        pairs += [(brand, generic, "brand") for brand, generic in t.brands]
    return pairs


# --- writing it ----------------------------------------------------------------------------


def generate(n: int, *, out=print) -> int:
    """Top the catalogue up to n generated live articles (and the synonyms); return how many were written."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from reversion.models import Revision

    from articles.models import Article
    from publishing.catalogue import lead_fields, search_vectors_write
    from publishing.models import CatalogueEntry, CatalogueLead, Publication, SearchSynonym
    from publishing.selectors.search import search_key
    from textkit.text import folded

    user, _created = get_user_model().objects.get_or_create(username=f"{PREFIX}-editor")
    existing = set(Article.objects.filter(slug__startswith=f"{PREFIX}-").values_list("slug", flat=True))
    for term, synonym, kind in synonym_pairs():
        SearchSynonym.objects.get_or_create(
            term_key=search_key(term),
            synonym_key=search_key(synonym),
            defaults={"term": term, "synonym": synonym, "kind": kind, "source": "generated", "created_by": user},
        )
    now = timezone.now()
    revision = Revision.objects.create(date_created=now, comment="search catalogue generator")
    todo = [i for i in range(n) if spec(i).slug not in existing]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")  # generated data: a crash loses only what a rerun writes
    for start in range(0, len(todo), CHUNK):
        specs = [spec(i) for i in todo[start : start + CHUNK]]
        with transaction.atomic():
            articles = Article.objects.bulk_create(
                [
                    Article(slug=s.slug, title=s.title, condition=s.condition, drugs=s.drugs, status="approved")
                    for s in specs
                ]
            )
            publications = Publication.objects.bulk_create(
                [
                    Publication(
                        article=a, revision=revision, content_hash="0" * 64, slug=s.slug, state="live",
                        live_at=now - dt.timedelta(days=s.reviewed_days_ago), requested_by=user,
                    )
                    for a, s in zip(articles, specs, strict=True)
                ]
            )  # fmt: skip
            entries = CatalogueEntry.objects.bulk_create(
                [
                    CatalogueEntry(
                        article=a, publication=p, slug=s.slug, title=s.title, condition=s.condition,
                        condition_key=folded(s.condition), drugs=s.drugs, kind="approved", live_at=p.live_at,
                        search_names=" ".join([s.title, s.condition, s.drugs]).casefold(),
                        search_text=" ".join(s.summary.split()) + "\n" + " ".join(s.body.replace("#", "").split()),
                    )
                    for a, p, s in zip(articles, publications, specs, strict=True)
                ]
            )  # fmt: skip
            CatalogueLead.objects.bulk_create(
                [
                    CatalogueLead(
                        entry_id=e.pk,
                        **lead_fields(
                            e,
                            audiences=sorted(s.audiences),
                            reviewed_on=(now - dt.timedelta(days=s.reviewed_days_ago)).date(),
                            language=s.language,
                        ),
                    )
                    for e, s in zip(entries, specs, strict=True)
                ]
            )
            search_vectors_write([e.pk for e in entries])
        out(f"  {start + len(specs)} of {len(todo)} new articles written")
    if connection.vendor == "postgresql" and todo:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return len(todo)


# --- judging ----------------------------------------------------------------------------------


def judged() -> list[dict]:
    """Return the judged queries: query, kind, language, and the relevant slugs with their grades (3 best)."""
    return json.loads(JUDGED.read_text())["queries"]


def ranked(query: str, *, language: str = "en", size: int = 10) -> list[str]:
    """Return the slugs a reader sees first for a query (the search page's order, its fallbacks included)."""
    from publishing.selectors.search import catalogue_search_answer

    answer = catalogue_search_answer(query, language=language)
    slugs = [entry.slug for entry in answer.results[:size]]
    return slugs or [entry.slug for entry in answer.close_matches[:size]]


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades))


def evaluate(queries: list[dict] | None = None) -> dict:
    """Return MRR (of each query's best article) and mean nDCG@10 over the judged queries, and each query's figures."""
    queries = queries if queries is not None else judged()
    rows = []
    for q in queries:
        relevant = q["relevant"]
        slugs = ranked(q["query"], language=q.get("language", "en"))
        best = max(relevant.values())
        rr = next((1 / (rank + 1) for rank, slug in enumerate(slugs) if relevant.get(slug) == best), 0.0)
        ideal = dcg(sorted(relevant.values(), reverse=True)[:10])
        ndcg = dcg([relevant.get(slug, 0) for slug in slugs[:10]]) / ideal if ideal else 0.0
        rows.append({"query": q["query"], "kind": q["kind"], "rr": rr, "ndcg": ndcg, "top": slugs[:3]})
    return {
        "queries": len(rows),
        "mrr": sum(r["rr"] for r in rows) / len(rows),
        "ndcg10": sum(r["ndcg"] for r in rows) / len(rows),
        "top3": sum(1 for r in rows if r["rr"] >= 1 / 3) / len(rows),
        "rows": rows,
    }
