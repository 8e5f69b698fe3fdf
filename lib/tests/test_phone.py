"""lib.phone: every way people write a Vietnamese number comes out as +84..."""

from __future__ import annotations

import pytest

from lib.phone import PhoneError, display, looks_like_phone, normalise


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912 345 678",
        "0084 912 345 678",
    ],
)
def test_it_normalises_a_mobile_number_to_e164(raw: str) -> None:
    assert normalise(raw) == "+84912345678"


@pytest.mark.parametrize(
    ("legacy", "current"),
    [
        ("01662345678", "+84362345678"),  # Viettel 0166 -> 036
        ("0128 123 4567", "+84781234567"),  # MobiFone 0128 -> 078
        ("0123 456 7890", "+84834567890"),  # VinaPhone 0123 -> 083
        ("+84 1662 345 678", "+84362345678"),
    ],
)
def test_it_converts_the_old_11_digit_mobile_numbers(legacy: str, current: str) -> None:
    assert normalise(legacy) == current


def test_it_accepts_landlines_with_their_area_codes() -> None:
    assert normalise("0290 3 831 234") == "+842903831234"  # Cà Mau
    assert normalise("0212 3 852 123") == "+842123852123"  # Sơn La
    assert normalise("024 3825 1234") == "+842438251234"  # Hà Nội, 8-digit subscriber


@pytest.mark.parametrize(
    "raw", ["12345", "0123 456 789", "091234567", "", "abc", "+1 202 555 0123"]
)
def test_it_refuses_numbers_that_are_not_vietnamese_phones(raw: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalise(raw)
    assert "không hợp lệ" in str(caught.value)
    assert "not a valid phone number" in str(caught.value)
    assert not looks_like_phone(raw)


def test_it_displays_the_national_form() -> None:
    assert display("+84912345678") == "0912 345 678"
    assert display("+842903831234") == "0290 3831 234"
    assert display("not a number") == "not a number"
