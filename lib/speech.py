"""Vietnamese text made ready for a speech synthesiser (espeak-ng's Vietnamese voice).

espeak-ng reads Vietnamese words well but everything else badly: "50.000" becomes "năm mươi
nghìn không trăm", "15/7/2025" loses its "tháng" and "năm", "BHYT" is read as an English word
and "VNeID" half in English. `normalise` rewrites such text into the words a person would say:

- amounts and numbers: "1.500.000 đồng", "500.000 ₫" -> "một triệu năm trăm nghìn đồng";
  "2,5" -> "hai phẩy năm"; "70-75 tuổi" -> "bảy mươi đến bảy mươi lăm tuổi";
- dates: "15/7/2025" -> "ngày mười lăm tháng bảy năm hai nghìn không trăm hai mươi lăm";
  "7/2025" -> "tháng bảy năm ..."; times "7h30" -> "bảy giờ ba mươi";
- percentages: "5%" -> "năm phần trăm";
- legal document numbers: "Nghị định 20/2021/NĐ-CP" -> "Nghị định số hai mươi năm hai nghìn
  không trăm hai mươi mốt của Chính phủ";
- phone numbers, hotlines and long digit strings, read digit by digit;
- abbreviations: a few app and technical names spelled the Vietnamese way ("VNeID", "OTP",
  "Wi-Fi"), then the caller's dictionary for all-capital abbreviations ("BHYT" -> "bảo hiểm y
  tế"), then any other all-capital abbreviation spelled letter by letter.

Numbers follow the Northern reading of the `vi` voice ("nghìn", "linh"). Pure Python, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

__all__ = ["digits_words", "normalise", "number_words"]

_UNITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 10**9
# Beyond this a number is more likely an identifier than an amount: read it digit by digit.
_LARGEST_AMOUNT = 10**15 - 1


def _below_thousand(n: int, padded: bool) -> list[str]:
    """0 < n < 1000; `padded` reads a leading "không trăm" / "linh" after a higher group."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or padded:
        words += [_UNITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if hundreds or padded:
                words.append("linh")
            words.append(_UNITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _UNITS[units])
    else:
        words += [_UNITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _UNITS[units]))
    return words


def _below_billion(n: int, padded: bool) -> list[str]:
    words: list[str] = []
    for scale, name in ((10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group, n = divmod(n, scale)
        if group:
            words += _below_thousand(group, padded)
            if name:
                words.append(name)
            padded = True
    return words


def number_words(n: int) -> str:
    """A whole number in words: 1500000 -> "một triệu năm trăm nghìn"; 2021 -> "hai nghìn
    không trăm hai mươi mốt"; 105 -> "một trăm linh năm"."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return _UNITS[0]
    if n >= _BILLION:
        high, low = divmod(n, _BILLION)
        words = [number_words(high), "tỷ"]
        if low:
            words += _below_billion(low, padded=True)
        return " ".join(words)
    return " ".join(_below_billion(n, padded=False))


def digits_words(text: str) -> str:
    """Every digit of `text` in words, other characters dropped: "113" -> "một một ba"."""
    return " ".join(_UNITS[int(ch)] for ch in text if ch.isdigit())


def _decimal_words(whole: str, fraction: str) -> str:
    integer = number_words(int(whole.replace(".", "")))
    if fraction.startswith("0") or len(fraction) > 3:
        return f"{integer} phẩy {digits_words(fraction)}"
    return f"{integer} phẩy {number_words(int(fraction))}"


# Spoken forms of names and abbreviations that no dictionary of words covers. Matched with their
# case as written, longest first.
SPOKEN: dict[str, str] = {
    "VNeID": "vi en i ai đi",
    "VssID": "vi ét ét ai đi",
    "CH Play": "xê hát plây",
    "App Store": "áp xto",
    "Wi-Fi": "wai phai",
    "WiFi": "wai phai",
    "wifi": "wai phai",
    "Zalo": "da lô",
    "Internet": "in tơ nét",
    "internet": "in tơ nét",
    "online": "on lai",
    "iPhone": "ai phôn",
    "Android": "an đờ roi",
    "OTP": "ô tê pê",
    "QR": "kiu a",
    "SMS": "ét em ét",
    "ATM": "a tê em",
    "PIN": "pin",
    "ID": "ai đi",
    "TP.HCM": "thành phố Hồ Chí Minh",
    "TP HCM": "thành phố Hồ Chí Minh",
    "TP.": "thành phố",
    "TP": "thành phố",
    "HCM": "Hồ Chí Minh",
    "3G": "ba gờ",
    "4G": "bốn gờ",
    "5G": "năm gờ",
}

# Vietnamese letter names, shortened the way people spell abbreviations aloud.
_LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "đê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê",
    "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e lờ", "M": "em", "N": "en", "O": "o",
    "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích", "Y": "i", "Z": "dét",
}  # fmt: skip

# Legal documents: "20/2021/NĐ-CP" is number 20 of 2021, a decree (NĐ) of the Government (CP).
_DOCUMENT_KINDS = {
    "NĐ": "nghị định",
    "QĐ": "quyết định",
    "TT": "thông tư",
    "TTLT": "thông tư liên tịch",
    "NQ": "nghị quyết",
    "CT": "chỉ thị",
    "KH": "kế hoạch",
    "CV": "công văn",
    "HD": "hướng dẫn",
    "L": "luật",
}
_ISSUERS = {
    "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ",
    "QH": "Quốc hội",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "BYT": "Bộ Y tế",
    "BTC": "Bộ Tài chính",
    "BCA": "Bộ Công an",
    "BLĐTBXH": "Bộ Lao động, Thương binh và Xã hội",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "BKHCN": "Bộ Khoa học và Công nghệ",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BNNMT": "Bộ Nông nghiệp và Môi trường",
    "BDTTG": "Bộ Dân tộc và Tôn giáo",
    "BTP": "Bộ Tư pháp",
    "BNV": "Bộ Nội vụ",
    "NHNN": "Ngân hàng Nhà nước",
    "UBND": "Ủy ban nhân dân",
    "TCTK": "Tổng cục Thống kê",
    "BHXH": "Bảo hiểm xã hội",
    "BCĐTW": "Ban Chỉ đạo Trung ương",
}

_WORD_CHARS = r"0-9A-Za-z\u00C0-\u1EF9"
_B = rf"(?<![{_WORD_CHARS}])"  # a word starts here
_E = rf"(?![{_WORD_CHARS}])"  # a word ends here
_CODE = r"[A-ZĐ][A-Za-zĐđ]*[0-9]*"

_DOCUMENT = re.compile(rf"{_B}(\d{{1,5}})/(?:(\d{{4}})/)?({_CODE}(?:-{_CODE})?){_E}")
_DATE = re.compile(rf"{_B}(\d{{1,2}})\s?[/.-]\s?(\d{{1,2}})\s?[/.-]\s?(\d{{4}}){_E}")
_ISO_DATE = re.compile(rf"{_B}(\d{{4}})-(\d{{2}})-(\d{{2}}){_E}")
_MONTH_YEAR = re.compile(rf"{_B}(\d{{1,2}})/(\d{{4}}){_E}")
_TIME = re.compile(rf"{_B}(\d{{1,2}})(?:h|:)(\d{{2}})(?:p|')?{_E}")
_HOUR = re.compile(rf"{_B}(\d{{1,2}})h{_E}")
_PHONE = re.compile(
    rf"(?:\+84[\s.]?|{_B}0)[1-9]\d{{1,3}}(?:[\s.]?\d){{6,8}}{_E}"  # 0912 345 678, +84 912 345 678
    rf"|{_B}1[89]00[\s.]?\d{{3,4}}(?:[\s.]?\d{{2,4}})?{_E}"  # 1900 1234, 1800 599 920
)
_HOTLINE = re.compile(
    rf"(?i)((?:gọi|số|tổng đài|đường dây nóng|đường dây|hotline)\s+)(11[1-5]){_E}"
)
_PERCENT = re.compile(rf"{_B}(\d+)(?:,(\d+))?\s?%")
_MONEY_SIGN = re.compile(rf"(\d)\s?(?:₫|VNĐ|VND|vnđ|vnd|đồng|đ){_E}")
_PER = re.compile(r"\s?/\s?(tháng|năm|ngày|tuần|giờ|người|hộ|lần|kỳ|suất|khẩu)" + _E)
_ORDINAL = re.compile(rf"(?i){_B}(thứ)\s+(\d+){_E}")
_RANGE = re.compile(rf"{_B}(\d[\d.,]*)\s?[-–]\s?(\d[\d.,]*){_E}")
_DECIMAL = re.compile(rf"{_B}(\d{{1,3}}(?:\.\d{{3}})+|\d+),(\d+){_E}")
_GROUPED = re.compile(rf"{_B}\d{{1,3}}(?:\.\d{{3}})+{_E}")
_INTEGER = re.compile(rf"{_B}\d+{_E}")
_DOMAIN = re.compile(
    r"(?i)(?:https?://)?((?:[a-z0-9-]+\.)+(?:vn|com|net|org|gov))(?:/[^\s]*)?(?![a-z0-9])"
)
_CAPITALS = re.compile(rf"{_B}[A-ZĐ][A-Za-zĐđ]*[A-ZĐ][A-Za-zĐđ]*{_E}")
_SYLLABLE = re.compile(
    r"(?i)^(?:b|c|ch|d|đ|g|gh|gi|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)?"
    r"(?:[aeiouy]{1,3})(?:c|ch|m|n|ng|nh|p|t)?$"
)
_SPACES = re.compile(r"[ \t\u00a0]+")


def _preceded_by(match: re.Match[str], *words: str) -> str | None:
    """The one of `words` (compared without case) written just before the match, if any."""
    before = match.string[: match.start()].rstrip().lower()
    for word in words:
        if before.endswith(word.lower()) and (
            len(before) == len(word) or not before[-len(word) - 1].isalnum()
        ):
            return word
    return None


def _issuer_words(code: str) -> str:
    term = re.fullmatch(r"([A-Za-zĐđ/]+?)(\d+)", code)
    if term and term.group(1) in _ISSUERS:
        # QH15: the National Assembly of the 15th term.
        return f"{_ISSUERS[term.group(1)]} khóa {number_words(int(term.group(2)))}"
    if code in _ISSUERS:
        return _ISSUERS[code]
    return _spell(code)


def _document(match: re.Match[str]) -> str:
    number, year, code = match.group(1), match.group(2), match.group(3)
    kind, _, issuer = code.partition("-")
    if not issuer:
        kind, issuer = "", kind
    if kind and kind not in _DOCUMENT_KINDS and kind not in _ISSUERS:
        return match.group(0)
    if not kind and not year:
        return match.group(0)  # "5/BHXH" is too vague to be sure it is a document number
    words = []
    if not _preceded_by(match, "số"):
        words.append("số")
    words.append(number_words(int(number)))
    if year:
        words += ["năm", number_words(int(year))]
    kind_name = _DOCUMENT_KINDS.get(kind, "")
    # "793/BTTTT-THH": a ministry's own numbering, then its department; say the ministry.
    issuer_name = _ISSUERS[kind] if kind in _ISSUERS else _issuer_words(issuer)
    if kind_name and not _preceded_by(match, kind_name, kind_name + " số"):
        words.append(kind_name)
    words += ["của", issuer_name]
    return " ".join(words)


def _month_words(month: int) -> str:
    return "tư" if month == 4 else number_words(month)


def _date_words(match: re.Match[str], day: int, month: int, year: int) -> str:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    words = [] if _preceded_by(match, "ngày", "ngày mồng") else ["ngày"]
    words += [number_words(day), "tháng", _month_words(month), "năm", number_words(year)]
    return " ".join(words)


def _date(match: re.Match[str]) -> str:
    return _date_words(match, int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _iso_date(match: re.Match[str]) -> str:
    return _date_words(match, int(match.group(3)), int(match.group(2)), int(match.group(1)))


def _month_year(match: re.Match[str]) -> str:
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    words = [] if _preceded_by(match, "tháng") else ["tháng"]
    return " ".join([*words, _month_words(month), "năm", number_words(year)])


def _time(match: re.Match[str]) -> str:
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 24 or minute > 59:
        return match.group(0)
    words = [number_words(hour), "giờ"]
    if minute:
        words.append(number_words(minute))
    return " ".join(words)


def _hour(match: re.Match[str]) -> str:
    hour = int(match.group(1))
    return match.group(0) if hour > 24 else f"{number_words(hour)} giờ"


def _phone(match: re.Match[str]) -> str:
    groups = re.split(r"[\s.]+", match.group(0).replace("+84", "+84 "))
    spoken = []
    for group in groups:
        if group == "+84":
            spoken.append("cộng tám tư")
        elif group:
            spoken.append(digits_words(group))
    return ", ".join(spoken)


def _ordinal(match: re.Match[str]) -> str:
    n = int(match.group(2))
    return f"{match.group(1)} {({1: 'nhất', 4: 'tư'}).get(n, number_words(n))}"


def _amount(text: str) -> str:
    """One number as written ("1.500.000", "2,5", "2021", "0912") in words."""
    if "," in text:
        whole, _, fraction = text.partition(",")
        return _decimal_words(whole, fraction) if whole and fraction else text
    plain = text.replace(".", "")
    if not plain.isdigit():
        return text
    if "." not in text and (len(plain) >= 5 or (len(plain) >= 3 and plain.startswith("0"))):
        return digits_words(plain)  # an identifier, a code or a number with a leading zero
    value = int(plain)
    return number_words(value) if value <= _LARGEST_AMOUNT else digits_words(plain)


def _range(match: re.Match[str]) -> str:
    low, high = match.group(1).rstrip(".,"), match.group(2).rstrip(".,")
    tail = match.group(2)[len(high) :]
    return f"{_amount(low)} đến {_amount(high)}{tail}"


def _spell(token: str) -> str:
    return " ".join(_LETTERS.get(ch.upper(), ch) for ch in token if not ch.isspace())


def _abbreviation(match: re.Match[str], dictionary: Mapping[str, str]) -> str:
    token = match.group(0)
    key = _fold(token)
    if token.upper() == token and key in dictionary:
        return dictionary[key]
    if token.upper() == token and len(token) <= 6 and not _SYLLABLE.match(token):
        return _spell(token)
    return token


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


def _spoken(text: str) -> str:
    for written in sorted(SPOKEN, key=len, reverse=True):
        text = re.sub(rf"{_B}{re.escape(written)}{_E}", SPOKEN[written], text)
    return text


# Parts of web addresses people are told to type, said as the words they stand for.
_DOMAIN_WORDS = {
    "dichvucong": "dịch vụ công",
    "baohiemxahoi": "bảo hiểm xã hội",
    "binhdanhocvuso": "bình dân học vụ số",
    "vieclam": "việc làm",
    "chinhphu": "chính phủ",
    "vn": "vê en",
    "www": "vê kép vê kép vê kép",
}


def _domain(match: re.Match[str]) -> str:
    labels = match.group(1).lower().split(".")
    return " chấm ".join(_DOMAIN_WORDS.get(label, label) for label in labels)


def normalise(text: str, abbreviations: Mapping[str, str] | None = None) -> str:
    """`text` rewritten as words for the synthesiser.

    `abbreviations` maps a folded abbreviation ("bhyt") to its words ("bảo hiểm y tế"); it is
    applied only where the text writes the abbreviation in capitals ("BHYT"), so that ordinary
    lower-case words are never replaced. Keys that are not single words are ignored.
    """
    dictionary = {
        _fold(key): value
        for key, value in (abbreviations or {}).items()
        if re.fullmatch(r"[a-z0-9]+", _fold(key))
    }
    text = unicodedata.normalize("NFC", text)
    text = _DOMAIN.sub(_domain, text)
    text = _DOCUMENT.sub(_document, text)
    text = _DATE.sub(_date, text)
    text = _ISO_DATE.sub(_iso_date, text)
    text = _MONTH_YEAR.sub(_month_year, text)
    text = _TIME.sub(_time, text)
    text = _HOUR.sub(_hour, text)
    text = _PHONE.sub(_phone, text)
    text = _HOTLINE.sub(lambda m: m.group(1) + digits_words(m.group(2)), text)
    text = _spoken(text)
    text = _PERCENT.sub(
        lambda m: _amount(m.group(1) + ("," + m.group(2) if m.group(2) else "")) + " phần trăm",
        text,
    )
    text = _MONEY_SIGN.sub(r"\1 đồng", text)
    text = _PER.sub(r" mỗi \1", text)
    text = _ORDINAL.sub(_ordinal, text)
    text = _RANGE.sub(_range, text)
    text = _DECIMAL.sub(lambda m: _decimal_words(m.group(1), m.group(2)), text)
    text = _GROUPED.sub(lambda m: _amount(m.group(0)), text)
    text = _INTEGER.sub(lambda m: _amount(m.group(0)), text)
    text = _CAPITALS.sub(lambda m: _abbreviation(m, dictionary), text)
    return _tidy(text)


def _tidy(text: str) -> str:
    text = text.replace("&", " và ").replace("→", ", ").replace("=", " là ")
    text = re.sub(r"[*_#`“”\"«»•]", " ", text)
    text = re.sub(r"\s*[()\[\]/]\s*", ", ", text)
    text = re.sub(r"(?<=\s)[-–—](?=\s)", ",", text)
    lines = [_SPACES.sub(" ", line).strip(" ,") for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(\s*,)+", ",", text)
    return re.sub(r",\s*([.!?;:])", r"\1", text)
