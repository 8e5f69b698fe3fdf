from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry
from places import parsing, selectors, services
from places.imports import RowError
from places.models import AreaStatus
from places.tests.factories import village

pytestmark = pytest.mark.django_db


def _region(commune: Any, status: str = "region_3", **extra: Any) -> AreaStatus:
    fields: dict[str, Any] = {
        "valid_from": date(2021, 6, 4),
        "valid_to": date(2025, 12, 31),
        "decision": "861/QĐ-TTg",
    }
    fields.update(extra)
    return services.area_status_create(commune_code=commune.code, status=status, **fields)


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("region_1", "region_1"),
        ("I", "region_1"),
        ("II", "region_2"),
        ("III", "region_3"),
        ("3", "region_3"),
        ("khu vực III", "region_3"),
        ("Khu vuc 2", "region_2"),
        ("KV III", "region_3"),
        ("KVIII", "region_3"),
        ("Region II", "region_2"),
        ("Xã khu vực I", "region_1"),
        ("xã ĐBKK", "region_3"),
        ("thôn ĐBKK", "especially_difficult_village"),
        ("Thôn đặc biệt khó khăn", "especially_difficult_village"),
        ("ấp ĐBKK", "especially_difficult_village"),
        ("especially difficult village", "especially_difficult_village"),
        ("em_area_village", "em_area_village"),
        ("thôn vùng ĐBDTTS&MN", "em_area_village"),
        ("Thôn thuộc vùng đồng bào DTTS và miền núi", "em_area_village"),
    ],
)
def test_it_understands_the_usual_ways_of_writing_a_status(written: str, status: str) -> None:
    assert parsing.parse_status(written) == status


@pytest.mark.parametrize("written", ["IV", "region_4", "vùng sâu", "khu vực", ""])
def test_it_refuses_a_status_it_does_not_know(written: str) -> None:
    with pytest.raises(RowError):
        parsing.parse_status(written)


def test_it_records_a_commune_region_and_audits_it(commune_a: Any, province_admin: Any) -> None:
    created = _region(commune_a, actor=province_admin)

    assert (created.commune, created.village, created.status) == (commune_a, None, "region_3")
    entry = AuditEntry.objects.get(object_type="area_status", object_id=str(created.pk))
    assert (entry.action, entry.actor, entry.commune_code) == ("create", province_admin, 31825)


def test_it_records_a_village_status_by_the_village_name(commune_a: Any) -> None:
    hamlet = village(commune_a, "Ấp Hòa Bình")

    created = services.area_status_create(
        commune_code=commune_a.code,
        village_name="ap hoa binh",
        status="thôn ĐBKK",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
    )

    assert (created.commune, created.village, created.status) == (
        None,
        hamlet,
        "especially_difficult_village",
    )


def test_it_refuses_a_region_for_a_village_and_a_village_status_for_a_commune(
    commune_a: Any,
) -> None:
    village(commune_a, "Ấp Hòa Bình")
    with pytest.raises(ValidationError) as caught:
        _region(commune_a, village_name="Ấp Hòa Bình")
    assert "village" in caught.value.message_dict

    with pytest.raises(ValidationError):
        _region(commune_a, status="especially_difficult_village")


def test_it_refuses_an_unknown_village_and_an_empty_decision(commune_a: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _region(commune_a, status="em_area_village", village_name="Bản Không Có")
    assert "Bản Không Có" in caught.value.message_dict["village"][0]

    with pytest.raises(ValidationError) as caught:
        _region(commune_a, decision="  ")
    assert "decision" in caught.value.message_dict


def test_it_refuses_an_end_before_the_start(commune_a: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _region(commune_a, valid_from=date(2026, 1, 1), valid_to=date(2025, 12, 31))

    message = caught.value.message_dict["valid_to"][0]
    assert "31/12/2025" in message and "01/01/2026" in message


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        (date(2025, 12, 31), None),  # starts on the old period's last day
        (date(2021, 1, 1), date(2021, 6, 4)),  # ends on the old period's first day
        (date(2023, 1, 1), date(2023, 12, 31)),  # inside
        (date(2020, 1, 1), None),  # around
    ],
)
def test_it_refuses_overlapping_periods_of_the_same_status(
    commune_a: Any, valid_from: date, valid_to: date | None
) -> None:
    _region(commune_a)

    with pytest.raises(ValidationError) as caught:
        _region(commune_a, valid_from=valid_from, valid_to=valid_to, decision="60/QĐ-BDTTG")

    assert "861/QĐ-TTg" in caught.value.message_dict["valid_from"][0]


def test_it_refuses_two_regions_at_once_but_allows_them_one_after_the_other(
    commune_a: Any,
) -> None:
    _region(commune_a)

    with pytest.raises(ValidationError):
        _region(commune_a, status="region_1", valid_from=date(2024, 1, 1), valid_to=None)
    _region(commune_a, status="region_1", valid_from=date(2026, 1, 1), valid_to=None)


def test_it_lets_a_village_be_both_especially_difficult_and_in_the_area(commune_a: Any) -> None:
    village(commune_a, "Bản Nà Cài")
    for status in ("especially_difficult_village", "em_area_village"):
        services.area_status_create(
            commune_code=commune_a.code,
            village_name="Bản Nà Cài",
            status=status,
            valid_from=date(2026, 1, 1),
            decision="60/QĐ-BDTTG",
        )

    assert AreaStatus.objects.count() == 2


def test_it_ends_an_open_period_and_audits_the_change(commune_a: Any, province_admin: Any) -> None:
    status = _region(commune_a, valid_to=None)

    services.area_status_end(area_status=status, valid_to=date(2025, 12, 31), actor=province_admin)

    status.refresh_from_db()
    assert status.valid_to == date(2025, 12, 31)
    entry = AuditEntry.objects.get(object_type="area_status", action="update")
    assert entry.details["before"]["valid_to"] is None
    assert entry.details["after"]["valid_to"] == "2025-12-31"


def test_it_refuses_to_end_a_period_before_it_starts(commune_a: Any) -> None:
    status = _region(commune_a, valid_to=None)

    with pytest.raises(ValidationError) as caught:
        services.area_status_end(area_status=status, valid_to=date(2020, 1, 1))

    assert "valid_to" in caught.value.message_dict


def test_it_refuses_to_lengthen_a_period_into_the_next_one(commune_a: Any) -> None:
    old = _region(commune_a)
    _region(commune_a, status="region_1", valid_from=date(2026, 1, 1), valid_to=None)

    with pytest.raises(ValidationError):
        services.area_status_update(area_status=old, valid_to=None, decision=old.decision)


class TestAreaStatusOn:
    """The lookup the eligibility rules use."""

    @pytest.fixture
    def places(self, commune_a: Any, commune_b: Any) -> dict[str, Any]:
        hamlet = village(commune_a, "Bản Nà Cài")
        other = village(commune_b, "Bản Khác")
        _region(commune_a, status="region_3")  # 04/06/2021 - 31/12/2025
        _region(commune_a, status="region_1", valid_from=date(2026, 1, 1), valid_to=None)
        _region(commune_b, status="region_2", valid_from=date(2021, 6, 4), valid_to=None)
        for place, status in ((hamlet, "especially_difficult_village"), (other, "em_area_village")):
            services.area_status_create(
                commune_code=place.commune_id,
                village_name=place.name,
                status=status,
                valid_from=date(2026, 1, 1),
                valid_to=date(2030, 12, 31),
                decision="60/QĐ-BDTTG",
            )
        return {"a": commune_a, "b": commune_b, "hamlet": hamlet, "other": other}

    def _codes(self, **kwargs: Any) -> list[str]:
        return [s.status for s in selectors.area_status_on(**kwargs)]

    def test_it_gives_the_commune_region_on_the_first_and_last_day(
        self, places: dict[str, Any]
    ) -> None:
        a = places["a"].code
        assert self._codes(commune_code=a, day=date(2021, 6, 3)) == []
        assert self._codes(commune_code=a, day=date(2021, 6, 4)) == ["region_3"]
        assert self._codes(commune_code=a, day=date(2025, 12, 31)) == ["region_3"]
        assert self._codes(commune_code=a, day=date(2026, 1, 1)) == ["region_1"]
        assert self._codes(commune_code=a, day=date(2040, 1, 1)) == ["region_1"]

    def test_it_adds_the_village_own_statuses_to_its_commune_region(
        self, places: dict[str, Any]
    ) -> None:
        kwargs = {"commune_code": places["a"].code, "village_id": places["hamlet"].pk}
        assert self._codes(day=date(2025, 12, 31), **kwargs) == ["region_3"]
        assert self._codes(day=date(2026, 1, 1), **kwargs) == [
            "especially_difficult_village",
            "region_1",
        ]
        assert self._codes(day=date(2030, 12, 31), **kwargs) == [
            "especially_difficult_village",
            "region_1",
        ]
        assert self._codes(day=date(2031, 1, 1), **kwargs) == ["region_1"]

    def test_it_ignores_a_village_of_another_commune(self, places: dict[str, Any]) -> None:
        codes = self._codes(
            commune_code=places["a"].code, village_id=places["other"].pk, day=date(2027, 1, 1)
        )
        assert codes == ["region_1"]

    def test_it_answers_in_one_query(
        self, places: dict[str, Any], django_assert_num_queries: Any
    ) -> None:
        with django_assert_num_queries(1):
            statuses = selectors.area_status_on(
                commune_code=places["a"].code, village_id=places["hamlet"].pk, day=date(2027, 1, 1)
            )
            assert [str(s) for s in statuses]
