"""Migration articles 0013 grandfathers the glossary: every existing term becomes approved version 1, marked so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import GlossaryDefinition, GlossaryTerm
from articles.selectors import glossary_entries


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_terms_become_approved_version_one_marked_as_grandfathered():
    before = [("articles", "0011_new_article_draft_buffer")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldTerm = old.get_model("articles", "GlossaryTerm")
        OldTerm.objects.create(term="retinitis", explanation="Eye swelling.", synonyms="", active=True)
        OldTerm.objects.create(term="viremia", explanation="Virus in the blood.", synonyms="viraemia", active=False)

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

        terms = {t.term: t for t in GlossaryTerm.objects.all()}
        assert {t.approved_version for t in terms.values()} == {1}
        definitions = list(GlossaryDefinition.objects.order_by("term"))
        assert [(d.term, d.version, d.status, d.explanation, d.active) for d in definitions] == [
            ("retinitis", 1, "approved", "Eye swelling.", True),
            ("viremia", 1, "approved", "Virus in the blood.", False),
        ]
        assert all(d.proposed_by_id is None and d.note.startswith("Grandfathered") for d in definitions)
        assert [e.term for e in glossary_entries()] == ["retinitis"]  # the inactive one stays off
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
