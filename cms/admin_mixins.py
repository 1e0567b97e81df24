"""What the apps' admin pages share: records that are only ever written by the services."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """Show the rows, never add, change or delete them by hand (services and imports write them).

    Mixed into a ModelAdmin or an inline; the bulk "delete selected" action goes too.
    """

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
