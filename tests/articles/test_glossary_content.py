"""The glossary snapshot is part of the approved content and its hash; an empty one keeps every old hash."""

from __future__ import annotations

import json

import pytest

from articles.content import content_from_article
from articles.selectors import glossary_snapshot
from tests import factories
from textkit.content import GlossaryContent, glossary_from_json, glossary_to_json

pytestmark = pytest.mark.django_db

RETINITIS = GlossaryContent(term_id=7, term="retinitis", explanation="Swelling at the back of the eye.", version=1)


def test_an_empty_snapshot_leaves_the_canonical_form_and_the_hash_as_before(article):
    content = content_from_article(article)
    assert "glossary" not in json.loads(content.canonical_json())
    assert content.with_glossary(()).content_hash() == content.content_hash()


def test_the_snapshot_is_in_the_hash_and_every_entry_counts(article):
    content = content_from_article(article)
    pinned = content.with_glossary([RETINITIS])
    assert pinned.content_hash() != content.content_hash()
    reworded = GlossaryContent(term_id=7, term="retinitis", explanation="Eye swelling.", version=1)
    newer = GlossaryContent(term_id=7, term="retinitis", explanation="Swelling at the back of the eye.", version=2)
    hashes = {pinned.content_hash(), content.with_glossary([reworded]).content_hash()}
    hashes.add(content.with_glossary([newer]).content_hash())
    assert len(hashes) == 3


def test_the_snapshot_survives_its_json_unchanged(article):
    content = content_from_article(article).with_glossary([RETINITIS])
    stored = json.loads(json.dumps(glossary_to_json(content.glossary)))
    assert glossary_from_json(stored) == content.glossary
    assert content_from_article(article).with_glossary(stored).content_hash() == content.content_hash()


def test_snapshot_holds_only_approved_definitions_the_text_uses(article, editor, reviewer):
    retinitis = factories.make_glossary_term("retinitis", "Swelling at the back of the eye.", board=reviewer)
    factories.make_glossary_term("neutropenia", "Too few white blood cells.", board=reviewer)  # not in the text
    factories.propose_term("valganciclovir", "A medicine against CMV.", editor=editor)  # in the text, not approved
    snapshot = glossary_snapshot(content_from_article(article))
    assert [(g.term_id, g.term, g.version) for g in snapshot] == [(retinitis.pk, "retinitis", 1)]
