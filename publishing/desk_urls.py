"""Editors' desk pages beside publishing: readers' questions inbox, editorial policy."""

from django.urls import path

from . import desk_views

urlpatterns = [
    path("inbox/", desk_views.inbox, name="inbox"),
    path("inbox/<int:pk>/state/", desk_views.inbox_set_state, name="inbox_set_state"),
    path("policy/", desk_views.policy_edit, name="policy_edit"),
    path("glossary/", desk_views.glossary_stale, name="glossary_stale"),
    path("furniture/", desk_views.furniture, name="furniture"),
    path("furniture/<int:pk>/decide/", desk_views.furniture_decide, name="furniture_decide"),
    path("verify/", desk_views.verify, name="verify"),
]
