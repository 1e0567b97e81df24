from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = gettext_lazy("Evidence watch")

    def ready(self) -> None:
        from audit.registry import register_actions

        from . import tasks  # noqa: F401 - registers the jobs the services send by name

        register_actions(
            {
                "evidence_acknowledged": "acknowledged an evidence alert",
                "evidence_re_review": "opened a re-review because of an evidence alert",
                "evidence_withdrawn": "withdrew or marked the page because of an evidence alert",
                "evidence_justified": "recorded why a flagged reference is still cited",
                "evidence_resolved": "evidence alert resolved by a newer approval",
                "dose_mismatch_accepted": "recorded why doses that differ from the drug label are right",
            }
        )
        from articles.views import register_preview_panel
        from review.selectors import register_due_reasons
        from review.services import register_approval_guard, register_submission_check
        from review.views import register_detail_panel

        from .selectors import alert_due_reasons
        from .services import dose_approval_guard, submission_evidence_check
        from .views import dose_review_panel, review_panel, studio_dose_panel

        register_submission_check(submission_evidence_check)
        register_due_reasons(alert_due_reasons)
        register_detail_panel(review_panel)
        register_detail_panel(dose_review_panel)
        register_approval_guard(dose_approval_guard)
        register_preview_panel(studio_dose_panel)
