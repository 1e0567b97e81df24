"""The audit log: one append-only row per workflow event of an article.

Review, publishing, evidence and articles write here; nobody edits or deletes
a row. The model refuses it (save() of an existing row, delete(), and the
queryset's update() and delete()), and on PostgreSQL a trigger refuses
UPDATE and DELETE from any client (migration 0002). An article with events
cannot be deleted (PROTECT): archive it instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from . import registry


class AppendOnly(TypeError):
    """Raised on any attempt to change or remove an audit event."""


class WorkflowEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Workflow events are append-only and cannot be updated.")

    def delete(self):
        raise AppendOnly("Workflow events are append-only and cannot be deleted.")


class WorkflowEvent(models.Model):
    """An append-only record of one workflow event (a transition, a comment, a policy change)."""

    article = models.ForeignKey("articles.Article", on_delete=models.PROTECT, related_name="workflow_events")
    round = models.ForeignKey(
        "review.ReviewRound", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=40, choices=registry.action_choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    revision = models.ForeignKey(
        "reversion.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = WorkflowEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnly("Workflow events are append-only and cannot be updated.")
        if not registry.is_registered(self.action):
            raise ValueError(
                f"“{self.action}” is not a registered audit action: register it (audit.registry.register_actions) "
                "in the app's AppConfig.ready()."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Workflow events are append-only and cannot be deleted.")

    @property
    def action_label(self) -> str:
        return registry.label(self.action, self.to_status)
