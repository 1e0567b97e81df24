"""Admin: the imports (with their skipped rows), the imported records, alerts and justifications (read-only)."""

from __future__ import annotations

from django.contrib import admin

from cms.admin_mixins import ReadOnlyAdminMixin

from .models import (
    DoseCheckAcceptance,
    EvidenceAlert,
    EvidenceImport,
    EvidenceJustification,
    LabelDosing,
    LabelVersion,
    Retraction,
    VocabularyCode,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows change only through imports and the evidence services, never by hand."""


@admin.register(EvidenceImport)
class EvidenceImportAdmin(ReadOnlyAdmin):
    list_display = ["kind", "source", "started_at", "finished_at", "rows_read", "rows_saved", "rows_skipped"]
    list_filter = ["kind"]


@admin.register(Retraction)
class RetractionAdmin(ReadOnlyAdmin):
    list_display = ["record_id", "nature", "retraction_date", "original_paper_doi", "original_paper_pmid", "journal"]
    list_filter = ["nature"]
    search_fields = ["record_id", "original_paper_doi", "original_paper_pmid", "title"]
    list_select_related = True


@admin.register(LabelVersion)
class LabelVersionAdmin(ReadOnlyAdmin):
    list_display = ["set_id", "version", "published_date", "title"]
    search_fields = ["set_id", "title"]


@admin.register(LabelDosing)
class LabelDosingAdmin(ReadOnlyAdmin):
    list_display = ["set_id", "version", "effective_date", "title"]
    search_fields = ["set_id", "title"]


@admin.register(EvidenceAlert)
class EvidenceAlertAdmin(ReadOnlyAdmin):
    list_display = ["article", "kind", "severity", "reference_key", "state", "created_at"]
    list_filter = ["state", "kind", "severity"]
    list_select_related = ["article"]


@admin.register(EvidenceJustification)
class EvidenceJustificationAdmin(ReadOnlyAdmin):
    list_display = ["article", "reference_key", "recorded_by", "recorded_at"]
    list_select_related = ["article", "recorded_by"]


@admin.register(DoseCheckAcceptance)
class DoseCheckAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["round", "recorded_by", "recorded_at"]
    list_select_related = ["round", "recorded_by"]


@admin.register(VocabularyCode)
class VocabularyCodeAdmin(ReadOnlyAdmin):
    list_display = ["kind", "name", "system", "code"]
    list_filter = ["kind", "system"]
    search_fields = ["name", "code"]
