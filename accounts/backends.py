"""Log in with a username or with a Vietnamese phone number in any common form."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User
from lib import phone as phone_lib


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None and phone_lib.looks_like_phone(username):
            user = User.objects.filter(phone=phone_lib.normalise(username)).first()
        if user is None:
            # Spend the same time as a real check so that timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
