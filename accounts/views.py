"""Log in and out (with throttling and the staff second factor), security settings, audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LoginForm
from accounts.middleware import SESSION_KEY
from accounts.models import AuditEntry


def _safe_next(request: HttpRequest, fallback: str = "workspace") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    from django.urls import reverse

    return reverse(fallback)


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["username"]
        if services.login_is_throttled(
            identifier=identifier, ip_address=services.client_ip(request)
        ):
            form.add_error(
                None,
                _(
                    "Too many failed attempts. Wait 15 minutes, or ask your commune officer to help."
                ),
            )
            return render(request, "accounts/login.html", {"form": form}, status=429)
        user = authenticate(request, username=identifier, password=form.cleaned_data["password"])
        if user is None:
            services.login_failure_record(identifier=identifier, request=request)
            form.add_error(
                None,
                _("The phone number, username or password is not right. Check them and try again."),
            )
        else:
            login(request, user)
            request.session[SESSION_KEY] = False
            services.login_success_record(user=user, request=request)
            return redirect(_safe_next(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=AuditEntry.Action.LOGOUT,
            object_type="user",
            object_id=request.user.pk,
            request=request,
        )
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("home")
