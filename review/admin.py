"""Admin for the board; review rounds are read-only records (the audit log is in audit/admin.py).

The decision actions call the review services as the signed-in user, so the
admin obeys the same rules as the review page (an author cannot approve their
own article here either).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy

from cms.admin_mixins import ReadOnlyAdminMixin

from . import services
from .exceptions import ReviewError
from .models import (
    BoardMember,
    GlossaryApproval,
    Invitation,
    ReviewComment,
    ReviewDecision,
    ReviewReminder,
    ReviewRound,
)


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "credentials", "active", "credential_verified_until", "disclosures_declared_on")
    list_filter = ("active",)
    search_fields = ("display_name", "credentials", "specialties", "user__username")
    autocomplete_fields = ("user",)
    # Shown on the public board page: changed only by an approved proposal (publishing's furniture desk).
    readonly_fields = ("bio", "disclosures")
    fieldsets = (
        (None, {"fields": ("user", "display_name", "credentials", "specialties", "languages", "bio")}),
        (gettext_lazy("Status"), {"fields": ("active", "credential_verified_until")}),
        (
            gettext_lazy("Conflict-of-interest disclosures"),
            {
                "fields": (
                    "disclosures",
                    "disclosed_drugs",
                    "disclosed_conditions",
                    "disclosed_companies",
                    "disclosures_declared_on",
                )
            },
        ),
    )


class ReviewDecisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReviewDecision
    extra = 0
    fields = ("reviewer", "assigned_by", "assigned_at", "due_on", "decision", "comment", "decided_at", "revision")
    readonly_fields = fields


class ReviewCommentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReviewComment
    extra = 0
    fields = ("author", "section", "audience", "text", "created_at", "resolved_at", "resolved_by")
    readonly_fields = fields


def _decide(modeladmin, request, queryset, label: str, call) -> None:
    for round_ in queryset.select_related("article"):
        try:
            call(round_.article, request.user)
        except ReviewError as exc:
            modeladmin.message_user(request, f"{round_.article}: {exc}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{round_.article}: {label}.", messages.SUCCESS)


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("article", "status", "submitted_by", "submitted_at", "required_approvals", "closed_at")
    list_filter = ("status",)
    search_fields = ("article__title", "article__slug")
    inlines = [ReviewDecisionInline, ReviewCommentInline]
    actions = ["claim_as_me", "approve_as_me"]

    @admin.action(description=gettext_lazy("Claim the review of the selected articles as me"))
    def claim_as_me(self, request, queryset) -> None:
        _decide(self, request, queryset, "claimed", lambda a, u: services.review_claim(a, acting_user=u))

    @admin.action(description=gettext_lazy("Approve the selected articles as me (through the review rules)"))
    def approve_as_me(self, request, queryset) -> None:
        _decide(self, request, queryset, "approved", lambda a, u: services.review_approve(a, acting_user=u))


@admin.register(GlossaryApproval)
class GlossaryApprovalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The board's decisions on glossary wording, read only (decided on /review/glossary/)."""

    list_display = ("definition", "member", "decision", "decided_at")
    list_filter = ("decision",)
    search_fields = ("definition__term", "member__display_name", "comment")
    list_select_related = ("definition", "member")
    list_per_page = 50


@admin.register(ReviewReminder)
class ReviewReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The due-date reminders the beat job sent, read only (one row per seat, kind and due date)."""

    list_display = ("seat", "kind", "due_on", "sent_at")
    list_filter = ("kind",)
    list_select_related = ("seat__reviewer", "seat__round__article")
    list_per_page = 50


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invited outside reviewers, read only (invited and withdrawn on the review page); never the nonce or code."""

    list_display = ("name", "email", "article", "voting", "expires_at", "revoked_at", "locked_at", "opened_at")
    list_filter = ("voting",)
    search_fields = ("name", "email", "article__title")
    list_select_related = ("article",)
    fields = (
        "article",
        "round",
        "member",
        "email",
        "name",
        "credentials",
        "disclosures",
        "voting",
        "expires_at",
        "revoked_at",
        "locked_at",
        "failed_attempts",
        "opened_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    list_per_page = 50
