"""The audit log in the admin: read only, nothing can be added, changed or deleted."""

from __future__ import annotations

from django.contrib import admin

from .models import WorkflowEvent


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "article", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
    search_fields = ("article__title", "actor__username", "comment")
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
