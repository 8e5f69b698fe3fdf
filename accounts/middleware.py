"""Second factor for staff: after the password, a staff user with TOTP must give a code."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "langso_otp_verified"
_EXEMPT_PREFIXES = ("/static/", "/api/", "/i18n/")


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
                device = getattr(user, "totp", None) if hasattr(user, "totp") else None
                if device is not None and device.confirmed:
                    return redirect(f"{verify}?next={request.get_full_path()}")
                if settings.STAFF_TOTP_REQUIRED:
                    return redirect(setup)
        return self.get_response(request)
