"""Who may see and change what. Every view and endpoint fetches through these helpers.

A staff user acts within the communes they are scoped to; a province administrator acts in the
whole province; a citizen sees only their own record. Refusals are 404 for objects outside the
user's reach (so that their existence is not revealed) and 403 for roles that may not act at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.models import Role, User
from places.models import Commune


def commune_codes_for_user(user: User) -> set[int] | None:
    """The communes a user may act in; None means every commune (province administrators)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.role == Role.PROVINCE_ADMIN:
        return None
    if user.role in (Role.HELPER, Role.COMMUNE_OFFICER, Role.HEALTH_WORKER):
        return set(user.communes.values_list("code", flat=True))
    return set()


def communes_for_user(user: User) -> QuerySet[Commune]:
    codes = commune_codes_for_user(user)
    communes = Commune.objects.select_related("province")
    if codes is None:
        return communes.filter(province_id=settings.PROVINCE_CODE)
    return communes.filter(code__in=codes)


def scope_to_communes(queryset: QuerySet[Any], user: User, field: str = "commune") -> QuerySet[Any]:
    """Filter a queryset to the rows in the user's communes (by the given FK path)."""
    codes = commune_codes_for_user(user)
    if codes is None:
        return queryset
    return queryset.filter(**{f"{field}__in": codes})


def user_can_act_in_commune(user: User, commune_code: int) -> bool:
    codes = commune_codes_for_user(user)
    return codes is None or commune_code in codes


def get_commune_for_user(user: User, code: int) -> Commune:
    """A commune the user works in, or 404."""
    if not user_can_act_in_commune(user, code):
        raise Http404
    try:
        return communes_for_user(user).get(code=code)
    except Commune.DoesNotExist as exc:
        raise Http404 from exc


def require_roles(user: User, roles: Iterable[str]) -> None:
    if not user.is_authenticated or user.role not in set(roles):
        raise PermissionDenied


def role_required(*roles: str):  # type: ignore[no-untyped-def]
    """View decorator: only these roles may enter; others get 403 (anonymous users log in)."""

    def decorator(view):  # type: ignore[no-untyped-def]
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_roles(request.user, roles)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
