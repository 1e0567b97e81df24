from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence watch"

    def ready(self) -> None:
        from review.services import register_submission_check

        from .services import submission_evidence_check

        register_submission_check(submission_evidence_check)
