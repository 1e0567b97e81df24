"""Generate N articles of realistic shape, fast: a few templates through the services, then bulk copies.

``seed(n)`` makes one template article per workflow shape through the real
services (about ten revisions each, variants, typed references, review
rounds and decisions, workflow events, publications and pages), then copies
the templates until there are ``n`` articles: every row of a template
(article, variants, references, reversion revisions and versions, rounds,
decisions, comments, events, publications, pages, catalogue entry) is copied
with bulk_create, ids remapped, the copy's slug, title and condition
rewritten inside every serialized version, and every content hash recomputed
from the copy's own versions. ``check(sample)`` proves copies have their
template's shape and hashes that match their content.

Used by ``manage.py bench_seed`` and ``python -m bench``; not part of the site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from reversion.models import Revision, Version

from articles import services as article_services
from articles.models import Article, ArticleVariant, Audience, Reference
from audit.models import WorkflowEvent
from publishing import services as publishing_services
from publishing import tasks as publishing_tasks
from publishing.catalogue import catalogue_leads_write, plain_text
from publishing.models import CatalogueEntry, Disclaimer, Publication, PublishedPage
from review import services as review_services
from review.models import BoardMember, ReviewComment, ReviewDecision, ReviewRound
from textkit.content import ARTICLE_FIELDS, REFERENCE_FIELDS, ArticleContent, ReferenceContent, VariantContent
from textkit.text import folded

PREFIX = "bench"
AUTHORS = 20
BOARD = 6
REVISIONS = 10
CHUNK = 500

# Shapes and how many of every 100 articles take each (30 live, some superseded and withdrawn).
SHAPES = (
    ("draft", 22),
    ("submitted", 8),
    ("in_review", 8),
    ("changes_requested", 10),
    ("approved", 10),
    ("live", 20),
    ("live_twice", 10),
    ("withdrawn", 12),
)

CONDITIONS = (
    "Acne vulgaris", "Acute bronchitis", "Allergic rhinitis", "Anaemia of iron deficiency", "Atopic dermatitis",
    "Bacterial vaginosis", "Bell's palsy", "Bronchiolitis", "Candida infection", "Cellulitis", "Chlamydia",
    "Chronic hepatitis B", "Cluster headache", "Community-acquired pneumonia", "Cytomegalovirus infection",
    "Diverticulitis", "Dry eye disease", "Erysipelas", "Fungal nail infection", "Genital herpes", "Giardiasis",
    "Gout flare", "Head lice", "Helicobacter pylori infection", "Herpes zoster", "Hidradenitis suppurativa",
    "Impetigo", "Influenza", "Iron overload", "Jock itch", "Kawasaki disease", "Latent tuberculosis",
    "Lyme disease", "Malaria", "Migraine", "Nail psoriasis", "Nocturnal leg cramps", "Onychomycosis",
    "Otitis externa", "Otitis media", "Pinworm infection", "Plaque psoriasis", "Pneumocystis pneumonia",
    "Q fever", "Rosacea", "Scabies", "Shingles pain", "Sinusitis", "Strep throat", "Syphilis", "Tinea capitis",
    "Toxoplasmosis", "Travellers' diarrhoea", "Urinary tract infection", "Uveitis", "Varicella", "Warts",
    "Whooping cough", "Xerosis", "Yellow fever prevention", "Zoster ophthalmicus", "2019 coronavirus disease",
)  # fmt: skip

SUMMARY = "Most people start with {drug} by mouth; the dose depends on kidney function [@guide1]."
BODY = """## What usually works

- {drug} is the first choice for most adults [@guide1; @trial1].
- Treatment lasts seven to fourteen days, longer when the immune system is weak [@trial2].

## Dosing

- The label gives the adult dose and how to lower it for kidney disease [@label1].
- Children need a dose by weight; ask a specialist [@review1].

## When to seek help

- Come back if fever, rash or breathlessness gets worse after three days.
- Pregnancy changes the choice of medicine; say if you may be pregnant [@review1].
"""
DRUGS = ("valganciclovir", "acyclovir", "doxycycline", "amoxicillin", "fluconazole", "ivermectin", "oseltamivir")


def _references(revision: int) -> list[dict]:
    kinds = ("fda_label", "guideline", "research", "research", "review")
    keys = ("label1", "guide1", "trial1", "trial2", "review1")
    return [
        {
            "key": key,
            "kind": kind,
            "title": f"Source {key}: antimicrobial treatment, edition {revision}",
            "authors": "Author A, Author B",
            "source": "Journal of Clinical Benchmarks",
            "year": 2010 + i,
            "pmid": str(30_000_000 + i),
        }
        for i, (key, kind) in enumerate(zip(keys, kinds, strict=True))
    ]


@dataclass
class People:
    authors: list
    board: list
    editor: object


def _people() -> People:
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}

    def user(name: str, group: str):
        u, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@bench.example.org"})
        u.groups.add(groups[group])
        return u

    authors = [user(f"{PREFIX}-author{i}", "Authors") for i in range(AUTHORS)]
    board = []
    for i in range(BOARD):
        u = user(f"{PREFIX}-reviewer{i}", "Medical Advisory Board")
        member, _ = BoardMember.objects.get_or_create(
            user=u,
            defaults={
                "display_name": f"Dr. Bench Reviewer {i}",
                "credentials": "MD, Infectious Diseases",
                "specialties": "Infectious diseases",
                "credential_verified_until": timezone.localdate() + dt.timedelta(days=3650),
                # One member discloses a drug some articles name, so recusal is exercised.
                "disclosed_drugs": "oseltamivir" if i == BOARD - 1 else "",
            },
        )
        board.append(u)
    editor = user(f"{PREFIX}-editor", "Editors")
    if not Disclaimer.objects.filter(active=True).exists():
        Disclaimer.objects.create(
            name="About this information", text="For education only.", effective_from=timezone.now()
        )
    return People(authors, board, editor)


def _publish(article: Article, editor) -> None:
    publication = publishing_services.publication_request(article, acting_user=editor)
    publishing_tasks.publish.apply(args=[publication.pk])


def _approve(article: Article, people: People) -> Article:
    author, reviewer = people.authors[0], people.board[0]
    review_services.article_submit(article, acting_user=author)
    review_services.review_claim(article, acting_user=reviewer)
    return review_services.review_approve(article, acting_user=reviewer, comment="Accurate and well sourced.")


def _edit(article: Article, author, revision: int, drug: str) -> Article:
    article.refresh_from_db()
    patient, professional = Audience.objects.get(slug="patient"), Audience.objects.get(slug="professional")
    return article_services.article_update(
        article,
        acting_user=author,
        lock_version=article.lock_version,
        fields={"summary": SUMMARY.format(drug=drug) + f" (Revision {revision}.)"},
        variants=[
            article_services.VariantInput(
                audience_id=patient.pk, summary=f"Most people take {drug}; revision {revision} in plain words."
            ),
            article_services.VariantInput(
                audience_id=professional.pk, summary=f"{drug}: first line, dose-adjust for CrCl (rev. {revision})."
            ),
        ],
        references=_references(revision),
        comment=f"Revision {revision}.",
    )


def make_template(shape: str, index: int, people: People) -> Article:
    """Make one template article of a shape through the services: ten revisions, then its workflow."""
    author = people.authors[0]
    drug = DRUGS[index % len(DRUGS)]
    condition = CONDITIONS[index % len(CONDITIONS)]
    patient = Audience.objects.get(slug="patient")
    article = article_services.article_create(
        acting_user=author,
        slug=f"{PREFIX}-template-{shape.replace('_', '-')}",
        title=f"What is the treatment for {condition.lower()}?",
        condition=condition,
        drugs=f"{drug}, ganciclovir",
        summary=SUMMARY.format(drug=drug),
        body=BODY.format(drug=drug),
        variants=[article_services.VariantInput(audience_id=patient.pk, summary=f"Most people take {drug}.")],
        references=_references(0),
    )
    for revision in range(1, REVISIONS):
        article = _edit(article, author, revision, drug)
    reviewer, editor = people.board[0], people.editor
    if shape == "submitted":
        review_services.article_submit(article, acting_user=author)
    elif shape == "in_review":
        review_services.article_submit(article, acting_user=author)
        review_services.review_assign(article, acting_user=editor, reviewers=[BoardMember.objects.get(user=reviewer)])
    elif shape == "changes_requested":
        review_services.article_submit(article, acting_user=author)
        review_services.review_claim(article, acting_user=reviewer)
        review_services.review_request_changes(
            article,
            acting_user=reviewer,
            comment="Please cite the label for the dose.",
            section_comments=[review_services.CommentInput(text="Add the renal dose.", section="Dosing")],
        )
    elif shape in ("approved", "live", "live_twice", "withdrawn"):
        article = _approve(article, people)
        if shape != "approved":
            _publish(article, editor)
        if shape == "live_twice":
            article = _edit(article, author, REVISIONS, drug)
            article = _approve(article, people)
            _publish(article, editor)
        if shape == "withdrawn":
            publishing_services.publication_withdraw(article, acting_user=editor, reason="Guidance changed.")
    article.refresh_from_db()
    return article


# --- copying -----------------------------------------------------------------------------


@dataclass
class Template:
    """Every row of one template article, loaded once and copied many times."""

    article: Article
    author_ids: list[int]
    variants: list[ArticleVariant]
    references: list[Reference]
    revisions: list[Revision]
    versions: list[Version]
    rounds: list[ReviewRound]
    decisions: list[ReviewDecision]
    comments: list[ReviewComment]
    events: list[WorkflowEvent]
    publications: list[Publication]
    pages: list[PublishedPage]
    shape: str = ""
    parsed: dict[int, list] = field(default_factory=dict)  # version pk -> serialized JSON
    revision_hashes: dict[int, str] = field(default_factory=dict)  # revision pk -> content hash
    search_texts: dict[int, str] = field(default_factory=dict)  # page pk -> catalogue search text

    def objects_of(self, revision_id: int) -> list:
        """Return the serialized objects the revision holds."""
        return [obj for v in self.versions if v.revision_id == revision_id for obj in self.parsed[v.pk]]


def load_template(article: Article, shape: str) -> Template:
    """Load every row that belongs to a template article."""
    ct = ContentType.objects.get_for_model(Article)
    revision_ids = set(
        Version.objects.filter(content_type=ct, object_id=str(article.pk)).values_list("revision_id", flat=True)
    )
    rounds = list(ReviewRound.objects.filter(article=article).order_by("pk"))
    publications = list(Publication.objects.filter(article=article).order_by("pk"))
    versions = list(Version.objects.filter(revision_id__in=revision_ids).order_by("pk"))
    template = Template(
        article=article,
        author_ids=list(article.authors.values_list("pk", flat=True)),
        variants=list(ArticleVariant.objects.filter(article=article).order_by("pk")),
        references=list(Reference.objects.filter(article=article).order_by("pk")),
        revisions=list(Revision.objects.filter(pk__in=revision_ids).order_by("pk")),
        versions=versions,
        rounds=rounds,
        decisions=list(ReviewDecision.objects.filter(round__in=rounds).order_by("pk")),
        comments=list(ReviewComment.objects.filter(round__in=rounds).order_by("pk")),
        events=list(WorkflowEvent.objects.filter(article=article).order_by("pk")),
        publications=publications,
        pages=list(PublishedPage.objects.filter(publication__in=publications).order_by("pk")),
        shape=shape,
    )
    template.parsed = {v.pk: json.loads(v.serialized_data) for v in versions}
    template.revision_hashes = {
        r.pk: _content_of(template.objects_of(r.pk), article.pk).content_hash() for r in template.revisions
    }
    template.search_texts = {
        page.pk: f"{plain_text(page.summary_html)}\n{plain_text(page.body_html)}" for page in template.pages
    }
    return template


def _content_of(objects: list[dict], article_pk) -> ArticleContent:
    """Build the content a revision holds from its serialized objects (as content_from_revision does)."""
    article_data, variants, references = None, [], []
    for obj in objects:
        fields = obj["fields"]
        if obj["model"] == "articles.article" and obj["pk"] == article_pk:
            article_data = fields
        elif obj["model"] == "articles.articlevariant" and fields.get("article") == article_pk:
            variants.append(fields)
        elif obj["model"] == "articles.reference" and fields.get("article") == article_pk:
            references.append(fields)

    def clean(value):
        return "" if value is None else value

    return ArticleContent(
        **{name: clean(article_data.get(name)) for name in ARTICLE_FIELDS},
        variants=tuple(
            VariantContent(audience_id=v["audience"], summary=clean(v.get("summary")), body=clean(v.get("body")))
            for v in variants
        ),
        references=tuple(
            ReferenceContent(**{n: r.get(n) if n == "year" else clean(r.get(n)) for n in REFERENCE_FIELDS})
            for r in references
        ),
    )


@dataclass
class CopySpec:
    number: int
    slug: str
    title: str
    condition: str
    author_id: int
    # (member id, user id) of the board member who reviews this copy, in place of the template's.
    reviewer: tuple[int, int] | None = None


def copy_spec(
    template: Template, number: int, authors: list[int], reviewers: list[tuple[int, int]] | None = None
) -> CopySpec:
    """Return how copy `number` of a template differs from it: slug, title, condition, author and reviewer."""
    base = CONDITIONS[(number * 7) % len(CONDITIONS)]
    condition = f"{base}, form {number % 97}"
    return CopySpec(
        number=number,
        slug=f"{PREFIX}-{number}",
        title=f"What is the treatment for {base.lower()} (form {number % 97}, case {number})?",
        condition=condition,
        author_id=authors[number % len(authors)],
        reviewer=reviewers[number % len(reviewers)] if reviewers else None,
    )


def reviewer_pairs(people: People) -> list[tuple[int, int]]:
    """Return (member id, user id) of the members copies are reviewed by: all but the one with a disclosure.

    The templates are all reviewed by the first member; copies share the seats
    out among the members, as a real board would (one member holding every
    seat made the board queue's anti joins read all 80,000 of their decisions).
    """
    members = BoardMember.objects.filter(user__in=people.board[:-1]).order_by("pk")
    return [(m.pk, m.user_id) for m in members]


# Copies are written as plain rows (lists of column values in model field order), prepared once per
# template: a copy only overrides a few columns (ids, foreign keys, slug, title, condition, hashes).
# The serialized versions and the canonical content a hash is taken of are prepared once per template
# as JSON text with quoted placeholder tokens ("@@A@@" for the article's pk, "@@SLUG@@" ...), so a copy
# only fills the tokens in: no json.loads/dumps and no dataclass walk per copy.
TOKEN = re.compile(r'"@@([A-Z]+[0-9]*)@@"')


def _token(name: str) -> str:
    return f"@@{name}@@"


def _split(text: str) -> list[str]:
    """Split JSON text into literal parts (even indexes) and token names (odd indexes)."""
    return TOKEN.split(text)


def _fill(parts: list[str], values: dict[str, str]) -> str:
    out = parts[:]
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return "".join(out)


def _fields(model, *, with_id: bool = True) -> list:
    return [f for f in model._meta.concrete_fields if with_id or not f.primary_key]


def _base_row(model, instance, now, *, with_id: bool = True) -> list:
    """Return an instance's column values in field order; auto_now(_add) columns take `now` as bulk_create would."""
    return [
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else getattr(instance, f.attname)
        for f in _fields(model, with_id=with_id)
    ]


def _col(model, attname: str, *, with_id: bool = True) -> int:
    return [f.attname for f in _fields(model, with_id=with_id)].index(attname)


@dataclass
class Prepared:
    """What copying one template needs, computed once: base rows, JSON text with tokens, hash texts."""

    articles: list
    variants: list
    references: list
    revisions: list
    versions: list  # (revision index, serialized parts, object id token or None, base row)
    hashes: list  # (template hash, canonical JSON parts), one per revision
    rounds: list
    decisions: list
    comments: list
    events: list
    publications: list
    pages: list


def prepare(template: Template, now) -> Prepared:
    """Compute a template's rows once, with tokens where a copy differs."""
    a = template.article
    article_ct = ContentType.objects.get_for_model(Article)
    variant_ct = ContentType.objects.get_for_model(ArticleVariant)
    reference_ct = ContentType.objects.get_for_model(Reference)
    kinds = {article_ct.pk: "article", variant_ct.pk: "variant", reference_ct.pk: "reference"}
    tokens = {("article", a.pk): "A"}
    tokens.update({("variant", v.pk): f"V{i}" for i, v in enumerate(template.variants)})
    tokens.update({("reference", r.pk): f"R{i}" for i, r in enumerate(template.references)})
    revision_index = {r.pk: i for i, r in enumerate(template.revisions)}
    versions = []
    for version in template.versions:
        kind = kinds.get(version.content_type_id)
        objects = json.loads(version.serialized_data)
        for obj in objects:
            if kind is not None and (kind, obj["pk"]) in tokens:
                obj["pk"] = _token(tokens[(kind, obj["pk"])])
            fields = obj["fields"]
            if kind == "article":
                fields["slug"], fields["title"], fields["condition"] = _token("SLUG"), _token("TITLE"), _token("COND")
            elif "article" in fields:
                fields["article"] = _token("A")
        first = objects[0]["pk"]
        object_token = first[2:-2] if kind is not None and isinstance(first, str) and first.startswith("@@") else None
        row = _base_row(Version, version, now, with_id=False)
        versions.append((revision_index[version.revision_id], _split(json.dumps(objects)), object_token, row))
    hashes = []
    for r in template.revisions:
        objects = json.loads(json.dumps(template.objects_of(r.pk)))
        for obj in objects:
            if obj["model"] == "articles.article" and obj["pk"] == a.pk:
                fields = obj["fields"]
                fields["slug"], fields["title"], fields["condition"] = _token("SLUG"), _token("TITLE"), _token("COND")
        hashes.append((template.revision_hashes[r.pk], _split(_content_of(objects, a.pk).canonical_json())))
    return Prepared(
        articles=_base_row(Article, a, now),
        variants=[_base_row(ArticleVariant, v, now) for v in template.variants],
        references=[_base_row(Reference, r, now) for r in template.references],
        revisions=[_base_row(Revision, r, now) for r in template.revisions],
        versions=versions,
        hashes=hashes,
        rounds=[_base_row(ReviewRound, r, now) for r in template.rounds],
        decisions=[_base_row(ReviewDecision, d, now, with_id=False) for d in template.decisions],
        comments=[_base_row(ReviewComment, c, now, with_id=False) for c in template.comments],
        events=[_base_row(WorkflowEvent, e, now, with_id=False) for e in template.events],
        publications=[_base_row(Publication, p, now) for p in template.publications],
        pages=[_base_row(PublishedPage, p, now, with_id=False) for p in template.pages],
    )


def _reserve_ids(model, n: int) -> int:
    """Reserve n consecutive primary keys for model's new rows; return the first (one writer: the generator)."""
    if n == 0:
        return 0
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, n])
            return cursor.fetchone()[0] - n + 1
        quoted = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quoted(column)}), 0) FROM {quoted(table)}")  # nosec B608
        return cursor.fetchone()[0] + 1


def _write(model, rows: list[list], *, with_id: bool = True) -> None:
    """Insert rows: COPY on PostgreSQL, bulk_create elsewhere (SQLite in the tests)."""
    if not rows:
        return
    fields = _fields(model, with_id=with_id)
    if connection.vendor != "postgresql":
        names = [f.attname for f in fields]
        model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500)
        return
    from django.db import models as dj_models

    json_columns = [i for i, f in enumerate(fields) if isinstance(f, dj_models.JSONField)]
    quoted = connection.ops.quote_name
    columns = ", ".join(quoted(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {quoted(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                for i in json_columns:
                    if row[i] is not None:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)


def _template_reviewer() -> tuple[int, int] | None:
    """Return (member id, user id) of the member who reviews the templates (the board's first)."""
    member = BoardMember.objects.filter(user__username=f"{PREFIX}-reviewer0").first()
    return (member.pk, member.user_id) if member else None


def copy_templates(plan: list[tuple[Template, CopySpec]], prepared: dict[str, Prepared]) -> None:
    """Copy templates as the plan says, in one transaction: every row with ids remapped and hashes recomputed."""
    now = timezone.now()
    counts = {"article": len(plan), "variant": 0, "reference": 0, "revision": 0, "round": 0, "publication": 0}
    live_entries = 0
    for template, _spec in plan:
        counts["variant"] += len(template.variants)
        counts["reference"] += len(template.references)
        counts["revision"] += len(template.revisions)
        counts["round"] += len(template.rounds)
        counts["publication"] += len(template.publications)
        live_entries += sum(1 for p in template.publications if p.state == Publication.State.LIVE)
    next_id = {
        "article": _reserve_ids(Article, counts["article"]),
        "variant": _reserve_ids(ArticleVariant, counts["variant"]),
        "reference": _reserve_ids(Reference, counts["reference"]),
        "revision": _reserve_ids(Revision, counts["revision"]),
        "round": _reserve_ids(ReviewRound, counts["round"]),
        "publication": _reserve_ids(Publication, counts["publication"]),
        "entry": _reserve_ids(CatalogueEntry, live_entries),
    }

    def take(kind: str) -> int:
        value = next_id[kind]
        next_id[kind] += 1
        return value

    col = {
        "article": {n: _col(Article, n) for n in ("id", "slug", "title", "condition", "last_approved_revision_id")},
        "variant": (_col(ArticleVariant, "id"), _col(ArticleVariant, "article_id")),
        "reference": (_col(Reference, "id"), _col(Reference, "article_id")),
        "revision": _col(Revision, "id"),
        "version": (_col(Version, "revision_id", with_id=False), _col(Version, "object_id", with_id=False)),
        "round": [_col(ReviewRound, n) for n in ("id", "article_id", "revision_id", "content_hash")],
        "decision": [_col(ReviewDecision, n, with_id=False) for n in ("round_id", "revision_id")],
        "comment": _col(ReviewComment, "round_id", with_id=False),
        "event": [
            _col(WorkflowEvent, n, with_id=False) for n in ("article_id", "round_id", "revision_id", "content_hash")
        ],
        "publication": [_col(Publication, n) for n in ("id", "article_id", "revision_id", "content_hash", "slug")],
        "page": [_col(PublishedPage, n, with_id=False) for n in ("publication_id", "title", "data", "content_hash")],
    }
    version_repr = _col(Version, "object_repr", with_id=False)
    version_data = _col(Version, "serialized_data", with_id=False)
    last_hash = _col(Article, "last_approved_hash")
    rows = {k: [] for k in ("articles", "authors", "variants", "references", "revisions", "versions")}
    rows.update({k: [] for k in ("rounds", "decisions", "comments", "events", "publications", "pages", "entries")})
    dumps = json.dumps
    reviewer_col = _col(ReviewDecision, "reviewer_id", with_id=False)
    actor_col = _col(WorkflowEvent, "actor_id", with_id=False)
    comment_author_col = _col(ReviewComment, "author_id", with_id=False)
    template_reviewer = _template_reviewer()
    for template, spec in plan:
        swap_member, swap_user = {}, {}
        if spec.reviewer is not None and template_reviewer is not None:
            swap_member = {template_reviewer[0]: spec.reviewer[0]}
            swap_user = {template_reviewer[1]: spec.reviewer[1]}
        p = prepared[template.shape]
        a = template.article
        article_id = take("article")
        values = {"A": str(article_id), "SLUG": dumps(spec.slug), "TITLE": dumps(spec.title)}
        values["COND"] = dumps(spec.condition)
        for i, base in enumerate(p.variants):
            row = base[:]
            row[col["variant"][0]], row[col["variant"][1]] = take("variant"), article_id
            values[f"V{i}"] = str(row[col["variant"][0]])
            rows["variants"].append(row)
        for i, base in enumerate(p.references):
            row = base[:]
            row[col["reference"][0]], row[col["reference"][1]] = take("reference"), article_id
            values[f"R{i}"] = str(row[col["reference"][0]])
            rows["references"].append(row)
        revision_ids = []
        revision_map = {}
        for r, base in zip(template.revisions, p.revisions, strict=True):
            row = base[:]
            row[col["revision"]] = take("revision")
            revision_ids.append(row[col["revision"]])
            revision_map[r.pk] = row[col["revision"]]
            rows["revisions"].append(row)
        for revision_index, parts, object_token, base in p.versions:
            row = base[:]
            row[col["version"][0]] = revision_ids[revision_index]
            if object_token is not None:
                row[col["version"][1]] = values[object_token]
            if object_token == "A":
                row[version_repr] = spec.title
            row[version_data] = _fill(parts, values)
            rows["versions"].append(row)
        text = {
            "SLUG": dumps(spec.slug, ensure_ascii=False),
            "TITLE": dumps(spec.title, ensure_ascii=False),
            "COND": dumps(spec.condition, ensure_ascii=False),
        }
        hashes = {old: hashlib.sha256(_fill(parts, text).encode("utf-8")).hexdigest() for old, parts in p.hashes}

        row = p.articles[:]
        c = col["article"]
        row[c["id"]], row[c["slug"]], row[c["title"]], row[c["condition"]] = (
            article_id,
            spec.slug,
            spec.title,
            spec.condition,
        )
        row[c["last_approved_revision_id"]] = revision_map.get(a.last_approved_revision_id)
        row[last_hash] = hashes.get(a.last_approved_hash, "")
        rows["articles"].append(row)
        rows["authors"].append([article_id, spec.author_id])

        round_map = {}
        for r, base in zip(template.rounds, p.rounds, strict=True):
            row = base[:]
            i_id, i_article, i_revision, i_hash = col["round"]
            row[i_id], row[i_article] = take("round"), article_id
            row[i_revision], row[i_hash] = revision_map[r.revision_id], hashes[r.content_hash]
            round_map[r.pk] = row[i_id]
            rows["rounds"].append(row)
        for d, base in zip(template.decisions, p.decisions, strict=True):
            row = base[:]
            row[col["decision"][0]], row[col["decision"][1]] = round_map[d.round_id], revision_map.get(d.revision_id)
            row[reviewer_col] = swap_member.get(row[reviewer_col], row[reviewer_col])
            rows["decisions"].append(row)
        for c_, base in zip(template.comments, p.comments, strict=True):
            row = base[:]
            row[col["comment"]] = round_map[c_.round_id]
            row[comment_author_col] = swap_user.get(row[comment_author_col], row[comment_author_col])
            rows["comments"].append(row)
        for e, base in zip(template.events, p.events, strict=True):
            row = base[:]
            i_article, i_round, i_revision, i_hash = col["event"]
            row[i_article], row[i_round] = article_id, round_map.get(e.round_id)
            row[i_revision] = revision_map.get(e.revision_id)
            row[i_hash] = hashes.get(e.content_hash, "") if e.content_hash else ""
            row[actor_col] = swap_user.get(row[actor_col], row[actor_col])
            rows["events"].append(row)

        publication_map = {}
        for pub, base in zip(template.publications, p.publications, strict=True):
            row = base[:]
            i_id, i_article, i_revision, i_hash, i_slug = col["publication"]
            row[i_id], row[i_article], row[i_slug] = take("publication"), article_id, spec.slug
            row[i_revision], row[i_hash] = revision_map[pub.revision_id], hashes[pub.content_hash]
            publication_map[pub.pk] = (row[i_id], pub)
            rows["publications"].append(row)
        for page, base in zip(template.pages, p.pages, strict=True):
            row = base[:]
            data = dict(page.data or {})
            data["condition"] = spec.condition
            publication_id, live = publication_map[page.publication_id]
            i_publication, i_title, i_data, i_hash = col["page"]
            row[i_publication], row[i_title], row[i_data] = publication_id, spec.title, data
            row[i_hash] = hashes[page.content_hash]
            rows["pages"].append(row)
            if page.audience_id is None and live.state == Publication.State.LIVE:
                drugs = ", ".join(data.get("drugs") or [])
                rows["entries"].append(
                    [
                        take("entry"),
                        article_id,
                        publication_id,
                        spec.slug,
                        spec.title,
                        spec.condition,
                        folded(spec.condition),
                        drugs,
                        live.kind,
                        live.live_at or now,
                        live.expires_at,
                        " ".join([spec.title, spec.condition, drugs]).casefold(),
                        template.search_texts[page.pk],
                        "en",  # language: the generated copies are of the English templates
                    ]
                )

    # Parents first (PostgreSQL defers the foreign key checks to the commit anyway).
    _write(Revision, rows["revisions"])
    _write(Article, rows["articles"])
    _write(Article.authors.through, rows["authors"], with_id=False)
    _write(ArticleVariant, rows["variants"])
    _write(Reference, rows["references"])
    _write(Version, rows["versions"], with_id=False)
    _write(ReviewRound, rows["rounds"])
    _write(ReviewDecision, rows["decisions"], with_id=False)
    _write(ReviewComment, rows["comments"], with_id=False)
    _write(WorkflowEvent, rows["events"], with_id=False)
    _write(Publication, rows["publications"])
    _write(PublishedPage, rows["pages"], with_id=False)
    _write(CatalogueEntry, rows["entries"])
    if rows["entries"]:
        catalogue_leads_write([row[0] for row in rows["entries"]])


def shape_plan(n: int) -> list[str]:
    """Return the shape of each of n articles, in the SHAPES proportions, shuffled with a fixed seed."""
    cycle = []
    for shape, per_hundred in SHAPES:
        cycle += [shape] * per_hundred
    random.Random(8).shuffle(cycle)
    return [cycle[i % len(cycle)] for i in range(n)]


def seed(n: int, *, out=print) -> dict:
    """Make templates through the services, then copy them until there are n generated articles."""
    started = time.monotonic()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        return _seed(n, out=out, started=started)


def _seed(n: int, *, out, started: float) -> dict:
    people = _people()
    templates: dict[str, Template] = {}
    for index, (shape, _weight) in enumerate(SHAPES):
        slug = f"{PREFIX}-template-{shape.replace('_', '-')}"
        article = Article.objects.filter(slug=slug).first() or make_template(shape, index, people)
        templates[shape] = load_template(article, shape)
    out(f"templates ready ({len(templates)}) in {time.monotonic() - started:.1f} s")
    now = timezone.now()
    prepared = {shape: prepare(template, now) for shape, template in templates.items()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Benchmark data only: a crash loses at most the last transactions, which a rerun tops up.
            cursor.execute("SET synchronous_commit TO OFF")
    already = Article.objects.filter(slug__regex=rf"^{PREFIX}-[0-9]+$").count()
    plan = shape_plan(n)
    authors = [u.pk for u in people.authors]
    reviewers = reviewer_pairs(people)
    todo = [
        (templates[shape], copy_spec(templates[shape], i, authors, reviewers))
        for i, shape in enumerate(plan)
        if i >= already
    ]
    for start in range(0, len(todo), CHUNK):
        with transaction.atomic():
            copy_templates(todo[start : start + CHUNK], prepared)
        done = already + start + len(todo[start : start + CHUNK])
        if done % 2000 < CHUNK or done == n:
            out(f"  {done} articles, {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A live database is autovacuumed: the visibility map lets counts use index-only scans.
            # (VACUUM cannot run in a transaction, e.g. inside a test: there, statistics only.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return {"articles": n, "seconds": round(time.monotonic() - started, 1)}


# --- the shape check -----------------------------------------------------------------------


def _shape(article: Article) -> dict:
    from audit.models import WorkflowEvent as Event

    ct = ContentType.objects.get_for_model(Article)
    revision_ids = list(
        Version.objects.filter(content_type=ct, object_id=str(article.pk)).values_list("revision_id", flat=True)
    )
    return {
        "status": article.status,
        "revisions": len(revision_ids),
        "versions": sorted(
            Version.objects.filter(revision_id__in=revision_ids)
            .values_list("content_type__model", flat=True)
            .order_by()
        ),
        "variants": sorted(article.variants.values_list("audience_id", flat=True)),
        "references": sorted(article.references.values_list("key", "kind")),
        "rounds": list(ReviewRound.objects.filter(article=article).order_by("pk").values_list("status", flat=True)),
        "decisions": list(
            ReviewDecision.objects.filter(round__article=article).order_by("pk").values_list("decision", flat=True)
        ),
        "comments": ReviewComment.objects.filter(round__article=article).count(),
        "events": list(Event.objects.filter(article=article).order_by("pk").values_list("action", flat=True)),
        "publications": list(Publication.objects.filter(article=article).order_by("pk").values_list("state", "kind")),
        "pages": PublishedPage.objects.filter(publication__article=article).count(),
        "catalogue": CatalogueEntry.objects.filter(article=article).count(),
    }


def _hashes_match(article: Article) -> list[str]:
    from articles.content import content_from_revision

    problems = []
    pinned = [(f"round {r.pk}", r.revision, r.content_hash) for r in ReviewRound.objects.filter(article=article)]
    pinned += [(f"publication {p.pk}", p.revision, p.content_hash) for p in Publication.objects.filter(article=article)]
    if article.last_approved_revision_id:
        pinned.append(("last approved", article.last_approved_revision, article.last_approved_hash))
    for what, revision, stored in pinned:
        content = content_from_revision(revision, article_id=article.pk)
        if content.content_hash() != stored:
            problems.append(f"{article.slug}: {what} stores a hash its revision's content does not have")
        if content.slug != article.slug:
            problems.append(f"{article.slug}: {what}'s revision holds slug {content.slug!r}")
    for page in PublishedPage.objects.filter(publication__article=article).select_related("publication"):
        if page.content_hash != page.publication.content_hash:
            problems.append(f"{article.slug}: a page's hash differs from its publication's")
    return problems


def check(sample: int = 50) -> list[str]:
    """Compare a sample of copies with their templates; return the differences found (empty: identical shape)."""
    templates = {a.slug: _shape(a) for a in Article.objects.filter(slug__startswith=f"{PREFIX}-template-")}
    n = Article.objects.filter(slug__regex=rf"^{PREFIX}-[0-9]+$").count()
    plan = shape_plan(n)
    problems = []
    step = max(1, n // sample)
    for number in range(0, n, step):
        copy = Article.objects.filter(slug=f"{PREFIX}-{number}").first()
        template_slug = f"{PREFIX}-template-{plan[number].replace('_', '-')}"
        if copy is None:
            problems.append(f"{PREFIX}-{number} is missing")
            continue
        expected, found = templates[template_slug], _shape(copy)
        for key in expected:
            if expected[key] != found[key]:
                problems.append(f"{copy.slug} differs from {template_slug} in {key}: {found[key]} != {expected[key]}")
        problems += _hashes_match(copy)
    return problems
