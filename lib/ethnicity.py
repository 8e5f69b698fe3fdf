"""Vietnam's 54 ethnic groups and the two official code lists that number them differently.

Decision 121-TCTK/PPCĐ (1979) orders the groups by their population around 1979 and is still
used by many ministry and school systems; Decision 1019/QĐ-TCTK (2008) is the current statistical
list, reordered by population. The lists agree only on a few codes (Khơ-mú is 29 on one and 23 on
the other), so a stored code is meaningless without the list it comes from. Names are spelled in
many ways ("Hmông", "H'mông", "Mông"; "Khơ-me", "Khmer"); lookups by name compare normalised
forms and know the common alternative names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lib.vn_text import name_key

CodeList = Literal["1979", "2008"]
CODE_LISTS: tuple[CodeList, ...] = ("1979", "2008")


@dataclass(frozen=True)
class Ethnicity:
    """One group: its canonical name (as on the 2008 list) and its code on each list."""

    name: str
    code_1979: str
    code_2008: str
    name_1979: str

    def code(self, code_list: CodeList = "2008") -> str:
        return self.code_2008 if code_list == "2008" else self.code_1979


class EthnicityError(ValueError):
    """An unknown ethnicity name or code; the message is Vietnamese, then English."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en


# Decision 1019/QĐ-TCTK (2008), in code order. "Kinh (Việt)" on the list; "Việt" is an alias.
_LIST_2008 = (
    "Kinh", "Tày", "Thái", "Mường", "Khơ me", "Hoa", "Nùng", "Mông", "Dao", "Gia-rai",
    "Ê-đê", "Ba-na", "Sán Chay", "Chăm", "Cơ-ho", "Xơ-đăng", "Sán Dìu", "Hrê", "Ra-glai",
    "Mnông", "Thổ", "Xtiêng", "Khơ-mú", "Bru-Vân Kiều", "Cơ-tu", "Giáy", "Tà-ôi", "Mạ",
    "Gié-Triêng", "Co", "Chơ-ro", "Xinh-mun", "Hà Nhì", "Chu-ru", "Lào", "La Chí", "Kháng",
    "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao",
    "Bố Y", "Cống", "Si La", "Pu Péo", "Rơ-măm", "Brâu", "Ơ Đu",
)  # fmt: skip

# Decision 121-TCTK/PPCĐ (1979), in code order, with the spelling that list uses.
_LIST_1979 = (
    "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "Hmông", "Dao", "Gia-rai",
    "Ngái", "Ê-đê", "Ba-na", "Xơ-đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê", "Mnông",
    "Ra-glai", "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ-tu", "Gié-Triêng", "Mạ", "Khơ-mú",
    "Co", "Tà-ôi", "Chơ-ro", "Kháng", "Xinh-mun", "Hà Nhì", "Chu-ru", "Lào", "La Chí", "La Ha",
    "Phù Lá", "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y",
    "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ-măm",
)  # fmt: skip

# Other names people and older records use, mapped to the canonical (2008) name.
_ALIASES: dict[str, tuple[str, ...]] = {
    "Kinh": ("Việt", "Kinh (Việt)", "Người Kinh"),
    "Khơ me": ("Khmer", "Khơ-me", "Khơme", "Khơ Me", "Khmer Krom", "Khơ-me Krôm"),
    "Hoa": ("Người Hoa", "Hán"),
    "Mông": ("Hmông", "H'mông", "H’mông", "Hmong", "Mhông"),
    "Khơ-mú": ("Khơ Mú", "Kho Mu", "Khmu", "Kmhmu", "Khạ Mú", "Xá Cẩu"),
    "Ê-đê": ("Ê Đê", "Êđê", "Ede", "Rhade", "Ra-đê"),
    "Gia-rai": ("Jrai", "Jarai", "Gia Lai"),
    "Ba-na": ("Bahnar", "Ba Na"),
    "Xơ-đăng": ("Sedang", "Xê Đăng"),
    "Cơ-ho": ("K'Ho", "Koho", "Cơ Ho"),
    "Mnông": ("M'nông", "Mơ Nông"),
    "Ra-glai": ("Raglai", "Rag Lai"),
    "Xtiêng": ("Stiêng", "Stieng"),
    "Bru-Vân Kiều": ("Vân Kiều", "Bru", "Bru Vân Kiều"),
    "Cơ-tu": ("Katu", "Ca Tu"),
    "Tà-ôi": ("Ta Oi", "Pa Cô", "Pa-cô"),
    "Chăm": ("Chàm", "Cham"),
    "Sán Chay": ("Cao Lan", "Sán Chỉ", "Cao Lan - Sán Chỉ"),
    "Xinh-mun": ("Xinh Mun", "Puộc"),
    "Pà Thẻn": ("Pà Hưng",),
    "Lô Lô": ("Lolo",),
    "Rơ-măm": ("Rơ Măm", "Romam"),
    "Ơ Đu": ("Ơ-đu", "Tày Hạt"),
    "Hà Nhì": ("U Ni", "Xá U Ni"),
    "Hrê": ("H're", "Chăm Rê"),
}

_PREFIXES = re.compile(r"^(?:dan toc|nguoi|dt\.?)\s+")
_NOT_LETTERS = re.compile(r"[^a-z0-9]")


def _key(text: str) -> str:
    """Fold a name so that spelling variants meet: no diacritics, no hyphens or spaces."""
    folded = _PREFIXES.sub("", name_key(text.replace("’", "'")))
    return _NOT_LETTERS.sub("", folded)


def _build() -> tuple[tuple[Ethnicity, ...], dict[str, Ethnicity]]:
    canonical_1979 = dict(zip(_LIST_1979, range(1, 55), strict=True))
    # The 1979 list spells a few groups differently; map them to the 2008 spelling.
    renamed = {"Khơ-me": "Khơ me", "Hmông": "Mông"}
    by_2008_name = {renamed.get(n, n): code for n, code in canonical_1979.items()}
    groups = tuple(
        Ethnicity(
            name=name,
            code_1979=f"{by_2008_name[name]:02d}",
            code_2008=f"{code:02d}",
            name_1979=_LIST_1979[by_2008_name[name] - 1],
        )
        for code, name in enumerate(_LIST_2008, start=1)
    )
    index: dict[str, Ethnicity] = {}
    for group in groups:
        for spelling in (group.name, group.name_1979, *_ALIASES.get(group.name, ())):
            key = _key(spelling)
            if index.get(key, group) is not group:
                raise RuntimeError(f"ethnicity spelling {spelling!r} is ambiguous")
            index[key] = group
    return groups, index


ALL, _BY_KEY = _build()
_BY_CODE: dict[tuple[str, str], Ethnicity] = {
    (code_list, group.code(code_list)): group for group in ALL for code_list in CODE_LISTS
}


def by_code(code: str | int, code_list: CodeList = "2008") -> Ethnicity:
    """The group with this code on the given list ("1979" or "2008"), or EthnicityError."""
    if code_list not in CODE_LISTS:
        raise EthnicityError(
            "code_list",
            f"Danh mục mã dân tộc {code_list!r} không tồn tại; dùng 1979 hoặc 2008.",
            f"There is no ethnicity code list {code_list!r}; use 1979 or 2008.",
        )
    text = str(code).strip()
    normalised = f"{int(text):02d}" if text.isdigit() else text
    try:
        return _BY_CODE[(code_list, normalised)]
    except KeyError:
        raise EthnicityError(
            "code",
            f"Mã dân tộc {text!r} không có trong danh mục {code_list}; mã hợp lệ từ 01 đến 54.",
            f"Ethnicity code {text!r} is not on the {code_list} list; valid codes are 01 to 54.",
        ) from None


def find(name: str) -> Ethnicity | None:
    """The group a name or alias refers to, or None; case, diacritics and hyphens are ignored."""
    return _BY_KEY.get(_key(name))


def by_name(name: str) -> Ethnicity:
    """Like find(), but raise EthnicityError for a name that is not a known group."""
    group = find(name)
    if group is None:
        raise EthnicityError(
            "name",
            f"Không nhận ra dân tộc {name.strip()!r}; hãy ghi tên một trong 54 dân tộc, "
            "ví dụ Kinh, Thái, Mông, Khơ me.",
            f"{name.strip()!r} is not a recognised ethnic group; write one of the 54 names, "
            "e.g. Kinh, Thái, Mông, Khơ me.",
        )
    return group


def convert_code(code: str | int, from_list: CodeList, to_list: CodeList) -> str:
    """Translate a code from one list to the other (Khơ-mú 29 on 1979 is 23 on 2008)."""
    return by_code(code, from_list).code(to_list)
