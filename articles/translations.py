"""Translations: an article's text in another language, made from one approved revision of its source.

A translation is an ``Article`` of its own (``language``, ``translation_of``):
it is versioned, submitted, reviewed, approved (bound to its own content hash)
and published exactly like its source, so nothing reaches a reader without a
board member who reads its language (review.workflow.ineligibility_reason).
It records the approved source revision it was made from
(``translation_base_revision``). When the board approves a newer source
revision, every translation made from an older one is marked out of date
(``translations_mark_out_of_date``); the translator brings it up to date with
``translation_rebase`` after reading the source diff since the base.

References are shared with the source: a translation starts with the source's
references and is refused at submission unless its references and the keys it
cites equal those of its base revision (``translation_checks``).
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import event_record
from cms import languages, roles
from textkit.checks import ERROR, WARNING, CheckResult
from textkit.content import ArticleContent
from textkit.diff import content_diff
from textkit.rendering import cited_keys

from .content import content_from_revision
from .models import Article
from .services import VariantInput, article_create, article_update


def _ensure_translator(acting_user) -> None:
    if not (roles.is_author(acting_user) or roles.is_editor(acting_user)):
        raise PermissionDenied(gettext("Only authors and editors can start or update a translation."))


def _source_content(source: Article) -> ArticleContent:
    return content_from_revision(source.last_approved_revision, article_id=source.pk)


def translation_languages_available(source: Article) -> list[tuple[str, str]]:
    """Return (code, name) of every reader language this article has no version in yet."""
    taken = {source.language, *source.translations.values_list("language", flat=True)}
    return [(code, languages.language_name(code)) for code in languages.reader_languages() if code not in taken]


@transaction.atomic
def translation_create(
    source: Article, *, acting_user: AbstractBaseUser, language: str, slug: str = "", title: str = ""
) -> Article:
    """Start a translation of the source's approved revision into `language` (one revision, a draft).

    The new article starts with the source's approved text (to be translated in
    place), its audience versions and its references, and records the revision
    it was made from. The acting user becomes its author.
    """
    _ensure_translator(acting_user)
    source = Article.objects.select_for_update().get(pk=source.pk)
    language = languages.base(language)
    if source.is_translation:
        raise ValidationError(gettext("Translate the source article, not one of its translations."))
    if not languages.is_known(language):
        raise ValidationError(
            gettext("“%(code)s” is not one of the site's languages (%(known)s).")
            % {"code": language, "known": ", ".join(languages.reader_languages())}
        )
    if language == source.language:
        raise ValidationError(gettext("The source is already written in this language."))
    if source.last_approved_revision_id is None:
        raise ValidationError(
            gettext("“%(title)s” has no approved revision yet. Only approved text can be translated.")
            % {"title": source.title}
        )
    if source.translations.filter(language=language).exists():
        raise ValidationError(
            gettext("“%(title)s” already has a translation in %(language)s.")
            % {"title": source.title, "language": languages.language_in_text(language)}
        )
    content = _source_content(source)
    translation = article_create(
        acting_user=acting_user,
        slug=slug.strip() or f"{source.slug}-{language}",
        title=title.strip() or content.title,
        condition=content.condition,
        drugs=content.drugs,
        summary=content.summary,
        body=content.body,
        variants=[VariantInput(v.audience_id, v.summary, v.body) for v in content.variants],
        references=[_reference_data(r) for r in content.references],
        comment=gettext("Started the %(language)s translation from approved revision %(revision)s of the source.")
        % {"language": languages.language_in_text(language), "revision": source.last_approved_revision_id},
        language=language,
        translation_of=source,
        translation_base_revision_id=source.last_approved_revision_id,
        translation_base_hash=source.last_approved_hash,
        review_interval_months=source.review_interval_months,
        required_approvals=source.required_approvals,
    )
    event_record(
        source,
        acting_user=acting_user,
        action="translation_start",
        comment=gettext("Translation into %(language)s started: %(slug)s.")
        % {"language": languages.language_in_text(language), "slug": translation.slug},
    )
    return translation


def _reference_data(reference) -> dict:
    """Return a reference of the source's content as the edit services take it (a mapping of its fields)."""
    return asdict(reference)


def translation_source_diff(translation: Article, *, audience_names: dict[int, str]):
    """Return the source's changes since the translation's base revision (None when it is up to date)."""
    source = translation.translation_of
    if source is None or source.last_approved_revision_id in (None, translation.translation_base_revision_id):
        return None
    old = (
        content_from_revision(translation.translation_base_revision, article_id=source.pk)
        if translation.translation_base_revision_id
        else None
    )
    return content_diff(old, _source_content(source), audience_names=audience_names)


def translations_mark_out_of_date(source: Article, *, acting_user, significant: bool) -> list[Article]:
    """Mark every translation made from an older approved source revision out of date; return them.

    Called when the board approves a revision of the source (`acting_user`:
    the board member whose approval completed it, named in each event). With
    ``TRANSLATION_ON_SIGNIFICANT_CHANGE = "withdraw"`` and a change to a dose or
    another number (``significant``) the caller also withdraws their live pages;
    the default is to flag them and let the editor decide.
    """
    now = timezone.now()
    stale = list(
        source.translations.exclude(translation_base_revision_id=source.last_approved_revision_id).select_for_update()
    )
    for translation in stale:
        translation.source_changed_at = translation.source_changed_at or now
        translation.source_change_significant = translation.source_change_significant or significant
        translation.save(update_fields=["source_changed_at", "source_change_significant"])
        event_record(
            translation,
            acting_user=acting_user,
            action="translation_out_of_date",
            comment=gettext("A newer revision (%(revision)s) of the source was approved%(significant)s.")
            % {
                "revision": source.last_approved_revision_id,
                "significant": gettext(", changing a dose or another number") if significant else "",
            },
        )
    return stale


def withdraw_on_significant_change() -> bool:
    return settings.TRANSLATION_ON_SIGNIFICANT_CHANGE == "withdraw"


@transaction.atomic
def translation_rebase(translation: Article, *, acting_user: AbstractBaseUser) -> Article:
    """Move the translation's base to the source's current approved revision (one revision of the translation).

    The translator does this after reading the source diff since the old base
    (and changing the text to follow it): the references become the source's
    again, and the out-of-date mark is cleared. The text itself is left as
    the translator wrote it; it goes to the board like any other edit.
    """
    _ensure_translator(acting_user)
    translation = Article.objects.select_for_update().get(pk=translation.pk)
    source = translation.translation_of
    if source is None:
        raise ValidationError(gettext("This article is not a translation."))
    if source.last_approved_revision_id == translation.translation_base_revision_id:
        raise ValidationError(gettext("This translation is already made from the source's latest approved revision."))
    content = _source_content(source)
    translation.translation_base_revision_id = source.last_approved_revision_id
    translation.translation_base_hash = source.last_approved_hash
    translation.source_changed_at = None
    translation.source_change_significant = False
    translation.save(
        update_fields=[
            "translation_base_revision",
            "translation_base_hash",
            "source_changed_at",
            "source_change_significant",
        ]
    )
    translation = article_update(
        translation,
        acting_user=acting_user,
        lock_version=translation.lock_version,
        references=[_reference_data(r) for r in content.references],
        comment=gettext("Brought up to date with approved revision %(revision)s of the source.")
        % {"revision": source.last_approved_revision_id},
    )
    event_record(
        translation,
        acting_user=acting_user,
        action="translation_rebase",
        comment=gettext("Now made from approved revision %(revision)s of the source.")
        % {"revision": source.last_approved_revision_id},
    )
    return translation


def _cited(content: ArticleContent) -> set[str]:
    texts = [content.summary, content.body, *(t for v in content.variants for t in (v.summary, v.body))]
    return {key for text in texts for key in cited_keys(text)}


def translation_checks(article: Article, content: ArticleContent) -> list[CheckResult]:
    """Return the problems that stop a translation going to the board (none for a source article).

    Its references must be the base revision's, field for field, and it must
    cite the same keys: a translation says what the source says, on the same
    evidence.
    """
    if not article.is_translation or article.translation_base_revision_id is None:
        return []
    base = content_from_revision(article.translation_base_revision, article_id=article.translation_of_id)
    results = []
    if content.references != base.references:
        ours, theirs = {r.key: r for r in content.references}, {r.key: r for r in base.references}
        changed = sorted(set(ours) ^ set(theirs) | {k for k in set(ours) & set(theirs) if ours[k] != theirs[k]})
        results.append(
            CheckResult(
                code="translation-references",
                level=ERROR,
                message=gettext(
                    "A translation shares the source's references; these differ from the source's: %(keys)s. "
                    "Change them in the source, or bring the translation up to date."
                )
                % {"keys": ", ".join(changed)},
                location=gettext("References"),
            )
        )
    missing, extra = _cited(base) - _cited(content), _cited(content) - _cited(base)
    if missing or extra:
        parts = []
        if missing:
            parts.append(gettext("not cited here: %(keys)s") % {"keys": ", ".join(sorted(missing))})
        if extra:
            parts.append(gettext("not cited in the source: %(keys)s") % {"keys": ", ".join(sorted(extra))})
        results.append(
            CheckResult(
                code="translation-citations",
                level=ERROR,
                message=gettext("The translation must cite what the source cites (%(parts)s).")
                % {"parts": "; ".join(parts)},
                location=gettext("Citations"),
            )
        )
    if article.translation_out_of_date:
        results.append(
            CheckResult(
                code="translation-out-of-date",
                level=WARNING,
                message=gettext("A newer revision of the source was approved after this translation was made from it."),
                location=gettext("Source"),
            )
        )
    return results


def translation_panel(article: Article, *, audience_names: dict[int, str]) -> dict:
    """Return what the studio shows about an article's languages (a few queries, none per language).

    For a source: its translations (language, status, out of date) and the
    languages still open. For a translation: its source, the base revision and,
    when out of date, the source diff since that base.
    """
    if article.is_translation:
        return {
            "is_translation": True,
            "language_name": languages.language_in_text(article.language),
            "source": article.translation_of,
            "source_language_name": languages.language_in_text(article.translation_of.language),
            "source_diff": translation_source_diff(article, audience_names=audience_names),
        }
    rows = [
        {"article": t, "language_name": languages.language_name(t.language)}
        for t in article.translations.order_by("language")
    ]
    return {
        "is_translation": False,
        "language_name": languages.language_in_text(article.language),
        "translations": rows,
        "available": translation_languages_available(article) if article.last_approved_revision_id else [],
        "can_translate": article.last_approved_revision_id is not None,
    }
