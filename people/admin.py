"""Read-only back-office views of the registry for province administrators.

The registry changes only through people.services (staff screens, imports, sync), which keep
history and the audit log; the admin therefore shows rows and never saves them. ID numbers
are masked here too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from lib import personal_id as pid_lib
from people.models import (
    Consent,
    Disability,
    HistoryEntry,
    Household,
    ImportRun,
    Person,
    PersonMerge,
    PovertyStatus,
    SocialFact,
)


def _province_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and (user.is_superuser or getattr(user, "role", None) == Role.PROVINCE_ADMIN)
    )


class ReadOnly(admin.ModelAdmin):
    """Province administrators may look; every change goes through the services."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _province_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _province_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnly):
    list_display = ("full_name", "masked_id", "date_of_birth", "commune", "village", "merged_into")
    search_fields = ("name_key", "=personal_id", "=legacy_id", "=phone")
    list_select_related = ("commune", "village")
    exclude = ("personal_id", "source_hash")
    readonly_fields = ("masked_id",)
    show_full_result_count = False

    @admin.display(description=_("personal ID number"))
    def masked_id(self, obj: Person) -> str:
        return pid_lib.mask(obj.personal_id or "")

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        from lib.vn_text import name_key

        return super().get_search_results(request, queryset, name_key(search_term))


@admin.register(Household)
class HouseholdAdmin(ReadOnly):
    list_display = ("code", "commune", "village", "created_at")
    search_fields = ("=code",)
    list_select_related = ("commune", "village")


@admin.register(Disability)
class DisabilityAdmin(ReadOnly):
    list_display = ("person", "disability_type", "level", "certified_on", "valid_from", "valid_to")
    list_filter = ("disability_type", "level")
    list_select_related = ("person",)


@admin.register(PovertyStatus)
class PovertyStatusAdmin(ReadOnly):
    list_display = ("household", "status", "period", "review_year", "valid_from", "valid_to")
    list_filter = ("status", "period", "review_year")
    list_select_related = ("household",)


@admin.register(SocialFact)
class SocialFactAdmin(ReadOnly):
    list_display = ("person", "kind", "value", "amount_vnd", "valid_from", "valid_to", "source")
    list_filter = ("kind",)
    list_select_related = ("person",)


@admin.register(Consent)
class ConsentAdmin(ReadOnly):
    list_display = ("person", "purpose", "method", "recorded_at", "withdrawn_at")
    list_filter = ("purpose", "method")
    list_select_related = ("person",)


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnly):
    list_display = ("at", "kind", "source", "person", "household", "actor_label", "reason")
    list_filter = ("kind", "source")
    list_select_related = ("person", "household")
    show_full_result_count = False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnly):
    list_display = (
        "started_at",
        "source",
        "status",
        "file_name",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
    )
    list_filter = ("source", "status")


@admin.register(PersonMerge)
class PersonMergeAdmin(ReadOnly):
    list_display = ("performed_at", "kept", "merged", "performed_by", "undone_at")
    list_select_related = ("kept", "merged", "performed_by")
