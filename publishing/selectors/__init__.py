"""Publishing selectors: every read the publishing app makes.

`publications` answers what is live, pending or withdrawn; `reader` serves
the public site and the editors' inbox. Callers import from here.
"""

from .publications import (
    article_list_awaiting_publication,
    publication_desk_live_list,
    publication_history,
    publication_list_for_article,
    publication_list_in_state,
    publication_live_get,
    publication_live_list,
    publication_withdrawn_notice_get,
    published_page_get,
    published_page_list,
)
from .reader import (
    LETTERS,
    OTHER_LETTER,
    SEARCH_MAX_LENGTH,
    article_first_published,
    board_member_public_list,
    catalogue_close_matches,
    catalogue_index,
    catalogue_letters,
    catalogue_live,
    catalogue_search,
    catalogue_snippets,
    editorial_policy_get,
    live_page_list,
    reader_audience_get,
    reader_audience_list,
    reader_message_counts,
    reader_message_list,
)

__all__ = [
    "LETTERS",
    "OTHER_LETTER",
    "SEARCH_MAX_LENGTH",
    "article_first_published",
    "article_list_awaiting_publication",
    "board_member_public_list",
    "catalogue_close_matches",
    "catalogue_index",
    "catalogue_letters",
    "catalogue_live",
    "catalogue_search",
    "catalogue_snippets",
    "editorial_policy_get",
    "live_page_list",
    "publication_desk_live_list",
    "publication_history",
    "publication_list_for_article",
    "publication_list_in_state",
    "publication_live_get",
    "publication_live_list",
    "publication_withdrawn_notice_get",
    "published_page_get",
    "published_page_list",
    "reader_audience_get",
    "reader_audience_list",
    "reader_message_counts",
    "reader_message_list",
]
