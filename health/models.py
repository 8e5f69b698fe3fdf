"""Health at home: the electronic health book and remote monitoring.

Health data is sensitive personal data. Only the person, the carers they name and the health
workers of the person's commune may see it, only while the person's consent for health care
(people.Consent, purpose "health") is active, and every read and write is audited.

The book: conditions (ICD-10), medications, allergies, vaccinations, care plans with goals and
scheduled home visits. Monitoring: readings (LOINC codes, UCUM units) from the person, a helper,
a health worker or a device; versioned thresholds with per-person overrides; alerts and the
health workers' tasks they generate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Carer(models.Model):
    """Someone the person names to see their health book (a son, a neighbour)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="carers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cared_for"
    )
    relation = models.CharField(_("relation"), max_length=100)
    named_at = models.DateTimeField(_("named"))
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "user"],
                condition=Q(revoked_at__isnull=True),
                name="health_carer_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.person_id}"


class BookEntry(models.Model):
    """What every entry of the book records: whose it is, who wrote it and when."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True


class Condition(BookEntry):
    class ClinicalStatus(models.TextChoices):
        ACTIVE = "active", _("active")
        REMISSION = "remission", _("in remission")
        RESOLVED = "resolved", _("resolved")

    icd10 = models.CharField(_("ICD-10 code"), max_length=8)
    name = models.CharField(_("condition"), max_length=200)
    clinical_status = models.CharField(
        _("status"), max_length=10, choices=ClinicalStatus.choices, default=ClinicalStatus.ACTIVE
    )
    onset = models.DateField(_("since"), null=True, blank=True)
    abated = models.DateField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["clinical_status", "-onset"]
        verbose_name = _("condition")

    def __str__(self) -> str:
        return f"{self.icd10} {self.name}"


class Medication(BookEntry):
    name = models.CharField(_("medicine"), max_length=200)
    dose = models.CharField(_("dose"), max_length=100)
    frequency = models.CharField(_("how often"), max_length=100)
    started = models.DateField(_("started"), null=True, blank=True)
    stopped = models.DateField(_("stopped"), null=True, blank=True)
    prescriber = models.CharField(_("prescribed by"), max_length=150, blank=True)

    class Meta:
        ordering = ["stopped", "name"]
        verbose_name = _("medication")

    def __str__(self) -> str:
        return f"{self.name} {self.dose}"


class Allergy(BookEntry):
    class Severity(models.TextChoices):
        MILD = "mild", _("mild")
        MODERATE = "moderate", _("moderate")
        SEVERE = "severe", _("severe")

    substance = models.CharField(_("allergic to"), max_length=200)
    reaction = models.CharField(_("reaction"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)

    class Meta:
        ordering = ["substance"]
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")

    def __str__(self) -> str:
        return self.substance


class Vaccination(BookEntry):
    vaccine = models.CharField(_("vaccine"), max_length=200)
    dose_number = models.PositiveSmallIntegerField(_("dose"), null=True, blank=True)
    given_on = models.DateField(_("given on"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    lot = models.CharField(_("lot number"), max_length=50, blank=True)

    class Meta:
        ordering = ["-given_on"]
        verbose_name = _("vaccination")

    def __str__(self) -> str:
        return f"{self.vaccine} {self.given_on}"


class CarePlan(BookEntry):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    # Home visits are scheduled every this many days while the plan is active.
    visit_every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), null=True, blank=True
    )

    class Meta:
        ordering = ["status", "-starts_on"]
        verbose_name = _("care plan")

    def __str__(self) -> str:
        return self.title


class CareGoal(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        ACHIEVED = "achieved", _("achieved")
        NOT_ACHIEVED = "not_achieved", _("not achieved")

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(_("goal"), max_length=300)
    due_on = models.DateField(_("by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )

    def __str__(self) -> str:
        return self.description


class HomeVisit(models.Model):
    """A scheduled or done visit by a health worker (a FHIR Encounter)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        DONE = "done", _("done")
        MISSED = "missed", _("missed")
        CANCELLED = "cancelled", _("cancelled")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        CarePlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("visited"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    advice = models.TextField(_("advice given"), blank=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("home visit")
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            # A plan has one visit a day: two scheduling runs at once cannot both add it.
            models.UniqueConstraint(
                fields=["plan", "due_on"],
                condition=Q(plan__isnull=False),
                name="home_visit_one_per_plan_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.due_on} {self.status}"


class Device(models.Model):
    """A device that sends readings with its own token: a person's blood-pressure monitor, or a
    gateway (person empty) that sends readings for the people of its communes."""

    label = models.CharField(_("name"), max_length=150)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.label


class Reading(models.Model):
    class Kind(models.TextChoices):
        BLOOD_PRESSURE = "bp", _("blood pressure")
        HEART_RATE = "hr", _("heart rate")
        GLUCOSE = "glucose", _("blood glucose")
        SPO2 = "spo2", _("oxygen saturation (SpO2)")
        WEIGHT = "weight", _("weight")
        TEMPERATURE = "temp", _("temperature")

    class Context(models.TextChoices):
        """For glucose: when it was measured."""

        NONE = "", "—"
        FASTING = "fasting", _("fasting")
        RANDOM = "random", _("random")

    class Source(models.TextChoices):
        SELF = "self", _("the person at home")
        HELPER = "helper", _("a helper")
        HEALTH_WORKER = "worker", _("a health worker")
        DEVICE = "device", _("a device")

    # The index on (person, kind, measured_at) serves every lookup by person, so the foreign
    # key has no index of its own: each index costs every one of thousands of rows a second.
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(_("measurement"), max_length=8, choices=Kind.choices)
    # Stored in the canonical UCUM unit of the kind (mm[Hg], /min, mmol/L, %, kg, Cel);
    # blood pressure keeps systolic in value and diastolic in value2.
    value = models.DecimalField(_("value"), max_digits=7, decimal_places=2)
    value2 = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    context = models.CharField(max_length=8, choices=Context.choices, blank=True, default="")
    measured_at = models.DateTimeField(_("measured"))
    received_at = models.DateTimeField(_("received"))
    source = models.CharField(_("source"), max_length=6, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Without a database constraint: the check ran once per row, all on the same device, and
    # cost a tenth of the database's work on a batch. Ingestion checks (and locks) the device
    # once per batch instead; devices are revoked, never deleted, and the ORM empties the link
    # if one ever is.
    device = models.ForeignKey(
        Device,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="readings",
        db_constraint=False,
    )
    # The sender's own id for the reading: sending it again changes nothing.
    client_id = models.CharField(max_length=64, blank=True)
    # Possible but doubtful values are kept and flagged, with the reason.
    flag = models.CharField(_("flag"), max_length=200, blank=True)

    class Meta:
        ordering = ["-measured_at"]
        indexes = [models.Index(fields=["person", "kind", "-measured_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client_id"], condition=~Q(client_id=""), name="health_reading_client_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.value}"


class RejectedReading(models.Model):
    """A reading refused at the door, kept with its reason so nothing sent is lost."""

    payload = models.JSONField()
    reason = models.CharField(max_length=300)
    reason_en = models.CharField(max_length=300)
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.reason_en


class ThresholdSet(models.Model):
    """A version of the threshold configuration; the newest active one applies."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The rules, as loaded from the YAML file (each names its clinical source).
    rules = models.JSONField()
    digest = models.CharField(max_length=64)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class ThresholdOverride(models.Model):
    """A clinician's threshold for one person, replacing the default for one rule."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("rule"), max_length=60)
    low = models.DecimalField(_("low"), max_digits=7, decimal_places=2, null=True, blank=True)
    high = models.DecimalField(_("high"), max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "rule"],
                condition=Q(ended_at__isnull=True),
                name="health_override_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.rule}"


class Alert(models.Model):
    class Severity(models.IntegerChoices):
        CRITICAL = 1, _("critical")
        HIGH = 2, _("high")
        MEDIUM = 3, _("medium")
        LOW = 4, _("low")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "ack", _("acknowledged")
        SNOOZED = "snoozed", _("snoozed")
        RESOLVED = "resolved", _("resolved")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=60)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    message = models.CharField(_("message"), max_length=300)
    reading = models.ForeignKey(
        Reading, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    threshold_version = models.PositiveIntegerField(null=True, blank=True)
    # One open alert per person and rule: a new reading updates it instead of adding another.
    dedupe_key = models.CharField(max_length=120)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    occurrences = models.PositiveIntegerField(default=1)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        ordering = ["severity", "-last_at"]
        indexes = [models.Index(fields=["commune", "status", "severity"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(status="resolved"),
                name="health_alert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.person_id} ({self.status})"


class CareTask(models.Model):
    """Work for a health worker: a follow-up call or a home visit, from an alert or a plan."""

    class Kind(models.TextChoices):
        CALL = "call", _("follow-up call")
        VISIT = "visit", _("home visit")
        RECHECK = "recheck", _("repeat the reading")

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("task"), max_length=8, choices=Kind.choices)
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    reason = models.CharField(_("reason"), max_length=300)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Alert.Severity.choices)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What generated the task (e.g. "alert:123:call" or "sweep:no_reading:<person>:<week>"):
    # generating again finds the task instead of adding a second one.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        ordering = ["priority", "due_at"]
        indexes = [models.Index(fields=["commune", "status", "priority", "due_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} ({self.status})"
