"""Forms of the corners pages. They check the shape of input; the services check the rules."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from help import selectors
from help.models import Appointment, Corner, Language, Member, OpeningHours, Topic
from places.models import Commune, Village

PAGE_SIZE = 50
SLOT_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names, or on the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            name = {"starts_at": "slot", "village_id": "village"}.get(field, field)
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def parse_slot(value: str) -> datetime | None:
    try:
        naive = datetime.strptime(value, SLOT_FORMAT)  # noqa: DTZ007 - made aware just below
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, selectors.local_tz())


def slot_choices(slots: list[selectors.Slot]) -> list[tuple[str, str]]:
    return [
        (s.value, f"{timezone.localtime(s.starts_at):%H:%M}–{timezone.localtime(s.ends_at):%H:%M}")
        for s in slots
    ]


class SlotField(forms.ChoiceField):
    """The free times as radio buttons; a time no longer offered (taken meanwhile, or typed by
    hand) goes on to the booking service, which says why it cannot be booked."""

    widget = forms.RadioSelect

    def valid_value(self, value: Any) -> bool:
        return True


# Public ----------------------------------------------------------------------------------------


class CornerFilterForm(forms.Form):
    commune = forms.TypedChoiceField(
        label=_("Commune or ward"), coerce=int, required=False, empty_value=None
    )
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    topic = forms.ChoiceField(label=_("Help with"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [
            ("", _("All communes")),
            *((str(code), name) for code, name in selectors.communes_with_corners()),
        ]
        self.fields["language"].choices = [("", _("Any language")), *Language.choices]
        self.fields["topic"].choices = [("", _("Anything")), *Topic.choices]


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())


class BookingForm(forms.Form):
    """A booking: the slot of the chosen day, and the person's name, phone and need."""

    slot = SlotField(label=_("Time"))
    name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("We send the booking code to this number by SMS. No e-mail is needed."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    topic = forms.ChoiceField(label=_("What do you need help with?"))
    kind = forms.ChoiceField(
        label=_("How to meet"),
        choices=Appointment.Kind.choices,
        initial=Appointment.Kind.AT_CORNER,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Anything the helper should know"),
        required=False,
        max_length=500,
        help_text=_("For example: I use a wheelchair; please call my son on this number."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        corner: Corner,
        slots: list[selectors.Slot],
        staff: bool = False,
        helpers: list[Member] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices(slots)
        offered = {s.topic for s in corner.services.all()}
        self.fields["topic"].choices = [
            (value, label) for value, label in Topic.choices if not offered or value in offered
        ]
        if staff:
            self.fields["name"].label = _("Name of the person")
            self.fields["phone"].label = _("Their phone number")
            self.fields["topic"].label = _("What they need help with")
            self.fields["note"].help_text = ""
            self.fields["helper"] = forms.TypedChoiceField(
                label=_("Helper"),
                coerce=int,
                required=False,
                empty_value=None,
                choices=[
                    ("", _("Any helper of the corner")),
                    *((str(m.user_id), str(m.user)) for m in helpers or []),
                ],
            )

    def clean_slot(self) -> datetime:
        moment = parse_slot(self.cleaned_data["slot"])
        if moment is None:
            raise ValidationError(_("Choose one of the free times."))
        return moment


class RescheduleForm(forms.Form):
    slot = SlotField(label=_("New time"))

    def __init__(self, *args: Any, slots: list[selectors.Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices(slots)

    def clean_slot(self) -> datetime:
        moment = parse_slot(self.cleaned_data["slot"])
        if moment is None:
            raise ValidationError(_("Choose one of the free times."))
        return moment


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"),
        max_length=12,
        help_text=_("The 6 letters and digits in the SMS, e.g. K7MX3P."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number used for the booking"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


class SeatForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("We send a confirmation by SMS. No e-mail is needed."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


# Corners (staff) -------------------------------------------------------------------------------


def commune_choices(communes: QuerySet[Commune]) -> list[tuple[str, str]]:
    return [(str(c.code), f"{c.name} ({c.code_display})") for c in communes]


class CornerForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int)
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        help_text=_("As people know it, e.g. “Điểm CĐS ấp Hòa Bình”."),
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    village = forms.TypedChoiceField(
        label=_("Village or hamlet"), coerce=int, required=False, empty_value=None
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    phone = forms.CharField(label=_("Phone number of the corner"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    topics = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    step_free = forms.BooleanField(label=_("Step-free entrance"), required=False)
    seating = forms.BooleanField(label=_("Seats while waiting"), required=False)
    accessible_toilet = forms.BooleanField(label=_("Accessible toilet"), required=False)
    accessibility_note = forms.CharField(
        label=_("Accessibility note"),
        max_length=255,
        required=False,
        help_text=_("For example: ramp at the side door; sign-language helper on Thursdays."),
    )
    equipment = forms.CharField(
        label=_("Equipment"),
        required=False,
        help_text=_("For example: 2 computers, a printer, a scanner, a smartphone to practise."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    wifi = forms.ChoiceField(label=_("Wi-Fi"), choices=Corner.Wifi.choices)
    slot_minutes = forms.IntegerField(
        label=_("Minutes per appointment"), min_value=5, max_value=240, initial=20
    )
    desks = forms.IntegerField(label=_("People served at once"), min_value=1, initial=1)
    is_active = forms.BooleanField(label=_("Open to the public"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        communes: QuerySet[Commune],
        corner: Corner | None = None,
        **kwargs: Any,
    ) -> None:
        if corner is not None:
            initial = {name: getattr(corner, name) for name in CORNER_FIELDS}
            initial.update(
                commune=corner.commune_id,
                village=corner.village_id,
                topics=[s.topic for s in corner.services.all()],
            )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes)
        villages = Village.objects.filter(commune__in=communes).select_related("commune")
        self.fields["village"].choices = [
            ("", _("Not in a village")),
            *((str(v.pk), f"{v.name} – {v.commune.name}") for v in villages),
        ]
        if corner is not None:
            # A corner stays in its commune: people and bookings are attached to it.
            self.fields["commune"].disabled = True

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["village_id"] = data.pop("village")
        data.pop("commune")
        data.pop("topics")
        return data


CORNER_FIELDS = (
    "name",
    "address",
    "latitude",
    "longitude",
    "phone",
    "description",
    "step_free",
    "seating",
    "accessible_toilet",
    "accessibility_note",
    "equipment",
    "wifi",
    "slot_minutes",
    "desks",
    "is_active",
)


class HoursForm(forms.Form):
    """Two opening intervals per weekday (morning and afternoon), both optional."""

    PARTS = (1, 2)

    def __init__(self, *args: Any, hours: list[OpeningHours], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_day: dict[int, list[OpeningHours]] = {}
        for h in hours:
            by_day.setdefault(h.weekday, []).append(h)
        for weekday in range(7):
            for part in self.PARTS:
                existing = by_day.get(weekday, [])
                current = existing[part - 1] if len(existing) >= part else None
                for edge in ("opens", "closes"):
                    label = _("%(day)s, interval %(n)s: %(edge)s") % {
                        "day": WEEKDAYS[weekday],
                        "n": part,
                        "edge": _("opens") if edge == "opens" else _("closes"),
                    }
                    self.fields[f"d{weekday}_{part}_{edge}"] = forms.TimeField(
                        label=label,
                        required=False,
                        widget=TimeInput(),
                        initial=getattr(current, edge) if current else None,
                    )

    def rows(self) -> list[dict[str, Any]]:
        """The fields grouped by weekday, for the template's table."""
        return [
            {
                "day": WEEKDAYS[weekday],
                "parts": [
                    (self[f"d{weekday}_{part}_opens"], self[f"d{weekday}_{part}_closes"])
                    for part in self.PARTS
                ],
            }
            for weekday in range(7)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals: list[tuple[int, time, time]] = []
        for weekday in range(7):
            for part in self.PARTS:
                opens = data.get(f"d{weekday}_{part}_opens")
                closes = data.get(f"d{weekday}_{part}_closes")
                if (opens is None) != (closes is None):
                    self.add_error(
                        f"d{weekday}_{part}_opens",
                        _("Fill in both the opening and the closing time, or neither."),
                    )
                elif opens is not None and closes is not None:
                    if opens >= closes:
                        self.add_error(
                            f"d{weekday}_{part}_closes",
                            _("The closing time must be after the opening time."),
                        )
                    intervals.append((weekday, opens, closes))
        data["intervals"] = intervals
        return data


class ClosureForm(forms.Form):
    day = forms.DateField(label=_("Closed on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Shown to people, e.g. “Tết holiday” or “team training”."),
    )


class MemberForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Helper"), coerce=int)
    position = forms.CharField(
        label=_("Position in the team"),
        max_length=100,
        required=False,
        help_text=_("For example: team leader, Youth Union member."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=Language.choices,
        initial=[Language.VIETNAMESE],
        widget=forms.CheckboxSelectMultiple,
    )
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            (str(u.pk), f"{u.full_name or u.username} ({u.username})") for u in candidates
        ]


class MemberEditForm(forms.Form):
    position = forms.CharField(label=_("Position in the team"), max_length=100, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Still in the team"), required=False)


# Queue -----------------------------------------------------------------------------------------


class TokenForm(forms.Form):
    topic = forms.ChoiceField(label=_("Came for"), choices=Topic.choices)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    priority = forms.BooleanField(
        label=_("Priority: cannot wait long (disability, old age, pregnancy, small child)"),
        required=False,
    )


# Classes ---------------------------------------------------------------------------------------


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    skill = forms.ChoiceField(label=_("Skill taught"), required=False)
    helper = forms.TypedChoiceField(label=_("Led by"), coerce=int)
    day = forms.DateField(label=_("Day"), widget=DateInput())
    starts = forms.TimeField(label=_("Starts"), widget=TimeInput())
    ends = forms.TimeField(label=_("Ends"), widget=TimeInput())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=200, initial=15)

    def __init__(self, *args: Any, helpers: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", _("None")), *selectors.skill_choices()]
        self.fields["helper"].choices = [(str(m.user_id), str(m.user)) for m in helpers]

    def moments(self) -> tuple[datetime, datetime]:
        day: date = self.cleaned_data["day"]
        return (
            selectors.at_local(day, self.cleaned_data["starts"]),
            selectors.at_local(day, self.cleaned_data["ends"]),
        )


class AttendanceForm(forms.Form):
    CHOICES = (("yes", _("came")), ("no", _("did not come")), ("", _("not known")))

    def __init__(self, *args: Any, seats: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = seats
        for seat in seats:
            current = {True: "yes", False: "no"}.get(seat.attended, "")
            self.fields[f"seat_{seat.pk}"] = forms.ChoiceField(
                label=seat.name,
                choices=self.CHOICES,
                required=False,
                initial=current,
                widget=forms.RadioSelect,
            )

    def attended(self) -> dict[int, bool | None]:
        value = {"yes": True, "no": False}
        return {
            seat.pk: value.get(self.cleaned_data.get(f"seat_{seat.pk}") or "")
            for seat in self.seats
        }


# Skills ----------------------------------------------------------------------------------------


class SkillForm(forms.Form):
    commune = forms.TypedChoiceField(label=_("Commune or ward"), coerce=int)
    name = forms.CharField(label=_("Name of the person"), max_length=150)
    phone = forms.CharField(
        label=_("Their phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    skill = forms.ChoiceField(label=_("Skill shown"))
    note = forms.CharField(
        label=_("Note"),
        max_length=255,
        required=False,
        help_text=_("What the person did, e.g. “paid the electricity bill alone with QR”."),
    )

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = commune_choices(communes)
        self.fields["skill"].choices = selectors.skill_choices()


class SkillFilterForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
