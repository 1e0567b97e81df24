"""The authoring workspace (/studio/), one module per room; the names urls.py routes to are re-exported here.

- common.py: who may open an article (`article_for_author`, the rule in
  cms.roles.can_author), the editor's style allowance, the audiences;
- editor.py: list, create, edit, the live preview, the autosaved unsaved text;
- history.py: the version history, compare, restore;
- references.py: reference import, add or look up by PMID/DOI, the glossary.
"""

from .common import DRAFT_FLUSH_COOKIE, PREVIEW_HEADER, article_for_author, editor_styles, studio_article_view
from .editor import (
    article_create,
    article_create_draft,
    article_create_preview,
    article_draft,
    article_edit,
    article_list,
    article_preview,
)
from .history import article_compare, article_history, article_restore
from .references import glossary, reference_add_by_identifier, reference_import, reference_lookup

__all__ = [
    "DRAFT_FLUSH_COOKIE",
    "PREVIEW_HEADER",
    "article_compare",
    "article_create",
    "article_create_draft",
    "article_create_preview",
    "article_draft",
    "article_edit",
    "article_for_author",
    "article_history",
    "article_list",
    "article_preview",
    "article_restore",
    "editor_styles",
    "glossary",
    "reference_add_by_identifier",
    "reference_import",
    "reference_lookup",
    "studio_article_view",
]
