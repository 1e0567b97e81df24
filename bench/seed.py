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
import json
import random
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
from articles.content import ARTICLE_FIELDS, REFERENCE_FIELDS, ArticleContent, ReferenceContent, VariantContent
from articles.models import Article, ArticleVariant, Audience, Reference
from audit.models import WorkflowEvent
from publishing import services as publishing_services
from publishing import tasks as publishing_tasks
from publishing.catalogue import VECTOR_SQL_MANY, plain_text
from publishing.models import CatalogueEntry, Disclaimer, Publication, PublishedPage
from review import services as review_services
from review.models import BoardMember, ReviewComment, ReviewDecision, ReviewRound

PREFIX = "bench"
AUTHORS = 20
BOARD = 6
REVISIONS = 10
CHUNK = 250

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


def copy_spec(template: Template, number: int, authors: list[int]) -> CopySpec:
    """Return how copy `number` of a template differs from it: slug, title, condition and first author."""
    base = CONDITIONS[(number * 7) % len(CONDITIONS)]
    condition = f"{base}, form {number % 97}"
    return CopySpec(
        number=number,
        slug=f"{PREFIX}-{number}",
        title=f"What is the treatment for {base.lower()} (form {number % 97}, case {number})?",
        condition=condition,
        author_id=authors[number % len(authors)],
    )


def _ids(model, rows: list) -> list:
    created = model.objects.bulk_create(rows, batch_size=2000)
    return created


VERSION_COLUMNS = ("revision_id", "object_id", "content_type_id", "db", "format", "serialized_data", "object_repr")


def _insert_versions(versions: list[Version]) -> None:
    """Insert version rows: COPY on PostgreSQL (they are most of the data), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        Version.objects.bulk_create(versions, batch_size=2000)
        return
    table = Version._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(VERSION_COLUMNS)}) FROM STDIN") as copy:
            for version in versions:
                copy.write_row([getattr(version, column) for column in VERSION_COLUMNS])


def copy_templates(plan: list[tuple[Template, CopySpec]]) -> None:
    """Copy templates as the plan says, in one transaction: every row with ids remapped and hashes recomputed."""
    article_ct = ContentType.objects.get_for_model(Article)
    variant_ct = ContentType.objects.get_for_model(ArticleVariant)
    reference_ct = ContentType.objects.get_for_model(Reference)
    models_by_ct = {article_ct.pk: "article", variant_ct.pk: "variant", reference_ct.pk: "reference"}
    now = timezone.now()

    # 1. Articles.
    articles = []
    for template, spec in plan:
        a = template.article
        copy = Article(
            **{
                f.attname: getattr(a, f.attname)
                for f in Article._meta.concrete_fields
                if f.attname not in ("id", "slug", "title", "condition", "last_approved_revision_id")
            }
        )
        copy.slug, copy.title, copy.condition = spec.slug, spec.title, spec.condition
        articles.append(copy)
    articles = _ids(Article, articles)
    Article.authors.through.objects.bulk_create(
        [
            Article.authors.through(article_id=copy.pk, user_id=spec.author_id)
            for copy, (_t, spec) in zip(articles, plan, strict=True)
        ],
        batch_size=5000,
    )

    # 2. Current variants and references.
    variant_rows, reference_rows, owners = [], [], []
    for copy, (template, _spec) in zip(articles, plan, strict=True):
        for v in template.variants:
            variant_rows.append(
                ArticleVariant(article_id=copy.pk, audience_id=v.audience_id, summary=v.summary, body=v.body)
            )
        for r in template.references:
            reference_rows.append(Reference(article_id=copy.pk, **{n: getattr(r, n) for n in REFERENCE_FIELDS}))
        owners.append(copy)
    variant_rows = _ids(ArticleVariant, variant_rows)
    reference_rows = _ids(Reference, reference_rows)
    vi = ri = 0
    pk_maps: list[dict] = []
    for copy, (template, _spec) in zip(articles, plan, strict=True):
        mapping = {("article", template.article.pk): copy.pk}
        for v in template.variants:
            mapping[("variant", v.pk)] = variant_rows[vi].pk
            vi += 1
        for r in template.references:
            mapping[("reference", r.pk)] = reference_rows[ri].pk
            ri += 1
        pk_maps.append(mapping)

    # 3. Revisions, then versions with rewritten serialized data; hashes per revision.
    revisions = []
    for template, _spec in plan:
        for r in template.revisions:
            revisions.append(Revision(date_created=r.date_created, user_id=r.user_id, comment=r.comment))
    revisions = _ids(Revision, revisions)
    versions, revision_maps, hash_maps = [], [], []
    ri = 0
    for copy, mapping, (template, spec) in zip(articles, pk_maps, plan, strict=True):
        revision_map = {}
        for r in template.revisions:
            revision_map[r.pk] = revisions[ri].pk
            ri += 1
        by_revision: dict[int, list] = {}
        for version in template.versions:
            kind = models_by_ct.get(version.content_type_id)
            objects = json.loads(json.dumps(template.parsed[version.pk]))
            for obj in objects:
                if kind is not None:
                    obj["pk"] = mapping.get((kind, obj["pk"]), obj["pk"])
                fields = obj["fields"]
                if kind == "article":
                    fields["slug"], fields["title"], fields["condition"] = spec.slug, spec.title, spec.condition
                elif "article" in fields:
                    fields["article"] = copy.pk
            object_id = str(objects[0]["pk"]) if kind is not None else version.object_id
            by_revision.setdefault(version.revision_id, []).extend(objects)
            versions.append(
                Version(
                    revision_id=revision_map[version.revision_id],
                    object_id=object_id,
                    content_type_id=version.content_type_id,
                    db=version.db,
                    format=version.format,
                    serialized_data=json.dumps(objects),
                    object_repr=spec.title if kind == "article" else version.object_repr,
                )
            )
        hashes = {}
        for old_revision, objects in by_revision.items():
            hashes[template.revision_hashes[old_revision]] = _content_of(objects, copy.pk).content_hash()
        revision_maps.append(revision_map)
        hash_maps.append(hashes)
    _insert_versions(versions)

    # 4. Article fields that point at revisions.
    for copy, revision_map, hashes, (template, _spec) in zip(articles, revision_maps, hash_maps, plan, strict=True):
        a = template.article
        copy.last_approved_revision_id = revision_map.get(a.last_approved_revision_id)
        copy.last_approved_hash = hashes.get(a.last_approved_hash, "")
    Article.objects.bulk_update(articles, ["last_approved_revision_id", "last_approved_hash"], batch_size=2000)

    # 5. Review rounds, decisions, comments, events.
    rounds = []
    for copy, revision_map, hashes, (template, _spec) in zip(articles, revision_maps, hash_maps, plan, strict=True):
        for r in template.rounds:
            rounds.append(
                ReviewRound(
                    article_id=copy.pk,
                    revision_id=revision_map[r.revision_id],
                    content_hash=hashes[r.content_hash],
                    submitted_by_id=r.submitted_by_id,
                    submitted_at=r.submitted_at,
                    status=r.status,
                    required_approvals=r.required_approvals,
                    closed_at=r.closed_at,
                )
            )
    rounds = _ids(ReviewRound, rounds)
    decisions, comments, events = [], [], []
    k = 0
    for copy, revision_map, hashes, (template, _spec) in zip(articles, revision_maps, hash_maps, plan, strict=True):
        round_map = {}
        for r in template.rounds:
            round_map[r.pk] = rounds[k].pk
            k += 1
        for d in template.decisions:
            decisions.append(
                ReviewDecision(
                    round_id=round_map[d.round_id],
                    reviewer_id=d.reviewer_id,
                    assigned_by_id=d.assigned_by_id,
                    assigned_at=d.assigned_at,
                    decision=d.decision,
                    comment=d.comment,
                    decided_at=d.decided_at,
                    revision_id=revision_map.get(d.revision_id),
                )
            )
        for c in template.comments:
            comments.append(
                ReviewComment(
                    round_id=round_map[c.round_id],
                    author_id=c.author_id,
                    section=c.section,
                    audience_id=c.audience_id,
                    text=c.text,
                    resolved_at=c.resolved_at,
                    resolved_by_id=c.resolved_by_id,
                )
            )
        for e in template.events:
            events.append(
                WorkflowEvent(
                    article_id=copy.pk,
                    round_id=round_map.get(e.round_id),
                    actor_id=e.actor_id,
                    action=e.action,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    revision_id=revision_map.get(e.revision_id),
                    content_hash=hashes.get(e.content_hash, "") if e.content_hash else "",
                    comment=e.comment,
                )
            )
    ReviewDecision.objects.bulk_create(decisions, batch_size=2000)
    ReviewComment.objects.bulk_create(comments, batch_size=2000)
    WorkflowEvent.objects.bulk_create(events, batch_size=2000)

    # 6. Publications, pages and the reader catalogue.
    publications = []
    for copy, revision_map, hashes, (template, spec) in zip(articles, revision_maps, hash_maps, plan, strict=True):
        for p in template.publications:
            publications.append(
                Publication(
                    **{
                        f.attname: getattr(p, f.attname)
                        for f in Publication._meta.concrete_fields
                        if f.attname not in ("id", "article_id", "revision_id", "content_hash", "slug")
                    },
                    article_id=copy.pk,
                    revision_id=revision_map[p.revision_id],
                    content_hash=hashes[p.content_hash],
                    slug=spec.slug,
                )
            )
    publications = _ids(Publication, publications)
    pages, entries = [], []
    k = 0
    for copy, hashes, (template, spec) in zip(articles, hash_maps, plan, strict=True):
        publication_map = {}
        for p in template.publications:
            publication_map[p.pk] = publications[k]
            k += 1
        for page in template.pages:
            data = dict(page.data or {})
            data["condition"] = spec.condition
            pages.append(
                PublishedPage(
                    publication_id=publication_map[page.publication_id].pk,
                    audience_id=page.audience_id,
                    title=spec.title,
                    summary_html=page.summary_html,
                    body_html=page.body_html,
                    references_html=page.references_html,
                    disclaimer_id=page.disclaimer_id,
                    disclaimer_html=page.disclaimer_html,
                    review_snapshot=page.review_snapshot,
                    data=data,
                    content_hash=hashes[page.content_hash],
                    rendered_at=page.rendered_at,
                )
            )
            live = publication_map[page.publication_id]
            if page.audience_id is None and live.state == Publication.State.LIVE:
                drugs = ", ".join(data.get("drugs") or [])
                entries.append(
                    CatalogueEntry(
                        article_id=copy.pk,
                        publication_id=live.pk,
                        slug=spec.slug,
                        title=spec.title,
                        condition=spec.condition,
                        condition_key=spec.condition.casefold(),
                        drugs=drugs,
                        kind=live.kind,
                        live_at=live.live_at or now,
                        expires_at=live.expires_at,
                        search_names=" ".join([spec.title, spec.condition, drugs]).casefold(),
                        search_text=f"{plain_text(page.summary_html)}\n{plain_text(page.body_html)}",
                    )
                )
    PublishedPage.objects.bulk_create(pages, batch_size=1000)
    entries = _ids(CatalogueEntry, entries)
    if connection.vendor == "postgresql" and entries:
        with connection.cursor() as cursor:
            cursor.execute(VECTOR_SQL_MANY, [[e.pk for e in entries]])


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
    already = Article.objects.filter(slug__regex=rf"^{PREFIX}-[0-9]+$").count()
    plan = shape_plan(n)
    authors = [u.pk for u in people.authors]
    todo = [(templates[shape], copy_spec(templates[shape], i, authors)) for i, shape in enumerate(plan) if i >= already]
    for start in range(0, len(todo), CHUNK):
        with transaction.atomic():
            copy_templates(todo[start : start + CHUNK])
        done = already + start + len(todo[start : start + CHUNK])
        if done % 2000 < CHUNK or done == n:
            out(f"  {done} articles, {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
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
