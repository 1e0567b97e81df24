"""Template tags for the review app: the workflow panel on the studio edit page."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles.content import content_from_article
from articles.selectors import audience_names
from cms import roles
from cms.pagination import paginate
from textkit.checks import check_content

from .. import selectors, workflow
from ..forms import PreviewLinkForm
from ..previews import preview_token

register = template.Library()


@register.simple_tag(takes_context=True)
def preview_link_url(context, link) -> str:
    """Return the absolute address of a preview link, to copy and share."""
    from django.urls import reverse

    request = context.get("request")
    path = reverse("preview:show", kwargs={"token": preview_token(link)})
    return request.build_absolute_uri(path) if request is not None else path


@register.inclusion_tag("review/_studio_panel_body.html", takes_context=True)
def review_studio_panel(context, article):
    """Render the article's review state for its authors: submit/withdraw, open comments, history."""
    request = context.get("request")
    user = getattr(request, "user", None)
    names = audience_names()
    can_submit = workflow.REVIEW_EDGES.can(article, "submit")
    checks = check_content(content_from_article(article), audience_names=names) if can_submit else []
    return {
        "article": article,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "is_author": roles.is_article_author(article, user),
        "can_submit": can_submit,
        "can_withdraw": workflow.REVIEW_EDGES.can(article, "withdraw"),
        "checks": checks,
        "check_errors": [c for c in checks if c.level == "error"],
        "round": selectors.review_round_latest(article),
        "open_comments": selectors.review_comment_list(article, open_only=True),
        "preview_links": selectors.preview_links_live(article)[:10],
        "preview_form": PreviewLinkForm(),
        "events": paginate(
            request, selectors.workflow_event_list(article, newest_first=True), param="events_page", per_page=20
        )
        if request is not None
        else selectors.workflow_event_list(article, newest_first=True)[:20],
    }


@register.inclusion_tag("review/_studio_feedback_body.html", takes_context=True)
def review_studio_feedback(context, article):
    """Render the board's latest decisions and every open comment at the top of the editor."""
    request = context.get("request")
    user = getattr(request, "user", None)
    round_ = selectors.review_round_latest(article)
    decisions = []
    # Decisions matter to the author while they act on them: not once the board has approved.
    if round_ is not None and round_.status != round_.Status.APPROVED:
        decisions = [d for d in selectors.review_round_decisions(round_) if d.decision and d.comment.strip()]
    return {
        "article": article,
        "csrf_token": context.get("csrf_token"),
        "is_author": roles.is_article_author(article, user),
        "round": round_,
        "decisions": decisions,
        "open_comments": list(selectors.review_comment_list(article, open_only=True)),
        # From people a preview link was shared with: the newest few, and how many there are.
        "outside_comments": list(article.preview_comments.select_related("link")[:OUTSIDE_COMMENTS_SHOWN]),
        "outside_comment_count": article.preview_comments.count(),
    }


OUTSIDE_COMMENTS_SHOWN = 10


@register.simple_tag
def assign_choices(item):
    """Render the editors' queue checkboxes for one article: a board member each, disabled with the reason why not.

    Built in Python rather than a template loop: the queue shows up to 60 such
    forms times the board's size, and the loop's per-variable cost was most of
    the page's rendering time.
    """
    article_id = item.article.pk
    return format_html_join(
        "\n",
        '<div><input type="checkbox" name="reviewers" value="{}" id="a-{}-{}"{}> '
        '<label for="a-{}-{}" class="label--inline">{}</label>{}</div>',
        (
            (
                member.pk,
                article_id,
                member.pk,
                # bandit waiver (reviewed): a fixed attribute, no outside text in it.
                mark_safe(" disabled") if why else "",  # nosec B308 B703
                article_id,
                member.pk,
                member.display_name,
                format_html('<span class="reason">{}</span>', why) if why else "",
            )
            for member, why in item.choices
        ),
    )
