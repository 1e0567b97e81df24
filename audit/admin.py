"""The audit log in the admin: read only, nothing can be added, changed or deleted."""

from __future__ import annotations

from django.contrib import admin

from cms.admin_mixins import ReadOnlyAdminMixin

from .models import WorkflowEvent


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "article", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
    search_fields = ("article__title", "actor__username", "comment")
    date_hierarchy = "created_at"
