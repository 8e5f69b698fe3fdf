"""Writes for accounts: users, the audit log, login throttling, second factor, API tokens.

Error messages raised here reach people through the web forms, the API and the command line, so
each says in Vietnamese first and English second what is wrong and how to fix it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import (
    COMMUNE_SCOPED_ROLES,
    ApiToken,
    AuditEntry,
    LoginAttempt,
    Role,
    TotpDevice,
    User,
)
from lib import phone as phone_lib
from lib.vn_text import fold

# TOTP (RFC 6238) parameters every authenticator app understands.
TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
# Codes from one step before or after now are accepted, for phones whose clock drifts a little.
TOTP_DRIFT_STEPS = 1

# The scopes each role may put on its own tokens. Partners exchange partner data only; registry
# synchronisation, health ingestion and audit reads are issued by a province administrator.
TOKEN_SCOPES_BY_ROLE: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset(ApiToken.Scope.values),
    Role.PARTNER: frozenset({ApiToken.Scope.PARTNER}),
}


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


# Users -----------------------------------------------------------------------------------------


def user_search_key(*, full_name: str, username: str, phone: str | None) -> str:
    """What the user list searches: folded name, username and the phone in its 0... form."""
    national = "0" + phone[3:] if phone and phone.startswith("+84") else (phone or "")
    parts = (fold(full_name), username.lower(), national)
    return " ".join(p for p in parts if p)[:400]


def _normalised_phone(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return phone_lib.normalise(raw)
    except phone_lib.PhoneError as exc:
        raise ValidationError({"phone": str(exc)}) from exc


def _commune_codes(communes: Iterable[Any]) -> list[int]:
    """Commune codes from codes or Commune objects, sorted and without repeats."""
    return sorted({int(getattr(c, "pk", c)) for c in communes})


def _check_role_and_communes(role: str, codes: list[int]) -> None:
    from places.models import Commune

    if role not in Role.values:
        raise ValidationError(
            {
                "role": f"Vai trò {role!r} không tồn tại; chọn một trong: "
                f"{', '.join(Role.values)}. / Unknown role {role!r}; use one of: "
                f"{', '.join(Role.values)}."
            }
        )
    if role in COMMUNE_SCOPED_ROLES and not codes:
        raise ValidationError(
            {
                "communes": "Vai trò này làm việc tại xã: hãy gán ít nhất một xã. / "
                "This role works in communes: assign at least one commune."
            }
        )
    if role not in COMMUNE_SCOPED_ROLES and codes:
        raise ValidationError(
            {
                "communes": "Chỉ thành viên tổ công nghệ số, cán bộ xã và nhân viên y tế được gán "
                "xã; hãy bỏ chọn các xã cho vai trò này. / Only community team members, commune "
                "officers and health workers are assigned communes; clear the communes for "
                "this role."
            }
        )
    found = set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = sorted(set(codes) - found)
    if missing:
        listed = ", ".join(str(c) for c in missing)
        raise ValidationError(
            {
                "communes": f"Không có xã mã {listed}; kiểm tra lại mã xã (5 chữ số). / "
                f"No commune has the code {listed}; check the 5-digit commune code."
            }
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
    request: HttpRequest | None = None,
    via: str = "service",
) -> User:
    """Create a user with a role and commune scope, validating phone and password rules.

    Commune-scoped roles (helper, commune officer, health worker) need at least one commune;
    other roles take none. A password of None leaves the account without a usable password.
    """
    codes = _commune_codes(communes)
    _check_role_and_communes(role, codes)
    normalised_phone = _normalised_phone(phone)
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        role=role,
        phone=normalised_phone,
        organisation=organisation.strip(),
        email=email,
        is_staff=role == Role.PROVINCE_ADMIN,
        search_key=user_search_key(
            full_name=full_name.strip(), username=username.strip(), phone=normalised_phone
        ),
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.communes.set(codes)
    audit_record(
        actor=created_by,
        action=AuditEntry.Action.CREATE,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        details={"role": role, "communes": codes},
        request=request,
        via=via,
    )
    return user


_UPDATABLE = ("role", "full_name", "phone", "organisation", "is_active")


@transaction.atomic
def user_update(
    *,
    user: User,
    changed_by: User | None,
    role: str,
    full_name: str,
    phone: str | None,
    communes: Iterable[int],
    is_active: bool,
    organisation: str | None = None,
    request: HttpRequest | None = None,
    via: str = "web",
) -> User:
    """Change a user's role, communes, name, phone and active flag; accounts are deactivated,
    never deleted, so that the audit log keeps pointing at them.

    An administrator cannot deactivate or demote their own account (nobody would be left to
    undo it). Tokens whose scopes the new role may not hold are revoked.
    """
    codes = _commune_codes(communes)
    _check_role_and_communes(role, codes)
    if changed_by is not None and changed_by.pk == user.pk:
        if not is_active:
            raise ValidationError(
                {
                    "is_active": "Bạn không thể tự khoá tài khoản của mình; hãy nhờ một quản trị "
                    "viên khác. / You cannot deactivate your own account; ask another "
                    "administrator."
                }
            )
        if user.role == Role.PROVINCE_ADMIN and role != Role.PROVINCE_ADMIN:
            raise ValidationError(
                {
                    "role": "Bạn không thể tự bỏ quyền quản trị của mình; hãy nhờ một quản trị "
                    "viên khác. / You cannot remove your own administrator role; ask another "
                    "administrator."
                }
            )
    before = {field: getattr(user, field) for field in _UPDATABLE}
    before_codes = sorted(user.communes.values_list("code", flat=True))
    user.role = role
    user.full_name = full_name.strip()
    user.phone = _normalised_phone(phone)
    if organisation is not None:
        user.organisation = organisation.strip()
    user.is_active = is_active
    user.is_staff = role == Role.PROVINCE_ADMIN
    user.search_key = user_search_key(
        full_name=user.full_name, username=user.username, phone=user.phone
    )
    user.full_clean(exclude=["password"])
    changes: dict[str, list[Any]] = {
        field: [before[field], getattr(user, field)]
        for field in _UPDATABLE
        if before[field] != getattr(user, field)
    }
    if before_codes != codes:
        changes["communes"] = [before_codes, codes]
    if not changes:
        return user
    user.save(update_fields=[*_UPDATABLE, "is_staff", "search_key"])
    if "communes" in changes:
        user.communes.set(codes)
    if "role" in changes:
        _token_revoke_disallowed(user=user, by=changed_by, request=request)
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        details={"changes": changes},
        request=request,
        via=via,
    )
    return user


@transaction.atomic
def user_password_set(
    *, user: User, password: str, by: User | None, request: HttpRequest | None = None
) -> None:
    """Set a new password (the user's own change, or an administrator's reset).

    The password rules apply (staff: at least 12 characters with letters and digits). Other
    sessions of the user end because the session hash changes; the caller keeps the current one
    with update_session_auth_hash when the user changed their own password.
    """
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    # A new password is a fresh start for throttling too.
    LoginAttempt.objects.filter(identifier=user.username.lower()).delete()
    audit_record(
        actor=by,
        action=AuditEntry.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        details={"fields": ["password"], "reset_by_other": by is not None and by.pk != user.pk},
        request=request,
    )


@transaction.atomic
def user_admin_save(
    *, user: User, changed_by: User, created: bool, changed_fields: Iterable[str]
) -> None:
    """Save a user edited in the Django admin (back-office fixes), keeping the search key and
    the audit log right."""
    user.search_key = user_search_key(
        full_name=user.full_name, username=user.username, phone=user.phone
    )
    user.is_staff = user.role == Role.PROVINCE_ADMIN or user.is_superuser
    user.save()
    audit_record(
        actor=changed_by,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        details={"fields": sorted(changed_fields)},
        via="admin",
    )


# Login throttling ------------------------------------------------------------------------------


def _throttle_key(identifier: str) -> str:
    """One key per account however it was typed: "0912 345 678" and "+84912345678" count
    together, and both count with the username of the account they belong to."""
    raw = identifier.strip()
    username = User.objects.filter(username__iexact=raw).values_list("username", flat=True).first()
    if username is None and phone_lib.looks_like_phone(raw):
        normalised = phone_lib.normalise(raw)
        username = User.objects.filter(phone=normalised).values_list("username", flat=True).first()
        if username is None:
            return normalised
    return (username or raw).lower()[:150]


def _is_throttled(key: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginAttempt.objects.filter(at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(identifier=key).count() >= limit:
        return True
    # An address gets more room: a corner's shared phone serves many people.
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * 4


def _attempt_record(*, key: str, request: HttpRequest | None) -> None:
    now = timezone.now()
    # Attempts older than the window no longer count; dropping them keeps the table small.
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginAttempt.objects.filter(at__lt=now - window).delete()
    LoginAttempt.objects.create(identifier=key, ip_address=client_ip(request), at=now)


def login_is_throttled(*, identifier: str, ip_address: str | None) -> bool:
    """True when too many logins failed recently for this account or address."""
    return _is_throttled(_throttle_key(identifier), ip_address)


@transaction.atomic
def login_failure_record(*, identifier: str, request: HttpRequest | None) -> None:
    """Count a failed login towards throttling and write it to the audit log."""
    _attempt_record(key=_throttle_key(identifier), request=request)
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="user",
        object_label=identifier[:200],
        request=request,
    )


@transaction.atomic
def login_success_record(*, user: User, request: HttpRequest | None) -> None:
    """Forget the account's failed attempts and write the login to the audit log."""
    LoginAttempt.objects.filter(identifier=user.username.lower()).delete()
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        request=request,
    )


def logout_record(*, user: User, request: HttpRequest | None) -> None:
    """Write a logout to the audit log."""
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGOUT,
        object_type="user",
        object_id=user.pk,
        object_label=user.username,
        request=request,
    )


# Second factor (TOTP) --------------------------------------------------------------------------


class TotpCodeRefused(ValidationError):
    """A one-time code was wrong, malformed, or already used in its time step."""


def _totp_key(user: User) -> str:
    # Usernames cannot contain ":", so these keys never meet a login identifier.
    return f"totp:{user.username.lower()}"[:150]


def totp_secret_new() -> str:
    """A fresh random base-32 secret (160 bits) for an authenticator app."""
    return pyotp.random_base32(length=32)


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS).provisioning_uri(
        name=user.username, issuer_name=settings.SITE_NAME
    )


def _totp_matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code equals `code` (within the allowed drift), or None."""
    cleaned = "".join(ch for ch in code if not ch.isspace())
    if len(cleaned) != TOTP_DIGITS or not cleaned.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), cleaned):
            return step
    return None


def _totp_wrong() -> TotpCodeRefused:
    return TotpCodeRefused(
        "Mã không đúng. Mở ứng dụng xác thực và nhập mã 6 chữ số đang hiển thị. / "
        "The code is not right. Open your authenticator app and enter the 6-digit code it shows.",
        code="totp_wrong",
    )


@transaction.atomic
def _totp_failure_record(*, user: User, request: HttpRequest | None, reason: str) -> None:
    _attempt_record(key=_totp_key(user), request=request)
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="totp",
        object_id=user.pk,
        object_label=user.username,
        reason=reason,
        request=request,
    )


def totp_is_throttled(*, user: User, ip_address: str | None) -> bool:
    """True when too many one-time codes failed recently for this user or address."""
    return _is_throttled(_totp_key(user), ip_address)


def totp_device_confirm(
    *, user: User, secret: str, code: str, request: HttpRequest | None = None
) -> TotpDevice:
    """Turn on the second factor once the user proves their app holds `secret`.

    Raises TotpCodeRefused (recorded for throttling and in the audit log) when the code is wrong.
    """
    if not user.is_staff_role:
        raise ValidationError(
            "Chỉ cán bộ dùng xác thực hai bước. / Only staff accounts use a second factor."
        )
    step = _totp_matching_step(secret, code, timezone.now())
    if step is None:
        _totp_failure_record(user=user, request=request, reason="setup")
        raise _totp_wrong()
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        device = TotpDevice.objects.create(
            user=user, secret=secret, confirmed=True, last_used_step=step
        )
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            object_type="totp",
            object_id=user.pk,
            object_label=user.username,
            request=request,
        )
    return device


def totp_code_verify(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Check a one-time code at login; each code works once (a used step is refused).

    Raises TotpCodeRefused (recorded for throttling and in the audit log) on a wrong or reused
    code. The step is claimed with a conditional UPDATE, so two requests racing with the same
    code cannot both succeed on SQLite or PostgreSQL.
    """
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationError(
            "Tài khoản này chưa bật xác thực hai bước. / This account has no second factor."
        )
    step = _totp_matching_step(device.secret, code, timezone.now())
    if step is None:
        _totp_failure_record(user=user, request=request, reason="wrong code")
        raise _totp_wrong()
    claimed = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
        last_used_step=step
    )
    if not claimed:
        _totp_failure_record(user=user, request=request, reason="code reused")
        raise TotpCodeRefused(
            "Mã này đã được dùng. Chờ ứng dụng hiện mã mới (tối đa 30 giây) rồi nhập mã mới. / "
            "This code has already been used. Wait for your app to show a new one (at most "
            "30 seconds) and enter that.",
            code="totp_reused",
        )
    with transaction.atomic():
        LoginAttempt.objects.filter(identifier=_totp_key(user)).delete()
        audit_record(
            actor=user,
            action=AuditEntry.Action.LOGIN,
            object_type="totp",
            object_id=user.pk,
            object_label=user.username,
            request=request,
        )


def totp_device_disable(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """Turn off one's own second factor; the password is asked again so that an unattended
    session cannot do it."""
    if not user.check_password(password):
        login_failure_record(identifier=user.username, request=request)
        raise ValidationError(
            {
                "password": "Mật khẩu không đúng; nhập mật khẩu bạn dùng để đăng nhập. / "
                "The password is not right; enter the password you log in with."
            }
        )
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        audit_record(
            actor=user,
            action=AuditEntry.Action.DELETE,
            object_type="totp",
            object_id=user.pk,
            object_label=user.username,
            request=request,
        )


@transaction.atomic
def totp_device_reset(*, user: User, by: User, request: HttpRequest | None = None) -> bool:
    """An administrator removes a user's second factor (lost phone). True when one existed."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            object_type="totp",
            object_id=user.pk,
            object_label=user.username,
            reason="reset by administrator",
            request=request,
        )
    return bool(deleted)


# API tokens ------------------------------------------------------------------------------------


def token_scopes_allowed(user: User) -> list[str]:
    """The scopes this user may put on a token (none for roles that hold no tokens)."""
    allowed = TOKEN_SCOPES_BY_ROLE.get(user.role, frozenset())
    return [value for value in ApiToken.Scope.values if value in allowed]


@transaction.atomic
def api_token_create(
    *,
    owner: User,
    name: str,
    scopes: Iterable[str],
    expires_at: Any = None,
    request: HttpRequest | None = None,
    via: str = "service",
) -> tuple[ApiToken, str]:
    """Issue a token; the raw value is returned once and never stored.

    Partners may hold only partner-exchange scopes; province administrators any scope.
    """
    valid = set(ApiToken.Scope.values)
    scope_list = sorted(set(scopes))
    unknown = [s for s in scope_list if s not in valid]
    if unknown:
        raise ValidationError(
            f"Phạm vi không hợp lệ / unknown scope: {', '.join(unknown)}. "
            f"Dùng / use: {', '.join(sorted(valid))}."
        )
    if not scope_list:
        raise ValidationError("Chọn ít nhất một phạm vi. / Choose at least one scope.")
    allowed = set(token_scopes_allowed(owner))
    refused = [s for s in scope_list if s not in allowed]
    if refused:
        raise ValidationError(
            f"Vai trò {owner.role} không được cấp phạm vi: {', '.join(refused)}. / "
            f"The role {owner.role} may not hold the scopes: {', '.join(refused)}."
        )
    if not name.strip():
        raise ValidationError("Đặt tên cho mã truy cập. / Give the token a name.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(
            "Ngày hết hạn phải ở tương lai. / The expiry date must be in the future."
        )
    prefix = secrets.token_hex(4)
    raw = f"ls_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        owner=owner,
        name=name.strip(),
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
        object_label=token.name,
        details={"scopes": scope_list},
        request=request,
        via=via,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, by: User | None, request: HttpRequest | None = None, via: str = "service"
) -> None:
    """Revoke a token at once; a revoked token is refused with 401 from then on."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            actor=by,
            action=AuditEntry.Action.DELETE,
            object_type="api_token",
            object_id=token.pk,
            object_label=token.name,
            request=request,
            via=via,
        )


def _token_revoke_disallowed(*, user: User, by: User | None, request: HttpRequest | None) -> None:
    allowed = set(token_scopes_allowed(user))
    for token in user.api_tokens.filter(revoked_at__isnull=True):
        if not set(token.scopes) <= allowed:
            api_token_revoke(token=token, by=by, request=request)
