"""Writes for accounts: users, the audit log, login throttling, second factor, API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import COMMUNE_SCOPED_ROLES, ApiToken, AuditEntry, LoginAttempt, Role, User
from lib import phone as phone_lib


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    object_label: str = "",
    commune_code: int | None = None,
    on_behalf_of: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
    via: str = "web",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log. Call it for every sensitive read and write."""
    actor_obj = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor_obj,
        actor_label=(actor_obj.username if actor_obj else "")[:150],
        on_behalf_of=on_behalf_of[:150],
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        object_label=object_label[:200],
        commune_code=commune_code,
        reason=reason[:255],
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:200],
        via=via,
        details=details or {},
    )


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str = Role.CITIZEN,
    full_name: str = "",
    phone: str | None = None,
    communes: Iterable[int] = (),
    organisation: str = "",
    email: str = "",
    created_by: User | None = None,
) -> User:
    """Create a user with a role and commune scope, validating phone and password rules."""
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        role=role,
        phone=phone_lib.normalise(phone) if phone else None,
        organisation=organisation,
        email=email,
        is_staff=role == Role.PROVINCE_ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    codes = list(communes)
    if role in COMMUNE_SCOPED_ROLES and not codes:
        raise ValidationError(
            "Cán bộ này cần được gán ít nhất một xã. / This role needs at least one commune."
        )
    user.communes.set(codes)
    audit_record(
        actor=created_by,
        action=AuditEntry.Action.CREATE,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        details={"role": role, "communes": codes},
        via="service",
    )
    return user


def login_is_throttled(*, identifier: str, ip_address: str | None) -> bool:
    """True when too many logins failed recently for this account name or address."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(identifier=identifier.strip().lower()).count() >= limit:
        return True
    # An address gets more room: a corner's shared phone serves many people.
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 4


def login_failure_record(*, identifier: str, request: HttpRequest | None) -> None:
    LoginAttempt.objects.create(
        identifier=identifier.strip().lower()[:150],
        ip_address=client_ip(request),
        at=timezone.now(),
    )
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="user",
        object_label=identifier[:200],
        request=request,
    )


def login_success_record(*, user: User, request: HttpRequest | None) -> None:
    LoginAttempt.objects.filter(identifier=user.username.lower()).delete()
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        object_type="user",
        object_id=user.pk,
        request=request,
    )


@transaction.atomic
def api_token_create(
    *, owner: User, name: str, scopes: Iterable[str], expires_at: Any = None
) -> tuple[ApiToken, str]:
    """Issue a token; the raw value is returned once and never stored."""
    valid = set(ApiToken.Scope.values)
    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in valid]
    if unknown:
        raise ValidationError(
            f"Phạm vi không hợp lệ / unknown scope: {', '.join(unknown)}. "
            f"Dùng / use: {', '.join(sorted(valid))}."
        )
    prefix = secrets.token_hex(4)
    raw = f"ls_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        prefix=prefix,
        token_hash=ApiToken.hash(raw),
        scopes=scope_list,
        expires_at=expires_at,
    )
    audit_record(
        actor=owner,
        action=AuditEntry.Action.CREATE,
        object_type="api_token",
        object_id=token.pk,
        object_label=name,
        details={"scopes": scope_list},
        via="service",
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=by,
        action=AuditEntry.Action.DELETE,
        object_type="api_token",
        object_id=token.pk,
        object_label=token.name,
        via="service",
    )
