"""Staff screens: search, a person's page, revealing the ID number, edits, facts, households."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from people.models import Disability, HistoryEntry, Household, PovertyStatus, SocialFact
from people.tests.helpers import pid

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan(make_person, commune_a):  # type: ignore[no-untyped-def]
    household = Household.objects.create(code="HH-A1", commune=commune_a)
    return make_person(
        commune_a,
        "Nguyễn Thị Lan",
        personal_id="096188123456",
        phone="+84912345678",
        household=household,
        relation_to_head="head",
    )


@pytest.fixture
def hung(make_person, commune_b):  # type: ignore[no-untyped-def]
    return make_person(commune_b, "Nguyễn Văn Hùng", sex="male", personal_id="096088654321")


# Search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["nguyen thi lan", "NGUYỄN lan", "0912 345 678", "096188123456", "456"]
)
def test_it_finds_a_person_by_name_phone_or_id(client, officer_a, lan, hung, query) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_a).get(reverse("people:search"), {"q": query})
    assert response.status_code == 200
    assert [p.pk for p in response.context["page"]] == [lan.pk]
    assert "•••••••••456" in response.content.decode()


def test_it_searches_only_the_users_communes(client, officer_b, lan, hung) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_b).get(reverse("people:search"), {"q": "nguyen"})
    assert [p.pk for p in response.context["page"]] == [hung.pk]


def test_the_search_page_runs_a_fixed_number_of_queries(
    client, officer_a, make_person, commune_a, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(40):
        make_person(commune_a, f"Lò Văn Bản {n}")
    login(client, officer_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("people:search"), {"q": "lo van"})
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.count == 40


@pytest.mark.parametrize("persona", ["citizen", "make_employer"])
def test_it_refuses_search_to_roles_without_registry_access(
    client, request, persona, make_user
) -> None:  # type: ignore[no-untyped-def]
    user = (
        make_user("emp", "employer")
        if persona == "make_employer"
        else request.getfixturevalue(persona)
    )
    assert login(client, user).get(reverse("people:search")).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# A person's page ---------------------------------------------------------------------------------


def test_it_shows_a_person_with_a_masked_id_and_audits_the_view(client, helper_a, lan) -> None:  # type: ignore[no-untyped-def]
    response = login(client, helper_a).get(reverse("people:person", args=[lan.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nguyễn Thị Lan" in text
    assert "096188123456" not in text and "•••••••••456" in text
    entry = AuditEntry.objects.get(action="view", object_type="person")
    assert (entry.object_id, entry.commune_code, entry.actor) == (str(lan.pk), 31825, helper_a)


def test_it_refuses_another_communes_person(client, officer_b, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_b)
    assert client.get(reverse("people:person", args=[lan.pk])).status_code == 404
    assert client.get(reverse("people:person_history", args=[lan.pk])).status_code == 404
    assert (
        client.post(reverse("people:person_reveal", args=[lan.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert client.get(reverse("people:household", args=[lan.household_id])).status_code == 404


def test_it_refuses_a_citizen_the_staff_person_page(client, citizen, lan) -> None:  # type: ignore[no-untyped-def]
    lan.user = citizen
    lan.save(update_fields=["user"])
    assert login(client, citizen).get(reverse("people:person", args=[lan.pk])).status_code == 403


def test_it_reveals_the_full_number_for_a_reason_and_audits_it(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    url = reverse("people:person_reveal", args=[lan.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    assert (
        "096188123456" not in client.get(reverse("people:person", args=[lan.pk])).content.decode()
    )
    response = client.post(url, {"reason": "Làm hồ sơ trợ cấp"})
    assert response.status_code == 302
    page = client.get(reverse("people:person", args=[lan.pk])).content.decode()
    assert "096188123456" in page
    entry = AuditEntry.objects.get(details__field="personal_id")
    assert (entry.reason, entry.commune_code) == ("Làm hồ sơ trợ cấp", 31825)


def test_it_hides_hiv_status_from_helpers(client, helper_a, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    SocialFact.objects.create(
        person=lan, kind="has_hiv", value=True, valid_from=date(2024, 1, 1), source="test"
    )
    helper_page = login(client, helper_a).get(reverse("people:person", args=[lan.pk]))
    assert [f.kind for f in helper_page.context["facts"]] == []
    officer_page = login(client, officer_a).get(reverse("people:person", args=[lan.pk]))
    assert [f.kind for f in officer_page.context["facts"]] == ["has_hiv"]


# Edits -------------------------------------------------------------------------------------------


def _edit_data(person, **changes):  # type: ignore[no-untyped-def]
    data = {
        "personal_id": "",
        "legacy_id": "",
        "full_name": person.full_name,
        "date_of_birth": "14/03/1988",
        "sex": person.sex,
        "ethnicity": "Khmer",
        "phone": "0912 345 678",
        "commune": "31825",
        "village": "",
        "household": "HH-A1",
        "relation_to_head": "head",
        "marital_status": "",
        "date_of_death": "",
        "reason": "Kiểm tra CCCD",
    }
    data.update(changes)
    return data


def test_an_officer_edits_a_person_and_the_change_is_in_history(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    url = reverse("people:person_edit", args=[lan.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert "096188123456" not in form_page.content.decode()
    response = client.post(url, _edit_data(lan, phone="0987 654 321", marital_status="married"))
    assert response.status_code == 302
    lan.refresh_from_db()
    assert (lan.phone, lan.marital_status) == ("+84987654321", "married")
    entry = HistoryEntry.objects.get(person=lan)
    assert entry.source == "ui" and entry.reason == "Kiểm tra CCCD" and entry.actor == officer_a
    assert entry.changes["phone"] == ["+84912345678", "+84987654321"]
    assert AuditEntry.objects.filter(action="update", object_type="person").exists()
    page = client.get(reverse("people:person", args=[lan.pk])).content.decode()
    assert "Kiểm tra CCCD" in page


def test_an_edit_needs_a_reason_and_valid_values(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    url = reverse("people:person_edit", args=[lan.pk])
    response = client.post(url, _edit_data(lan, reason="", date_of_birth="31/02/1988"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"reason", "date_of_birth"}
    response = client.post(url, _edit_data(lan, sex="male"))
    assert "personal_id" in response.context["form"].errors
    response = client.post(url, _edit_data(lan, personal_id="096088123456"))
    assert "personal_id" in response.context["form"].errors
    assert not HistoryEntry.objects.exists()


def test_an_officer_cannot_move_a_person_to_another_commune(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    response = client.post(
        reverse("people:person_edit", args=[lan.pk]), _edit_data(lan, commune="32002")
    )
    assert response.status_code == 200 and "commune" in response.context["form"].errors


@pytest.mark.parametrize("name", ["person_edit", "person_facts", "disability_add"])
def test_it_refuses_edits_to_readers_and_other_communes(
    client, helper_a, officer_b, lan, name
) -> None:  # type: ignore[no-untyped-def]
    url = reverse(f"people:{name}", args=[lan.pk])
    assert login(client, helper_a).get(url).status_code == 403
    assert login(client, officer_b).get(url).status_code == 404


def test_an_officer_records_social_facts(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    url = reverse("people:person_facts", args=[lan.pk])
    data = {
        "monthly_pension_vnd": "500000",
        "has_hiv": "",
        "child_without_care": "",
        "is_studying": "",
        "has_supporter": "no",
        "reason": "Biên bản rà soát",
    }
    assert client.post(url, data).status_code == 302
    facts = {f.kind: f for f in SocialFact.objects.filter(person=lan, valid_to__isnull=True)}
    assert facts["monthly_pension_vnd"].amount_vnd == 500_000
    assert facts["has_supporter"].value is False
    data["has_supporter"] = ""
    client.post(url, data)
    assert not SocialFact.objects.filter(kind="has_supporter", valid_to__isnull=True).exists()
    assert HistoryEntry.objects.filter(person=lan, kind="facts").count() == 2


def test_an_officer_records_the_facts_care_support_needs(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    url = reverse("people:person_facts", args=[lan.pk])
    data = {"is_pregnant": "yes", "taken_in_by_community": "no", "reason": "Biên bản"}
    assert client.post(url, data).status_code == 302
    facts = {f.kind: f.value for f in SocialFact.objects.filter(person=lan, valid_to__isnull=True)}
    assert facts == {"is_pregnant": True, "taken_in_by_community": False}


def test_an_officer_records_and_ends_a_disability(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    response = client.post(
        reverse("people:disability_add", args=[lan.pk]),
        {
            "disability_type": "visual",
            "level": "severe",
            "certified_on": "01/02/2023",
            "reason": "Giấy xác nhận",
        },
    )
    assert response.status_code == 302
    disability = Disability.objects.get(person=lan)
    assert disability.valid_from == date(2023, 2, 1)
    end = reverse("people:disability_end", args=[lan.pk, disability.pk])
    assert client.post(end, {"reason": "Giám định lại"}).status_code == 302
    disability.refresh_from_db()
    assert disability.valid_to is not None


def test_a_household_page_and_poverty_classification(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    login(client, officer_a)
    page = client.get(reverse("people:household", args=[lan.household_id]))
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.content.decode()
    url = reverse("people:household_poverty", args=[lan.household_id])
    data = {
        "status": "poor",
        "period": "2022-2025",
        "review_year": "2025",
        "reason": "Rà soát 2025",
    }
    assert client.post(url, data).status_code == 302
    data |= {"status": "near_poor", "review_year": "2026"}
    assert client.post(url, data).status_code == 302
    rows = list(PovertyStatus.objects.order_by("review_year").values_list("status", "valid_to"))
    assert rows[0][0] == "poor" and rows[0][1] is not None
    assert rows[1] == ("near_poor", None)
    assert HistoryEntry.objects.filter(household_id=lan.household_id, kind="facts").count() == 2


def test_it_refuses_poverty_edits_to_readers_and_other_communes(
    client, helper_a, officer_b, lan
) -> None:  # type: ignore[no-untyped-def]
    url = reverse("people:household_poverty", args=[lan.household_id])
    assert login(client, helper_a).get(url).status_code == 403
    assert login(client, officer_b).get(url).status_code == 404


def test_the_history_page_lists_every_change(client, officer_a, lan) -> None:  # type: ignore[no-untyped-def]
    from people import services

    services.person_update(
        person=lan, actor=officer_a, reason="Sửa", values={"marital_status": "widowed"}
    )
    response = login(client, officer_a).get(reverse("people:person_history", args=[lan.pk]))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_it_keeps_ids_unique(officer_a, lan, make_person, commune_a) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from people import services

    other = make_person(commune_a, "Trần Thị Bé", personal_id=pid())
    with pytest.raises(ValidationError):
        services.person_update(
            person=other, actor=officer_a, reason="x", values={"personal_id": lan.personal_id}
        )


def test_it_refuses_to_end_another_communes_disability(client, officer_b, helper_a, lan) -> None:  # type: ignore[no-untyped-def]
    disability = Disability.objects.create(
        person=lan, disability_type="visual", level="mild", valid_from=date(2020, 1, 1), source="t"
    )
    url = reverse("people:disability_end", args=[lan.pk, disability.pk])
    assert login(client, officer_b).post(url, {"reason": "x"}).status_code == 404
    assert login(client, helper_a).post(url, {"reason": "x"}).status_code == 403
    disability.refresh_from_db()
    assert disability.valid_to is None


def test_the_history_page_runs_a_fixed_number_of_queries(
    client, officer_a, lan, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from people import services

    for n in range(30):
        services.person_update(
            person=lan, actor=officer_a, reason=f"Sửa {n}", values={"phone": f"+8491234{n:04d}"}
        )
    login(client, officer_a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("people:person_history", args=[lan.pk]))
    assert len(response.context["rows"]) == 30
