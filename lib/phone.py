"""Vietnamese phone numbers, normalised to E.164 (+84...).

Validation uses the `phonenumbers` metadata rather than hand-written patterns. Legacy 11-digit
mobile numbers (converted in 2018-2019) are rewritten to their 10-digit form first.
"""

from __future__ import annotations

import phonenumbers

# 11-digit → 10-digit prefixes (the 2018 conversion).
_LEGACY_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip


class PhoneError(ValueError):
    def __init__(self, raw: str) -> None:
        super().__init__(
            f"Số điện thoại {raw!r} không hợp lệ; hãy nhập 10 chữ số, ví dụ 0912 345 678. / "
            f"{raw!r} is not a valid phone number; enter 10 digits, e.g. 0912 345 678."
        )


def normalise(raw: str) -> str:
    """Return the number as +84XXXXXXXXX, or raise PhoneError."""
    digits = "".join(ch for ch in raw if ch.isdigit() or ch == "+")
    if digits.startswith("84") and not digits.startswith("+"):
        digits = "+" + digits
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if len(digits) == 11 and digits[:4] in _LEGACY_PREFIXES:
        digits = _LEGACY_PREFIXES[digits[:4]] + digits[4:]
    try:
        parsed = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(raw) from exc
    # A valid foreign number (+1 202 ...) is still not a Vietnamese phone number.
    if parsed.country_code != 84 or not phonenumbers.is_valid_number(parsed):
        raise PhoneError(raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(raw: str) -> bool:
    try:
        normalise(raw)
    except PhoneError:
        return False
    return True


def display(e164: str) -> str:
    """0912 345 678: the national form people recognise."""
    try:
        parsed = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
