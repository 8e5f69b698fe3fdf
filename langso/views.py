"""Site-wide pages: the citizen front page, the role dispatcher, about, errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from langso import workspaces


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_staff_role:  # type: ignore[union-attr]
        return redirect("workspace")
    return render(request, "langso/home.html")


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """Every role lands on the page made for its work."""
    return workspaces.render_for(request)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "langso/about.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "langso/accessibility.html")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "langso/error.html", {"status": 403}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "langso/error.html", {"status": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "langso/error.html", {"status": 500}, status=500)
