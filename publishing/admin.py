"""Admin: disclaimers are edited here; publications and reader messages are read-only records.

Publishing, scheduling and withdrawing go through the publishing desk
(/publishing/), whose views call the services; the admin never changes a
publication's state.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext

from articles.text import ensure_max_length
from cms.admin_mixins import ReadOnlyAdminMixin
from textkit.text import clean_text

from .models import Disclaimer, Publication, PublishedPage, ReaderMessage


class DisclaimerForm(forms.ModelForm):
    class Meta:
        model = Disclaimer
        fields = ["name", "audience", "text", "active", "effective_from"]

    def clean_text(self) -> str:
        text = clean_text(self.cleaned_data["text"])
        ensure_max_length(text, kind="disclaimer", label=gettext("The disclaimer"))
        return text


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    """Read here; changed only by an approved proposal on the desk (/publishing/furniture/), so never unreviewed."""

    form = DisclaimerForm
    list_display = ["name", "audience", "active", "effective_from"]
    list_filter = ["active", "audience"]
    search_fields = ["name", "text"]
    readonly_fields = ["name", "audience", "text", "active", "effective_from"]

    def has_add_permission(self, request) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Publications and readers' messages: written by the services and the reader form only."""


class PublishedPageInline(admin.TabularInline):
    model = PublishedPage
    fields = ["audience", "title", "disclaimer", "content_hash", "rendered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["article", "revision_id", "kind", "state", "requested_by", "requested_at", "live_at", "attempts"]
    list_filter = ["state", "kind"]
    search_fields = ["article__title", "slug"]
    date_hierarchy = "requested_at"
    inlines = [PublishedPageInline]


@admin.register(ReaderMessage)
class ReaderMessageAdmin(ReadOnlyAdmin):
    list_display = ["article", "kind", "state", "created_at", "handled_by"]
    list_filter = ["state", "kind"]
    search_fields = ["message", "article__title"]
