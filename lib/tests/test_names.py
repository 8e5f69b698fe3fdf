"""lib.names: believable names, family name first, in each community's style."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from lib import ethnicity
from lib.names import STYLES, Weighted, name_parts, style_for
from lib.vn_text import name_key


def test_it_writes_every_name_part_in_nfc() -> None:
    for word in name_parts():
        assert unicodedata.normalize("NFC", word) == word
        assert word.strip() == word and " " not in word


def test_it_draws_kinh_family_names_with_realistic_weights() -> None:
    rng = random.Random(1)
    style = style_for("Kinh", region="south")
    counts = Counter(style.family(rng) for _ in range(20_000))
    share = {name: n / 20_000 for name, n in counts.items()}
    assert 0.34 < share["Nguyễn"] < 0.42
    assert 0.09 < share["Trần"] < 0.13
    assert 0.08 < share["Lê"] < 0.11
    assert share["Huỳnh"] > share.get("Hoàng", 0)  # the south says Huỳnh
    north = Counter(style_for("Kinh", region="north").family(rng) for _ in range(20_000))
    assert north["Hoàng"] > north["Huỳnh"]


@pytest.mark.parametrize(
    ("group", "families"),
    [
        ("Khơ me", {"Thạch", "Danh", "Sơn", "Kim", "Lâm", "Lý", "Châu"}),
        ("Hoa", {"Lâm", "Quách", "Hứa", "Trương", "Tăng"}),
        ("Thái", {"Lò", "Lường", "Cầm", "Quàng", "Tòng", "Vì", "Điêu"}),
        ("Mông", {"Giàng", "Vàng", "Sùng", "Thào", "Lầu", "Mùa", "Hạng", "Lý", "Hầu"}),
        ("Mường", {"Bùi", "Đinh", "Quách", "Hà"}),
        ("Khơ-mú", {"Lò", "Quàng", "Vi"}),
        ("Dao", {"Bàn", "Triệu", "Lý", "Đặng"}),
    ],
)
def test_it_names_minorities_with_their_own_family_names(group: str, families: set[str]) -> None:
    style = style_for(ethnicity.by_name(group).name)
    assert families <= set(style.families.items)
    rng = random.Random(2)
    drawn = Counter(style.family(rng) for _ in range(2_000))
    assert sum(drawn[f] for f in families) / 2_000 > 0.4


def test_it_gives_mong_men_short_names_after_a_and_women_after_thi() -> None:
    rng = random.Random(3)
    style = style_for("Mông")
    men = [style.given(rng, "male") for _ in range(500)]
    women = [style.given(rng, "female") for _ in range(500)]
    assert sum(name.startswith("A ") for name in men) > 250
    assert sum(name.startswith("Thị ") for name in women) > 400
    assert all(len(name.split()) <= 2 for name in men)


def test_it_uses_khmer_given_names_of_two_syllables() -> None:
    rng = random.Random(5)
    names = [style_for("Khơ me").full_name(rng, "female") for _ in range(300)]
    assert any(name.endswith(("Sà Quân", "Chanh Đa")) for name in names)
    assert all(name.split()[0] in STYLES["khmer"].families.items for name in names)


def test_it_puts_the_family_name_first() -> None:
    rng = random.Random(6)
    name = style_for("Kinh").full_name(rng, "male", family="Nguyễn")
    assert name.startswith("Nguyễn ")
    assert name_key(name).startswith("nguyen ")


def test_it_breaks_the_van_and_thi_hint_sometimes() -> None:
    rng = random.Random(7)
    style = style_for("Kinh")
    women = Counter(style.given(rng, "female").split()[0] for _ in range(20_000))
    assert women["Thị"] > 5_000
    assert women["Văn"] > 0  # some women carry "Văn": never infer sex from a name
    young = Counter(style.given(rng, "female", young=True).split()[0] for _ in range(20_000))
    assert young["Thị"] < women["Thị"]


def test_it_refuses_a_weighted_choice_without_weight() -> None:
    with pytest.raises(ValueError, match="positive weight"):
        Weighted([("x", 0.0)])
