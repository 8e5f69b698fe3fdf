"""Second factor for staff: after the password, a staff user with TOTP must give a code."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "langso_otp_verified"
_EXEMPT_PREFIXES = ("/static/", "/api/", "/i18n/")


def has_confirmed_totp(user: object) -> bool:
    """True when the user has a confirmed second factor (one query, no exception)."""
    from accounts.models import TotpDevice

    return bool(
        getattr(user, "is_staff_role", False)
        and TotpDevice.objects.filter(user_id=getattr(user, "pk", None), confirmed=True).exists()
    )


def second_factor_pending(request: HttpRequest) -> bool:
    """True when a staff user with TOTP logged in with a password but has not given a code."""
    user = request.user
    return bool(
        user.is_authenticated
        and getattr(user, "is_staff_role", False)
        and not request.session.get(SESSION_KEY)
        and has_confirmed_totp(user)
    )


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_staff_role", False)
            and not request.session.get(SESSION_KEY)
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            verify = reverse("accounts:totp_verify")
            setup = reverse("accounts:totp_setup")
            logout = reverse("accounts:logout")
            if request.path not in (verify, setup, logout):
                if has_confirmed_totp(user):
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{verify}?{query}")
                if settings.STAFF_TOTP_REQUIRED:
                    return redirect(setup)
        return self.get_response(request)
