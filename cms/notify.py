"""The one notification path: who is told about what, and how the email is built and sent.

Who (`recipients`):

- **editors** (`editor_addresses`): the addresses in ``EDITORS_EMAIL`` plus
  every *active* user in the Editors group with an email. Superusers are NOT
  editors for email: they hold every role for permission checks, but an
  administrator who wants the editors' mail joins the Editors group or is
  listed in ``EDITORS_EMAIL``. Told about: approvals, re-reviews due, failed
  publications, readers' questions and problem reports.
- **authors** of the article: the board's decisions.
- **editors and the board** (active users of the Medical Advisory Board group
  with an email): new evidence alerts.
- **eligible board members** (review.selectors.eligible_board_members) and
  **assigned reviewers**: the review tasks pick them, with per-person context.

How (`send`): a subject, a plain-text body and an HTML body from templates
(``<name>_subject.txt``, ``<name>_body.txt`` and, if present,
``<name>_body.html``; without one the HTML part is the text, escaped, with
links and paragraphs). One message per person, so recipients never see each
other's addresses. Always called from a Celery task that the service
enqueues after commit (`cms.tasks.enqueue_on_commit`), never inside a
request; the mail backend comes from the environment (EMAIL_BACKEND,
EMAIL_HOST …, see README).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape, linebreaks, urlize

from cms import roles

EDITORS = "editors"
AUTHORS = "authors"
EDITORS_AND_BOARD = "editors_and_board"

#: What each group is told about (the notification kinds the tasks send).
TOLD_ABOUT = {
    EDITORS: (
        "review_approved",
        "reviews_due",
        "review_declined",
        "review_overdue",
        "publication_failed",
        "reader_message",
    ),
    AUTHORS: ("review_decision",),
    EDITORS_AND_BOARD: ("evidence_alerts",),
}


def editor_addresses() -> list[str]:
    """Return EDITORS_EMAIL plus the emails of active users in the Editors group, without repeats, in order."""
    addresses = list(settings.EDITORS_EMAIL)
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.EDITORS, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    for email in users:
        if email not in addresses:
            addresses.append(email)
    return addresses


def board_addresses() -> list[str]:
    """Return the emails of active users in the Medical Advisory Board group."""
    users = get_user_model().objects.filter(groups__name=roles.BOARD, is_active=True).exclude(email="")
    return list(dict.fromkeys(users.order_by("pk").values_list("email", flat=True)))


def author_addresses(article) -> list[str]:
    """Return the emails of the article's active authors."""
    return [u.email for u in article.authors.filter(is_active=True).order_by("pk") if u.email]


def recipients(kind: str, *, article=None) -> list[str]:
    """Return who is told about a notification `kind` (see TOLD_ABOUT); raise ValueError for an unknown kind."""
    if kind in TOLD_ABOUT[EDITORS]:
        return editor_addresses()
    if kind in TOLD_ABOUT[AUTHORS]:
        return author_addresses(article)
    if kind in TOLD_ABOUT[EDITORS_AND_BOARD]:
        return list(dict.fromkeys(editor_addresses() + board_addresses()))
    raise ValueError(f"Nobody is told about “{kind}”: add it to cms.notify.TOLD_ABOUT.")


def render(template: str, context: dict) -> tuple[str, str, str]:
    """Return (subject, text, html) of the email `template` (a path prefix such as "review/email/approved")."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())[:200]
    text = render_to_string(f"{template}_body.txt", context)
    try:
        html = render_to_string(f"{template}_body.html", context)
    except TemplateDoesNotExist:
        html = linebreaks(urlize(escape(text)), autoescape=False)
    return subject, text, html


def send(template: str, to: list[str], context: dict) -> int:
    """Send the templated email to each address separately (text + HTML); return how many were sent.

    Raises what the mail backend raises, so the calling task can retry.
    """
    if not to:
        return 0
    subject, text, html = render(template, context)
    sent = 0
    for address in to:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        sent += message.send(fail_silently=False)
    return sent
