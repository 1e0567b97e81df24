"""The signed link of an invitation: django.core.signing with its own salt, naming the invitation and its nonce.

Kept apart from review/invitations.py so the email task can build a link
without importing the services (review.tasks is imported by them).
"""

from __future__ import annotations

from django.core import signing

SALT = "review.invitation.link"


def invitation_token(invitation) -> str:
    """Return the signed link token for the invitation (valid only while its nonce is)."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)
