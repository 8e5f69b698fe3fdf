"""The outbox in the Django admin: read-only, for province administrators, with "retry now"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import AuditEntry
from accounts.services import audit_record
from lib import phone as phone_lib
from notifications.models import Message
from notifications.services import message_retry_now


def _may_use(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or getattr(user, "is_province_admin", False))
    )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "recipient_display",
        "status",
        "urgent",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "urgent")
    search_fields = ("recipient", "provider_id")
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["retry_now"]
    fields = (
        "channel",
        "recipient",
        "user",
        "subject",
        "body",
        "urgent",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("recipient"), ordering="recipient")
    def recipient_display(self, message: Message) -> str:
        if message.channel == Message.Channel.EMAIL:
            return message.recipient
        return phone_lib.display(message.recipient)

    @admin.action(description=_("Retry the selected messages now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        count = message_retry_now(
            message_ids=list(queryset.values_list("pk", flat=True)),
            by=request.user,  # type: ignore[arg-type]
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued to be sent again (quiet hours still apply).",
                "%(count)d messages queued to be sent again (quiet hours still apply).",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                action=AuditEntry.Action.VIEW,
                object_type="notification",
                object_id=object_id,
                request=request,
                via="admin",
            )
        return response

    # Messages are written only by the outbox services: nothing is added, edited or deleted here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return _may_use(request)

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # Only the list's "retry now" action needs it; a single message opens read-only.
        return obj is None and _may_use(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_use(request)
