"""Clean text at the door: one normaliser for every text field, and the documented size limits.

Every service that stores text passes it through `clean_text` (or a whole
model instance through `clean_model_text`) before validating and saving, so
forms, imports, the admin and the API all store the same kind of text:

- line endings are ``\\n`` (``\\r\\n`` and a lone ``\\r`` become ``\\n``);
- the line and paragraph breaks some programs paste (vertical tab, form
  feed, NEL, U+2028, U+2029) become ``\\n`` in multi-line fields and a space
  in one-line fields;
- NUL and every other C0/C1 control character except tab and newline is
  removed (they are invisible, break XML feeds and PostgreSQL refuses NUL);
- the text is in Unicode normal form C, so the same words compare equal.

`ensure_max_length` enforces `MAX_LENGTHS`, the largest text each long field
accepts, with a message that says which field, how long it is and what to do.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext

__all__ = [
    "MAX_LENGTHS",
    "SLUG_RE",
    "clean_model_text",
    "connect_text_cleaning",
    "clean_text",
    "ensure_max_length",
    "has_control_characters",
    "validate_slug",
]

# Characters in long Markdown fields. A long reader page is about 60,000; these leave room.
MAX_LENGTHS: dict[str, int] = {
    "summary": 20_000,
    "body": 100_000,
    "comment": 20_000,
    "disclaimer": 20_000,
    "policy": 100_000,
    "message": 5_000,
}

_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 controls except tab (\x09) and newline (\x0a), DEL, and the C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    """Return True if `clean_text` would remove or replace something in `value` other than NFC changes."""
    return bool(_CONTROL_RE.search(value) or _LINE_BREAKS_RE.search(value))


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Return `value` with normal line endings, without control characters, in Unicode NFC."""
    if not value:
        return value
    value = _LINE_BREAKS_RE.sub("\n" if multiline else " ", value)
    if not multiline:
        value = value.replace("\n", " ")
    value = _CONTROL_RE.sub("", value)
    return unicodedata.normalize("NFC", value)


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
        message = (
            f"{label} is {len(value):,} characters long; the most this field takes is {limit:,}. "
            "Shorten it, or split the text into separate articles."
        )
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
