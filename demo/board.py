"""Demo data for the review app: the board, and one article waiting in the queue.

Called by `manage.py seed_demo` after demo/texts.py; safe to run again.
The names, credentials and disclosures are invented for the demo.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from articles import selectors as article_selectors
from articles.models import Article
from review import services
from review.models import BoardMember

BOARD = {
    "reviewer": {
        "display_name": "Dr. Amara Okafor",
        "credentials": "MD, Infectious Diseases",
        "specialties": "Infectious diseases, Transplant infections, Antiviral therapy",
        "bio": (
            "Infectious diseases physician who looks after transplant recipients and people with weakened "
            "immune systems, with a particular interest in viral infections after transplantation."
        ),
        "disclosures": "No relevant financial relationships.",
    },
    "reviewer2": {
        "display_name": "Dr. Henrik Sato",
        "credentials": "PharmD, Transplant Pharmacology",
        "specialties": "Transplant pharmacology, Antiviral dosing, Kidney function and drug dosing",
        "bio": (
            "Clinical pharmacist who advises transplant teams on drug dosing, interactions and monitoring, "
            "especially when kidney function changes."
        ),
        "disclosures": "Speaker fees from Northwind Biologics for talks on immunosuppressant monitoring (2024).",
        "disclosed_companies": "Northwind Biologics",
    },
    "reviewer3": {
        "display_name": "Dr. Lucía Marín",
        "credentials": "MD, Ophthalmology",
        "specialties": "Ophthalmology, Retinal disease, Uveitis",
        "bio": "Ophthalmologist who treats retinal and inflammatory eye disease, including infections of the retina.",
        "languages": "en, es",  # reviews the Spanish translations
        "disclosures": (
            "Consulting fees from Lumen Eye Therapeutics for an advisory panel on faricimab in macular degeneration."
        ),
        "disclosed_drugs": "faricimab",
        "disclosed_conditions": "macular degeneration",
        "disclosed_companies": "Lumen Eye Therapeutics",
    },
}

WAITING_SLUG = "disseminated-cmv-treatment"


def seed(users: dict, stdout=None) -> None:
    """Create the board members and leave the disseminated CMV article submitted by `author`."""
    today = timezone.localdate()
    for username, fields in BOARD.items():
        user = users.get(username)
        if user is None:
            continue
        defaults = {
            "disclosed_drugs": "",
            "disclosed_conditions": "",
            "disclosed_companies": "",
            **fields,
            "active": True,
            "credential_verified_until": today + dt.timedelta(days=365),
            "disclosures_declared_on": today,
        }
        BoardMember.objects.update_or_create(user=user, defaults=defaults)
    _write(stdout, f"Board: {', '.join(f['display_name'] for f in BOARD.values())}.")
    reviewer = users.get("reviewer")
    if reviewer is not None:
        # The demo glossary is approved, so plain-language pages explain their terms.
        waiting = list(article_selectors.glossary_proposals_waiting().exclude(proposed_by=reviewer))
        for definition in waiting:
            services.glossary_definition_approve(
                definition, acting_user=reviewer, comment="Demo glossary: approved when the demo was seeded."
            )
        if waiting:
            _write(stdout, f"Glossary: the board approved {len(waiting)} definitions.")

    article = Article.objects.filter(slug=WAITING_SLUG).first()
    author = users.get("author")
    if article is None or author is None:
        _write(stdout, f"No “{WAITING_SLUG}” article to submit; skipped.")
        return
    editor = users.get("editor")
    if editor is not None and article.required_approvals is None:
        # A serious topic: the demo asks for two independent approvals.
        services.article_review_policy_set(
            article, acting_user=editor, required_approvals=2, review_interval_months=None
        )
        _write(stdout, f"“{article.title}” needs 2 board approvals.")
    if article.status in {Article.Status.DRAFT, Article.Status.CHANGES_REQUESTED}:
        if not article.authors.filter(pk=author.pk).exists():
            article.authors.add(author)
        services.article_submit(article, acting_user=author, comment="Ready for the board.")
        _write(stdout, f"Submitted “{article.title}” for review.")
    else:
        _write(stdout, f"“{article.title}” is {article.get_status_display().lower()}; left as it is.")


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)
