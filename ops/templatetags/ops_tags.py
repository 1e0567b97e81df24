"""{% task_metrics_panel %}: the small task-metrics panel on the publishing desk."""

from __future__ import annotations

from django import template

from ops.metrics import task_metrics

register = template.Library()


@register.inclusion_tag("ops/desk_metrics.html")
def task_metrics_panel() -> dict:
    """Render queue length, jobs in progress, recent task failures and the outbox for editors."""
    return {"m": task_metrics()}
