"""Forms of health monitoring: entering a reading, acting on alerts and tasks, overrides, devices."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from health.monitoring import codes
from health.monitoring.services import SNOOZE_CHOICES_HOURS

KIND_LABELS = {
    "bp": _("Blood pressure"),
    "glucose": _("Blood glucose"),
    "spo2": _("Oxygen (SpO2)"),
    "hr": _("Heart rate"),
    "weight": _("Weight"),
    "temp": _("Temperature"),
}
UNIT_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "bp": [("mm[Hg]", "mmHg")],
    "glucose": [("mmol/L", "mmol/L"), ("mg/dL", "mg/dL")],
    "spo2": [("%", "%")],
    "hr": [("/min", _("beats a minute"))],
    "weight": [("kg", "kg"), ("[lb_av]", _("pounds (lb)"))],
    "temp": [("Cel", "°C"), ("[degF]", "°F")],
}
BIG = {"class": "big", "inputmode": "decimal", "autocomplete": "off"}


class ReadingForm(forms.Form):
    """One reading; the fields shown depend on the kind (chosen on the page before)."""

    value = forms.CharField(label=_("Value"), max_length=12, widget=forms.TextInput(attrs=BIG))
    value2 = forms.CharField(
        label=_("Lower number (diastolic)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs=BIG),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=())
    context = forms.ChoiceField(
        label=_("When was it measured?"),
        required=False,
        choices=[("random", _("Any time")), ("fasting", _("Fasting (before eating)"))],
        widget=forms.RadioSelect,
    )
    measured_on = forms.DateField(
        label=_("Day measured"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    measured_time = forms.TimeField(
        label=_("Time measured"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["unit"].choices = UNIT_CHOICES[kind]
        self.fields["unit"].initial = codes.spec(kind).unit
        if kind == "bp":
            self.fields["value"].label = _("Upper number (systolic)")
            self.fields["value2"].required = True
        else:
            del self.fields["value2"]
            self.fields["value"].label = KIND_LABELS[kind]
        if kind != "glucose":
            del self.fields["context"]
        else:
            self.fields["context"].initial = "random"

    def measured_at(self) -> datetime:
        day = self.cleaned_data.get("measured_on")
        at = self.cleaned_data.get("measured_time")
        now = timezone.localtime()
        if day is None and at is None:
            return timezone.now()
        combined = datetime.combine(day or now.date(), at or time(now.hour, now.minute))
        return timezone.make_aware(combined)

    def item(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.cleaned_data["value"],
            "value2": self.cleaned_data.get("value2") or None,
            "unit": self.cleaned_data["unit"],
            "context": self.cleaned_data.get("context") or "",
            "measured_at": self.measured_at(),
        }


class SnoozeForm(forms.Form):
    hours = forms.TypedChoiceField(label=_("Put aside for"), coerce=int, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hours"].choices = [
            (h, ngettext("%(hours)s hour", "%(hours)s hours", h) % {"hours": h})
            for h in SNOOZE_CHOICES_HOURS
        ]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=300,
        help_text=_("For example: called, advised rest, appointment at the health station."),
    )


class TaskDoneForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=500)
    resolve_alert = forms.BooleanField(label=_("Also close the alert"), required=False)


class OverrideForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), choices=())
    low = forms.DecimalField(label=_("Low limit"), required=False, max_digits=7, decimal_places=2)
    high = forms.DecimalField(label=_("High limit"), required=False, max_digits=7, decimal_places=2)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: the doctor's target for this person."),
    )

    def __init__(self, *args: Any, rules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = rules


class DeviceForm(forms.Form):
    label = forms.CharField(
        label=_("Device name"),
        max_length=150,
        help_text=_("For example: Omron blood-pressure monitor, or the village gateway."),
    )


class GatewayForm(DeviceForm):
    commune = forms.ChoiceField(label=_("Commune"), choices=())

    def __init__(self, *args: Any, communes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = communes


class ChartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measurement"), choices=list(KIND_LABELS.items()))
    days = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (365, _("1 year"))],
        initial=90,
    )
