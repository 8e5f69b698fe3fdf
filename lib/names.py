"""Realistic Vietnamese personal names for demo data, family name first.

Each naming style (Kinh in the south or the north, Khmer, Hoa, Thái, Mông, Mường, Khơ-mú, Dao,
Tày-Nùng) has its own family names with realistic weights, middle names and given names by sex.
The frequencies are rounded from published surveys of family names (Nguyễn about 38 %, Trần 11 %,
Lê 9.5 %, ...) and, for minorities, from common usage; they make plausible data, not statistics.
Middle names hint at sex ("Văn", "Thị") but software must never infer sex from a name, so the
demo data breaks the hint now and then, as real registries do. Every string is NFC.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Sex = Literal["male", "female"]
Region = Literal["north", "south"]


class Weighted:
    """A fixed weighted choice: pick() is one random() and one bisect."""

    __slots__ = ("items", "_cum", "_total")

    def __init__(self, pairs: Iterable[tuple[str, float]]) -> None:
        items: list[str] = []
        cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight <= 0:
                continue
            total += weight
            items.append(item)
            cum.append(total)
        if not items:
            raise ValueError("a weighted choice needs at least one positive weight")
        self.items: tuple[str, ...] = tuple(items)
        self._cum = cum
        self._total = total

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self._cum, rng.random() * self._total)]


def _w(spec: str) -> list[tuple[str, float]]:
    """Parse "Nguyễn 38, Trần 11, Sà Quân" into pairs; an item without a weight weighs 1."""
    pairs = []
    for part in spec.split(","):
        words = part.split()
        if not words:
            continue
        try:
            weight = float(words[-1])
            words = words[:-1]
        except ValueError:
            weight = 1.0
        pairs.append((" ".join(words), weight))
    return pairs


@dataclass(frozen=True)
class NameStyle:
    """How one community names people: tables of family, middle and given names."""

    key: str
    families: Weighted
    middle_male: Weighted
    middle_female: Weighted
    given_male: Weighted
    given_female: Weighted
    # Younger people get "Văn"/"Thị" less often; these tables hold that shifted distribution.
    middle_male_young: Weighted
    middle_female_young: Weighted
    # Share of women given a second middle name ("Nguyễn Thị Kim Ngân").
    second_middle_female: float = 0.0

    def family(self, rng: random.Random) -> str:
        return self.families.pick(rng)

    def given(self, rng: random.Random, sex: Sex, *, young: bool = False) -> str:
        """Middle name(s) and given name, e.g. "Thị Mỷ", "A Dính", "Văn Hùng", "Sô Phết"."""
        if sex == "male":
            middle = (self.middle_male_young if young else self.middle_male).pick(rng)
            given = self.given_male.pick(rng)
        else:
            middle = (self.middle_female_young if young else self.middle_female).pick(rng)
            given = self.given_female.pick(rng)
            if self.second_middle_female and rng.random() < self.second_middle_female:
                second = self.middle_female_young.pick(rng)
                if second not in (middle, "Thị", "-"):
                    middle = f"{middle} {second}"
        if middle == "-":
            return given
        return f"{middle} {given}"

    def full_name(
        self, rng: random.Random, sex: Sex, *, family: str | None = None, young: bool = False
    ) -> str:
        return f"{family or self.family(rng)} {self.given(rng, sex, young=young)}"


def _style(
    key: str,
    *,
    families: str,
    middle_male: str,
    middle_female: str,
    given_male: str,
    given_female: str,
    young_shift: float = 0.4,
    second_middle_female: float = 0.0,
) -> NameStyle:
    def young(spec: str) -> Weighted:
        return Weighted(
            (item, weight * (young_shift if item in ("Văn", "Thị") else 1.0))
            for item, weight in _w(spec)
        )

    return NameStyle(
        key=key,
        families=Weighted(_w(families)),
        middle_male=Weighted(_w(middle_male)),
        middle_female=Weighted(_w(middle_female)),
        given_male=Weighted(_w(given_male)),
        given_female=Weighted(_w(given_female)),
        middle_male_young=young(middle_male),
        middle_female_young=young(middle_female),
        second_middle_female=second_middle_female,
    )


# Kinh families shared by north and south; the regional pairs (Hoàng/Huỳnh, Vũ/Võ) differ.
_KINH_COMMON = (
    "Nguyễn 38, Trần 11, Lê 9.5, Phạm 7, Phan 4.5, Đặng 2.1, Bùi 2, Đỗ 1.4, Hồ 1.3, Ngô 1.3, "
    "Dương 1, Lý 0.5, Đinh 0.6, Trương 0.6, Đoàn 0.5, Lâm 0.4, Mai 0.4, Trịnh 0.4, Lưu 0.3, "
    "Hà 0.4, Cao 0.3, Tô 0.2, Châu 0.2, Tạ 0.2, Thái 0.2, Lương 0.3, Kiều 0.1, La 0.1, "
    "Quách 0.1, Từ 0.1, Văn 0.1, Đàm 0.1, Nông 0.1, Triệu 0.1, Chu 0.2, Lại 0.1"
)
_KINH_MIDDLE_MALE = (
    "Văn 40, Minh 9, Quốc 7, Thanh 6, Hữu 6, Đức 6, Công 4, Ngọc 3, Xuân 3, Thành 3, Gia 3, "
    "Duy 3, Anh 2, Trung 2, Tuấn 2, Nhật 2, Bảo 2, Hoàng 3, Đình 3, Quang 3, Trọng 2, Thế 2"
)
_KINH_MIDDLE_FEMALE = (
    "Thị 50, Ngọc 9, Thu 5, Thanh 5, Kim 4, Mỹ 4, Hồng 4, Minh 3, Phương 3, Thúy 2, Bích 2, "
    "Hoài 2, Bảo 2, Diễm 1, Khánh 2, Thảo 1, Quỳnh 1, Tuyết 1, Hải 1, Văn 0.3"
)
_KINH_GIVEN_MALE = (
    "Hùng, Dũng, Minh, Tuấn, Hải, Nam, Long, Phúc, Khang, Bảo, Huy, Quân, Thành, Trung, Tâm, "
    "Hiếu, Nghĩa, Tài, Phát, Lộc, Sơn, Thắng, Cường, Hoàng, Khoa, Đạt, Vinh, Quang, Tùng, "
    "Kiên, Hưng, Toàn, Thịnh, Trí, Việt, Duy, Anh 0.5, Tú, Hậu, Tín, Lợi, Nhân, Thông, Đức, "
    "Bình, Hòa, An, Thuận, Phong, Hiền 0.3, Khánh, Định, Chiến, Hiệp, Lâm, Tiến, Thọ, Sang"
)
_KINH_GIVEN_FEMALE = (
    "Lan, Hương, Hoa, Mai, Linh, Trang, Hà, Thảo, Ngọc, Nhung, Hằng, Huyền, Thủy, Yến, "
    "Phương, Nga, Loan, Hạnh, Hiền, Tuyết, Dung, Vân, Quyên, Thu, Oanh, Nhi, Vy, Anh, Châu, "
    "Diễm, Kiều, Ánh, Trinh, Giang, My, Tiên, Thư, Ngân, Hồng, Liên, Bích, Xuân, Mỹ, Hân, "
    "Như, Quỳnh, Thơ, Nguyệt, Huệ, Thắm, Lệ, Hòa 0.4, Tâm 0.4, An 0.4"
)
_THAI_GIVEN_MALE = (
    "Chiến, Khặm, Xôm, Panh, Thoòng, Inh, Hượng, Thiêm, Bun, Hưởng, Tiến, Thắng, Hùng, Dũng, "
    "Xuân, Hải, Quyết, Ón, Lả, Pánh, Sương, Chung, Tươi, Tình, Doãn, Ngoan, Phong, Thuấn, "
    "Nọi, Hom, Kiên, Cương, Sinh, Xiển, Pọm, Ơn, Khánh, Nghiệp, Hoan, Lả, Nhọi, Ngân, Sáng"
)
_THAI_GIVEN_FEMALE = (
    "Xuân, Ón, Lả, Pâng, Ỏn, Khuyên, Hương, Hoa, Lan, Tươi, Ngọc, Xiêng, Ún, Phương, Thoa, "
    "Dung, Hiên, Nga, Ươm, Thoan, Nhất, Tiên, Ban, Hom, Sương, Quý, Hạnh, Mai, Pằn, Chăn, "
    "Khiêm, Inh, Biên, Yến, Hiền, Thơm, Im, Văn, Bích, Ngoan, Páng, Xương"
)

STYLES: dict[str, NameStyle] = {
    style.key: style
    for style in (
        _style(
            "kinh_south",
            families=_KINH_COMMON + ", Huỳnh 4.5, Hoàng 0.5, Võ 3.5, Vũ 0.4",
            middle_male=_KINH_MIDDLE_MALE + ", Tấn 4, Hoàng 1, Chí 2, Phước 2",
            middle_female=_KINH_MIDDLE_FEMALE + ", Cẩm 1, Trúc 1",
            given_male=_KINH_GIVEN_MALE + ", Em 0.6, Út 0.6, Phước, Lực, Khải, Trọng, Nhựt",
            given_female=_KINH_GIVEN_FEMALE + ", Em 0.6, Út 0.8, Đào, Sương, Xinh, Kiểu",
            second_middle_female=0.1,
        ),
        _style(
            "kinh_north",
            families=_KINH_COMMON + ", Hoàng 4.5, Huỳnh 0.1, Vũ 3.5, Võ 0.4",
            middle_male=_KINH_MIDDLE_MALE + ", Mạnh 2, Tiến 2, Khắc 1, Bá 1",
            middle_female=_KINH_MIDDLE_FEMALE + ", Lệ 1, Diệu 1",
            given_male=_KINH_GIVEN_MALE + ", Mạnh, Tuyên, Thái, Hoan, Quý, Doanh",
            given_female=_KINH_GIVEN_FEMALE + ", Thoa, Hường, Lương, Chi, Hậu, Duyên",
            second_middle_female=0.08,
        ),
        _style(
            "khmer",
            families=(
                "Thạch 25, Danh 25, Sơn 12, Kim 8, Lâm 6, Lý 6, Châu 6, Trần 3, Huỳnh 2, "
                "Dương 2, Triệu 2, Tăng 1"
            ),
            middle_male="- 55, Văn 30, Thanh 5, Sóc 5, Minh 5",
            middle_female="Thị 70, - 25, Kim 3, Ngọc 2",
            given_male=(
                "Sô Phết, Sa Rết, Sóc Kha, Chanh Thol, Sà Rươne, Sóc Phone, Ky, Sang, Rênh, "
                "Phi Rum, Sa Ra, Pha Ly, Sơ Ni, Sà Ry, Rươl, Sa Vươl, Sóc Khom, Sam Ang, "
                "Sa Ran, Kha Na, Xây, Sóc Thai, Chanh, Rết, Bô, Sóc Rây, Chăn Ty, Ra Tha, "
                "Sa Rinh, Thol, Mal, Hùng 0.5, Tiến 0.5, Hoàng 0.5, Sang 0.5"
            ),
            given_female=(
                "Sà Quân, Chanh Đa, Sô Phi, Ra Ny, Sa Vân, Sóc Na, Sa Rum, Chăn Thy, Mơ Ly, "
                "Sa Ly, Phi Na, Sa Phia, Sóc Thi, Ken Đa, Thi Đa, Sa Mết, Sô Phal, Chanh Thi, "
                "Sa Rên, Pho Ny, Kim Hoa, Ngọc Bích, Lan 0.5, Mỹ 0.5, Thu 0.5, Hồng 0.5"
            ),
            young_shift=0.8,
        ),
        _style(
            "hoa",
            families=(
                "Lâm 15, Trương 10, Quách 8, Hứa 8, Tăng 8, Lý 8, Mã 6, Lưu 6, Huỳnh 6, "
                "Trần 6, Diệp 5, Vương 4, Thái 3, La 3, Tạ 3, Lương 3, Châu 3, Hà 2, Ông 2"
            ),
            middle_male="Văn 25, Quốc 15, Gia 12, Minh 12, Tú 5, Kiến 5, Thế 5, Hữu 5",
            middle_female="Thị 30, Mỹ 15, Ngọc 15, Kim 12, Tú 8, Huệ 5, Bội 3",
            given_male=(
                "Kiệt, Huy, Cường, Phát, Tài, Lợi, Thành, Quang, Hào, Vinh, Hưng, Phong, "
                "Kiện, Bình, Đức, Khải, Nghĩa, Lâm, Hiền, Xương, Quyền"
            ),
            given_female=(
                "Linh, Hân, Tuyết, Lệ, Huệ, Mai, Phượng, Nghi, Dung, Quyên, Hoa, Thanh, Cầm, "
                "Ngọc, Uyển, Doanh, Trân, Bình, Nguyệt"
            ),
        ),
        _style(
            "thai",
            families=(
                "Lò 20, Lường 12, Cầm 10, Quàng 8, Tòng 7, Vì 6, Điêu 5, Hoàng 5, Cà 5, Hà 4, "
                "Bạc 3, Lù 3, Sa 2, Vi 2, Khà 2, Lèo 2, Mè 1, Lừ 1, Đèo 1, Nguyễn 1"
            ),
            middle_male="Văn 78, Thanh 5, Xuân 4, Đức 3, Minh 3, Ngọc 2, Quốc 2",
            middle_female="Thị 90, Thu 3, Ngọc 3, Hồng 2, Minh 2",
            given_male=_THAI_GIVEN_MALE,
            given_female=_THAI_GIVEN_FEMALE,
            young_shift=0.7,
        ),
        _style(
            "khomu",
            families=(
                "Lò 20, Quàng 15, Vi 15, Lường 10, Cà 8, Tòng 5, Lừ 5, Lù 4, Pịa 3, Vì 3, Cầm 2"
            ),
            middle_male="Văn 85, Thanh 3, Xuân 3",
            middle_female="Thị 95, Thu 2",
            given_male=_THAI_GIVEN_MALE + ", Khăm, Phăn, Xiêng, Pún",
            given_female=_THAI_GIVEN_FEMALE + ", Phăn, Ín, Xinh",
            young_shift=0.8,
        ),
        _style(
            "mong",
            families=(
                "Giàng 20, Vàng 15, Sùng 15, Thào 12, Mùa 10, Lầu 8, Hạng 6, Lý 6, Hầu 4, "
                "Tráng 3, Vừ 2, Cứ 2, Mua 1, Chá 1"
            ),
            middle_male="A 68, Bá 10, Seo 8, Văn 7, Chứ 4, Nhìa 3",
            middle_female="Thị 96, - 2, Mỷ 1",
            given_male=(
                "Dính, Páo, Sử, Chư, Tủa, Lử, Của, Chứ, Sình, Pó, Chống, Tráng, Khua, Lềnh, "
                "Dế, Pềnh, Nhìa, Vừ, Chá, Sèo, Tồng, Nủ, Súa, Chớ, Lồng, Pháy, Thề, Lầu, "
                "Cở, Dì, Xá, Giống, Sếnh, Vảng"
            ),
            given_female=(
                "Mỷ, Dợ, Mai, Sua, Pà, Chở, Máy, Dia, Lỳ, Xí, Ly, Mí, Sía, Dớ, Chơ, Phềnh, "
                "Mua, Súa, Vư, Chua, Dung, Dê, Mỉ, Say, Chia, Cáy, Nênh, Pằng, Sông, Sinh"
            ),
            young_shift=0.9,
        ),
        _style(
            "muong",
            families="Bùi 30, Đinh 25, Hà 15, Quách 10, Xa 5, Cao 3, Hoàng 3, Nguyễn 5, Lê 2",
            middle_male="Văn 75, Công 5, Đức 5, Xuân 5, Minh 5, Thanh 5",
            middle_female="Thị 85, Thu 5, Hồng 5, Ngọc 5",
            given_male=_KINH_GIVEN_MALE + ", Khỏe, Mạnh, Sự, Páo",
            given_female=_KINH_GIVEN_FEMALE + ", Thơm, Mến, Ngoan, Sợi",
            young_shift=0.6,
        ),
        _style(
            "dao",
            families="Bàn 30, Triệu 25, Lý 15, Đặng 15, Chảo 5, Phùng 4, Tẩn 3, Lò 2",
            middle_male="Văn 45, Tiến 15, Seo 10, Quý 5, Đức 5, Minh 5",
            middle_female="Thị 85, Mùi 5, Kiều 3, Xuân 3",
            given_male=(
                "Quý, Phú, Chàn, Phin, Sơn, Kiềm, Quẩy, Chòi, Phụ, Tòn, Vần, Chiêu, Liềm, "
                "Tài, Lâm, Hùng, Thắng, Kiên, Chắn, Sinh"
            ),
            given_female=(
                "Nhất, Mai, Chiêm, Say, Mẩy, Xuân, Hương, Kiều, Lan, Phẩy, Liều, Duyên, Thu, "
                "Nái, Dần, Cói"
            ),
            young_shift=0.7,
        ),
        _style(
            "tay_nung",
            families=(
                "Hoàng 20, Nông 18, Lương 12, Vi 8, La 6, Hà 6, Triệu 5, Lục 5, Ma 4, Lăng 3, "
                "Nguyễn 5"
            ),
            middle_male="Văn 70, Đức 8, Minh 6, Xuân 6, Thanh 5",
            middle_female="Thị 80, Thu 6, Hồng 5, Ngọc 5",
            given_male=_KINH_GIVEN_MALE,
            given_female=_KINH_GIVEN_FEMALE,
        ),
    )
}

# Which style names a member of each group (canonical 2008 names); Kinh depend on the region.
_STYLE_OF_GROUP = {
    "Khơ me": "khmer",
    "Hoa": "hoa",
    "Thái": "thai",
    "Lào": "thai",
    "Lự": "thai",
    "Xinh-mun": "khomu",
    "Kháng": "khomu",
    "La Ha": "khomu",
    "Khơ-mú": "khomu",
    "Mông": "mong",
    "Mường": "muong",
    "Thổ": "muong",
    "Dao": "dao",
    "Tày": "tay_nung",
    "Nùng": "tay_nung",
    "Sán Chay": "tay_nung",
    "Giáy": "tay_nung",
}


def style_for(ethnicity: str, *, region: Region = "south") -> NameStyle:
    """The naming style for a group's canonical name (see lib.ethnicity); Kinh by region."""
    key = _STYLE_OF_GROUP.get(ethnicity)
    if key is None:
        key = "kinh_south" if region == "south" else "kinh_north"
    return STYLES[key]


def name_parts(styles: Sequence[NameStyle] | None = None) -> set[str]:
    """Every single word any style can produce (for checks of spelling and NFC)."""
    words: set[str] = set()
    for style in styles or list(STYLES.values()):
        for table in (
            style.families,
            style.middle_male,
            style.middle_female,
            style.given_male,
            style.given_female,
        ):
            for item in table.items:
                words.update(w for w in item.split() if w != "-")
    return words
