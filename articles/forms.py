"""Forms for the studio editor: the article, one fieldset per audience, references, imports.

Forms only parse and validate input; saving goes through articles.services.
Field definitions come from the models so help texts and validators stay in
one place.
"""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import get_language, gettext, gettext_lazy

from cms.languages import language_name, reader_languages
from textkit.content import DEFAULT_LANGUAGE, REFERENCE_FIELDS, ArticleContent, ReferenceContent, VariantContent
from textkit.whitespace import normalise_markdown

from .models import Article, Audience, Reference, key_validator
from .services import ARTICLE_EDITABLE_FIELDS, RESERVED_SLUGS, VariantInput


def _with_model_validators(form_fields: dict, model) -> dict:
    """Give each form field the validators of its model field that formfield() leaves out (PMID digits, DOI shape…).

    Validators the form field already has (its length, its slug shape) are
    not added twice. The fields are built once, at import: a form instance
    copies them, so validating a post runs no code of ours per field.
    """
    for name, field in form_fields.items():
        extra = [v for v in model._meta.get_field(name).validators if v not in field.validators]
        field.validators = [*field.validators, *extra]
    return form_fields


def _article_form_fields() -> dict:
    model_fields = fields_for_model(Article, fields=ARTICLE_EDITABLE_FIELDS)
    fields = {name: model_fields[name] for name in ("title", "slug", "condition", "drugs", "summary", "body")}
    fields["summary"].widget.attrs.update(rows=4)
    fields["body"].widget.attrs.update(rows=22, spellcheck="true")
    fields["title"].widget.attrs.update(size=60)
    return _with_model_validators(fields, Article)


class _ArticleFormBase(forms.Form):
    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                gettext("“%(slug)s” is reserved for a page of the site. Choose another slug.") % {"slug": slug}
            )
        return slug

    def article_fields(self) -> dict[str, str]:
        """Return the cleaned values for article_create / article_update."""
        return {name: self.cleaned_data[name] for name in ARTICLE_EDITABLE_FIELDS}


#: The article's own fields (from the model, with its validators) plus the optimistic-lock token and a comment.
ArticleForm = type(
    "ArticleForm",
    (_ArticleFormBase,),
    {
        "__module__": __name__,
        "__doc__": "The article's own fields plus the optimistic-lock token and a change comment.",
        **_article_form_fields(),
        "lock_version": forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0),
        "comment": forms.CharField(
            label=gettext_lazy("Change comment"),
            required=False,
            max_length=500,
            help_text=gettext_lazy("Optional: what you changed and why. Shown in the version history."),
            widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Updated dosing from the 2024 guideline")}),
        ),
    },
)


class VariantForm(forms.Form):
    """One audience's own summary and body; both empty means it reads the default text."""

    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, audience: Audience, **kwargs) -> None:
        self.audience = audience
        kwargs.setdefault("prefix", f"variant-{audience.slug}")
        super().__init__(*args, **kwargs)
        # Say what this audience reads for each field, from what the field holds now.
        self.values = {}
        for name in ("summary", "body"):
            raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
            self.values[name] = (raw or "").strip()
            # The audience's name in the staff's language (inline: the save path counts its function stays).
            wording = (audience.translations or {}).get((get_language() or "").split("-")[0]) or {}
            audience_name = wording.get("name") or audience.name
            if name == "summary":
                hint = (
                    gettext("%(audience)s readers see this text. Empty it to show them the default summary.")
                    if self.values[name]
                    else gettext("Empty: %(audience)s readers see the default summary.")
                )
            else:
                hint = (
                    gettext("%(audience)s readers see this text. Empty it to show them the default body.")
                    if self.values[name]
                    else gettext("Empty: %(audience)s readers see the default body.")
                )
            self.fields[name].help_text = hint % {"audience": audience_name}

    @property
    def uses_default_summary(self) -> bool:
        """Return True when the summary is empty (this audience reads the default summary)."""
        return not self.values["summary"]

    @property
    def uses_default_body(self) -> bool:
        """Return True when the body is empty (this audience reads the default body)."""
        return not self.values["body"]

    @property
    def is_used(self) -> bool:
        """Return True when the bound or initial data has text in it (the fieldset starts open)."""
        return any(self.values.values())


def variant_inputs(variant_forms: list[VariantForm]) -> list[VariantInput]:
    """Return the audience versions of validated variant forms for article_create / article_update."""
    inputs = []
    for form in variant_forms:
        summary, body = form.cleaned_data.get("summary", ""), form.cleaned_data.get("body", "")
        inputs.append(VariantInput(audience_id=form.audience.pk, summary=summary, body=body))
    return inputs


def _reference_form_fields() -> dict:
    model_fields = fields_for_model(Reference, fields=[name for name in REFERENCE_FIELDS if name != "url"])
    model_fields["url"] = forms.URLField(
        label=gettext_lazy("URL"), max_length=500, required=False, assume_scheme="https"
    )
    fields = {name: model_fields[name] for name in REFERENCE_FIELDS}
    fields["key"].widget.attrs.update(size=14, placeholder="kotton2018")
    fields["title"].widget = forms.Textarea(attrs={"rows": 2})
    fields["year"].widget.attrs.update({"class": "input--year"})
    return _with_model_validators(fields, Reference)


#: One reference row of the editor (the model's fields and validators).
ReferenceForm = type(
    "ReferenceForm",
    (forms.Form,),
    {"__module__": __name__, "__doc__": "One reference row of the editor.", **_reference_form_fields()},
)

_DELETE = forms.formsets.DELETION_FIELD_NAME
#: Reference fields a service takes as None when empty; the others as "".
_NULLABLE = ("year", "spl_version", "spl_date")


class BaseReferenceFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service_errors: list[str] = []

    def add_service_errors(self, errors: list[str]) -> None:
        """Show what a service refused about the references as a whole, beside the formset's own errors."""
        self.service_errors.extend(errors)

    def non_form_errors(self):
        errors = super().non_form_errors()
        if not self.service_errors:
            return errors
        return self.error_class([*errors, *self.service_errors], error_class="nonform", renderer=self.renderer)

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        for index, form in enumerate(self.forms, start=1):
            if form.cleaned_data.get(_DELETE):
                continue
            key = form.cleaned_data.get("key")
            if key in seen:
                form.add_error(
                    "key",
                    gettext("The key “%(key)s” is also used by reference %(value)s. Keys must be unique.")
                    % {"key": key, "value": seen[key]},
                )
            elif key:
                seen[key] = index

    def references(self) -> list[dict]:
        """Return the kept, filled-in references as dicts for the services."""
        kept = []
        for form in self.forms:
            cleaned = form.cleaned_data
            if cleaned.get(_DELETE) or not cleaned.get("key"):
                continue
            data = {name: cleaned.get(name) for name in REFERENCE_FIELDS}
            for name in REFERENCE_FIELDS:
                if name not in _NULLABLE and data[name] is None:
                    data[name] = ""
            kept.append(data)
        return kept


ReferenceFormSet = forms.formset_factory(ReferenceForm, formset=BaseReferenceFormSet, extra=1, can_delete=True)


class ReferenceImportForm(forms.Form):
    """Upload a RIS, BibTeX or PubMed/MEDLINE file of references."""

    file = forms.FileField(
        label=gettext_lazy("Reference file"),
        help_text=gettext_lazy(
            "RIS (.ris), BibTeX (.bib) or PubMed/MEDLINE (.nbib, .txt). Keys already in the article are skipped."
        ),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than 2 MB. Split it into smaller files and import each.")
            )
        return upload


class ReferenceByIdentifierForm(forms.Form):
    """Add one reference by PMID or DOI."""

    identifier = forms.CharField(
        label=gettext_lazy("PMID or DOI"),
        max_length=250,
        help_text=gettext_lazy("e.g. 29596116 or 10.1097/TP.0000000000002191 (a doi.org link works too)."),
    )
    key = forms.CharField(
        label=gettext_lazy("Key (optional)"),
        max_length=80,
        required=False,
        validators=[key_validator],
        help_text=gettext_lazy("How you will cite it, [@key]. Empty: made from the first author and year."),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class ReferenceLookupForm(ReferenceByIdentifierForm):
    """The editor's "add reference" dialog: look a PMID or DOI up; the editor saves the reference."""

    lock_version = None


class RestoreForm(forms.Form):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=500)


def initial_article(content: ArticleContent, *, lock_version: int) -> dict:
    """Return initial data for ArticleForm from saved content."""
    data = {name: getattr(content, name) for name in ARTICLE_EDITABLE_FIELDS}
    data["lock_version"] = lock_version
    return data


def initial_references(content: ArticleContent) -> list[dict]:
    return [{name: getattr(ref, name) for name in REFERENCE_FIELDS} for ref in content.references]


def content_from_post(
    data, *, audiences: list[Audience], slug: str = "", language: str = DEFAULT_LANGUAGE
) -> ArticleContent:
    """Build an ArticleContent from raw editor POST data, leniently, for the live preview.

    The preview must keep working while the form is half filled in (an empty
    title, a reference without a year), so nothing here is validated; the
    checks report what is wrong.
    """

    def text(name: str) -> str:
        return (data.get(name) or "").replace("\r\n", "\n")

    variants = []
    for audience in audiences:
        prefix = f"variant-{audience.slug}-"
        summary, body = normalise_markdown(text(prefix + "summary")), normalise_markdown(text(prefix + "body"))
        if summary or body:
            variants.append(VariantContent(audience_id=audience.pk, summary=summary, body=body))

    references: dict[str, ReferenceContent] = {}
    try:
        total = min(int(data.get("references-TOTAL_FORMS") or 0), 1000)
    except ValueError:
        total = 0
    for index in range(total):
        prefix = f"references-{index}-"
        key = text(prefix + "key").strip()
        if not key or data.get(prefix + "DELETE"):
            continue
        year_text = text(prefix + "year").strip()
        references.setdefault(
            key,
            ReferenceContent(
                key=key,
                kind=text(prefix + "kind") or Reference.Kind.OTHER,
                title=text(prefix + "title"),
                authors=text(prefix + "authors"),
                source=text(prefix + "source"),
                year=int(year_text) if year_text.isdigit() else None,
                pmid=text(prefix + "pmid"),
                doi=text(prefix + "doi"),
                url=text(prefix + "url"),
                spl_set_id=text(prefix + "spl_set_id").strip(),
                spl_version=text(prefix + "spl_version").strip() or None,
                spl_date=text(prefix + "spl_date").strip(),
            ),
        )
    return ArticleContent(
        slug=text("slug") or slug,
        title=text("title"),
        condition=text("condition"),
        drugs=text("drugs"),
        summary=normalise_markdown(text("summary")),
        body=normalise_markdown(text("body")),
        variants=tuple(variants),
        references=tuple(references.values()),
        language=language,
    )


class GlossaryTermForm(forms.Form):
    """One glossary term as editors write it."""

    term = forms.CharField(
        label=gettext_lazy("Term"), max_length=100, help_text=gettext_lazy('As written in articles, e.g. "viremia".')
    )
    explanation = forms.CharField(
        label=gettext_lazy("Plain explanation"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One sentence a patient understands. Readers see it as the definition."),
    )
    synonyms = forms.CharField(
        label=gettext_lazy("Other forms"),
        max_length=300,
        required=False,
        help_text=gettext_lazy('Other spellings or abbreviations, comma-separated, e.g. "viraemia".'),
    )
    active = forms.BooleanField(label=gettext_lazy("Flag and explain this term"), required=False, initial=True)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=(),
        required=False,
        help_text=gettext_lazy("The language of the term and its explanation; pages in that language explain it."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, language_name(code)) for code in reader_languages()]
