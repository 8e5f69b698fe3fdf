"""The 12-digit personal identification number (số định danh cá nhân, CCCD).

Structure (Circular 07/2016/TT-BCA Art. 7, restated in Circular 59/2021/TT-BCA Art. 4):
digits 1-3 are the province where the birth was registered (the pre-2025 63-province GSO code
with a leading zero) or a country code for births abroad; digit 4 is century and sex; digits 5-6
are the last two digits of the birth year; digits 7-12 are random. There is no check digit, so
validation is structural. Legacy 9-digit identity-card numbers (CMND) are accepted as aliases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Sex = Literal["male", "female"]

# Appendix I of Circular 07/2016/TT-BCA. Numbers issued before the 2025 merger keep their prefix.
PROVINCE_PREFIXES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

_CENTURY_BASE = {0: 1900, 2: 2000, 4: 2100, 6: 2200, 8: 2300}
_CENTURY_DIGIT = {year: digit for digit, year in _CENTURY_BASE.items()}


class PersonalIdError(ValueError):
    """A number that cannot be a personal ID; the message is Vietnamese, then English."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class PersonalId:
    number: str
    province_prefix: str
    sex: Sex
    birth_year_century: int
    birth_year_2: int

    def birth_year_matches(self, year: int) -> bool:
        return self.birth_year_century <= year < self.birth_year_century + 100 and (
            year % 100 == self.birth_year_2
        )


def clean(raw: str) -> str:
    """Strip spaces, dots and dashes that people and spreadsheets put in numbers."""
    return "".join(ch for ch in raw.strip() if ch not in " .-\u00a0")


def is_legacy_id(raw: str) -> bool:
    """A 9-digit identity-card number (CMND) kept only as an alias."""
    number = clean(raw)
    return len(number) == 9 and number.isdigit()


def parse(raw: str) -> PersonalId:
    """Parse a 12-digit number and check its structure, or raise PersonalIdError."""
    number = clean(raw)
    if not number.isdigit() or len(number) != 12:
        raise PersonalIdError(
            "length",
            f"Số định danh phải có đúng 12 chữ số (nhận được {len(number)} ký tự).",
            f"A personal ID number has exactly 12 digits (got {len(number)} characters).",
        )
    prefix = number[:3]
    if prefix not in PROVINCE_PREFIXES:
        raise PersonalIdError(
            "prefix",
            f"Ba chữ số đầu {prefix} không phải mã tỉnh nơi đăng ký khai sinh.",
            f"The first three digits {prefix} are not a province code of birth registration.",
        )
    digit = int(number[3])
    century = _CENTURY_BASE[digit - digit % 2]
    sex: Sex = "male" if digit % 2 == 0 else "female"
    return PersonalId(number, prefix, sex, century, int(number[4:6]))


def check_against(raw: str, *, birth_year: int | None, sex: Sex | None) -> PersonalId:
    """Parse and check that the number agrees with the recorded birth year and sex."""
    pid = parse(raw)
    if sex is not None and pid.sex != sex:
        raise PersonalIdError(
            "sex",
            "Chữ số thứ 4 của số định danh không khớp với giới tính đã ghi.",
            "The 4th digit of the personal ID does not match the recorded sex.",
        )
    if birth_year is not None and not pid.birth_year_matches(birth_year):
        raise PersonalIdError(
            "birth_year",
            f"Số định danh ghi năm sinh khác với năm sinh {birth_year} đã ghi "
            "(chữ số 4-6 chỉ thế kỷ và năm sinh).",
            f"The personal ID encodes a birth year other than the recorded {birth_year} "
            "(digits 4-6 give the century and year).",
        )
    return pid


def generate(
    rng: random.Random, *, prefix: str, birth_year: int, sex: Sex, serial: int | None = None
) -> str:
    """A structurally valid number for demo data.

    Digits 7-12 are random, or `serial` when given: a caller that must not repeat a number
    (the demo generator) hands out serials itself instead of remembering every number issued.
    """
    century = birth_year - birth_year % 100
    if century not in _CENTURY_DIGIT:
        raise ValueError(f"birth year {birth_year} is outside 1900-2399")
    if serial is None:
        serial = rng.randrange(1_000_000)
    elif not 0 <= serial < 1_000_000:
        raise ValueError(f"serial {serial} is not a 6-digit number")
    digit = _CENTURY_DIGIT[century] + (sex == "female")
    return f"{prefix}{digit}{birth_year % 100:02d}{serial:06d}"


def mask(number: str) -> str:
    """Show only the last three digits: enough to tell people apart on a list."""
    if len(number) <= 3:
        return "•" * len(number)
    return "•" * (len(number) - 3) + number[-3:]
