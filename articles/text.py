"""The model side of clean text: cleaning a model instance before save, size limits and slugs as validation errors.

The normaliser itself and the limits are the text engine's (textkit.text).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext

from textkit.text import MAX_LENGTHS, clean_text

__all__ = [
    "SLUG_RE",
    "clean_model_text",
    "connect_text_cleaning",
    "ensure_max_length",
    "validate_slug",
]


def clean_model_text(instance: models.Model) -> models.Model:
    """Clean every text field of a model instance in place (TextField keeps its line breaks) and return it."""
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, str) and value:
            cleaned = clean_text(value, multiline=isinstance(field, models.TextField))
            if cleaned != value:
                setattr(instance, field.attname, cleaned)
    return instance


def ensure_max_length(value: str, *, kind: str, label: str, field: str | None = None) -> None:
    """Raise ValidationError if `value` is longer than MAX_LENGTHS[kind], naming the field and the limit."""
    limit = MAX_LENGTHS[kind]
    if value and len(value) > limit:
        message = gettext(
            "%(label)s is %(length)s characters long; the most this field takes is %(limit)s. "
            "Shorten it, or split the text into separate articles."
        ) % {"label": label, "length": f"{len(value):,}", "limit": f"{limit:,}"}
        raise ValidationError({field: message} if field else message)


# Lowercase letters and digits in runs joined by single hyphens: "cmv-treatment", "hiv-2".
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def validate_slug(value: str) -> None:
    """Raise ValidationError unless `value` is lowercase letters and digits joined by single hyphens."""
    if not SLUG_RE.fullmatch(value or ""):
        suggestion = re.sub(r"[^a-z0-9]+", "-", (value or "").lower()).strip("-")
        hint = f" For example “{suggestion}”." if suggestion and suggestion != value else ""
        raise ValidationError(
            gettext(
                "“%(value)s” cannot be a page address: use lowercase letters, digits and single "
                "hyphens, starting and ending with a letter or digit.%(hint)s"
            )
            % {"value": value, "hint": hint},
            code="invalid_slug",
        )


def _clean_before_save(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    if not raw:  # fixtures are loaded as they are
        clean_model_text(instance)


def connect_text_cleaning(app_config, *, exclude: frozenset[str] = frozenset()) -> None:
    """Clean the text fields of every model of an app before each save (the net under the services).

    The services clean and size-check what they are given; this catches every
    other door (admin forms, imports, management commands) so that no row is
    ever stored with a control character. `exclude` names models whose text
    must be stored byte for byte (e.g. rendered pages with their own hashes).
    """
    for model in app_config.get_models():
        if model.__name__ not in exclude:
            pre_save.connect(_clean_before_save, sender=model, dispatch_uid=f"clean-text-{model._meta.label}")
