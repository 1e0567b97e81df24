"""The board's and the editors' review pages, under /review/."""

from django.urls import path

from . import glossary_views, views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("editor/", views.editor_queue, name="editor_queue"),
    path("glossary/", glossary_views.glossary_queue, name="glossary_queue"),
    path("glossary/<int:pk>/decide/", glossary_views.glossary_decide, name="glossary_decide"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/claim/", views.claim, name="claim"),
    path("<slug:slug>/decide/", views.decide, name="decide"),
    path("<slug:slug>/comment/", views.comment_add, name="comment_add"),
    path("<slug:slug>/assign/", views.assign, name="assign"),
    path("<slug:slug>/decline/", views.decline, name="decline"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<slug:slug>/seats/<int:pk>/due/", views.due_set, name="due_set"),
    path("<slug:slug>/archive/", views.archive, name="archive"),
    path("<slug:slug>/policy/", views.policy, name="policy"),
    path("<slug:slug>/glossary-refresh/", glossary_views.glossary_refresh, name="glossary_refresh"),
]
