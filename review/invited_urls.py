"""An invited outside reviewer's pages, under /invited/<token>/ (review/invited_views.py)."""

from django.urls import path

from . import invited_views

app_name = "invited"

urlpatterns = [
    path("<str:token>/", invited_views.open_invitation, name="open"),
    path("<str:token>/code/send/", invited_views.send_code, name="send_code"),
    path("<str:token>/code/", invited_views.verify_code, name="verify_code"),
    path("<str:token>/review/", invited_views.review, name="review"),
    path("<str:token>/comment/", invited_views.comment, name="comment"),
    path("<str:token>/decide/", invited_views.decide, name="decide"),
]
