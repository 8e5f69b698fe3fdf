"""Provinces, communes (official 2025 two-level codes), villages, and dated area status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    code = models.PositiveSmallIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    codename = models.SlugField(max_length=100)
    division_type = models.CharField(_("division type"), max_length=40)
    phone_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu): the unit staff are scoped to."""

    code = models.PositiveIntegerField(_("code"), primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    name = models.CharField(_("name"), max_length=100)
    codename = models.SlugField(max_length=100)
    division_type = models.CharField(_("division type"), max_length=40)
    name_key = models.CharField(max_length=100, db_index=True, editable=False)

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return self.name

    @property
    def code_display(self) -> str:
        return f"{self.code:05d}"


class Village(models.Model):
    """A village, hamlet or residential group below a commune; created locally, no national code."""

    class Kind(models.TextChoices):
        THON = "thon", _("thôn (village)")
        AP = "ap", _("ấp (hamlet)")
        BAN = "ban", _("bản (highland village)")
        TO_DAN_PHO = "to_dan_pho", _("tổ dân phố (residential group)")
        KHOM = "khom", _("khóm (urban hamlet)")
        OTHER = "other", _("other")

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.THON)
    local_code = models.CharField(_("local code"), max_length=20, blank=True)
    name_key = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["commune_id", "name"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name_key"], name="village_unique_name_in_commune"
            ),
            # Local codes are optional, but two villages of one commune never share one.
            models.UniqueConstraint(
                fields=["commune", "local_code"],
                condition=~Q(local_code=""),
                name="village_unique_local_code_in_commune",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaStatus(models.Model):
    """Ethnic-minority and mountainous area classification of a commune or village for a period.

    Benefits and free health insurance depend on where a person lives on a given date, and the
    lists change with each period (Decision 861/QĐ-TTg for 2021-2025, Decision 60/QĐ-BDTTG for
    2026-2030), so each row holds the period and the decision it comes from.
    """

    class Status(models.TextChoices):
        REGION_I = "region_1", _("Region I")
        REGION_II = "region_2", _("Region II")
        REGION_III = "region_3", _("Region III (especially difficult commune)")
        ESPECIALLY_DIFFICULT_VILLAGE = (
            "especially_difficult_village",
            _("Especially difficult village"),
        )
        EM_AREA_VILLAGE = (
            "em_area_village",
            _("Village in the ethnic-minority and mountainous area"),
        )

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="area_statuses"
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="area_statuses"
    )
    status = models.CharField(_("status"), max_length=40, choices=Status.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=120)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("area status")
        verbose_name_plural = _("area statuses")
        constraints = [
            models.CheckConstraint(
                condition=(Q(commune__isnull=False) & Q(village__isnull=True))
                | (Q(commune__isnull=True) & Q(village__isnull=False)),
                name="area_status_exactly_one_place",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="area_status_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["commune", "village", "status", "valid_from"], name="area_status_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village or self.commune}: {self.get_status_display()} ({self.valid_from})"

    def holds_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ImportRun(models.Model):
    """One CSV import (villages or area status): who, when, which file, and what became of it.

    The rejected rows are kept with their line numbers and reasons so that the result page and
    its "rejected rows" download can be opened again later.
    """

    class Kind(models.TextChoices):
        VILLAGES = "villages", _("villages")
        AREA_STATUS = "area_status", _("area status")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    via = models.CharField(_("channel"), max_length=20, default="web")
    dry_run = models.BooleanField(_("check only"), default=False)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    columns = models.JSONField(default=list)
    rejected = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected_count
