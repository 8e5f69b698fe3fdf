"""The screener form: the facts of one person and their household, all optional."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from benefits.models import FuneralDocument, PaymentListKind
from benefits.selectors import policy_set

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
EARLIEST = date(2021, 7, 1)

YES_NO = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
CHOICE_LABELS = {
    "sex": [("", _("Not known")), ("female", _("Female")), ("male", _("Male"))],
    "disability_level": [
        ("", _("Not known")),
        ("none", _("No certified disability")),
        ("mild", _("Mild")),
        ("severe", _("Severe")),
        ("especially_severe", _("Especially severe")),
    ],
    "disability_type": [
        ("", _("Not known")),
        ("none", _("No disability")),
        ("mobility", _("Mobility")),
        ("hearing_speech", _("Hearing and speech")),
        ("visual", _("Visual")),
        ("mental", _("Mental (psychosocial)")),
        ("intellectual", _("Intellectual")),
        ("other", _("Other")),
    ],
    "poverty_status": [
        ("", _("Not known")),
        ("poor", _("Poor household")),
        ("near_poor", _("Near-poor household")),
        ("neither", _("Neither poor nor near-poor")),
    ],
    "marital_status": [
        ("", _("Not known")),
        ("single", _("Never married")),
        ("married", _("Married")),
        ("divorced", _("Divorced")),
        ("widowed", _("Widowed")),
        ("separated", _("Separated")),
    ],
}
PERSON_FACTS = [
    "date_of_birth",
    "sex",
    "ethnic_minority",
    "disability_level",
    "disability_type",
    "disability_certified_on",
    "monthly_pension_vnd",
    "has_supporter",
    "child_without_care",
    "is_studying",
    "has_hiv",
    "marital_status",
    "is_pregnant",
    "taken_in_by_community",
    "receives_monthly_allowance",
    "in_foster_care",
]
HOUSEHOLD_FACTS = [
    "poverty_status",
    "household_size",
    "lives_alone",
    "em_area_commune",
    "region_3_commune",
    "em_area_village",
    "especially_difficult_village",
    "children_in_household",
    "children_under_3_in_household",
]


class ScreenerForm(forms.Form):
    """Field labels come from policies/facts.yaml, in the language of the page."""

    day = forms.DateField(
        label=_("Check on this day"),
        input_formats=DATE_FORMATS,
        required=False,
        help_text=_("Leave empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = policy_set().facts
        vietnamese = (get_language() or "vi").startswith("vi")
        for name in PERSON_FACTS + HOUSEHOLD_FACTS:
            spec = schema[name]
            label = spec.label_vi if vietnamese else spec.label_en
            field: forms.Field
            if spec.type == "date":
                field = forms.DateField(
                    input_formats=DATE_FORMATS,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                    help_text=_("For example 14/03/1950."),
                )
            elif spec.type == "int":
                field = forms.IntegerField(min_value=0, max_value=1_000_000_000)
                if name == "monthly_pension_vnd":
                    field.help_text = _("Write 0 if the person receives none.")
            elif spec.type == "bool":
                field = forms.ChoiceField(choices=YES_NO)
            else:
                field = forms.ChoiceField(choices=CHOICE_LABELS[name])
            field.label = label
            field.required = False
            self.fields[name] = field

    def clean_day(self) -> date:
        day = self.cleaned_data.get("day") or timezone.localdate()
        if day < EARLIEST:
            raise forms.ValidationError(
                _(
                    "The rules here start on 01/07/2021 (Decree 20/2021). Choose a day on or "
                    "after 01/07/2021."
                )
            )
        return day

    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PERSON_FACTS]

    def household_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in HOUSEHOLD_FACTS]

    def facts(self) -> dict[str, Any]:
        """The answers as fact values; an empty answer is a missing fact."""
        facts: dict[str, Any] = {}
        for name in PERSON_FACTS + HOUSEHOLD_FACTS:
            value = self.cleaned_data.get(name)
            if value in ("", None):
                continue
            facts[name] = (
                {"yes": True, "no": False}.get(value, value) if isinstance(value, str) else value
            )
        return facts


CASE_ACTIONS = [
    ("review", _("Confirm the review")),
    ("approve", _("Approve")),
    ("suspend", _("Suspend")),
    ("resume", _("Resume")),
    ("end", _("End")),
    ("clear", _("Keep after checking")),
]


class CaseActionForm(forms.Form):
    """One step on one or more cases; the reason is needed to suspend, resume, end or keep."""

    action = forms.ChoiceField(label=_("Step"), choices=CASE_ACTIONS)
    end_reason = forms.ChoiceField(
        label=_("Reason for ending"),
        choices=[("", _("Choose when ending"))],
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        max_length=400,
        required=False,
        help_text=_("Kept in the case's history. Needed to suspend, resume, end or keep a case."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from benefits.models import EndReason

        super().__init__(*args, **kwargs)
        self.fields["end_reason"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose when ending")),
            *EndReason.choices,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "end" and not data.get("end_reason"):
            self.add_error(
                "end_reason",
                _("Choose why the case ends from the list."),
            )
        if action in ("suspend", "resume", "clear") and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Write the reason for this step; it is kept in the case's history."),
            )
        return data


def month_choices() -> list[tuple[str, str]]:
    today = timezone.localdate()
    months = []
    year, month = today.year, today.month + 1
    for _i in range(15):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append((f"{year:04d}-{month:02d}", f"{month:02d}/{year:04d}"))
    return months


class PaymentListForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    month = forms.ChoiceField(label=_("Month"))
    kind = forms.ChoiceField(
        label=_("Kind of list"),
        choices=PaymentListKind.choices,
        initial=PaymentListKind.MONTHLY,
        required=False,
        help_text=_("One-off support (funeral support) is paid on its own list."),
    )

    def __init__(self, *args: Any, communes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = communes  # type: ignore[attr-defined]
        self.fields["month"].choices = month_choices()  # type: ignore[attr-defined]

    def month_date(self) -> date:
        year, month = self.cleaned_data["month"].split("-")
        return date(int(year), int(month), 1)


class CommuneForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)

    def __init__(self, *args: Any, communes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = communes  # type: ignore[attr-defined]


class FuneralClaimForm(forms.Form):
    """Who arranged the funeral and which papers were received (Decree 20/2021 Art. 11)."""

    arranger_name = forms.CharField(
        label=_("Full name of who arranged the funeral"), max_length=150
    )
    arranger_relation = forms.CharField(
        label=_("Relation to the deceased"),
        max_length=60,
        help_text=_("For example: son, daughter, neighbour, village head."),
    )
    arranger_phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    arranger_personal_id = forms.CharField(
        label=_("Personal ID number (if known)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents received"),
        choices=FuneralDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
