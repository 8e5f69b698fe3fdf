"""Forms of the registry screens. They turn typed text into values; services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import personal_id as pid_lib
from lib import phone as phone_lib
from lib.vn_text import name_key, nfc
from people.extract import Problem, parse_date, resolve_ethnicity
from people.models import Consent, Disability, Household, Person, PovertyStatus, SocialFact
from places.models import Commune, Village

PAGE_SIZE = 25
REASON_HELP = _("Required. For example: “checked the ID card at the commune office”.")


def _reason_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason for the change"),
        max_length=255,
        help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _commune_choices(communes: QuerySet[Commune]) -> list[tuple[str, str]]:
    return [(str(c.code), f"{c.name} ({c.code_display})") for c in communes]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("ID number, phone or name"),
        required=False,
        max_length=100,
        help_text=_("You can type a name without diacritics, e.g. “nguyen thi lan”."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    commune = forms.TypedChoiceField(
        label=_("Commune"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("All my communes")), *_commune_choices(communes)]


class ReasonForm(forms.Form):
    reason = _reason_field(_("Why do you need it?"))


class PersonForm(forms.Form):
    """A person's details as officers type them; clean() returns model field values."""

    # ID numbers are never written into the page: typing one corrects it, empty keeps it.
    personal_id = forms.CharField(
        label=_("Correct the personal ID number (12 digits)"),
        required=False,
        help_text=_("Leave empty to keep the number on record."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    legacy_id = forms.CharField(
        label=_("Correct the old ID card number (9 digits)"),
        required=False,
        help_text=_("Leave empty to keep the number on record."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    date_of_birth = forms.CharField(
        label=_("Date of birth"),
        help_text=_("dd/mm/yyyy; or mm/yyyy, or the year alone, when that is all that is known."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Person._meta.get_field("sex").choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=40)
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    village = forms.CharField(
        label=_("Village"),
        required=False,
        max_length=100,
        help_text=_("The name of a village of the commune, as on the Villages page."),
    )
    household = forms.CharField(label=_("Household code"), required=False, max_length=40)
    relation_to_head = forms.ChoiceField(
        label=_("Relation to the head of household"),
        required=False,
        choices=[("", "—"), *Person.Relation.choices],
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"),
        required=False,
        choices=[("", "—"), *Person.MaritalStatus.choices],
    )
    date_of_death = forms.DateField(
        label=_("Date of death"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd/mm/yyyy"),
    )
    reason = _reason_field()

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = _commune_choices(communes)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        dob = person.date_of_birth
        if dob is None:
            born = ""
        elif person.birth_precision == "year":
            born = f"{dob.year}"
        elif person.birth_precision == "month":
            born = f"{dob.month:02d}/{dob.year}"
        else:
            born = dob.strftime("%d/%m/%Y")
        return {
            "full_name": person.full_name,
            "date_of_birth": born,
            "sex": person.sex,
            "ethnicity": person.ethnicity,
            "phone": phone_lib.display(person.phone) if person.phone else "",
            "commune": person.commune_id,
            "village": person.village.name if person.village else "",
            "household": person.household.code if person.household else "",
            "relation_to_head": person.relation_to_head,
            "marital_status": person.marital_status,
            "date_of_death": person.date_of_death.strftime("%d/%m/%Y")
            if person.date_of_death
            else "",
        }

    def clean_personal_id(self) -> str | None:
        number = pid_lib.clean(self.cleaned_data["personal_id"])
        if not number:
            return None
        try:
            pid_lib.parse(number)
        except pid_lib.PersonalIdError as exc:
            raise forms.ValidationError(_bilingual(exc.message_vi, exc.message_en)) from exc
        return number

    def clean_legacy_id(self) -> str:
        number = pid_lib.clean(self.cleaned_data["legacy_id"])
        if number and not pid_lib.is_legacy_id(number):
            raise forms.ValidationError(_("An old ID card number has exactly 9 digits."))
        return number

    def clean_full_name(self) -> str:
        return nfc(self.cleaned_data["full_name"])

    def clean_date_of_birth(self) -> tuple[date, str]:
        try:
            return parse_date(self.cleaned_data["date_of_birth"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("Write the date as dd/mm/yyyy, mm/yyyy or yyyy, e.g. 14/03/1988.")
            ) from exc

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            return phone_lib.normalise(raw)
        except phone_lib.PhoneError as exc:
            raise forms.ValidationError(
                _("This is not a valid phone number; enter 10 digits, e.g. 0912 345 678.")
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ethnicity = nfc(data.get("ethnicity") or "")
        if ethnicity:
            resolved = resolve_ethnicity(ethnicity, "", "2008")
            if isinstance(resolved, Problem):
                self.add_error("ethnicity", _bilingual(resolved.message_vi, resolved.message_en))
            else:
                data["ethnicity_resolved"] = resolved
        commune = data.get("commune")
        village_name = nfc(data.get("village") or "")
        if commune and village_name:
            village = Village.objects.filter(
                commune_id=commune, name_key=name_key(village_name)
            ).first()
            if village is None:
                self.add_error(
                    "village",
                    _(
                        "This commune has no village of that name. Add the village first, or check the spelling."
                    ),
                )
            data["village_obj"] = village
        code = (data.get("household") or "").strip()
        if code:
            household = Household.objects.filter(code=code).first()
            if household is None:
                self.add_error("household", _("There is no household with this code."))
            elif not data.get("relation_to_head"):
                self.add_error(
                    "relation_to_head", _("Choose the relation to the head of household.")
                )
            data["household_obj"] = household
        return data

    def values(self) -> dict[str, Any]:
        """The model field values the form asks for."""
        data = self.cleaned_data
        born, precision = data["date_of_birth"]
        ethnicity, code = data.get("ethnicity_resolved", ("", ""))
        household = data.get("household_obj")
        village = data.get("village_obj")
        values = {
            "full_name": data["full_name"],
            "date_of_birth": born,
            "birth_precision": precision,
            "sex": data["sex"],
            "ethnicity": ethnicity,
            "ethnicity_code": code,
            "ethnicity_code_list": "2008",
            "phone": data["phone"],
            "commune_id": data["commune"],
            "village_id": village.pk if village else None,
            "household_id": household.pk if household else None,
            "relation_to_head": data["relation_to_head"] if household else "",
            "marital_status": data["marital_status"],
            "date_of_death": data["date_of_death"],
        }
        if data["personal_id"]:
            values["personal_id"] = data["personal_id"]
        if data["legacy_id"]:
            values["legacy_id"] = data["legacy_id"]
        return values


def _bilingual(vi: str, en: str) -> str:
    from django.utils.translation import get_language

    return vi if get_language() == "vi" else en


TRISTATE = [("", _("not known")), ("yes", _("yes")), ("no", _("no"))]


BOOLEAN_KINDS = (
    "has_hiv",
    "child_without_care",
    "is_studying",
    "has_supporter",
    "is_pregnant",
    "taken_in_by_community",
)


class FactsForm(forms.Form):
    monthly_pension_vnd = forms.IntegerField(
        label=_("Monthly pension or social-insurance benefit (đồng)"),
        required=False,
        min_value=0,
        max_value=1_000_000_000,
        help_text=_("Whole đồng, e.g. 1500000. Write 0 when the person receives none."),
    )
    has_hiv = forms.ChoiceField(label=SocialFact.Kind.HIV.label, choices=TRISTATE, required=False)
    child_without_care = forms.ChoiceField(
        label=SocialFact.Kind.CHILD_WITHOUT_CARE.label, choices=TRISTATE, required=False
    )
    is_studying = forms.ChoiceField(
        label=SocialFact.Kind.STUDYING.label, choices=TRISTATE, required=False
    )
    has_supporter = forms.ChoiceField(
        label=SocialFact.Kind.HAS_SUPPORTER.label, choices=TRISTATE, required=False
    )
    is_pregnant = forms.ChoiceField(
        label=SocialFact.Kind.PREGNANT.label, choices=TRISTATE, required=False
    )
    taken_in_by_community = forms.ChoiceField(
        label=SocialFact.Kind.TAKEN_IN.label,
        choices=TRISTATE,
        required=False,
        help_text=_(
            "Someone in the community cares for a person who could live in a social-protection "
            "facility (Decree 20/2021/NĐ-CP, Art. 5(5)(d))."
        ),
    )
    in_foster_care = forms.ChoiceField(
        label=SocialFact.Kind.FOSTERED.label,
        choices=TRISTATE,
        required=False,
        help_text=_(
            "A foster carer raises and cares for an orphan child, a person with an especially "
            "severe disability or an elderly person taken in (Decree 20/2021/NĐ-CP, Art. 20(2)); "
            "the carer receives the care support."
        ),
    )
    foster_carer_id = forms.RegexField(
        label=_("Foster carer's personal ID number"),
        regex=r"^\d{12}$",
        required=False,
        help_text=_("12 digits. The carer must be recorded in the registry."),
        error_messages={"invalid": _("A personal ID number has 12 digits, e.g. 096123456789.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = _reason_field()

    def __init__(self, *args: Any, sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:
            del self.fields["has_hiv"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("in_foster_care") == "yes" and not data.get("foster_carer_id"):
            self.add_error(
                "foster_carer_id",
                _("Enter the foster carer's personal ID number, or answer “no” or “not known”."),
            )
        return data

    @staticmethod
    def initial_for(facts: dict[str, SocialFact]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for kind, fact in facts.items():
            if kind == SocialFact.Kind.MONTHLY_PENSION:
                initial[kind] = fact.amount_vnd
            elif kind == SocialFact.Kind.FOSTERED and fact.value and fact.carer_id:
                initial[kind] = "yes"
                initial["foster_carer_id"] = fact.carer.personal_id or ""
            elif fact.value is not None:
                initial[kind] = "yes" if fact.value else "no"
        return initial

    def values(self) -> dict[str, bool | int | str | None]:
        """The facts for people.services.social_facts_update: "in_foster_care" carries the
        carer's personal ID number when the answer is yes."""
        data = self.cleaned_data
        values: dict[str, bool | int | str | None] = {
            SocialFact.Kind.MONTHLY_PENSION: data["monthly_pension_vnd"]
        }
        for kind in BOOLEAN_KINDS:
            if kind in self.fields:
                values[kind] = {"yes": True, "no": False}.get(data[kind])
        fostered = data.get("in_foster_care")
        values[SocialFact.Kind.FOSTERED] = (
            data.get("foster_carer_id") if fostered == "yes" else {"no": False}.get(fostered)
        )
        return values


class DisabilityForm(forms.Form):
    disability_type = forms.ChoiceField(
        label=_("Type of disability"), choices=Disability.Type.choices
    )
    level = forms.ChoiceField(label=_("Level"), choices=Disability.Level.choices)
    certified_on = forms.DateField(
        label=_("Date of the disability certificate"),
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd/mm/yyyy"),
    )
    reason = _reason_field()


class PovertyForm(forms.Form):
    status = forms.ChoiceField(label=_("Classification"), choices=PovertyStatus.Status.choices)
    period = forms.RegexField(
        label=_("Poverty standard period"),
        regex=r"^\d{4}-\d{4}$",
        initial="2022-2025",
        help_text=_("For example 2022-2025."),
    )
    review_year = forms.IntegerField(label=_("Review year"), min_value=2000)
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["review_year"].initial = timezone.localdate().year


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    method = forms.ChoiceField(
        label=_("How the person gave consent"), choices=Consent.Method.choices
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=255,
        help_text=_("For example the number of the signed form."),
    )


class CitizenConsentForm(forms.Form):
    """A citizen's own consent, given online."""

    purpose = forms.ChoiceField(
        label=_("I agree that staff and digital corners act for me for"),
        choices=Consent.Purpose.choices,
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=255)


class WithdrawForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How the person withdrew consent"), choices=Consent.Method.choices
    )
    reason = forms.CharField(
        label=_("Reason (if the person gave one)"), required=False, max_length=255
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("File format"), choices=[("csv", "CSV"), ("jsonl", "JSON Lines")]
    )
    commune = forms.TypedChoiceField(
        label=_("Commune"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, communes: QuerySet[Commune], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [
            ("", _("The whole province")),
            *_commune_choices(communes),
        ]


# A new person ---------------------------------------------------------------------------------

HOUSEHOLD_CHOICES = [
    ("none", _("No household for now")),
    ("existing", _("An existing household")),
    ("new", _("A new household, with this person as its head")),
]


def _ethnicity_choices() -> list[tuple[str, str]]:
    from lib import ethnicity as ethnicity_lib

    return [("", "—")] + [(g.code_2008, f"{g.name} ({g.code_2008})") for g in ethnicity_lib.ALL]


class PersonCreateForm(forms.Form):
    """A person who is in no extract yet; the service checks the rules and duplicates."""

    personal_id = forms.CharField(
        label=_("Personal ID number (12 digits)"),
        required=False,
        help_text=_("Leave empty if the person has none yet, e.g. a newborn."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    date_of_birth = forms.CharField(
        label=_("Date of birth"),
        help_text=_("dd/mm/yyyy; or mm/yyyy, or the year alone, when that is all that is known."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Person._meta.get_field("sex").choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=())
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    commune = forms.TypedChoiceField(label=_("Commune"), coerce=int)
    village = forms.TypedChoiceField(
        label=_("Village"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A village of the chosen commune."),
    )
    household_choice = forms.ChoiceField(
        label=_("Household"),
        choices=HOUSEHOLD_CHOICES,
        initial="none",
        widget=forms.RadioSelect,
    )
    household = forms.CharField(
        label=_("Code of the existing household"), required=False, max_length=40
    )
    relation_to_head = forms.ChoiceField(
        label=_("Relation to the head of household"),
        required=False,
        choices=[("", "—"), *Person.Relation.choices],
        help_text=_("For a member of an existing household."),
    )
    new_household_code = forms.CharField(
        label=_("Code of the new household"),
        required=False,
        max_length=40,
        help_text=_("Leave empty and a code is made from the commune code and today's date."),
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"),
        required=False,
        choices=[("", "—"), *Person.MaritalStatus.choices],
    )
    reason = _reason_field(_("Why is this person added?"))
    confirm_different = forms.BooleanField(
        label=_("I checked the records listed above: this is a different person."),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        communes: QuerySet[Commune],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("For example: “newborn, birth certificate 123/2026”.")
        self.fields["ethnicity"].choices = _ethnicity_choices()
        self.fields["commune"].choices = _commune_choices(communes)
        groups: dict[str, list[tuple[int, str]]] = {}
        names = {c.code: c.name for c in communes}
        for village in Village.objects.filter(commune__in=list(names)).order_by(
            "commune_id", "name"
        ):
            groups.setdefault(names[village.commune_id], []).append((village.pk, village.name))
        self.fields["village"].choices = [("", "—"), *groups.items()]

    def clean_personal_id(self) -> str | None:
        number = pid_lib.clean(self.cleaned_data["personal_id"])
        if not number:
            return None
        try:
            pid_lib.parse(number)
        except pid_lib.PersonalIdError as exc:
            raise forms.ValidationError(_bilingual(exc.message_vi, exc.message_en)) from exc
        return number

    clean_full_name = PersonForm.clean_full_name
    clean_date_of_birth = PersonForm.clean_date_of_birth
    clean_phone = PersonForm.clean_phone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        choice = data.get("household_choice")
        code = (data.get("household") or "").strip()
        if choice == "existing":
            if not code:
                self.add_error("household", _("Write the code of the household."))
            else:
                household = Household.objects.filter(code=code).first()
                if household is None:
                    self.add_error("household", _("There is no household with this code."))
                data["household_obj"] = household
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of services.person_create."""
        data = self.cleaned_data
        born, precision = data["date_of_birth"]
        household = data.get("household_obj")
        choice = data["household_choice"]
        return {
            "personal_id": data["personal_id"],
            "full_name": data["full_name"],
            "date_of_birth": born,
            "birth_precision": precision,
            "sex": data["sex"],
            "ethnicity_code": data["ethnicity"],
            "phone": data["phone"],
            "commune_id": data["commune"],
            "village_id": data["village"],
            "household_id": household.pk if household and choice == "existing" else None,
            "new_household": choice == "new",
            "new_household_code": data["new_household_code"] if choice == "new" else "",
            "relation_to_head": data["relation_to_head"] if choice == "existing" else "",
            "marital_status": data["marital_status"],
            "reason": data["reason"],
            "confirmed_different": data["confirm_different"],
        }


# Accounts ---------------------------------------------------------------------------------------


class AccountLinkForm(forms.Form):
    """An officer links a citizen's account, found by the phone number it logs in with."""

    phone = forms.CharField(
        label=_("Phone number of the citizen's account"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    reason = _reason_field(_("How did you check that the account is theirs?"))

    clean_phone = PersonForm.clean_phone


class ThisIsMeForm(forms.Form):
    """A citizen finds their own record with their ID number and date of birth."""

    personal_id = forms.CharField(
        label=_("Your personal ID number (12 digits)"),
        max_length=20,
        help_text=_("The number on your citizen identity card."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd/mm/yyyy, e.g. 14/03/1988"),
    )

    def clean_personal_id(self) -> str:
        number = pid_lib.clean(self.cleaned_data["personal_id"])
        if len(number) != 12 or not number.isdigit():
            raise forms.ValidationError(
                _("Write the 12 digits of your personal ID number, e.g. 096188012345.")
            )
        return number


class LinkDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=255,
        help_text=_("Required to reject: say why; the citizen sees it."),
    )
