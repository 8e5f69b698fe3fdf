"""The registry: persons, households, and dated social facts about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Household(models.Model):
    code = models.CharField(_("household code"), max_length=40, unique=True)
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="households"
    )
    village = models.ForeignKey(
        "places.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.code


class Person(models.Model):
    class BirthPrecision(models.TextChoices):
        DAY = "day", _("full date")
        MONTH = "month", _("month and year")
        YEAR = "year", _("year only")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        OTHER_RELATIVE = "relative", _("other relative")
        OTHER = "other", _("other")

    class MaritalStatus(models.TextChoices):
        SINGLE = "single", _("single")
        MARRIED = "married", _("married")
        DIVORCED = "divorced", _("divorced")
        WIDOWED = "widowed", _("widowed")
        SEPARATED = "separated", _("separated")

    class EthnicCodeList(models.TextChoices):
        GSO_1979 = "1979", _("Decision 121-TCTK/PPCĐ (1979)")
        GSO_2008 = "2008", _("Decision 1019/QĐ-TCTK (2008)")

    personal_id = models.CharField(
        _("personal ID number"), max_length=12, unique=True, null=True, blank=True
    )
    legacy_id = models.CharField(_("old ID card number"), max_length=9, blank=True, db_index=True)
    full_name = models.CharField(_("full name"), max_length=150)
    name_key = models.CharField(max_length=150, db_index=True, editable=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birth_precision = models.CharField(
        max_length=5, choices=BirthPrecision.choices, default=BirthPrecision.DAY
    )
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, blank=True)
    ethnicity_code = models.CharField(_("ethnicity code"), max_length=2, blank=True)
    ethnicity_code_list = models.CharField(
        max_length=4, choices=EthnicCodeList.choices, default=EthnicCodeList.GSO_2008
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True, db_index=True)
    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="people")
    village = models.ForeignKey(
        "places.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    relation_to_head = models.CharField(
        _("relation to head"), max_length=12, choices=Relation.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True
    )
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["commune", "name_key"])]

    def __str__(self) -> str:
        return self.full_name

    def age_on(self, day) -> int | None:  # type: ignore[no-untyped-def]
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Disability(models.Model):
    """A certified disability (Law 51/2010/QH12: six types, three levels)."""

    class Type(models.TextChoices):
        MOBILITY = "mobility", _("mobility")
        HEARING_SPEECH = "hearing_speech", _("hearing and speech")
        VISUAL = "visual", _("visual")
        MENTAL = "mental", _("mental (psychosocial)")
        INTELLECTUAL = "intellectual", _("intellectual")
        OTHER = "other", _("other")

    class Level(models.TextChoices):
        MILD = "mild", _("mild")
        SEVERE = "severe", _("severe")
        ESPECIALLY_SEVERE = "especially_severe", _("especially severe")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disabilities")
    disability_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disability")
        verbose_name_plural = _("disabilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="disability_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_disability_type_display()} ({self.get_level_display()})"


class PovertyStatus(models.Model):
    """A household's poverty classification under one standard period (e.g. 2022-2025)."""

    class Status(models.TextChoices):
        POOR = "poor", _("poor")
        NEAR_POOR = "near_poor", _("near-poor")
        NEITHER = "neither", _("neither poor nor near-poor")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="poverty")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    period = models.CharField(_("standard period"), max_length=9)
    review_year = models.PositiveSmallIntegerField(_("review year"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("poverty status")
        verbose_name_plural = _("poverty statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "review_year"], name="poverty_one_per_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.review_year}"
