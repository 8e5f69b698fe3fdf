"""Each role lands on a page made for its work, and sees only what its communes allow."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from django.urls import reverse

from conftest import login
from people.models import Disability, Household, PovertyStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(commune_a, commune_b, make_person):
    """Two people in commune A (one very old with a severe disability), one in commune B."""
    household = Household.objects.create(code="HH-A-1", commune=commune_a)
    PovertyStatus.objects.create(
        household=household,
        status="poor",
        period="2022-2025",
        review_year=2025,
        valid_from=date(2025, 1, 1),
        source="test",
    )
    old = make_person(
        commune_a,
        "Thạch Thị Sen",
        date_of_birth=date(1938, 5, 2),
        household=household,
        personal_id="096138123456",
    )
    Disability.objects.create(
        person=old,
        disability_type="mobility",
        level="especially_severe",
        valid_from=date(2020, 1, 1),
        source="test",
    )
    make_person(
        commune_a, "Danh Văn Tốt", household=household, sex="male", personal_id="096088654321"
    )
    make_person(commune_b, "Lâm Thị Hoa Xuân", personal_id="096188111222")
    return old


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("workspace"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_shows_the_officer_only_their_communes(client, officer_a, registry, commune_b):
    response = login(client, officer_a).get(reverse("workspace"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["commune"].code for row in rows] == [officer_a.communes.get().code]
    assert rows[0]["n_people"] == 2
    assert rows[0]["n_elderly"] == 1
    assert rows[0]["n_disability"] == 1
    assert rows[0]["n_poor"] == 1
    assert commune_b.name not in response.content.decode()


def test_it_gives_another_communes_officer_none_of_commune_a(client, officer_b, registry):
    response = login(client, officer_b).get(reverse("workspace"))
    rows = response.context["rows"]
    assert [row["commune"].code for row in rows] == [officer_b.communes.get().code]
    assert rows[0]["n_people"] == 1
    assert "Thạch Thị Sen" not in response.content.decode()


def test_it_lists_people_to_follow_for_the_health_worker(client, health_worker_a, registry):
    response = login(client, health_worker_a).get(reverse("workspace"))
    assert response.status_code == 200
    assert response.context["count"] == 1
    person = response.context["people"][0]
    assert person.full_name == "Thạch Thị Sen"
    assert person.age >= 80


def test_it_keeps_another_communes_people_from_the_health_worker(
    client, make_user, registry, commune_b
):
    worker_b = make_user("health.b", "health_worker", (commune_b.code,))
    response = login(client, worker_b).get(reverse("workspace"))
    assert response.context["count"] == 0


def test_it_shows_the_province_admin_every_commune(client, province_admin, registry):
    response = login(client, province_admin).get(reverse("workspace"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 64  # Cà Mau after the 2025 merger
    assert response.context["totals"]["n_people"] == 3


def test_it_shows_a_citizen_their_own_record_only(
    client, citizen, registry, commune_a, make_person
):
    mine = make_person(commune_a, "Danh Thị Mai", user=citizen, personal_id="096190765432")
    response = login(client, citizen).get(reverse("workspace"))
    assert response.status_code == 200
    assert response.context["person"] == mine
    assert "Thạch Thị Sen" not in response.content.decode()


def test_it_shows_employers_counts_not_names(client, make_user, registry):
    employer = make_user("employer", "employer", organisation="HTX Tân Thành")
    response = login(client, employer).get(reverse("workspace"))
    assert response.status_code == 200
    assert "Thạch Thị Sen" not in response.content.decode()


def test_it_shows_partners_the_area_in_force(client, make_user, commune_a):
    from places.models import AreaStatus

    AreaStatus.objects.create(
        commune=commune_a, status="region_3", valid_from=date(2026, 1, 1), decision="60/QĐ-BDTTG"
    )
    AreaStatus.objects.create(
        commune=commune_a,
        status="region_1",
        valid_from=date(2021, 1, 1),
        valid_to=date(2025, 12, 31),
        decision="861/QĐ-TTg",
    )
    partner = make_user("partner", "partner", organisation="Viettel Cà Mau")
    response = login(client, partner).get(reverse("workspace"))
    assert response.context["count"] == 1


def test_it_redirects_staff_from_the_front_page_to_their_workspace(client, officer_a):
    response = login(client, officer_a).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace")


def test_it_keeps_the_officer_workspace_query_count_flat(
    client, officer_a, registry, django_assert_max_num_queries
):
    login(client, officer_a)
    with django_assert_max_num_queries(16):
        client.get(reverse("workspace"))


@pytest.mark.parametrize("name", ["home", "about", "accessibility"])
def test_it_serves_public_pages_in_vietnamese_by_default(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()


def test_it_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("home"))
    assert 'lang="en"' in response.content.decode()


def test_it_sets_a_strict_content_security_policy(client):
    response = client.get(reverse("home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_it_answers_unknown_pages_with_a_helpful_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404


def test_it_names_the_other_language_in_that_language(client):
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en" class="link">English</button>' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = unicodedata.normalize("NFC", client.get(reverse("home")).content.decode())
    assert 'lang="vi" class="link">Tiếng Việt</button>' in page


def test_it_shows_a_citizen_the_support_the_last_run_found_and_their_file(
    client, citizen, commune_a, make_person, officer_a, make_user
):
    from benefits import services as benefit_services
    from people.models import SocialFact

    mine = make_person(
        commune_a,
        "Danh Thị Mai",
        user=citizen,
        personal_id="096140765432",
        date_of_birth=date(1940, 5, 1),
    )
    SocialFact.objects.create(
        person=mine, kind="monthly_pension_vnd", amount_vnd=0, valid_from=date(2020, 1, 1),
        source="test",
    )  # fmt: skip
    benefit_services.eligibility_run_create(day=date(2026, 11, 1))
    login(client, citizen)
    page = client.get(reverse("workspace"))
    assert [item["amount"] for item in page.context["support"]] == [500_000]
    assert page.context["health_insurance"] is True
    text = page.content.decode()
    assert "500.000\xa0₫" in text
    assert "Xã, phường chưa lập hồ sơ cho bạn" in text

    benefit_services.cases_propose_eligible(commune_code=commune_a.code, actor=officer_a)
    page = client.get(reverse("workspace"))
    assert page.context["support"][0]["case"]
    assert "Xã, phường chưa lập hồ sơ cho bạn" not in page.content.decode()


def test_it_shows_a_citizen_without_a_record_no_support(client, citizen):
    page = login(client, citizen).get(reverse("workspace"))
    assert page.context["support"] == []
    assert reverse("health:my_health") in page.content.decode()
