from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from places import services
from places.imports import ImportRefused
from places.models import AreaStatus
from places.tests.factories import csv_bytes, village

pytestmark = pytest.mark.django_db

HEADER = "commune_code,village,status,valid_from,valid_to,decision,note"


def _import(*lines: str, **kwargs: Any) -> Any:
    return services.area_status_import_csv(
        data=csv_bytes(HEADER, *lines), filename="area.csv", **kwargs
    )


@pytest.fixture
def hamlets(commune_a: Any, commune_b: Any) -> None:
    village(commune_a, "Ấp Hòa Bình")
    village(commune_b, "Bản Nà Cài")


def test_it_imports_commune_and_village_statuses(hamlets: None) -> None:
    report = _import(
        "31825,,region_3,2021-06-04,31/12/2025,861/QĐ-TTg,",
        "31825,,khu vực I,01/01/2026,,60/QĐ-BDTTG,",
        "31825,ap hoa binh,thôn ĐBKK,2026-01-01,,60/QĐ-BDTTG,Phụ lục II",
        "32002,Bản Nà Cài,em_area_village,2026-01-01,2030-12-31,60/QĐ-BDTTG,",
    )

    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (4, 0, 0, [])
    rows = {
        (s.commune_id, s.village_id and s.village.name, s.status): s
        for s in AreaStatus.objects.all()
    }
    region_3 = rows[(31825, None, "region_3")]
    assert (region_3.valid_from, region_3.valid_to) == (date(2021, 6, 4), date(2025, 12, 31))
    assert rows[(31825, None, "region_1")].valid_to is None
    hamlet = rows[(None, "Ấp Hòa Bình", "especially_difficult_village")]
    assert hamlet.note == "Phụ lục II"


def test_it_changes_nothing_when_the_same_file_is_imported_again(hamlets: None) -> None:
    lines = (
        "31825,,region_3,2021-06-04,2025-12-31,861/QĐ-TTg,",
        "31825,Ấp Hòa Bình,thôn ĐBKK,2026-01-01,,60/QĐ-BDTTG,",
    )
    _import(*lines)
    before = list(AreaStatus.objects.order_by("pk").values())

    again = _import(*lines)

    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, [])
    assert list(AreaStatus.objects.order_by("pk").values()) == before


def test_it_updates_the_end_date_decision_and_note_of_a_stored_period(hamlets: None) -> None:
    _import("31825,,region_3,2021-06-04,,861/QĐ-TTg,")

    report = _import("31825,,III,04/06/2021,31/12/2025,861/QĐ-TTg,Hết hiệu lực")

    assert (report.inserted, report.updated) == (0, 1)
    stored = AreaStatus.objects.get()
    assert (stored.valid_to, stored.note) == (date(2025, 12, 31), "Hết hiệu lực")


def test_it_rejects_bad_rows_with_their_reasons_and_keeps_the_good_ones(hamlets: None) -> None:
    report = _import(
        "31825,,region_3,2021-06-04,2025-12-31,861/QĐ-TTg,",  # 2: good
        "31825,,region_2,2024-01-01,,861/QĐ-TTg,",  # 3: overlaps line 2's region
        "31825,,region_3,2021-06-04,2025-12-31,861/QĐ-TTg,",  # 4: duplicate of line 2
        "31825,Ấp Không Có,thôn ĐBKK,2026-01-01,,60/QĐ-BDTTG,",  # 5: unknown village
        "31825,,region_1,2026-01-01,2025-01-01,60/QĐ-BDTTG,",  # 6: ends before it starts
        "31825,,region_1,2026-13-01,,60/QĐ-BDTTG,",  # 7: bad date
        "31825,,region_1,,,60/QĐ-BDTTG,",  # 8: no start date
        "00004,,region_1,2026-01-01,,60/QĐ-BDTTG,",  # 9: another province
        "31825,,vùng sâu,2026-01-01,,60/QĐ-BDTTG,",  # 10: unknown status
        "31825,,region_1,2026-01-01,,,",  # 11: no decision
        "31825,Ấp Hòa Bình,region_1,2026-01-01,,60/QĐ-BDTTG,",  # 12: region for a village
        "31825,,region_1,2026-01-01,,60/QĐ-BDTTG,",  # 13: good
    )

    assert report.inserted == 2
    reasons = {r.line: r.reason_en for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "overlaps" in reasons[3] and "04/06/2021" in reasons[3]
    assert "line 2" in reasons[4]
    assert "Ấp Không Có" in reasons[5]
    assert "before the start date" in reasons[6]
    assert "2026-13-01" in reasons[7]
    assert "valid_from is empty" in reasons[8]
    assert "not to this province" in reasons[9]
    assert "vùng sâu" in reasons[10]
    assert "decision is empty" in reasons[11]
    assert "Regions I, II and III are given to communes" in reasons[12]
    vi = {r.line: r.reason_vi for r in report.rejected}
    assert "trùng với giai đoạn này" in vi[3]


def test_it_rejects_a_period_overlapping_a_stored_one(commune_a: Any) -> None:
    _import("31825,,region_3,2021-06-04,,861/QĐ-TTg,")

    report = _import("31825,,region_1,2026-01-01,,60/QĐ-BDTTG,")

    assert (report.inserted, len(report.rejected)) == (0, 1)
    assert "End that period first" in report.rejected[0].reason_en


def test_it_refuses_a_file_without_the_status_columns(commune_a: Any) -> None:
    with pytest.raises(ImportRefused) as caught:
        services.area_status_import_csv(
            data=csv_bytes("commune_code,village", "31825,"), filename="x.csv"
        )

    assert "status, valid_from" in caught.value.message_en


def test_it_reads_a_utf16_file_from_excel(commune_a: Any) -> None:
    data = csv_bytes(
        HEADER.replace(",", "\t"),
        "31825\t\tkhu vực III\t04/06/2021\t\t861/QĐ-TTg\t",
        encoding="utf-16",
    )

    report = services.area_status_import_csv(data=data, filename="area.txt")

    assert report.inserted == 1
    assert AreaStatus.objects.get().decision == "861/QĐ-TTg"


def test_it_writes_nothing_on_a_dry_run(commune_a: Any) -> None:
    report = _import("31825,,region_3,2021-06-04,,861/QĐ-TTg,", dry_run=True)

    assert report.inserted == 1
    assert not AreaStatus.objects.exists()
