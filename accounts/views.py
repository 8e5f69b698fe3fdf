"""Log in and out (with throttling and the staff second factor), security settings, users and
the audit log.

Every view is thin: check who may act, read a form, call accounts.services, redirect.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import (
    ApiTokenForm,
    AuditFilterForm,
    LoginForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    TotpCodeForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    add_service_errors,
)
from accounts.middleware import SESSION_KEY, has_confirmed_totp
from accounts.models import ApiToken, AuditEntry, Role, User
from accounts.permissions import role_required

# The secret being set up lives in the session until the user proves their app holds it.
PENDING_TOTP_KEY = "langso_totp_pending"
# A new token's raw value, shown once on the next page and then forgotten.
NEW_TOKEN_KEY = "langso_new_token"  # noqa: S105 - a session key, not a secret
USERS_PER_PAGE = 25
AUDIT_PER_PAGE = 50


def _safe_next(request: HttpRequest, fallback: str = "workspace") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return reverse(fallback)


def _base_template(user: Any) -> str:
    return "staff_base.html" if getattr(user, "is_staff_role", False) else "base.html"


def _throttled_message() -> str:
    return _("Too many failed attempts. Wait 15 minutes, or ask your commune officer to help.")


# Logging in and out ----------------------------------------------------------------------------


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    status = 200
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["username"]
        if services.login_is_throttled(
            identifier=identifier, ip_address=services.client_ip(request)
        ):
            form.add_error(None, _throttled_message())
            status = 429
        else:
            user = authenticate(
                request, username=identifier, password=form.cleaned_data["password"]
            )
            if user is None:
                services.login_failure_record(identifier=identifier, request=request)
                form.add_error(
                    None,
                    _(
                        "The phone number, username or password is not right. "
                        "Check them and try again."
                    ),
                )
            else:
                login(request, user)
                request.session[SESSION_KEY] = False
                services.login_success_record(user=user, request=request)  # type: ignore[arg-type]
                target = _safe_next(request)
                if has_confirmed_totp(user):
                    return redirect(reverse("accounts:totp_verify") + "?" + _next_query(target))
                return redirect(target)
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


def _next_query(target: str) -> str:
    return urlencode({"next": target})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(user=request.user, request=request)  # type: ignore[arg-type]
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("home")


# Second factor ---------------------------------------------------------------------------------


def _totp_error(exc: ValidationError) -> str:
    if exc.code == "totp_reused":
        return _(
            "This code has already been used. Wait for your app to show a new one "
            "(at most 30 seconds) and enter that."
        )
    return _("The code is not right. Open your authenticator app and enter the code it shows now.")


def _qr_data_uri(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@login_required
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_staff_role:
        raise PermissionDenied
    if has_confirmed_totp(user):
        messages.info(request, _("Two-step verification is already on."))
        return redirect("accounts:security")
    secret = request.session.get(PENDING_TOTP_KEY)
    if not secret:
        secret = services.totp_secret_new()
        request.session[PENDING_TOTP_KEY] = secret
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if services.totp_is_throttled(user=user, ip_address=services.client_ip(request)):
            form.add_error(None, _throttled_message())
            status = 429
        else:
            try:
                services.totp_device_confirm(
                    user=user, secret=secret, code=form.cleaned_data["code"], request=request
                )
            except services.TotpCodeRefused as exc:
                form.add_error("code", _totp_error(exc))
            else:
                del request.session[PENDING_TOTP_KEY]
                request.session[SESSION_KEY] = True
                messages.success(
                    request,
                    _("Two-step verification is on. You will be asked for a code at each login."),
                )
                return redirect("accounts:security")
    uri = services.totp_provisioning_uri(user=user, secret=secret)
    context = {
        "form": form,
        "qr": _qr_data_uri(uri),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "required": settings.STAFF_TOTP_REQUIRED,
    }
    return render(request, "accounts/totp_setup.html", context, status=status)


@login_required
def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.session.get(SESSION_KEY) or not has_confirmed_totp(user):
        return redirect(_safe_next(request))
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if services.totp_is_throttled(user=user, ip_address=services.client_ip(request)):
            form.add_error(None, _throttled_message())
            status = 429
        else:
            try:
                services.totp_code_verify(
                    user=user, code=form.cleaned_data["code"], request=request
                )
            except services.TotpCodeRefused as exc:
                form.add_error("code", _totp_error(exc))
            else:
                # A new session key once the login is complete, as after the password.
                request.session.cycle_key()
                request.session[SESSION_KEY] = True
                return redirect(_safe_next(request))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/totp_verify.html", context, status=status)


@login_required
def totp_disable_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_staff_role:
        raise PermissionDenied
    if not has_confirmed_totp(user):
        return redirect("accounts:security")
    if settings.STAFF_TOTP_REQUIRED:
        messages.error(
            request,
            _(
                "The province requires two-step verification for staff, so it cannot be turned "
                "off. If you lost your phone, ask the province administrator to reset it."
            ),
        )
        return redirect("accounts:security")
    form = PasswordConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if services.login_is_throttled(
            identifier=user.username, ip_address=services.client_ip(request)
        ):
            form.add_error(None, _throttled_message())
            status = 429
        else:
            try:
                services.totp_device_disable(
                    user=user, password=form.cleaned_data["password"], request=request
                )
            except ValidationError:
                form.add_error("password", _("The password is not right. Try again."))
            else:
                messages.success(request, _("Two-step verification is off."))
                return redirect("accounts:security")
    return render(request, "accounts/totp_disable.html", {"form": form}, status=status)


# Security page: password, second factor, API tokens ---------------------------------------------


def _security_page(
    request: HttpRequest,
    *,
    password_form: PasswordChangeForm | None = None,
    token_form: ApiTokenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    allowed_scopes = services.token_scopes_allowed(user)
    tokens: list[ApiToken] = []
    if allowed_scopes:
        tokens = list(user.api_tokens.order_by("-created_at"))
        token_form = token_form or ApiTokenForm(allowed_scopes=allowed_scopes)
    scope_labels = dict(ApiToken.Scope.choices)
    context = {
        "base_template": _base_template(user),
        "password_form": password_form or PasswordChangeForm(user),
        "has_totp": has_confirmed_totp(user),
        "totp_required": settings.STAFF_TOTP_REQUIRED,
        "token_form": token_form,
        "tokens": [
            {
                "token": token,
                "scope_labels": [scope_labels.get(s, s) for s in token.scopes],
                "expired": token.expires_at is not None and token.expires_at <= timezone.now(),
            }
            for token in tokens
        ],
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@require_POST
def password_change_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if services.login_is_throttled(
        identifier=user.username, ip_address=services.client_ip(request)
    ):
        messages.error(request, _throttled_message())
        return redirect("accounts:security")
    form = PasswordChangeForm(user, request.POST)
    if form.is_valid():
        try:
            services.user_password_set(
                user=user, password=form.cleaned_data["new_password1"], by=user, request=request
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:security")
    elif "old_password" in form.errors:
        services.login_failure_record(identifier=user.username, request=request)
    return _security_page(request, password_form=form)


@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    allowed = services.token_scopes_allowed(user)
    if not allowed:
        raise PermissionDenied
    form = ApiTokenForm(request.POST, allowed_scopes=allowed)
    if form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            timezone.make_aware(datetime.combine(expires_on + timedelta(days=1), time.min))
            if expires_on
            else None
        )
        try:
            token, raw = services.api_token_create(
                owner=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=expires_at,
                request=request,
                via="web",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[NEW_TOKEN_KEY] = {"name": token.name, "raw": raw}
            return redirect("accounts:security")
    return _security_page(request, token_form=form)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = get_object_or_404(ApiToken, pk=pk, owner=user)
    services.api_token_revoke(token=token, by=user, request=request, via="web")
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:security")


# Users (province administrators) -----------------------------------------------------------------


@role_required(Role.PROVINCE_ADMIN)
def user_list_view(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        active = {"yes": True, "no": False}.get(data["active"])
        filters = {
            "q": data["q"],
            "role": data["role"],
            "commune": data["commune"].code if data["commune"] else None,
            "active": active,
        }
    page = Paginator(selectors.users_filtered(**filters), USERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(v not in ("", None) for v in filters.values()),
        },
    )


@role_required(Role.PROVINCE_ADMIN)
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                full_name=data["full_name"],
                phone=data["phone"] or None,
                communes=data["communes"],
                organisation=data["organisation"],
                created_by=request.user,  # type: ignore[arg-type]
                request=request,
                via="web",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                exc.error_dict["password1"] = exc.error_dict.pop("password")
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The account “%(username)s” was created.") % {"username": user.username}
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@role_required(Role.PROVINCE_ADMIN)
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, initial=UserEditForm.initial_for(target))
    admin: User = request.user  # type: ignore[assignment]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.user_update(
                    user=target,
                    changed_by=admin,
                    role=data["role"],
                    full_name=data["full_name"],
                    phone=data["phone"] or None,
                    communes=data["communes"],
                    organisation=data["organisation"],
                    is_active=data["is_active"],
                    request=request,
                )
                if data["new_password"]:
                    try:
                        services.user_password_set(
                            user=target, password=data["new_password"], by=admin, request=request
                        )
                    except ValidationError as exc:
                        raise ValidationError({"new_password": exc.messages}) from exc
                if data["reset_totp"]:
                    services.totp_device_reset(user=target, by=admin, request=request)
        except ValidationError as exc:
            target.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The account “%(username)s” was saved.") % {"username": target.username},
            )
            return redirect("accounts:user_list")
    context = {
        "form": form,
        "creating": False,
        "target": target,
        "target_has_totp": has_confirmed_totp(target),
    }
    return render(request, "accounts/user_form.html", context)


# Audit log (province administrators) ------------------------------------------------------------


@role_required(Role.PROVINCE_ADMIN)
def audit_log_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        # Invalid filters are shown with their errors and left out; the valid ones still apply.
        form.is_valid()
        filters = form.filters()
    entries = selectors.audit_entries(**filters)
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"form": form, "page": page, "export_fields": _export_fields(form)},
    )


def _export_fields(form: AuditFilterForm) -> list[tuple[str, str]]:
    """The filters as they were typed, to post them again to the export."""
    if not form.is_bound:
        return []
    return [(name, form.data.get(name, "")) for name in form.fields if form.data.get(name)]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_rows(entries: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # the byte-order mark that makes Excel read UTF-8
    yield writer.writerow(
        [
            _("Time"),
            _("Actor"),
            _("On behalf of"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Commune"),
            _("Reason"),
            _("Address"),
            _("Channel"),
            _("Details"),
        ]
    )
    actions = {value: str(label) for value, label in AuditEntry.Action.choices}
    local = timezone.get_current_timezone()
    # Plain tuples rather than model instances: exports run to hundreds of thousands of rows.
    columns = (
        "at",
        "actor_label",
        "on_behalf_of",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "commune_code",
        "reason",
        "ip_address",
        "via",
        "details",
    )
    for row in entries.values_list(*columns).iterator(chunk_size=2000):
        at, actor, behalf, action, otype, oid, label, commune, reason, ip, via, details = row
        yield writer.writerow(
            [
                at.astimezone(local).strftime("%d/%m/%Y %H:%M:%S"),
                _cell(actor),
                _cell(behalf),
                actions.get(action, action),
                _cell(otype),
                _cell(oid),
                _cell(label),
                "" if commune is None else commune,
                _cell(reason),
                ip or "",
                _cell(via),
                _cell(json.dumps(details, ensure_ascii=False)) if details else "",
            ]
        )


@role_required(Role.PROVINCE_ADMIN)
@require_POST
def audit_export_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The filters are not valid, so nothing was exported. Correct them first.")
        )
        return redirect(reverse("accounts:audit_log") + "?" + _query_from(form))
    filters = form.filters()
    record = services.audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditEntry.Action.EXPORT,
        object_type="audit_entry",
        request=request,
        details={k: str(v) for k, v in filters.items()},
    )
    entries = selectors.audit_entries(**filters).exclude(pk=record.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_audit_rows(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _query_from(form: AuditFilterForm) -> str:
    return urlencode(_export_fields(form))
