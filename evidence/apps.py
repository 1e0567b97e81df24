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
        # The hooks the earlier apps run (cms/hooks.py says who runs each and why it is not a direct call).
        from cms import hooks

        from .selectors import alert_due_reasons
        from .services import dose_approval_guard, submission_evidence_check
        from .views import dose_review_panel, review_panel, studio_dose_panel

        hooks.SUBMISSION_CHECKS.register(submission_evidence_check)
        hooks.DUE_REASONS.register(alert_due_reasons)
        hooks.REVIEW_PANELS.register(review_panel)
        hooks.REVIEW_PANELS.register(dose_review_panel)
        hooks.APPROVAL_GUARDS.register(dose_approval_guard)
        hooks.PREVIEW_PANELS.register(studio_dose_panel)
