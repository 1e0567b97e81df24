"""Review actions that authors reach from /studio/ (submit, withdraw, resolve comments).

Included into the "studio" namespace; the panel on the studio edit page
(templates/review/_studio_panel.html) posts to these.
"""

from django.urls import path

from . import preview_views, studio_views

urlpatterns = [
    path("<slug:slug>/review/submit/", studio_views.studio_submit, name="review_submit"),
    path("<slug:slug>/review/withdraw/", studio_views.studio_withdraw, name="review_withdraw"),
    path("review/comments/<int:pk>/resolve/", studio_views.studio_comment_resolve, name="review_comment_resolve"),
    path("<slug:slug>/previews/", preview_views.preview_create, name="preview_create"),
    path("<slug:slug>/previews/<int:pk>/revoke/", preview_views.preview_revoke, name="preview_revoke"),
]
