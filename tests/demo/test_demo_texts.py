"""The demo CMV articles: clean content checks, typed references, variants, own words."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from reversion.models import Version

from articles.content import content_from_article, content_from_revision
from articles.models import Article, ArticleVariant, Audience, Reference
from demo import texts as demo
from tests import factories
from textkit.content import ArticleContent

REFERENCE_PAGES = Path(__file__).resolve().parents[2] / "docs" / "reference-pages"
# The captured seed pages are not part of the repository (their text is not
# ours); point VETTED_SEED_PAGES_DIR at a folder of them to run the copy check.
SEEDS_DIR = Path(os.environ["VETTED_SEED_PAGES_DIR"]) if os.environ.get("VETTED_SEED_PAGES_DIR") else None
FACT_RE = re.compile(r"^- (title|drug|dose|term|reference): (.+)$", re.M)
SHINGLE = 8
DEMO_SLUGS = [demo.CMV_SLUG, demo.DCMV_SLUG]
CITATION_RE = re.compile(r"\[(@[^\]]+)\]")


@pytest.fixture
def demo_users(db) -> dict:
    return {"author": factories.UserFactory(username="author", groups=["Authors"])}


@pytest.fixture
def seeded(demo_users) -> dict[str, Article]:
    demo.seed(demo_users, stdout=io.StringIO())
    return {article.slug: article for article in Article.objects.filter(slug__in=DEMO_SLUGS)}


def _texts(content: ArticleContent) -> dict[str, tuple[str, str]]:
    """Return every audience's (summary, body) plus the default text, by name."""
    texts = {"default": (content.summary, content.body)}
    for audience in Audience.objects.all():
        texts[audience.slug] = content.text_for(audience.pk)
    return texts


def _cited(text: str) -> set[str]:
    return {key.strip().lstrip("@") for group in CITATION_RE.findall(text) for key in group.split(";")}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_demo_article_passes_content_checks_without_errors_or_warnings(seeded, slug):
    from textkit.checks import check_content, has_errors

    content = content_from_article(seeded[slug])
    names = {audience.pk: audience.name for audience in Audience.objects.all()}
    results = check_content(content, audience_names=names)
    assert not has_errors(results), results
    assert results == []


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_every_audience_text_cites_only_known_keys_and_cites_in_every_section(seeded, slug):
    content = content_from_article(seeded[slug])
    known = {reference.key for reference in content.references}
    used: set[str] = set()
    for name, (summary, body) in _texts(content).items():
        assert _cited(summary), f"{name} summary has no citation"
        used |= _cited(summary) | _cited(body)
        assert _cited(summary) | _cited(body) <= known, name
        sections = re.split(r"^## ", body, flags=re.M)
        assert sections[0].strip() == "", f"{name} body has text before its first section"
        assert len(sections) >= 5, f"{name} body has fewer than four sections"
        for section in sections[1:]:
            assert _cited(section), f"{name}: section “{section.splitlines()[0]}” has no citation"
            bullets = [line for line in section.splitlines() if line.startswith("- ")]
            assert bullets, f"{name}: section “{section.splitlines()[0]}” has no bullet points"
    assert used == known, f"references never cited: {known - used}"


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_demo_article_has_five_typed_references_including_a_label_and_a_guideline(seeded, slug):
    references = list(Reference.objects.filter(article=seeded[slug]))
    kinds = {reference.kind for reference in references}
    assert len(references) >= 5
    assert len(kinds) >= 3
    assert {Reference.Kind.FDA_LABEL, Reference.Kind.GUIDELINE, Reference.Kind.RESEARCH} <= kinds
    for reference in references:
        assert reference.title and reference.source, reference.key
        assert reference.kind == Reference.Kind.FDA_LABEL or reference.authors, reference.key
        reference.full_clean()  # PMIDs and DOIs, where given, are well-formed


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_patient_and_professional_have_their_own_text_and_others_fall_back(seeded, slug):
    article = seeded[slug]
    variants = {v.audience.slug: v for v in ArticleVariant.objects.filter(article=article)}
    assert set(variants) == {"patient", "professional"}
    for variant in variants.values():
        assert variant.summary.strip() and variant.body.strip()
        assert variant.summary != article.summary and variant.body != article.body
    content = content_from_article(article)
    for slug_without_variant in ("caregiver", "student"):
        audience = Audience.objects.get(slug=slug_without_variant)
        assert content.text_for(audience.pk) == (article.summary, article.body)
    professional = variants["professional"].body
    for detail in ("mg/kg", "UL97", "UL54", "creatinine clearance"):
        assert detail in professional, detail


def _reading_grade(text: str) -> float:
    """Return a Flesch–Kincaid grade (rough syllable count) for Markdown text."""
    text = CITATION_RE.sub("", re.sub(r"^#+ .*$", "", text, flags=re.M))
    sentences = [s for s in re.split(r"[.!?]+\s|\n- ", text) if s.strip()]
    words = re.findall(r"[A-Za-z]+", text)

    def syllables(word: str) -> int:
        count = len(re.findall(r"[aeiouy]+", word.lower()))
        if word.lower().endswith("e") and count > 1:
            count -= 1
        return max(1, count)

    return 0.39 * len(words) / len(sentences) + 11.8 * sum(map(syllables, words)) / len(words) - 15.59


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_patient_version_reads_at_grade_eight_or_below_and_below_the_professional_one(seeded, slug):
    variants = {v.audience.slug: v for v in ArticleVariant.objects.filter(article=seeded[slug])}
    patient = _reading_grade(variants["patient"].summary + "\n" + variants["patient"].body)
    professional = _reading_grade(variants["professional"].summary + "\n" + variants["professional"].body)
    assert patient <= 8
    assert professional > patient + 3
    assert "antiviral" in variants["patient"].body.lower()


def _facts(slug: str) -> list[tuple[str, str]]:
    return FACT_RE.findall((REFERENCE_PAGES / f"{slug}.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("slug", DEMO_SLUGS)
def test_demo_article_covers_every_fact_its_reference_page_lists(seeded, slug):
    facts = _facts(slug)
    assert {kind for kind, _ in facts} == {"title", "drug", "dose", "term", "reference"}, "facts file is incomplete"
    article = seeded[slug]
    content = content_from_article(article)
    everything = " ".join(" ".join(pair) for pair in _texts(content).values()).lower()
    professional = ArticleVariant.objects.get(article=article, audience__slug="professional")
    kinds = set(Reference.objects.filter(article=article).values_list("kind", flat=True))
    missing = []
    for kind, value in facts:
        value = value.strip()
        found = {
            "title": value.lower() in article.title.lower(),
            "drug": value.lower() in everything and value.lower() in article.drug_list(),
            "dose": value in professional.body,
            "term": value.lower() in everything,
            "reference": value in kinds,
        }[kind]
        if not found:
            missing.append(f"{kind}: {value}")
    assert not missing, f"{slug} lacks what docs/reference-pages/{slug}.md lists: {missing}"


def test_reference_page_notes_describe_the_page_elements_the_reader_page_shows():
    readme = (REFERENCE_PAGES / "README.md").read_text(encoding="utf-8")
    elements = re.findall(r"^\d+\. ", readme, flags=re.M)
    assert len(elements) >= 10
    for slug in DEMO_SLUGS:
        assert (REFERENCE_PAGES / f"{slug}.md").is_file(), slug


@pytest.mark.skipif(SEEDS_DIR is None, reason="set VETTED_SEED_PAGES_DIR to the captured seed pages to compare")
def test_demo_text_copies_no_run_of_eight_words_from_the_seed_pages(seeded):
    seed_files = sorted(SEEDS_DIR.glob("*.txt"))
    assert seed_files, f"no *.txt seed pages in {SEEDS_DIR}"
    seed_shingles: set[tuple[str, ...]] = set()
    for path in seed_files:
        seed_shingles |= _shingles(_words(path.read_text(encoding="utf-8")))
    assert len(seed_shingles) > 500  # the comparison really has the seed text
    for article in seeded.values():
        content = content_from_article(article)
        for name, (summary, body) in _texts(content).items():
            copied = _shingles(_words(CITATION_RE.sub(" ", summary + "\n" + body))) & seed_shingles
            assert not copied, f"{article.slug} ({name}) repeats seed wording: {sorted(copied)[:3]}"


def test_seed_twice_creates_each_article_once_with_two_revisions(demo_users):
    first, second = io.StringIO(), io.StringIO()
    demo.seed(demo_users, stdout=first)
    snapshot = {a.slug: (a.pk, a.lock_version) for a in Article.objects.all()}
    demo.seed(demo_users, stdout=second)

    assert {a.slug: (a.pk, a.lock_version) for a in Article.objects.all()} == snapshot
    assert set(snapshot) == set(DEMO_SLUGS)
    for article in Article.objects.all():
        versions = list(Version.objects.get_for_object(article))  # newest first
        assert [v.revision.comment for v in versions] == [
            "Added the version for healthcare professionals.",
            "First draft, with the plain-language version for patients.",
        ]
        first_draft = content_from_revision(versions[1].revision, article_id=article.pk)
        assert {v.audience_id for v in first_draft.variants} == {Audience.objects.get(slug="patient").pk}
        assert list(article.authors.all()) == [demo_users["author"]]
        assert article.status == Article.Status.DRAFT
        assert article.condition and "valganciclovir" in article.drug_list()
    assert first.getvalue().count("Created article") == 2
    assert second.getvalue().count("Kept article") == 2
    assert "Created" not in second.getvalue()


def test_seed_keeps_an_existing_article_with_a_demo_slug_untouched(demo_users):
    existing = factories.make_article(author=demo_users["author"], slug=demo.CMV_SLUG, title="Someone else's text")
    demo.seed(demo_users, stdout=io.StringIO())
    existing.refresh_from_db()
    assert existing.title == "Someone else's text"
    assert Version.objects.get_for_object(existing).count() == 1
    assert Article.objects.filter(slug=demo.DCMV_SLUG).exists()
