"""Password rules: staff, who see many people's data, need longer and mixed passwords."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STAFF_MIN_LENGTH = 12


class StaffPasswordValidator:
    def validate(self, password: str, user: object = None) -> None:
        if user is None or not getattr(user, "is_staff_role", False):
            return
        if len(password) < STAFF_MIN_LENGTH or not (
            any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
        ):
            raise ValidationError(
                _(
                    "Staff passwords need at least %(length)d characters with both letters "
                    "and digits."
                ),
                code="staff_password_too_weak",
                params={"length": STAFF_MIN_LENGTH},
            )

    def get_help_text(self) -> str:
        return _(
            "Staff passwords need at least %(length)d characters with both letters and digits."
        ) % {"length": STAFF_MIN_LENGTH}
