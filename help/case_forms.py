"""Forms of the case pages: what a helper types at the counter, and the citizen's question."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from help.case_services import FEEDBACK_CHANNELS, MANUAL_ACTION_KINDS, MAX_ACTION_MINUTES
from help.models import Case, CaseAction, Channel, Corner, Referral, Topic

PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel"}


class CaseOpenForm(forms.Form):
    corner = forms.ModelChoiceField(queryset=Corner.objects.none(), label=_("Corner"))
    channel = forms.ChoiceField(
        label=_("How the person came"), choices=Channel.choices, initial=Channel.WALK_IN
    )
    topic = forms.ChoiceField(label=_("What they need"), choices=Topic.choices)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        help_text=_("Most people are found by their phone number. Leave empty if they have none."),
        widget=forms.TextInput(attrs={**PHONE_ATTRS, "type": "tel"}),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=150,
        help_text=_("Filled in from the registry when the person is found there."),
    )
    personal_id = forms.CharField(
        label=_("ID number (optional)"),
        required=False,
        max_length=20,
        help_text=_("The 12-digit number links the case to the person's record in the registry."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    summary = forms.CharField(
        label=_("What the person needs, in a few words"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, corners: QuerySet[Corner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["corner"].queryset = corners  # type: ignore[attr-defined]
        if len(corners) == 1:
            self.fields["corner"].initial = corners[0].pk


class ConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How did the person agree?"),
        choices=Case.ConsentMethod.choices,
        widget=forms.RadioSelect,
        initial=Case.ConsentMethod.VERBAL,
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What did you do?"),
        choices=[(k.value, k.label) for k in MANUAL_ACTION_KINDS],
        widget=forms.RadioSelect,
        initial=CaseAction.Kind.TAUGHT,
    )
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    minutes = forms.IntegerField(
        label=_("Minutes spent"), min_value=0, max_value=MAX_ACTION_MINUTES, initial=5
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Photo of a document or voice note"),
        help_text=_("JPEG, PNG or WebP photos; Ogg, MP3, M4A, WAV or AMR recordings."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,audio/*"}
        ),
    )
    description = forms.CharField(label=_("What it is"), required=False, max_length=255)


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the person in the registry (ID number, phone or name)"),
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PersonLinkForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    helper = forms.ModelChoiceField(
        queryset=None, label=_("Give the case to"), required=False, empty_label=_("Nobody yet")
    )

    def __init__(self, *args: Any, helpers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper"].queryset = helpers  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Case.Status.OPEN, Case.Status.OPEN.label),
            (Case.Status.WAITING, Case.Status.WAITING.label),
        ]
    )


class ReferralForm(forms.Form):
    agency = forms.CharField(label=_("Agency"), max_length=200)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What came of it"),
        choices=[c for c in Referral.Status.choices if c[0] != Referral.Status.PENDING],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


FEEDBACK_NOW = "now"
FEEDBACK_NONE = "none"


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Case.Outcome.choices, widget=forms.RadioSelect
    )
    minutes = forms.IntegerField(
        label=_("Minutes spent on closing"),
        min_value=0,
        max_value=MAX_ACTION_MINUTES,
        initial=0,
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    feedback = forms.ChoiceField(
        label=_("Ask the person whether it helped"),
        choices=[
            (FEEDBACK_NOW, _("now, on this phone")),
            (Channel.SMS, _("by SMS")),
            (Channel.ZALO, _("by Zalo")),
            (FEEDBACK_NONE, _("do not ask")),
        ],
        widget=forms.RadioSelect,
        initial=FEEDBACK_NOW,
    )

    def feedback_channel(self) -> str:
        choice = self.cleaned_data["feedback"]
        return choice if choice in FEEDBACK_CHANNELS else ""


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Did we help you?"),
        choices=[("yes", _("Yes, it helped")), ("no", _("No, it did not help"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
    channel = forms.ChoiceField(
        label=_("Send it by"),
        choices=[(Channel.SMS, "SMS"), (Channel.ZALO, "Zalo")],
        initial=Channel.SMS,
    )
    close = forms.BooleanField(label=_("Close the case once sent"), required=False, initial=True)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=255)


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone or case number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("not closed")), ("", _("all")), *Case.Status.choices],
    )
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=[("", _("all")), *Topic.choices]
    )
    mine = forms.BooleanField(label=_("Mine and unassigned only"), required=False)


class DashboardForm(forms.Form):
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def default_period() -> dict[str, Any]:
        today = timezone.localdate()
        return {"since": today - timedelta(days=89), "until": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date; swap them."))
        if since and until and (until - since).days > 731:
            raise forms.ValidationError(_("Choose a period of at most two years."))
        return data


class TopicTargetForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    hours = forms.IntegerField(label=_("Target (hours)"), min_value=1, max_value=2000)


# The citizen's side ------------------------------------------------------------------------


class AskForm(forms.Form):
    commune = forms.ModelChoiceField(
        queryset=None,
        label=_("Your commune or ward"),
        help_text=_("The team of your commune answers."),
    )
    name = forms.CharField(label=_("Your name"), max_length=150)
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=20,
        help_text=_("The answer comes back by SMS to this number."),
        widget=forms.TextInput(attrs={**PHONE_ATTRS, "type": "tel"}),
    )
    text = forms.CharField(
        label=_("Your question"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    audio = forms.FileField(
        label=_("Or record your question"),
        required=False,
        help_text=_("On a phone this opens the voice recorder."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*", "capture": "user"}),
    )

    def __init__(self, *args: Any, communes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]


class AskLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={**PHONE_ATTRS, "type": "tel"}),
    )
