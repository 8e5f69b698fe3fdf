"""lib.personal_id: structure of the 12-digit number, legacy aliases, masking, demo numbers."""

from __future__ import annotations

import random

import pytest

from lib.personal_id import (
    PROVINCE_PREFIXES,
    PersonalIdError,
    check_against,
    clean,
    generate,
    is_legacy_id,
    mask,
    parse,
)


def test_it_reads_province_sex_and_birth_year_from_the_digits() -> None:
    pid = parse("096188123456")
    assert pid.province_prefix == "096"
    assert pid.sex == "female"
    assert pid.birth_year_century == 1900
    assert pid.birth_year_2 == 88
    assert pid.birth_year_matches(1988)
    assert not pid.birth_year_matches(2088)


@pytest.mark.parametrize(
    ("number", "sex", "year"),
    [
        ("014090000001", "male", 1990),
        ("014190000001", "female", 1990),
        ("014205000001", "male", 2005),
        ("014305000001", "female", 2005),
        ("001400000001", "male", 2100),
    ],
)
def test_it_decodes_the_century_and_sex_digit(number: str, sex: str, year: int) -> None:
    pid = parse(number)
    assert pid.sex == sex
    assert pid.birth_year_matches(year)


def test_it_accepts_spaces_dots_and_dashes_people_type() -> None:
    assert clean(" 096 188-123.456 ") == "096188123456"
    assert parse("096 188 123 456").number == "096188123456"


@pytest.mark.parametrize("raw", ["09618812345", "0961881234567", "09618812345a", ""])
def test_it_refuses_numbers_that_are_not_12_digits(raw: str) -> None:
    with pytest.raises(PersonalIdError) as caught:
        parse(raw)
    assert caught.value.code == "length"
    assert "12 chữ số" in caught.value.message_vi
    assert "12 digits" in caught.value.message_en


def test_it_refuses_a_prefix_that_is_no_province() -> None:
    with pytest.raises(PersonalIdError) as caught:
        parse("099188123456")
    assert caught.value.code == "prefix"


def test_it_knows_the_63_birth_registration_provinces() -> None:
    assert len(PROVINCE_PREFIXES) == 63
    assert PROVINCE_PREFIXES["096"] == "Cà Mau"
    assert PROVINCE_PREFIXES["095"] == "Bạc Liêu"
    assert PROVINCE_PREFIXES["014"] == "Sơn La"
    assert all(len(code) == 3 and code.startswith("0") for code in PROVINCE_PREFIXES)


def test_it_checks_the_number_against_the_recorded_person() -> None:
    assert check_against("096188123456", birth_year=1988, sex="female").sex == "female"
    with pytest.raises(PersonalIdError) as wrong_sex:
        check_against("096188123456", birth_year=1988, sex="male")
    assert wrong_sex.value.code == "sex"
    with pytest.raises(PersonalIdError) as wrong_year:
        check_against("096188123456", birth_year=1989, sex="female")
    assert wrong_year.value.code == "birth_year"
    assert "1989" in wrong_year.value.message_vi
    assert check_against("096188123456", birth_year=None, sex=None).number == "096188123456"


def test_it_treats_9_digit_identity_card_numbers_as_legacy_aliases() -> None:
    assert is_legacy_id("381 234 567")
    assert not is_legacy_id("096188123456")
    assert not is_legacy_id("38123456")


def test_it_masks_all_but_the_last_three_digits() -> None:
    assert mask("096188123456") == "•••••••••456"
    assert mask("12") == "••"


def test_it_generates_numbers_that_pass_the_check() -> None:
    rng = random.Random(4)
    for year, sex in [(1931, "male"), (1988, "female"), (2000, "male"), (2025, "female")]:
        number = generate(rng, prefix="096", birth_year=year, sex=sex)  # type: ignore[arg-type]
        assert check_against(number, birth_year=year, sex=sex).province_prefix == "096"  # type: ignore[arg-type]


def test_it_uses_a_given_serial_for_the_last_six_digits() -> None:
    rng = random.Random(1)
    assert generate(rng, prefix="014", birth_year=1975, sex="male", serial=42) == "014075000042"
    with pytest.raises(ValueError, match="serial"):
        generate(rng, prefix="014", birth_year=1975, sex="male", serial=1_000_000)
    with pytest.raises(ValueError, match="1900-2399"):
        generate(rng, prefix="014", birth_year=1899, sex="male")
