"""lib.vn_text: names typed with any tone placement, case or encoding compare equal."""

from __future__ import annotations

import unicodedata

import pytest

from lib.vn_text import fold, has_tone_mark, name_key, nfc, normalise_tone_placement


@pytest.mark.parametrize(
    ("old", "new"), [("Thủy", "Thuỷ"), ("Hòa", "Hoà"), ("Khỏe", "Khoẻ"), ("thúy", "thuý")]
)
def test_it_folds_both_tone_placements_to_one(old: str, new: str) -> None:
    assert normalise_tone_placement(old) == new
    assert normalise_tone_placement(new) == new
    assert name_key(old) == name_key(new)


def test_it_leaves_tones_inside_longer_syllables_alone() -> None:
    for word in ("hoàng", "Nguyễn", "khuỷu", "Quý", "Toàn"):
        assert normalise_tone_placement(word) == word


def test_it_folds_to_plain_lower_case_ascii_with_d_for_đ() -> None:
    assert fold("Đặng Thị Ngọc Ánh") == "dang thi ngoc anh"
    assert fold("ĐỖ  VĂN   ĐẠT") == "do van dat"
    assert name_key("Phường Bạc Liêu") == "phuong bac lieu"


def test_it_treats_decomposed_input_like_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Thủy")
    assert decomposed != "Nguyễn Thị Thủy"
    assert nfc(decomposed) == "Nguyễn Thị Thủy"
    assert name_key(decomposed) == name_key("NGUYỄN THỊ THUỶ") == "nguyen thi thuy"


def test_it_collapses_white_space() -> None:
    assert nfc("  Lò \t Văn\n Chiến ") == "Lò Văn Chiến"


def test_it_tells_whether_text_carries_a_tone_mark() -> None:
    assert has_tone_mark("Thủy")
    assert not has_tone_mark("Thuy")
    assert not has_tone_mark("Đăng")  # a vowel mark and a stroke, but no tone
