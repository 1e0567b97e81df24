"""Forms for the review pages; they parse input only, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from articles.models import Audience

from .models import BoardMember


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", gettext_lazy("Approve")),
            ("request_changes", gettext_lazy("Request changes")),
            ("reject", gettext_lazy("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Required to request changes or reject: tell the author what to change."),
    )
    section = forms.CharField(required=False, help_text=gettext_lazy("Optional: the section your note is about."))
    audience = forms.ModelChoiceField(queryset=Audience.objects.all(), required=False, empty_label="—")
    section_comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Note on that section or audience version"),
    )
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)


class CommentForm(forms.Form):
    section = forms.CharField(
        required=False, help_text=gettext_lazy("A section heading, or empty for the whole article.")
    )
    audience = forms.ModelChoiceField(
        queryset=Audience.objects.all(), required=False, empty_label=gettext_lazy("Default text (all audiences)")
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Comment"))


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=BoardMember.objects.filter(active=True), widget=forms.CheckboxSelectMultiple
    )


class ReviewPolicyForm(forms.Form):
    required_approvals = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=9,
        label=gettext_lazy("Approvals needed"),
        help_text=gettext_lazy("Distinct board members who must approve. Empty: the site default."),
    )
    review_interval_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=60,
        label=gettext_lazy("Re-review every (months)"),
        help_text=gettext_lazy("Time from approval to the next review. Empty: the site default."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Why you decline"),
        help_text=gettext_lazy("The editors read this when they choose someone else."),
    )


class DueDateForm(forms.Form):
    due_on = forms.DateField(
        label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class InvitedDecisionForm(forms.Form):
    """An invited reviewer approves or requests changes (rejecting is for the board's voting members)."""

    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("request_changes", gettext_lazy("Request changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Comment for the authors"),
        help_text=gettext_lazy("Required to request changes."),
    )
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, voting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.voting = voting


class InvitationForm(forms.Form):
    name = forms.CharField(max_length=120, label=gettext_lazy("Name, as readers will see it"))
    email = forms.EmailField(label=gettext_lazy("Email"))
    credentials = forms.CharField(max_length=200, label=gettext_lazy("Credentials"))
    disclosures = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Disclosures")
    )
    disclosed_terms = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("Disclosed drugs, conditions, companies"),
        help_text=gettext_lazy("Comma-separated; checked against the article like a board member's."),
    )
    voting = forms.BooleanField(required=False, label=gettext_lazy("Voting seat (their approval counts)"))
    expires_on = forms.DateField(
        label=gettext_lazy("Link expires on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PreviewLinkForm(forms.Form):
    expires_on = forms.DateField(
        label=gettext_lazy("Link works until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PreviewCommentForm(forms.Form):
    """An outside comment on a shared preview (no account needed)."""

    name = forms.CharField(
        max_length=120,
        required=False,
        label=gettext_lazy("Your name (optional)"),
        help_text=gettext_lazy("Shown to the authors with your comment."),
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        max_length=2000,
        label=gettext_lazy("Your comment"),
        help_text=gettext_lazy("Goes to the article's authors as an outside comment. It is not published."),
    )
