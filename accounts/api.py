"""Accounts API: who am I, and the audit log for the province's monitoring systems.

No `from __future__ import annotations` here: ninja's pagination reads the annotations at runtime.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from accounts import selectors, services
from accounts.api_auth import token_or_session
from accounts.models import ApiToken, AuditEntry, Role
from accounts.permissions import require_roles

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    communes: list[int]


@router.get("/me", response=MeOut, auth=token_or_session(), summary="The current user")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,  # type: ignore[union-attr]
        "role": user.role,  # type: ignore[union-attr]
        "communes": sorted(user.communes.values_list("code", flat=True)),  # type: ignore[union-attr]
    }


class AuditFilter(Schema):
    actor: str = ""
    action: AuditEntry.Action | None = None
    object_type: str = ""
    commune_code: int | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str
    on_behalf_of: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    commune_code: int | None
    reason: str
    ip_address: str | None
    via: str
    details: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str:
        return obj.actor_label


@router.get(
    "/audit",
    response=list[AuditEntryOut],
    auth=token_or_session(ApiToken.Scope.AUDIT_READ),
    summary="Audit log entries, newest first (province administrators; scope audit:read)",
)
@paginate(LimitOffsetPagination)
def audit_list(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    require_roles(request.user, [Role.PROVINCE_ADMIN])  # type: ignore[arg-type]
    entries = selectors.audit_entries(
        actor=filters.actor,
        action=filters.action or "",
        object_type=filters.object_type,
        commune_code=filters.commune_code,
    )
    if filters.since is not None:
        entries = entries.filter(at__gte=_aware(filters.since))
    if filters.until is not None:
        entries = entries.filter(at__lt=_aware(filters.until))
    record = services.audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditEntry.Action.EXPORT,
        object_type="audit_entry",
        request=request,
        via="api",
        details={k: str(v) for k, v in filters.dict().items() if v not in ("", None)},
    )
    return entries.exclude(pk=record.pk)


def _aware(moment: datetime) -> datetime:
    """A time without an offset is read as local time (Asia/Ho_Chi_Minh)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
