"""Admin for audiences and articles.

Article content is edited in the studio, where every save goes through
articles.services (optimistic lock, review lock, one revision with a comment).
The admin therefore shows content read-only: it is for configuration (authors,
approval quorum, review interval) and for looking at history. Workflow fields
(status, lock, approval pointers, review dates) are read-only for everyone;
only the review and publishing services change them.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from reversion.admin import VersionAdmin
from reversion.models import Version

from cms.admin_mixins import ReadOnlyAdminMixin

from .models import Article, ArticleVariant, Audience, GlossaryDefinition, GlossaryTerm, Reference
from .services import ARTICLE_EDITABLE_FIELDS

WORKFLOW_FIELDS = (
    "status",
    "lock_version",
    "last_approved_revision",
    "last_approved_hash",
    "last_reviewed",
    "next_review_due",
    "created_by",
    "created_at",
    "updated_at",
)
CONFIG_FIELDS = ("authors",)
# Changed by editors on the review page (review.services.article_review_policy_set).
REVIEW_POLICY_FIELDS = ("required_approvals", "review_interval_months")


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "reading_grade", "is_professional", "evidence_grades", "active")
    list_editable = ("order", "active")
    list_filter = ("is_professional", "active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ArticleVariantInline(_ReadOnlyInline):
    model = ArticleVariant
    fields = readonly_fields = ("audience", "summary", "body")


class ReferenceInline(_ReadOnlyInline):
    model = Reference
    fields = readonly_fields = ("key", "kind", "title", "authors", "source", "year", "pmid", "doi", "url")


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    list_display = ("title", "slug", "status", "updated_at", "next_review_due")
    list_filter = ("status",)
    search_fields = ("title", "slug", "condition", "drugs")
    date_hierarchy = "updated_at"
    filter_horizontal = ("authors",)
    inlines = (ArticleVariantInline, ReferenceInline)
    history_latest_first = True
    fieldsets = (
        (gettext_lazy("Content (edit in the studio)"), {"fields": ("studio_link", *ARTICLE_EDITABLE_FIELDS)}),
        (gettext_lazy("Configuration"), {"fields": CONFIG_FIELDS + REVIEW_POLICY_FIELDS}),
        (gettext_lazy("Workflow (changed only by the review and publishing services)"), {"fields": WORKFLOW_FIELDS}),
    )

    def _reversion_autoregister(self, model, follow) -> None:
        # The admin loads before ArticlesConfig.ready(), which registers these
        # models with their content fields only; registering them here first
        # would version workflow fields too (and make that registration fail).
        return None

    @admin.display(description=gettext_lazy("Studio"))
    def studio_link(self, obj: Article) -> str:
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("studio:article_edit", kwargs={"slug": obj.slug}),
            gettext("Edit the content in the studio"),
            reverse("studio:article_history", kwargs={"slug": obj.slug}),
            gettext("Version history"),
        )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ("studio_link", *ARTICLE_EDITABLE_FIELDS, *REVIEW_POLICY_FIELDS, *WORKFLOW_FIELDS)
        if not request.user.is_superuser:
            readonly += CONFIG_FIELDS
        return readonly

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new article starts in the studio, through article_create.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def revision_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        """Send reverts to the studio, whose restore goes through article_revert."""
        version = Version.objects.filter(pk=version_id, object_id=object_id).select_related("revision").first()
        article = Article.objects.filter(pk=object_id).first()
        if version is None or article is None:
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        messages.info(request, gettext("Restoring a version is done in the studio, so the usual checks apply."))
        return HttpResponseRedirect(
            reverse("studio:article_restore", kwargs={"slug": article.slug, "revision_id": version.revision_id})
        )

    def recover_view(self, request: HttpRequest, version_id, extra_context=None):
        """Refuse to recreate deleted articles from the admin, bypassing the services."""
        messages.error(
            request, gettext("Deleted articles cannot be recovered here. Create the article again in the studio.")
        )
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    def recoverlist_view(self, request: HttpRequest, extra_context=None):
        return self.recover_view(request, None)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The medical glossary, read only: editors propose wording in the studio, the board approves it."""

    list_display = ("term", "explanation", "synonyms", "active", "approved_version", "updated_at")
    list_filter = ("active",)
    search_fields = ("term", "synonyms", "explanation")
    list_per_page = 50


@admin.register(GlossaryDefinition)
class GlossaryDefinitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every version of every definition, read only: who proposed it, its status, and grandfathered ones."""

    list_display = ("term", "version", "status", "proposed_by", "proposed_at", "decided_at", "note")
    list_filter = ("status",)
    search_fields = ("term", "explanation", "note")
    list_per_page = 50
