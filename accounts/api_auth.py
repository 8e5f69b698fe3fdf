"""API authentication: bearer tokens with scopes for machines, the session for logged-in people."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from accounts.middleware import second_factor_pending
from accounts.models import ApiToken, User


class TokenAuth(HttpBearer):
    """Accept an active token that carries `scope` (any active token when scope is None).

    Unknown, revoked and expired tokens, and tokens of deactivated users, are refused with 401;
    a valid token without the scope is refused with 403.
    """

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.select_related("owner")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if found is None or not found.owner.is_active:
            return None
        if found.expires_at is not None and found.expires_at <= now:
            return None
        if self.scope is not None and self.scope not in found.scopes:
            raise PermissionDenied(f"token lacks scope {self.scope}")
        # One write per minute at most, so that busy clients do not hammer the row.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.owner
        request.api_token = found  # type: ignore[attr-defined]
        return found


class SessionAuth(NinjaSessionAuth):
    """The browser session, but only once a staff user has given their second factor.

    It keeps ninja's class name, which names the security scheme in the OpenAPI document.
    """

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if second_factor_pending(request):
            return None
        return super().authenticate(request, key)  # type: ignore[no-any-return]


session_auth = SessionAuth()


def token_or_session(scope: str | None = None) -> list[object]:
    return [TokenAuth(scope), session_auth]
