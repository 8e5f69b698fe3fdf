"""Users, roles, commune scope, API tokens, second factors, and the audit log."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    HELPER = "helper", _("Community digital-technology team member")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    HEALTH_WORKER = "health_worker", _("Health worker")
    EMPLOYER = "employer", _("Employer or training provider")
    PARTNER = "partner", _("Partner (telecom operator, donor)")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")


# Roles that work inside communes and must be scoped to at least one.
COMMUNE_SCOPED_ROLES = frozenset({Role.HELPER, Role.COMMUNE_OFFICER, Role.HEALTH_WORKER})
STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}


class User(AbstractUser):
    """A person who logs in: identified by username or by phone number (+84...)."""

    phone = models.CharField(_("phone number"), max_length=16, unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    communes = models.ManyToManyField(
        "places.Commune", blank=True, related_name="staff", verbose_name=_("communes")
    )
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    # Name, username and phone folded to plain ASCII (accounts.services.user_search_key), so
    # that administrators find "Nguyễn Thị Lan" by typing "nguyen thi lan" or "0912 345".
    search_key = models.CharField(max_length=400, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def is_province_admin(self) -> bool:
        return self.role == Role.PROVINCE_ADMIN

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class TotpDevice(models.Model):
    """A time-based one-time-password secret (RFC 6238) for a staff user's second factor."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"TOTP {self.user}"


class LoginAttempt(models.Model):
    """One failed login, kept for throttling by account and by address."""

    identifier = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.identifier} {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for a machine client; only its SHA-256 is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("Read registry data")
        PEOPLE_SYNC = "people:sync", _("Synchronise people from the population database")
        HEALTH_INGEST = "health:ingest", _("Send health readings")
        PARTNER = "partner", _("Partner data exchange")
        AUDIT_READ = "audit:read", _("Read the audit log")

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class AuditEntry(models.Model):
    """One sensitive read or write: who, on behalf of whom, what, when, why, from where.

    Rows are only ever inserted (accounts.services.audit_record); nothing updates or deletes them.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        IMPORT = "import", _("imported")
        LOGIN = "login", _("logged in")
        LOGIN_FAILED = "login_failed", _("failed to log in")
        LOGOUT = "logout", _("logged out")
        PERMISSION_DENIED = "denied", _("was refused")

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    commune_code = models.PositiveIntegerField(_("commune"), null=True, blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    via = models.CharField(_("channel"), max_length=20, default="web")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit log page filters by these and shows the newest first.
            models.Index(fields=["actor_label", "at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["commune_code", "at"], name="audit_commune_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
