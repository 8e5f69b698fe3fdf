"""Forms of the health book. They turn typed text into values; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from health.book import icd10
from health.models import Allergy, CareGoal, CarePlan, Condition, HomeVisit

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
OTHER = "other"


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=_("dd/mm/yyyy"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _note(label: Any = None, limit: int = 500) -> forms.CharField:
    return forms.CharField(label=label or _("Note"), max_length=limit, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)


class CarerForm(forms.Form):
    phone = forms.CharField(
        label=_("Carer's phone number"),
        max_length=20,
        help_text=_("The phone number of the carer's account, e.g. 0912 345 678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    relation = forms.CharField(
        label=_("Relation to the person"),
        max_length=100,
        help_text=_("For example: daughter, son, neighbour."),
    )
    person_present = forms.BooleanField(
        label=_("The person is here with me and agrees to name this carer."),
        required=False,
    )

    def __init__(self, *args: Any, by_worker: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not by_worker:
            del self.fields["person_present"]


class ConditionForm(forms.Form):
    common = forms.ChoiceField(
        label=_("Condition"),
        help_text=_("Choose from the common conditions, or choose “Other” and enter the code."),
    )
    icd10 = forms.CharField(
        label=_("Other ICD-10 code"),
        required=False,
        max_length=8,
        help_text=_("Only for “Other”: e.g. K25 or E11.9."),
    )
    name = forms.CharField(
        label=_("Name of the condition"),
        required=False,
        max_length=200,
        help_text=_("Only for “Other”, or to be more precise than the list."),
    )
    clinical_status = forms.ChoiceField(label=_("Status"), choices=Condition.ClinicalStatus.choices)
    onset = _date(_("Since"))
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "vi"
        choices: list[Any] = [("", "—")]
        for group, items in icd10.grouped(language):
            choices.append((group, [(e.code, f"{e.code} – {e.name(language)}") for e in items]))
        choices.append((OTHER, _("Other (enter the ICD-10 code)")))
        self.fields["common"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("common") == OTHER:
            if not data.get("icd10"):
                self.add_error("icd10", _("Enter the ICD-10 code, or choose a condition above."))
            data["code"] = data.get("icd10", "")
        else:
            data["code"] = data.get("common", "")
        return data


class ConditionStatusForm(forms.Form):
    clinical_status = forms.ChoiceField(label=_("Status"), choices=Condition.ClinicalStatus.choices)
    abated = _date(_("Ended on"))


class MedicationForm(forms.Form):
    name = forms.CharField(label=_("Medicine"), max_length=200)
    dose = forms.CharField(label=_("Dose"), max_length=100, help_text=_("For example: 5 mg."))
    frequency = forms.CharField(
        label=_("How often"), max_length=100, help_text=_("For example: once each morning.")
    )
    started = _date(_("Started on"))
    prescriber = forms.CharField(label=_("Prescribed by"), max_length=150, required=False)
    note = _note()


class StopForm(forms.Form):
    stopped = _date(_("Stopped on"))


class AllergyForm(forms.Form):
    substance = forms.CharField(label=_("Allergic to"), max_length=200)
    reaction = forms.CharField(label=_("Reaction"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Allergy.Severity.choices)
    note = _note()


class VaccinationForm(forms.Form):
    vaccine = forms.CharField(label=_("Vaccine"), max_length=200)
    dose_number = forms.IntegerField(
        label=_("Dose number"), required=False, min_value=1, max_value=20
    )
    given_on = _date(_("Given on"), required=True)
    place = forms.CharField(label=_("Where"), max_length=200, required=False)
    lot = forms.CharField(label=_("Lot number"), max_length=50, required=False)
    note = _note()


class CarePlanForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("For example: blood pressure control.")
    )
    starts_on = _date(_("Starts on"), required=True)
    ends_on = _date(_("Ends on"))
    visit_every_days = forms.IntegerField(
        label=_("Home visit every (days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Visits are scheduled from the start date. Leave empty for no visits."),
    )
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One goal per line, e.g. “blood pressure below 140/90”."),
    )
    note = _note()

    def clean_goals(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["goals"].splitlines() if line.strip()]


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CarePlan.Status.choices)


class GoalForm(forms.Form):
    description = forms.CharField(label=_("Goal"), max_length=300)
    due_on = _date(_("By"))


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Outcome"), choices=CareGoal.Status.choices)


class VisitAddForm(forms.Form):
    due_on = _date(_("Visit on"), required=True)


VISIT_OUTCOMES = [
    (HomeVisit.Status.DONE, pgettext_lazy("visit outcome", "visited")),
    (HomeVisit.Status.MISSED, _("missed (nobody at home, or could not go)")),
    (HomeVisit.Status.CANCELLED, pgettext_lazy("visit outcome", "cancelled")),
]


class VisitRecordForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened"), choices=VISIT_OUTCOMES, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the person is, readings taken, problems seen."),
    )
    advice = forms.CharField(
        label=_("Advice given"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
