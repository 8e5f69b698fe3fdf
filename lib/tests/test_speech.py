"""lib.speech: what espeak-ng is given to read aloud is what a person would say."""

from __future__ import annotations

import pytest

from lib.speech import digits_words, normalise, number_words

ABBREVIATIONS = {
    "bhyt": "bảo hiểm y tế",
    "cccd": "căn cước công dân",
    "ubnd": "ủy ban nhân dân",
    "so do": "giấy chứng nhận quyền sử dụng đất",
    "hn": "hộ nghèo",
}


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (30, "ba mươi"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1000, "một nghìn"),
        (2021, "hai nghìn không trăm hai mươi mốt"),
        (2025, "hai nghìn không trăm hai mươi lăm"),
        (360_000, "ba trăm sáu mươi nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (2_000_050, "hai triệu không trăm năm mươi"),
        (1_000_000_000, "một tỷ"),
        (1_000_000_005, "một tỷ không trăm linh năm"),
        (3_200_000_000_000, "ba nghìn hai trăm tỷ"),
        (-7, "âm bảy"),
    ],
)
def test_it_reads_whole_numbers_the_northern_way(number: int, words: str) -> None:
    assert number_words(number) == words


def test_it_reads_digits_one_by_one() -> None:
    assert digits_words("0912") == "không chín một hai"
    assert digits_words("1-1-3") == "một một ba"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Mức chuẩn 1.500.000 đồng", "Mức chuẩn một triệu năm trăm nghìn đồng"),
        ("được 500.000 ₫", "được năm trăm nghìn đồng"),
        ("được 500.000\u00a0₫", "được năm trăm nghìn đồng"),
        ("giá 20.000đ", "giá hai mươi nghìn đồng"),
        ("giá 20.000 VNĐ", "giá hai mươi nghìn đồng"),
        ("360.000 đồng/tháng", "ba trăm sáu mươi nghìn đồng mỗi tháng"),
        ("khoảng 1,5 triệu đồng", "khoảng một phẩy năm triệu đồng"),
        ("hệ số 2,05", "hệ số hai phẩy không năm"),
    ],
)
def test_it_says_amounts_in_words(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        (
            "từ 15/7/2025",
            "từ ngày mười lăm tháng bảy năm hai nghìn không trăm hai mươi lăm",
        ),
        (
            "từ ngày 01/04/2026",
            "từ ngày một tháng tư năm hai nghìn không trăm hai mươi sáu",
        ),
        (
            "hạn 2025-12-31",
            "hạn ngày ba mươi mốt tháng mười hai năm hai nghìn không trăm hai mươi lăm",
        ),
        ("từ tháng 7/2025", "từ tháng bảy năm hai nghìn không trăm hai mươi lăm"),
        ("từ 7/2025", "từ tháng bảy năm hai nghìn không trăm hai mươi lăm"),
        ("mở cửa 7h30 đến 17h", "mở cửa bảy giờ ba mươi đến mười bảy giờ"),
        ("lúc 14:05", "lúc mười bốn giờ năm"),
    ],
)
def test_it_says_dates_and_times_with_their_words(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


def test_it_leaves_impossible_dates_as_numbers() -> None:
    assert "ngày" not in normalise("mã 45/13/2025")


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("được 100% học phí", "được một trăm phần trăm học phí"),
        ("giảm 2,5%", "giảm hai phẩy năm phần trăm"),
        ("người từ 70-75 tuổi", "người từ bảy mươi đến bảy mươi lăm tuổi"),
        (
            "giai đoạn 2022–2025",
            "giai đoạn hai nghìn không trăm hai mươi hai đến hai nghìn không trăm hai mươi lăm",
        ),
        ("tầng thứ 4, thứ 1", "tầng thứ tư, thứ nhất"),
    ],
)
def test_it_says_percentages_ranges_and_ordinals(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        (
            "Nghị định 20/2021/NĐ-CP",
            "Nghị định số hai mươi năm hai nghìn không trăm hai mươi mốt của Chính phủ",
        ),
        (
            "theo Nghị định số 20/2021/NĐ-CP",
            "theo Nghị định số hai mươi năm hai nghìn không trăm hai mươi mốt của Chính phủ",
        ),
        (
            "theo 20/2021/NĐ-CP",
            "theo số hai mươi năm hai nghìn không trăm hai mươi mốt nghị định của Chính phủ",
        ),
        (
            "Luật Căn cước 26/2023/QH15",
            "Luật Căn cước số hai mươi sáu năm hai nghìn không trăm hai mươi ba "
            "của Quốc hội khóa mười lăm",
        ),
        ("Quyết định 2733/QĐ-BYT", "Quyết định số hai nghìn bảy trăm ba mươi ba của Bộ Y tế"),
        (
            "Thông tư 07/2016/TT-BCA",
            "Thông tư số bảy năm hai nghìn không trăm mười sáu của Bộ Công an",
        ),
        ("Quyết định 608/QĐ-TTg", "Quyết định số sáu trăm linh tám của Thủ tướng Chính phủ"),
    ],
)
def test_it_reads_legal_document_numbers_naturally(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Gọi 0912 345 678", "Gọi không chín một hai, ba bốn năm, sáu bảy tám"),
        ("Gọi 0912345678", "Gọi không chín một hai ba bốn năm sáu bảy tám"),
        ("số +84 912 345 678", "số cộng tám tư, chín một hai, ba bốn năm, sáu bảy tám"),
        ("tổng đài 1900 9095", "tổng đài một chín không không, chín không chín năm"),
        ("gọi 113 ngay", "gọi một một ba ngay"),
        ("Gọi 111", "Gọi một một một"),
        (
            "số định danh 079123456789",
            "số định danh không bảy chín một hai ba bốn năm sáu bảy tám chín",
        ),
    ],
)
def test_it_reads_phone_numbers_and_identifiers_digit_by_digit(text: str, spoken: str) -> None:
    assert normalise(text) == spoken


def test_it_reads_small_numbers_after_so_as_numbers() -> None:
    assert normalise("có 113 hộ") == "có một trăm mười ba hộ"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Thẻ BHYT và CCCD", "Thẻ bảo hiểm y tế và căn cước công dân"),
        ("UBND xã", "ủy ban nhân dân xã"),
        ("Cài VNeID từ CH Play", "Cài vi en i ai đi từ xê hát plây"),
        ("Không đưa mã OTP", "Không đưa mã ô tê pê"),
        ("quét mã QR", "quét mã kiu a"),
        ("Wi-Fi hoặc 3G/4G", "wai phai hoặc ba gờ, bốn gờ"),
        ("ứng dụng VssID", "ứng dụng vi ét ét ai đi"),
        ("trả tiền EVN", "trả tiền e vê en"),
        ("vào dichvucong.gov.vn", "vào dịch vụ công chấm gov chấm vê en"),
        ("vào https://dichvucong.gov.vn/p/home", "vào dịch vụ công chấm gov chấm vê en"),
    ],
)
def test_it_expands_or_spells_abbreviations(text: str, spoken: str) -> None:
    assert normalise(text, ABBREVIATIONS) == spoken


def test_it_expands_dictionary_entries_only_where_written_in_capitals() -> None:
    # "hn" is an abbreviation when typed in search, but "Hn" or "hn" in an article is not.
    assert normalise("thẻ bhyt", ABBREVIATIONS) == "thẻ bhyt"
    assert normalise("HN", ABBREVIATIONS) == "hộ nghèo"
    # Multi-word keys ("so do") are search synonyms, never applied to speech.
    assert normalise("SO DO", ABBREVIATIONS) == "SO DO"


def test_it_keeps_vietnamese_words_in_capitals() -> None:
    assert normalise("LƯU Ý: HOA ĐI CHỢ") == "LƯU Ý: HOA ĐI CHỢ"


def test_it_turns_symbols_into_pauses_and_drops_markup() -> None:
    assert normalise("**Chú ý** (quan trọng) → gọi") == "Chú ý, quan trọng, gọi"
    assert normalise("A & B") == "A và B"
    assert normalise("Đặt mã (mã số).") == "Đặt mã, mã số."


def test_it_keeps_one_sentence_per_line() -> None:
    assert normalise("Dòng một.\n\n  \nDòng 2.") == "Dòng một.\nDòng hai."


def test_it_leaves_plain_vietnamese_unchanged() -> None:
    text = "Người cao tuổi được nhận trợ cấp xã hội hằng tháng."
    assert normalise(text) == text
