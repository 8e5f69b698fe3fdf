"""Forms of the places pages. They check the shape of input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from places.imports import bilingual
from places.models import AreaStatus, Commune, Village

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PAGE_SIZE = 50


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names, or on the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def commune_choices(communes: QuerySet[Commune], *, blank: str | None) -> list[tuple[str, str]]:
    choices = [(str(c.code), f"{c.name} ({c.code_display})") for c in communes]
    return [("", blank), *choices] if blank is not None else choices


class VillageFilterForm(forms.Form):
    commune = forms.TypedChoiceField(
        label=_("Commune"), coerce=int, required=False, empty_value=None
    )
    q = forms.CharField(
        label=_("Village name"),
        required=False,
        max_length=100,
        help_text=_("Diacritics are not needed: “hoa binh” finds “Hòa Bình”."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes, blank=_("All my communes"))


class VillageForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("As written in the commune's decision, e.g. “Ấp Hòa Bình” or “Khóm 3”."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Village.Kind.choices)
    local_code = forms.CharField(
        label=_("Local code"),
        max_length=20,
        required=False,
        help_text=_("Optional: the code the commune uses for this village."),
    )

    def __init__(
        self, *args: Any, communes: QuerySet[Commune], village: Village | None = None, **kwargs: Any
    ) -> None:
        if village is not None:
            kwargs.setdefault(
                "initial",
                {
                    "commune": village.commune_id,
                    "name": village.name,
                    "kind": village.kind,
                    "local_code": village.local_code,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes, blank=None)
        if village is not None:
            # A village stays in its commune: see services.village_update.
            self.fields["commune"].disabled = True
            self.fields["commune"].help_text = _(
                "A village cannot move to another commune; add it there as a new village."
            )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Saved from Excel as “CSV UTF-8 (Comma delimited)”, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file; change nothing"),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                bilingual(_("The file is larger than 5 MB. Split it into smaller files."))
            )
        return upload


class AreaStatusFilterForm(forms.Form):
    commune = forms.TypedChoiceField(
        label=_("Commune"), coerce=int, required=False, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    on = forms.DateField(
        label=_("In force on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to see every period."),
    )

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes, blank=_("All my communes"))
        self.fields["status"].choices = [("", _("Any status")), *AreaStatus.Status.choices]


class AreaStatusForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    village = forms.CharField(
        label=_("Village"),
        max_length=100,
        required=False,
        help_text=_(
            "For a village status, the village's name; leave empty for the commune's region."
        ),
    )
    status = forms.ChoiceField(label=_("Status"), choices=AreaStatus.Status.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=DateInput(),
        help_text=_("The last day it holds; leave empty if it has no end yet."),
    )
    decision = forms.CharField(
        label=_("Decision"), max_length=120, help_text=_("For example “60/QĐ-BDTTG”.")
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes, blank=None)


class AreaStatusEndForm(forms.Form):
    valid_to = forms.DateField(
        label=_("Last day"),
        widget=DateInput(),
        help_text=_("The status holds up to and including this day."),
    )
