"""Back-office fixes for province administrators.

Provinces and communes are the official national lists and are read-only. Villages and area
statuses are saved through places.services, like everywhere else, so the same rules hold and
the audit log records the change; nothing is deleted here (an area status is ended instead).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from places import services
from places.forms import add_service_errors
from places.imports import bilingual
from places.models import AreaStatus, Commune, ImportRun, Province, Village


def _province_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and (user.is_superuser or getattr(user, "role", None) == Role.PROVINCE_ADMIN)
    )


class ProvinceAdminOnly(admin.ModelAdmin):
    """Province administrators keep places; they need no per-model Django permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _province_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _province_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _province_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _province_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ProvinceAdminOnly):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "division_type", "phone_code"]
    search_fields = ["name", "codename"]


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "division_type", "province"]
    list_filter = ["division_type", "province"]
    search_fields = ["name", "name_key", "=code"]
    list_select_related = ["province"]


class ServiceSavingAdmin(ProvinceAdminOnly):
    """Saves through a service while the form is validated, so that the service's refusals
    show on the form's fields; the admin's own save steps then have nothing left to do."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):  # type: ignore[misc,valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self.instance = model_admin.save_through_service(
                        request, obj, self.cleaned_data
                    )
                except ValidationError as error:
                    add_service_errors(self, error)

            def save(self, commit: bool = True) -> Any:
                return self.instance

            def save_m2m(self) -> None:
                """No many-to-many fields: the service saved everything."""

        return ServiceForm

    def save_through_service(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Already saved by the service while the form was validated."""


@admin.register(Village)
class VillageAdmin(ServiceSavingAdmin):
    list_display = ["name", "kind", "commune", "local_code", "created_at"]
    list_filter = ["kind", ("commune", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_key", "local_code", "commune__name"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    fields = ["commune", "name", "kind", "local_code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["commune"] if obj is not None else []

    def save_through_service(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        if obj is None:
            return services.village_create(
                commune_code=data["commune"].code,
                name=data["name"],
                kind=data["kind"],
                local_code=data.get("local_code", ""),
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                via="admin",
            )
        return services.village_update(
            village=Village.objects.get(pk=obj.pk),
            name=data["name"],
            kind=data["kind"],
            local_code=data.get("local_code", ""),
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            via="admin",
        )


@admin.register(AreaStatus)
class AreaStatusAdmin(ServiceSavingAdmin):
    list_display = ["__str__", "status", "valid_from", "valid_to", "decision"]
    list_filter = ["status", "valid_from", "valid_to"]
    search_fields = ["commune__name", "village__name", "village__commune__name", "decision"]
    list_select_related = ["commune", "village"]
    autocomplete_fields = ["commune", "village"]
    date_hierarchy = "valid_from"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["commune", "village", "status", "valid_from", "valid_to", "decision", "note"]
        return ["valid_to", "decision", "note"]

    def save_through_service(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        if obj is None:
            village = data.get("village")
            commune = data.get("commune") or (village.commune if village else None)
            if commune is None:
                raise ValidationError({"commune": [bilingual(_("Choose a commune."))]})
            return services.area_status_create(
                commune_code=commune.code,
                village_name=village.name if village else "",
                status=data["status"],
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
                decision=data["decision"],
                note=data.get("note", ""),
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                via="admin",
            )
        return services.area_status_update(
            area_status=AreaStatus.objects.select_related("commune", "village").get(pk=obj.pk),
            valid_to=data.get("valid_to"),
            decision=data["decision"],
            note=data.get("note", ""),
            actor=request.user,  # type: ignore[arg-type]
            request=request,
            via="admin",
        )


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "filename", "actor", "via", "dry_run"]
    list_filter = ["kind", "via", "dry_run"]
    search_fields = ["filename"]
    exclude = ["rejected", "columns"]
