from django.urls import path

from . import reader_views

app_name = "reader"

urlpatterns = [
    path("", reader_views.index, name="index"),
]
