"""Forms of the editors' publishing desk: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .models import Publication, SearchSynonym


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PublishForm(forms.Form):
    change_summary = forms.CharField(
        label=gettext_lazy("What changed (public)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            'One line shown to readers under "Changes to this article", e.g. "Updated the dosing table."'
        ),
    )


class ScheduleForm(PublishForm):
    go_live_at = forms.DateTimeField(
        label=gettext_lazy("Go live at"),
        widget=DateTimeInput(),
        help_text=gettext_lazy("In UTC. Must be in the future."),
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Take down at"),
        widget=DateTimeInput(),
        required=False,
        help_text=gettext_lazy("Optional, in UTC. Must be after the go-live time; empty keeps it live until replaced."),
    )

    field_order = ["go_live_at", "expires_at", "change_summary"]

    def clean_go_live_at(self):
        value = self.cleaned_data["go_live_at"]
        if value <= timezone.now():
            raise forms.ValidationError(gettext("The go-live time has already passed. Choose a time in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        go_live_at, expires_at = cleaned.get("go_live_at"), cleaned.get("expires_at")
        if go_live_at and expires_at and expires_at <= go_live_at:
            self.add_error("expires_at", gettext("The take-down time must be after the go-live time."))
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Kept in the history. With a public notice, readers see it."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What readers see"),
        choices=Publication.WithdrawalMode.choices,
        initial=Publication.WithdrawalMode.REMOVE,
        widget=forms.RadioSelect,
    )


class SearchSynonymForm(forms.Form):
    """A synonym pair as typed by an editor; the service checks and normalises it."""

    term = forms.CharField(
        label=gettext_lazy("Term"),
        max_length=120,
        help_text=gettext_lazy("What readers type, e.g. “CMV”, “Valcyte”, “shingles”."),
    )
    synonym = forms.CharField(
        label=gettext_lazy("Synonym"),
        max_length=120,
        help_text=gettext_lazy("What the articles say, e.g. “cytomegalovirus”. Each finds what the other finds."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=SearchSynonym.Kind.choices, initial=SearchSynonym.Kind.OTHER
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("Where it comes from, e.g. RxNorm, MeSH, editor."),
    )
