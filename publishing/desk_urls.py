"""Editors' desk pages beside publishing: readers' questions inbox, editorial policy, search vocabulary."""

from django.urls import path

from . import desk_views

urlpatterns = [
    path("inbox/", desk_views.inbox, name="inbox"),
    path("inbox/<int:pk>/state/", desk_views.inbox_set_state, name="inbox_set_state"),
    path("policy/", desk_views.policy_edit, name="policy_edit"),
    path("glossary/", desk_views.glossary_stale, name="glossary_stale"),
    path("translations/", desk_views.translations_stale, name="translations_stale"),
    path("furniture/", desk_views.furniture, name="furniture"),
    path("furniture/<int:pk>/decide/", desk_views.furniture_decide, name="furniture_decide"),
    path("verify/", desk_views.verify, name="verify"),
    path("search/synonyms/", desk_views.search_synonyms, name="search_synonyms"),
    path("search/synonyms/add/", desk_views.search_synonym_edit, name="search_synonym_add"),
    path("search/synonyms/<int:pk>/", desk_views.search_synonym_edit, name="search_synonym_edit"),
    path("search/synonyms/<int:pk>/delete/", desk_views.search_synonym_delete, name="search_synonym_delete"),
    path("search/misses/", desk_views.search_misses, name="search_misses"),
]
