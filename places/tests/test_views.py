from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from places import services
from places.models import AreaStatus, ImportRun, Village
from places.tests.factories import csv_bytes, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def hamlet_a(commune_a: Any) -> Village:
    return village(commune_a, "Ấp Hòa Bình", kind="ap")


@pytest.fixture
def hamlet_b(commune_b: Any) -> Village:
    return village(commune_b, "Bản Nà Cài", kind="ban")


def _region(commune: Any, **extra: Any) -> AreaStatus:
    fields = {"status": "region_3", "valid_from": date(2021, 6, 4), "decision": "861/QĐ-TTg"}
    fields.update(extra)
    return services.area_status_create(commune_code=commune.code, **fields)


# Who may enter -------------------------------------------------------------------------------

READ_PAGES = ["places:village_list", "places:area_status_list"]
ADMIN_PAGES = [
    "places:village_create",
    "places:village_import",
    "places:village_import_sample",
    "places:area_status_create",
    "places:area_status_import",
    "places:area_status_import_sample",
]


@pytest.mark.parametrize("name", READ_PAGES + ADMIN_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client: Any, name: str) -> None:
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", READ_PAGES + ADMIN_PAGES)
def test_it_refuses_citizens(client: Any, citizen: Any, name: str) -> None:
    assert login(client, citizen).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_it_refuses_commune_officers_the_province_pages(
    client: Any, officer_a: Any, name: str
) -> None:
    assert login(client, officer_a).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", READ_PAGES)
def test_it_refuses_roles_that_do_not_keep_places(
    client: Any, health_worker_a: Any, name: str
) -> None:
    assert login(client, health_worker_a).get(reverse(name)).status_code == 403


def test_it_hides_another_communes_village_from_an_officer(
    client: Any, officer_b: Any, hamlet_a: Village
) -> None:
    login(client, officer_b)

    assert client.get(reverse("places:village_detail", args=[hamlet_a.pk])).status_code == 404
    assert client.get(reverse("places:village_edit", args=[hamlet_a.pk])).status_code == 404
    response = client.post(
        reverse("places:village_edit", args=[hamlet_a.pk]), {"name": "x", "kind": "ap"}
    )
    assert response.status_code == 404
    assert Village.objects.get(pk=hamlet_a.pk).name == "Ấp Hòa Bình"


def test_it_lets_an_officer_read_but_not_edit_own_villages(
    client: Any, officer_a: Any, hamlet_a: Village
) -> None:
    login(client, officer_a)

    response = client.get(reverse("places:village_detail", args=[hamlet_a.pk]))
    assert response.status_code == 200
    assert reverse("places:village_edit", args=[hamlet_a.pk]) not in response.content.decode()
    assert client.get(reverse("places:village_edit", args=[hamlet_a.pk])).status_code == 403


def test_it_hides_another_communes_status_from_an_officer(
    client: Any, officer_b: Any, officer_a: Any, commune_a: Any
) -> None:
    status = _region(commune_a)
    url = reverse("places:area_status_end", args=[status.pk])

    assert login(client, officer_b).get(url).status_code == 404
    assert login(client, officer_a).get(url).status_code == 403


def test_it_keeps_import_reports_for_province_administrators(
    client: Any, officer_a: Any, commune_a: Any
) -> None:
    report = services.village_import_csv(
        data=csv_bytes("commune_code,name", "31825,Khóm 1"), filename="v.csv"
    )
    login(client, officer_a)

    assert client.get(reverse("places:import_run", args=[report.run_id])).status_code == 403
    rejects = reverse("places:import_run_rejects", args=[report.run_id])
    assert client.get(rejects).status_code == 403


# Villages ------------------------------------------------------------------------------------


@time_machine.travel(date(2026, 3, 1))
def test_it_lists_only_the_officers_own_villages_with_todays_status(
    client: Any,
    officer_a: Any,
    hamlet_a: Village,
    hamlet_b: Village,
    django_assert_max_num_queries: Any,
) -> None:
    services.area_status_create(
        commune_code=hamlet_a.commune_id,
        village_name=hamlet_a.name,
        status="especially_difficult_village",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
    )
    for number in range(60):
        village(hamlet_a.commune, f"Tổ {number}")
    login(client, officer_a)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("places:village_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ấp Hòa Bình" in page
    assert "Thôn đặc biệt khó khăn" in page
    assert "Bản Nà Cài" not in page
    assert "61 thôn, ấp" in page
    assert "Trang 1 / 2" in page


def test_it_finds_villages_by_a_name_typed_without_diacritics(
    client: Any, province_admin: Any, hamlet_a: Village, hamlet_b: Village
) -> None:
    login(client, province_admin)

    page = client.get(reverse("places:village_list"), {"q": "hoa binh"}).content.decode()
    assert "Ấp Hòa Bình" in page and "Bản Nà Cài" not in page

    page = client.get(reverse("places:village_list"), {"commune": "32002"}).content.decode()
    assert "Bản Nà Cài" in page and "Ấp Hòa Bình" not in page


def test_it_does_not_let_an_officer_filter_on_another_commune(
    client: Any, officer_a: Any, hamlet_a: Village, hamlet_b: Village
) -> None:
    response = login(client, officer_a).get(reverse("places:village_list"), {"commune": "32002"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bản Nà Cài" not in page


def test_it_lets_the_province_administrator_add_a_village(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    login(client, province_admin)
    assert client.get(reverse("places:village_create")).status_code == 200

    response = client.post(
        reverse("places:village_create"),
        {"commune": "31825", "name": "Ấp Cây Dương", "kind": "ap", "local_code": "CD"},
    )

    created = Village.objects.get(name="Ấp Cây Dương")
    assert response.status_code == 302
    assert response["Location"] == reverse("places:village_detail", args=[created.pk])
    assert AuditEntry.objects.filter(
        object_type="village", action="create", actor=province_admin
    ).exists()


def test_it_shows_a_duplicate_name_on_the_name_field(
    client: Any, province_admin: Any, hamlet_a: Village
) -> None:
    response = login(client, province_admin).post(
        reverse("places:village_create"), {"commune": "31825", "name": "ap hoa binh", "kind": "ap"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["name"][0]
    assert "Ấp Hòa Bình" in errors and "Xã đã có" in errors
    assert Village.objects.count() == 1


def test_it_refuses_a_commune_outside_the_province_in_the_form(
    client: Any, province_admin: Any
) -> None:
    response = login(client, province_admin).post(
        reverse("places:village_create"), {"commune": "4", "name": "Tổ 1", "kind": "to_dan_pho"}
    )

    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert not Village.objects.exists()


def test_it_lets_the_province_administrator_rename_a_village_but_not_move_it(
    client: Any, province_admin: Any, hamlet_a: Village
) -> None:
    login(client, province_admin)
    url = reverse("places:village_edit", args=[hamlet_a.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"commune": "32002", "name": "Ấp Hòa Bình Mới", "kind": "ap", "local_code": ""}
    )

    assert response.status_code == 302
    hamlet_a.refresh_from_db()
    assert (hamlet_a.name, hamlet_a.commune_id) == ("Ấp Hòa Bình Mới", 31825)


# Imports -------------------------------------------------------------------------------------


def test_it_imports_an_uploaded_file_and_shows_the_report(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    login(client, province_admin)
    upload = SimpleUploadedFile(
        "thon.csv",
        csv_bytes("commune_code,name,kind", "31825,Khóm 1,khom", "99999,Khóm 2,khom", bom=True),
        content_type="text/csv",
    )

    response = client.post(reverse("places:village_import"), {"file": upload})

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("places:import_run", args=[run.pk])
    page = client.get(response["Location"]).content.decode()
    assert "thon.csv" in page and "99999" in page and "Không có xã" in page
    download = client.get(reverse("places:import_run_rejects", args=[run.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="thon.rejects.csv"'
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "line,commune_code,name,kind,error_vi,error_en"
    assert text.splitlines()[1].startswith("3,99999,Khóm 2,khom,")
    recent = client.get(reverse("places:village_import")).content.decode()
    assert "thon.csv" in recent


def test_it_shows_a_refused_file_on_the_form_and_writes_nothing(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    upload = SimpleUploadedFile(
        "thon.csv", "commune_code,name\r\n31825,Đông Hưng\r\n".encode("cp1258")
    )

    response = login(client, province_admin).post(
        reverse("places:village_import"), {"file": upload}
    )

    assert response.status_code == 200
    assert "CSV UTF-8" in response.context["form"].errors["file"][0]
    assert not Village.objects.exists()
    assert not ImportRun.objects.exists()


def test_it_imports_area_status_and_checks_only_when_asked(
    client: Any, province_admin: Any, commune_a: Any
) -> None:
    login(client, province_admin)
    data = csv_bytes(
        "commune_code,village,status,valid_from,valid_to,decision,note",
        "31825,,khu vực III,04/06/2021,,861/QĐ-TTg,",
    )

    response = client.post(
        reverse("places:area_status_import"),
        {"file": SimpleUploadedFile("kv.csv", data), "dry_run": "on"},
    )
    assert response.status_code == 302
    assert not AreaStatus.objects.exists()
    assert "chỉ là kiểm tra" in client.get(response["Location"]).content.decode()

    client.post(reverse("places:area_status_import"), {"file": SimpleUploadedFile("kv.csv", data)})
    assert AreaStatus.objects.get().status == "region_3"


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("places:village_import_sample", "commune_code,name,kind,local_code"),
        (
            "places:area_status_import_sample",
            "commune_code,village,status,valid_from,valid_to,decision,note",
        ),
    ],
)
def test_it_offers_sample_files_that_import_as_they_are(
    client: Any, province_admin: Any, name: str, header: str
) -> None:
    response = login(client, province_admin).get(reverse(name))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines()[0] == header
    if name == "places:village_import_sample":
        report = services.village_import_csv(data=response.content, filename="sample.csv")
        assert report.rejected == [] and report.inserted == 5
        second = client.get(reverse("places:area_status_import_sample")).content
        report = services.area_status_import_csv(data=second, filename="sample.csv")
        assert report.rejected == [] and report.inserted == 4


# Area status ---------------------------------------------------------------------------------


def test_it_filters_area_status_by_commune_status_and_day(
    client: Any,
    province_admin: Any,
    commune_a: Any,
    commune_b: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _region(commune_a, valid_to=date(2025, 12, 31))
    _region(commune_a, status="region_1", valid_from=date(2026, 1, 1), decision="60/QĐ-BDTTG")
    _region(commune_b, status="region_2")
    login(client, province_admin)
    url = reverse("places:area_status_list")

    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert "3 giai đoạn" in page

    page = client.get(url, {"commune": "31825", "on": "2025-12-31"}).content.decode()
    assert "<td>Khu vực III (xã đặc biệt khó khăn)</td>" in page
    assert "<td>Khu vực I</td>" not in page and "1 giai đoạn" in page

    page = client.get(url, {"status": "region_2"}).content.decode()
    assert "1 giai đoạn" in page and "<td>Khu vực II</td>" in page


def test_it_lists_only_the_officers_own_statuses(
    client: Any, officer_b: Any, commune_a: Any, commune_b: Any, hamlet_a: Village
) -> None:
    _region(commune_a)
    services.area_status_create(
        commune_code=commune_a.code,
        village_name=hamlet_a.name,
        status="em_area_village",
        valid_from=date(2026, 1, 1),
        decision="60/QĐ-BDTTG",
    )
    _region(commune_b, status="region_2")

    page = login(client, officer_b).get(reverse("places:area_status_list")).content.decode()

    assert "1 giai đoạn" in page and "Phường Bạc Liêu" not in page and "Ấp Hòa Bình" not in page


def test_it_records_an_area_status_from_the_form(
    client: Any, province_admin: Any, hamlet_a: Village
) -> None:
    login(client, province_admin)
    form_url = reverse("places:area_status_create")
    assert client.get(form_url, {"commune": "31825", "village": "Ấp Hòa Bình"}).status_code == 200

    response = client.post(
        form_url,
        {
            "commune": "31825",
            "village": "ấp hòa bình",
            "status": "especially_difficult_village",
            "valid_from": "2026-01-01",
            "valid_to": "",
            "decision": "60/QĐ-BDTTG",
            "note": "",
        },
    )

    assert response.status_code == 302
    assert AreaStatus.objects.get().village == hamlet_a


def test_it_shows_an_overlap_on_the_form(client: Any, province_admin: Any, commune_a: Any) -> None:
    _region(commune_a)

    response = login(client, province_admin).post(
        reverse("places:area_status_create"),
        {
            "commune": "31825",
            "status": "region_1",
            "valid_from": "01/01/2024",
            "decision": "60/QĐ-BDTTG",
        },
    )

    assert response.status_code == 200
    assert "861/QĐ-TTg" in response.context["form"].errors["valid_from"][0]
    assert AreaStatus.objects.count() == 1


def test_it_ends_an_area_status(client: Any, province_admin: Any, commune_a: Any) -> None:
    status = _region(commune_a)
    login(client, province_admin)
    url = reverse("places:area_status_end", args=[status.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"valid_to": "2025-12-31"})

    assert response.status_code == 302
    status.refresh_from_db()
    assert status.valid_to == date(2025, 12, 31)

    response = client.post(url, {"valid_to": "2020-01-01"})
    assert response.status_code == 200
    assert "valid_to" in response.context["form"].errors
