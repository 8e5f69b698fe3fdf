from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AuditEntry
from places import services
from places.imports import ImportRefused
from places.models import ImportRun, Village
from places.tests.factories import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = "commune_code,name,kind,local_code"


def _import(data: bytes, **kwargs: Any) -> Any:
    return services.village_import_csv(data=data, filename="villages.csv", **kwargs)


def test_it_imports_villages_and_reports_each_row(commune_a: Any, commune_b: Any) -> None:
    data = csv_bytes(
        HEADER,
        "31825,Ấp Hòa Bình,ap,HB",
        "031825,Khóm 1,khóm,",
        "32002,Tổ dân phố 3,tổ dân phố,TDP3",
        "32002,Bản Nà Cài,,",
    )

    report = _import(data)

    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (4, 0, 0, [])
    villages = {v.name: v for v in Village.objects.all()}
    assert villages["Ấp Hòa Bình"].kind == "ap" and villages["Ấp Hòa Bình"].local_code == "HB"
    assert villages["Khóm 1"].kind == "khom" and villages["Khóm 1"].commune == commune_a
    assert villages["Tổ dân phố 3"].kind == "to_dan_pho"
    assert villages["Bản Nà Cài"].kind == "ban"  # guessed from the name
    run = ImportRun.objects.get(pk=report.run_id)
    assert (run.kind, run.inserted, run.filename) == ("villages", 4, "villages.csv")
    assert AuditEntry.objects.filter(action="import", object_id=str(run.pk)).exists()


def test_it_changes_nothing_when_the_same_file_is_imported_again(commune_a: Any) -> None:
    data = csv_bytes(HEADER, "31825,Ấp Hòa Bình,ap,HB", "31825,Khóm 1,khom,")
    _import(data)
    before = list(Village.objects.values_list("pk", "name", "kind", "local_code", "updated_at"))

    again = _import(data)

    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, [])
    after = list(Village.objects.values_list("pk", "name", "kind", "local_code", "updated_at"))
    assert after == before


def test_it_updates_a_village_found_by_its_name_key(commune_a: Any) -> None:
    _import(csv_bytes(HEADER, "31825,Ấp Hoà Bình,thon,"))

    report = _import(csv_bytes(HEADER, "31825,Ấp Hòa Bình,ap,HB", "31825,ap hoa binh,,"))

    assert (report.inserted, report.updated, len(report.rejected)) == (0, 1, 1)
    village = Village.objects.get()
    assert (village.name, village.kind, village.local_code) == ("Ấp Hòa Bình", "ap", "HB")


def test_it_never_replaces_a_name_with_diacritics_by_one_without(commune_a: Any) -> None:
    _import(csv_bytes(HEADER, "31825,Ấp Hòa Bình,ap,"))

    report = _import(csv_bytes(HEADER, "31825,AP HOA BINH,ap,"))

    assert report.unchanged == 1
    assert Village.objects.get().name == "Ấp Hòa Bình"


def test_it_reads_utf8_with_a_byte_order_mark(commune_a: Any) -> None:
    report = _import(csv_bytes(HEADER, "31825,Ấp Cây Dương,ấp,", bom=True))

    assert report.inserted == 1
    assert Village.objects.get().name == "Ấp Cây Dương"


def test_it_reads_utf16_with_a_byte_order_mark_and_tabs(commune_a: Any) -> None:
    data = csv_bytes(HEADER.replace(",", "\t"), "31825\tẤp Cây Dương\tap\t", encoding="utf-16")
    assert data.startswith((b"\xff\xfe", b"\xfe\xff"))

    report = _import(data)

    assert report.inserted == 1
    assert Village.objects.get().name == "Ấp Cây Dương"


def test_it_reads_semicolons_and_vietnamese_column_names(commune_a: Any) -> None:
    report = _import(csv_bytes("Mã xã;Tên thôn;Loại", "31825;Khóm 2;khóm"))

    assert report.inserted == 1


def test_it_refuses_a_windows_1258_file_as_a_whole(commune_a: Any) -> None:
    data = "commune_code,name\r\n31825,Đông Hưng\r\n".encode("cp1258")

    with pytest.raises(ImportRefused) as caught:
        _import(data)

    assert "CSV UTF-8" in caught.value.message_vi
    assert "CSV UTF-8" in caught.value.message_en
    assert "dòng 2" in caught.value.message_vi and "line 2" in caught.value.message_en
    assert not Village.objects.exists()
    assert not ImportRun.objects.exists()


def test_it_refuses_utf16_without_a_byte_order_mark(commune_a: Any) -> None:
    with pytest.raises(ImportRefused) as caught:
        _import(csv_bytes(HEADER, "31825,Khóm 1,khom,", encoding="utf-16-le"))

    assert "UTF-8" in caught.value.message_en


def test_it_refuses_a_file_without_the_required_columns(commune_a: Any) -> None:
    with pytest.raises(ImportRefused) as caught:
        _import(csv_bytes("code,ten_xa", "31825,Khóm 1"))

    assert "commune_code, name" in caught.value.message_en
    assert "Còn thiếu" in caught.value.message_vi


def test_it_refuses_an_empty_file(db: Any) -> None:
    with pytest.raises(ImportRefused):
        _import(b"\xef\xbb\xbf\r\n  \r\n")


def test_it_rejects_bad_rows_with_line_and_reason_and_keeps_the_good_ones(
    commune_a: Any,
) -> None:
    data = csv_bytes(
        HEADER,
        "31825,Ấp Một,ap,",  # line 2: good
        "99999,Ấp Hai,ap,",  # line 3: unknown commune
        "00004,Tổ 1,to_dan_pho,",  # line 4: Hà Nội, another province
        "31825,,ap,",  # line 5: no name
        "31825,Ấp Ba,hamlet,",  # line 6: unknown kind
        "31825,ẤP MỘT,ap,",  # line 7: duplicate of line 2
        "31825A,Ấp Bốn,ap,",  # line 8: not a code
        "",
        "31825,Ấp Năm,,A5",  # line 10: good, after a blank line
        "31825,Ấp Sáu,,A5",  # line 11: local code taken in this file
    )

    report = _import(data)

    assert (report.inserted, report.updated, report.unchanged) == (2, 0, 0)
    assert sorted(Village.objects.values_list("name", flat=True)) == ["Ấp Một", "Ấp Năm"]
    reasons = {r.line: (r.reason_vi, r.reason_en) for r in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 11]
    assert "99999" in reasons[3][1] and "Không có xã" in reasons[3][0]
    assert "Thành phố Hà Nội" in reasons[4][1] and "not to this province" in reasons[4][1]
    assert "name is empty" in reasons[5][1]
    assert "hamlet" in reasons[6][1]
    assert "line 2" in reasons[7][1] and "dòng 2" in reasons[7][0]
    assert "31825A" in reasons[8][1]
    assert "A5" in reasons[11][1]
    assert report.rejected[0].values == {
        "commune_code": "99999",
        "name": "Ấp Hai",
        "kind": "ap",
        "local_code": "",
    }


def test_it_counts_line_numbers_across_quoted_line_breaks(commune_a: Any) -> None:
    data = csv_bytes(HEADER, '31825,"Ấp\nMột",ap,', "99999,Ấp Hai,ap,")

    report = _import(data)

    assert report.inserted == 1
    assert [r.line for r in report.rejected] == [4]


def test_it_writes_nothing_on_a_dry_run_but_reports_what_would_change(commune_a: Any) -> None:
    report = _import(csv_bytes(HEADER, "31825,Ấp Một,ap,", "99999,Ấp Hai,ap,"), dry_run=True)

    assert (report.inserted, len(report.rejected)) == (1, 1)
    assert not Village.objects.exists()
    assert ImportRun.objects.get(pk=report.run_id).dry_run


def test_it_imports_a_corrected_rejects_file_as_it_is(commune_a: Any) -> None:
    from places.imports import rejects_csv

    first = _import(csv_bytes(HEADER, "31825,Ấp Một,hamlet,"))
    rejects = rejects_csv(first.columns, [r.as_json() for r in first.rejected])
    assert rejects.splitlines()[0] == "line,commune_code,name,kind,local_code,error_vi,error_en"

    corrected = rejects.replace(",hamlet,", ",ap,").encode()
    second = _import(corrected)

    assert (second.inserted, second.rejected) == (1, [])
