"""Forms for the reader site and the editors' desk (input parsing only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from articles.models import Audience
from cms.languages import language_name, reader_languages
from review.models import BoardMember

from .models import MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH, Disclaimer, ReaderMessage

# Named like a field a bot would fill; people never see it (hidden by CSS and
# from assistive technology), so any value means an automated submission.
HONEYPOT_FIELD = "website"


def _message_help() -> str:
    # Formatted when shown, in the active language: gettext_lazy("…") % {…} would translate at import time.
    return gettext("Up to %(MESSAGE_MAX_LENGTH)s characters. Please do not include personal medical details.") % {
        "MESSAGE_MAX_LENGTH": MESSAGE_MAX_LENGTH
    }


class FollowUpForm(forms.Form):
    """A reader's follow-up question or problem report.

    Every wording is lazy, so a page shows it in the page's language: ``gettext_lazy(...) % {...}``
    would be translated once, when this module is imported, in whatever language was active then.
    """

    kind = forms.ChoiceField(
        label=gettext_lazy("What would you like to do?"),
        choices=ReaderMessage.Kind.choices,
        initial=ReaderMessage.Kind.QUESTION,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose whether this is a question or a problem report.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=lazy(_message_help, str)(),
        error_messages={
            "required": gettext_lazy("Write your question or describe the problem before sending."),
            "max_length": gettext_lazy("Your message is too long: keep it under %(limit_value)d characters."),
        },
    )
    name = forms.CharField(label=gettext_lazy("Name (optional)"), max_length=NAME_MAX_LENGTH, required=False)
    email = forms.EmailField(
        label=gettext_lazy("Email (optional)"),
        required=False,
        help_text=gettext_lazy("Only if you would like a reply. We never publish it."),
        error_messages={
            "invalid": gettext_lazy("That email address does not look right; check it or leave the field empty.")
        },
    )
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        """Return True if the hidden honeypot field was filled in."""
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class MessageStateForm(forms.Form):
    """An editor's action on a reader message."""

    state = forms.ChoiceField(choices=ReaderMessage.State.choices)
    note = forms.CharField(
        label=gettext_lazy("Note for other editors (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EditorialPolicyForm(forms.Form):
    """The editorial policy editor."""

    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=gettext_lazy("Markdown. Headings with ##, lists with -, links as [text](https://…)."),
    )


class DisclaimerChangeForm(forms.Form):
    """Propose new wording for a disclaimer, or a new disclaimer for an audience."""

    disclaimer = forms.ModelChoiceField(
        queryset=Disclaimer.objects.filter(active=True).select_related("audience").order_by("name"),
        required=False,
        empty_label=gettext_lazy("A new disclaimer"),
        help_text=gettext_lazy("Which disclaimer changes; leave it on “a new disclaimer” to add one."),
    )
    audience = forms.ModelChoiceField(
        queryset=Audience.objects.filter(active=True).order_by("order", "name"),
        required=False,
        empty_label=gettext_lazy("All audiences"),
        help_text=gettext_lazy("Only for a new disclaimer: who sees it."),
    )
    language = forms.ChoiceField(
        choices=(),
        required=False,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("Only for a new disclaimer: the language it is written in."),
    )
    name = forms.CharField(max_length=120, label=gettext_lazy("Heading"))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text=gettext_lazy("Markdown."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, language_name(code)) for code in reader_languages()]

    note = forms.CharField(max_length=300, required=False, label=gettext_lazy("Why (for the approver)"))


class BoardEntryChangeForm(forms.Form):
    """Propose a new biography and disclosures for a board member (editors, or the member for themselves)."""

    board_member = forms.ModelChoiceField(
        queryset=BoardMember.objects.filter(active=True, external=False).order_by("display_name"),
        label=gettext_lazy("Board member"),
    )
    language = forms.ChoiceField(
        choices=(),
        required=False,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy(
            "The language this wording is in. In another language than the source it is a translation, shown to "
            "readers of that language; the source wording stays as it is."
        ),
    )
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label=gettext_lazy("Biography"))
    disclosures = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=gettext_lazy("Conflict-of-interest disclosures")
    )
    note = forms.CharField(max_length=300, required=False, label=gettext_lazy("Why (for the approver)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, language_name(code)) for code in reader_languages()]
