"""Forms for logging in, the second factor, security settings, users and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import ApiToken, AuditEntry, Role, User
from places.models import Commune

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def province_communes() -> Any:
    """The communes of this installation's province, for choosing a user's communes."""
    # name_key folds diacritics, so "Xã Đá Bạc" sorts among the D's, not after "Xã Vĩnh".
    return Commune.objects.filter(province_id=settings.PROVINCE_CODE).order_by("name_key")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: to a field the form has, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Phone number or username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        help_text=_("The code your authenticator app shows now. It changes every 30 seconds."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(
                _("Enter the 6 digits your authenticator app shows, e.g. 123456.")
            )
        return code


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, without the autofocus that would scroll the security page to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. “Wi-Fi monitoring server”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the token may do"), widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("Valid until (optional)"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text=_("dd/mm/yyyy. The token stops working at the end of this day."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, allowed_scopes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ApiToken.Scope.choices)
        self.fields["scopes"].choices = [(s, labels[s]) for s in allowed_scopes]  # type: ignore[attr-defined]

    def clean_expires_on(self) -> date | None:
        from django.utils import timezone

        expires_on: date | None = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise ValidationError(_("Choose today or a later day, as dd/mm/yyyy."))
        return expires_on


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name, username or phone number; accents are optional."),
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        required=False,
        queryset=Commune.objects.none(),
        empty_label=_("All communes"),
    )
    active = forms.ChoiceField(
        label=pgettext_lazy("account or token", "Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = province_communes()  # type: ignore[attr-defined]


class _UserFieldsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        required=False,
        queryset=Commune.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Community team members, commune officers and health workers need at least one "
            "commune. Other roles take none."
        ),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        help_text=_("10 digits, e.g. 0912 345 678. The person can log in with it."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=150,
        help_text=_("For employers, training providers and partners."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = province_communes()  # type: ignore[attr-defined]


class UserCreateForm(_UserFieldsForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and . @ + - _ only, e.g. nguyen.lan."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        help_text=_(
            "Staff: at least 12 characters with letters and digits. Citizens: at least 8 "
            "characters. Give it to the person privately and ask them to change it."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "username",
        "full_name",
        "role",
        "communes",
        "phone",
        "organisation",
        "password1",
        "password2",
    ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        return cleaned


class UserEditForm(_UserFieldsForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Untick to deactivate the account. Accounts are never deleted."),
    )
    new_password = forms.CharField(
        label=_("New password (optional)"),
        required=False,
        strip=False,
        help_text=_("Only to reset a forgotten password. Leave empty to keep the current one."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    reset_totp = forms.BooleanField(
        label=_("Remove the second factor"),
        required=False,
        help_text=_("When the person lost their phone. They set it up again at the next login."),
    )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        from lib import phone as phone_lib

        return {
            "full_name": user.full_name,
            "role": user.role,
            "communes": list(user.communes.all()),
            "phone": phone_lib.display(user.phone) if user.phone else "",
            "organisation": user.organisation,
            "is_active": user.is_active,
        }


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Username of the actor"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEntry.Action.choices],
    )
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=60,
        help_text=_("e.g. user, person, api_token"),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    commune_code = forms.IntegerField(
        label=_("Commune code"),
        required=False,
        min_value=1,
        max_value=99999,
        help_text=_("5 digits, e.g. 31825"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text=_("dd/mm/yyyy"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text=_("dd/mm/yyyy"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date. Swap them."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid filters only, as keyword arguments for selectors.audit_entries."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        names = ["actor", "action", "object_type", "commune_code", "date_from", "date_to"]
        return {
            name: data[name]
            for name in names
            if name in data and name not in self.errors and data[name] not in ("", None)
        }
