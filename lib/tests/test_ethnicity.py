"""lib.ethnicity: the two GSO code lists and the many spellings of group names."""

from __future__ import annotations

import pytest

from lib.ethnicity import ALL, CODE_LISTS, EthnicityError, by_code, by_name, convert_code, find


def test_it_holds_54_groups_numbered_1_to_54_on_both_lists() -> None:
    assert len(ALL) == 54
    for code_list in CODE_LISTS:
        codes = sorted(group.code(code_list) for group in ALL)
        assert codes == [f"{n:02d}" for n in range(1, 55)]


@pytest.mark.parametrize(
    ("name", "code_1979", "code_2008"),
    [
        ("Kinh", "01", "01"),
        ("Thái", "03", "03"),
        ("Mường", "06", "04"),
        ("Khơ me", "05", "05"),
        ("Hoa", "04", "06"),
        ("Mông", "08", "08"),
        ("Khơ-mú", "29", "23"),
        ("Ê-đê", "12", "11"),
        ("Ngái", "11", "43"),
        ("Rơ-măm", "54", "52"),
        ("Ơ Đu", "53", "54"),
    ],
)
def test_it_gives_both_codes_of_a_group(name: str, code_1979: str, code_2008: str) -> None:
    group = by_name(name)
    assert (group.code_1979, group.code_2008) == (code_1979, code_2008)
    assert by_code(code_1979, "1979") is group
    assert by_code(code_2008, "2008") is group


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Hmông", "Mông"),
        ("H'mông", "Mông"),
        ("H’mông", "Mông"),
        ("mong", "Mông"),
        ("Khmer", "Khơ me"),
        ("Khơ-me", "Khơ me"),
        ("KHƠ ME", "Khơ me"),
        ("Khơ Mú", "Khơ-mú"),
        ("Kho Mu", "Khơ-mú"),
        ("Khmu", "Khơ-mú"),
        ("Ê Đê", "Ê-đê"),
        ("ede", "Ê-đê"),
        ("Việt", "Kinh"),
        ("Kinh (Việt)", "Kinh"),
        ("dân tộc Thái", "Thái"),
        ("Người Hoa", "Hoa"),
        ("Ba Na", "Ba-na"),
        ("Xinh Mun", "Xinh-mun"),
    ],
)
def test_it_matches_names_however_they_are_spelled(spelling: str, canonical: str) -> None:
    assert by_name(spelling).name == canonical


def test_it_tells_groups_with_close_names_apart() -> None:
    assert find("Mông") != find("Mnông")
    assert find("La Ha") != find("La Hủ")
    assert find("Tày") != find("Thái")


def test_it_converts_codes_between_the_lists() -> None:
    assert convert_code("29", "1979", "2008") == "23"
    assert convert_code(4, "2008", "1979") == "06"
    assert convert_code("3", "1979", "2008") == "03"


def test_it_explains_unknown_names_and_codes_in_both_languages() -> None:
    assert find("Klingon") is None
    with pytest.raises(EthnicityError) as unknown_name:
        by_name("Klingon")
    assert "Không nhận ra dân tộc" in unknown_name.value.message_vi
    assert "not a recognised ethnic group" in unknown_name.value.message_en
    with pytest.raises(EthnicityError) as unknown_code:
        by_code("55")
    assert unknown_code.value.code == "code"
    with pytest.raises(EthnicityError) as unknown_list:
        by_code("01", "1999")  # type: ignore[arg-type]
    assert unknown_list.value.code == "code_list"
