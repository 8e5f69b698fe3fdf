"""Who am I: the authenticated user or token owner, with role and communes."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.api_auth import token_or_session

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
