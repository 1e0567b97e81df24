"""Forms for the review pages; they parse input only, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from articles.models import Audience

from .models import BoardMember


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", "Approve"),
            ("request_changes", "Request changes"),
            ("reject", "Reject"),
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
