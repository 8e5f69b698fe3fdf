"""The registry: persons, households, dated social facts, consent, and the history of changes.

Rows change only through people.services. Every change leaves a HistoryEntry (who, when, why,
what, from which source); social facts are dated (valid_from / valid_to) and are closed rather
than overwritten, so that a decision can be explained for any past day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Household(models.Model):
    # Unique through a named constraint: see Person.personal_id.
    code = models.CharField(_("household code"), max_length=40)
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="households"
    )
    village = models.ForeignKey(
        "places.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The import or sync that created the household: its first history entry (see Person).
    created_by_run = models.ForeignKey(
        "ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["code"], name="household_code_unique")]

    def __str__(self) -> str:
        return self.code


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        """Records that have not been merged into another one."""
        return self.filter(merged_into__isnull=True)

    def living(self) -> PersonQuerySet:
        return self.filter(merged_into__isnull=True, date_of_death__isnull=True)


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

    # Unique through a named constraint rather than unique=True, and the phone indexed through
    # Meta.indexes rather than db_index=True: on PostgreSQL those field options add a second
    # (pattern-matching) index that no query here uses and that every imported row pays for.
    personal_id = models.CharField(_("personal ID number"), max_length=12, null=True, blank=True)
    legacy_id = models.CharField(_("old ID card number"), max_length=9, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # Indexed through (name_key, date_of_birth) and (commune, name_key) below.
    name_key = models.CharField(max_length=150, editable=False)
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
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    # Indexed through (commune, name_key, date_of_birth) below.
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="people", db_index=False
    )
    # The links below are checked by the application (services, and Django's on_delete
    # handling) rather than by database constraints: at a million imported rows the database's
    # per-row checks of these mostly repeated or empty references cost more than the inserts.
    # The commune keeps its constraint: every person belongs to an official commune.
    village = models.ForeignKey(
        "places.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        db_constraint=False,
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        db_constraint=False,
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
        db_constraint=False,
    )
    # Set when this record was found to be a duplicate and merged; the kept record is the target.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("merged into"),
        db_index=False,
        db_constraint=False,
    )
    # Digest of the last imported source record: an unchanged row is recognised without parsing.
    source_hash = models.CharField(max_length=32, blank=True, default="", db_default="")
    # A person created by an import or sync records it here rather than in a history entry of
    # its own (a million imported people would otherwise mean a million identical entries);
    # selectors.history_of shows it as the first entry of the person's history.
    created_by_run = models.ForeignKey(
        "ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_line = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # Every index costs each imported row, so they are few and, where most rows would
        # hold nothing, partial.
        constraints = [
            models.UniqueConstraint(fields=["personal_id"], name="person_personal_id_unique"),
        ]
        indexes = [
            models.Index(fields=["phone"], name="person_phone_idx"),
            models.Index(
                fields=["commune", "name_key", "date_of_birth"], name="person_commune_name_idx"
            ),
            models.Index(
                fields=["legacy_id"], condition=~Q(legacy_id=""), name="person_legacy_id_idx"
            ),
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="person_merged_into_idx",
            ),
        ]

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


class SocialFact(models.Model):
    """One dated fact about a person that benefits depend on, other than disability.

    The kind names are the column names of the population extract, so that one name is used
    everywhere: the monthly pension or social-insurance amount (whole đồng), HIV status
    (sensitive health data), a child without a source of care, studying (ages 16-22), and
    whether an elderly person has someone obliged and able to support them. A person raised and
    cared for by a foster carer is recorded by the commune ("in_foster_care", with the carer):
    without such a fact a person is not in foster care.
    """

    class Kind(models.TextChoices):
        MONTHLY_PENSION = "monthly_pension_vnd", _("monthly pension or social-insurance benefit")
        HIV = "has_hiv", _("living with HIV")
        CHILD_WITHOUT_CARE = "child_without_care", _("child without a source of care")
        STUDYING = "is_studying", _("studying (ages 16-22)")
        HAS_SUPPORTER = "has_supporter", _("has someone to support them")
        PREGNANT = "is_pregnant", _("pregnant")
        TAKEN_IN = "taken_in_by_community", _("taken in by someone in the community")
        FOSTERED = "in_foster_care", _("raised and cared for by a foster carer")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="facts")
    # The foster carer of an "in_foster_care" fact (cá nhân nhận nuôi dưỡng, chăm sóc, Decree
    # 20/2021 Art. 20(2)): the person paid the care support. Checked by the application, like
    # the registry's other references; a carer with such facts cannot be deleted.
    carer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("foster carer"),
    )
    kind = models.CharField(_("fact"), max_length=24, choices=Kind.choices)
    value = models.BooleanField(_("value"), null=True, blank=True)
    amount_vnd = models.BigIntegerField(_("amount (đồng)"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("social fact")
        verbose_name_plural = _("social facts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="social_fact_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(valid_to__isnull=True),
                name="social_fact_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(carer__isnull=True) | (Q(kind="in_foster_care") & Q(value=True)),
                name="social_fact_carer_only_when_fostered",
            ),
            models.CheckConstraint(
                condition=Q(amount_vnd__isnull=True) | Q(amount_vnd__gte=0),
                name="social_fact_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display_value}"

    @property
    def display_value(self) -> str:
        if self.kind == self.Kind.MONTHLY_PENSION:
            from lib.money import format_vnd

            return format_vnd(self.amount_vnd)
        if self.kind == self.Kind.FOSTERED and self.value and self.carer_id:
            return f"{_('yes')}: {self.carer.full_name}"
        return str(_("yes") if self.value else _("no"))


class ImportRun(models.Model):
    """One population import (a file) or one sync request, with its counts."""

    class Source(models.TextChoices):
        IMPORT = "import", _("file import")
        SYNC = "sync", _("population-database sync")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        REFUSED = "refused", _("refused")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    moved = models.PositiveIntegerField(_("moved"), default=0)
    died = models.PositiveIntegerField(_("deaths"), default=0)
    household_changed = models.PositiveIntegerField(_("household changes"), default=0)
    rejects_path = models.CharField(_("rejected rows file"), max_length=500, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.started_at:%Y-%m-%d %H:%M} {self.file_name}"


class HistoryEntry(models.Model):
    """One change to a person or household: who, when, why, what changed, from where.

    `changes` maps a field name to [old, new] in plain JSON values (dates as ISO strings,
    related rows by their code or name). Rows are only ever inserted.
    """

    class Source(models.TextChoices):
        UI = "ui", _("staff screen")
        IMPORT = "import", _("file import")
        SYNC = "sync", _("population-database sync")
        MERGE = "merge", _("merge of duplicates")

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("details changed")
        MOVED = "moved", _("moved")
        DIED = "died", _("death recorded")
        HOUSEHOLD = "household", _("household changed")
        FACTS = "facts", _("social facts changed")
        CONSENT = "consent", _("consent changed")
        MERGED = "merged", _("merged")
        MERGE_UNDONE = "merge_undone", _("merge undone")
        ACCOUNT = "account", _("account linked or unlinked")

    # An import writes one entry per person, so each entry must be cheap to insert: only the
    # two partial composite indexes below (which also serve the foreign keys), and no
    # database-level foreign-key constraints, whose per-row checks cost more than the insert
    # itself. Entries are only ever inserted, by services, with ids of rows they just wrote.
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="history",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="history",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        indexes = [
            models.Index(
                fields=["person", "at"],
                condition=Q(person__isnull=False),
                name="history_person_at_idx",
            ),
            models.Index(
                fields=["household", "at"],
                condition=Q(household__isnull=False),
                name="history_household_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class Consent(models.Model):
    """A person's consent to one purpose: how it was given, who recorded it, and its withdrawal."""

    class Purpose(models.TextChoices):
        BENEFITS = "benefits", _("social support and benefits")
        HEALTH = "health", _("health care")
        JOBS = "jobs", _("jobs and training")
        DEVICES = "devices", _("devices")
        PARTNERS = "partners", _("sharing with partners")

    class Method(models.TextChoices):
        PAPER = "paper", _("signed paper form")
        VERBAL = "verbal", _("spoken, at a digital corner or a visit")
        ONLINE = "online", _("online, by the person")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    method = models.CharField(_("how it was given"), max_length=10, choices=Method.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_method = models.CharField(
        _("how it was withdrawn"), max_length=10, choices=Method.choices, blank=True
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=255, blank=True)

    class Meta:
        ordering = ["purpose", "-recorded_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class PersonMerge(models.Model):
    """Two records of one person merged into one; `snapshot` holds what is needed to undo it."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    performed_at = models.DateTimeField(_("merged at"))
    reason = models.CharField(_("reason"), max_length=255)
    snapshot = models.JSONField(default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undo_reason = models.CharField(_("reason for undoing"), max_length=255, blank=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"


class DuplicateDismissal(models.Model):
    """Two records an officer checked and found to be different people (lower id first)."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissal_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicate_dismissal_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class AccountLinkRequest(models.Model):
    """A citizen's "this is me": their account asks to be linked to a person of the registry.

    Every attempt is kept, matched or not, so that attempts can be throttled and nobody can
    probe ID numbers. A match whose phone equals the account's phone is linked at once;
    another match waits for an officer of the person's commune. The typed ID number is not
    stored: only the person it matched.
    """

    class Status(models.TextChoices):
        NO_MATCH = "no_match", _("no matching record")
        REFUSED = "refused", _("refused")
        LINKED = "linked", _("linked at once")
        PENDING = "pending", _("waiting for the commune")
        CONFIRMED = "confirmed", _("confirmed by the commune")
        REJECTED = "rejected", _("rejected by the commune")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_requests"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="link_requests"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("asked"), db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("account link request")
        verbose_name_plural = _("account link requests")
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status="pending"),
                name="link_request_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.person_id} ({self.status})"
