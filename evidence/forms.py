"""Forms for the evidence report's actions and the authors' justifications."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class AlertActionForm(forms.Form):
    """One action on an alert: acknowledge, open a re-review, or withdraw/mark the page."""

    action = forms.ChoiceField(
        choices=[
            ("acknowledge", gettext_lazy("Acknowledge")),
            ("re_review", gettext_lazy("Open a re-review")),
            ("withdraw", gettext_lazy("Withdraw or mark")),
        ]
    )
    note = forms.CharField(
        label=gettext_lazy("Note (a reason, for withdrawing)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Page"),
        choices=[
            ("notice", gettext_lazy("Replace the page with a notice")),
            ("remove", gettext_lazy("Remove the page")),
        ],
        required=False,
        initial="notice",
    )


class JustificationForm(forms.Form):
    """An author's reason for still citing a flagged paper."""

    reference_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    text = forms.CharField(
        label=gettext_lazy("Why is this paper still cited?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The board sees this when it reviews the article."),
    )
