"""Adding one person from the staff screen: checks, duplicates, households, history, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from people import services
from people.models import HistoryEntry, Household, Person
from people.tests.helpers import pid
from places.models import Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_a(commune_a):  # type: ignore[no-untyped-def]
    return Village.objects.create(commune=commune_a, name="Ấp Một", name_key="ap mot")


def _form(**values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "personal_id": "",
        "full_name": "Thạch Bé Na",
        "date_of_birth": "02/01/2026",
        "sex": "female",
        "ethnicity": "05",
        "phone": "",
        "commune": "31825",
        "village": "",
        "household_choice": "none",
        "household": "",
        "relation_to_head": "",
        "new_household_code": "",
        "marital_status": "",
        "reason": "newborn, birth certificate 12/2026",
    }
    data.update(values)
    return data


def test_it_adds_a_newborn_to_an_existing_household(
    client, officer_a, commune_a, village_a
) -> None:  # type: ignore[no-untyped-def]
    household = Household.objects.create(code="HH-A1", commune=commune_a)
    response = login(client, officer_a).post(
        reverse("people:person_create"),
        _form(
            village=village_a.pk,
            household_choice="existing",
            household="HH-A1",
            relation_to_head="child",
        ),
    )
    person = Person.objects.get(full_name="Thạch Bé Na")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[person.pk])
    assert person.household == household
    assert person.village == village_a
    assert person.ethnicity == "Khơ me"
    assert person.personal_id is None
    entry = HistoryEntry.objects.get(person=person)
    assert entry.kind == HistoryEntry.Kind.CREATED
    assert entry.reason == "newborn, birth certificate 12/2026"
    assert entry.changes["household_id"] == [None, "HH-A1"]
    assert AuditEntry.objects.filter(
        object_type="person", object_id=str(person.pk), action="create", commune_code=31825
    ).exists()


def test_it_makes_a_new_household_headed_by_the_person(officer_a, commune_a) -> None:  # type: ignore[no-untyped-def]
    number = pid(1990, "male")
    person = services.person_create(
        actor=officer_a,
        reason="moved in from Sóc Trăng",
        personal_id=number,
        full_name="Lâm Văn Tài",
        date_of_birth=date(1990, 5, 6),
        sex="male",
        commune_id=31825,
        phone="+84912000111",
        new_household=True,
    )
    assert person.relation_to_head == "head"
    assert person.household.code.startswith("LS31825-")
    assert person.household.code.endswith("-001")
    assert person.household.commune_id == 31825
    assert HistoryEntry.objects.filter(household=person.household, kind="created").exists()
    assert HistoryEntry.objects.get(person=person).changes["personal_id"][1] != number
    second = services.person_create(
        actor=officer_a,
        reason="moved in",
        full_name="Lâm Thị Hoa",
        date_of_birth=date(1992, 1, 1),
        sex="female",
        commune_id=31825,
        new_household=True,
    )
    assert second.household.code == person.household.code[:-3] + "002"


def test_it_warns_of_a_look_alike_and_saves_once_confirmed(
    client, officer_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    existing = make_person(commune_a, "Thạch Bé Na", date_of_birth=date(2026, 1, 2))
    login(client, officer_a)
    response = client.post(reverse("people:person_create"), _form(full_name="THẠCH BÉ NA"))
    assert response.status_code == 200
    assert [p.pk for p in response.context["candidates"]] == [existing.pk]
    assert Person.objects.count() == 1
    response = client.post(
        reverse("people:person_create"), _form(full_name="Thạch Bé Na", confirm_different="on")
    )
    assert response.status_code == 302
    created = Person.objects.exclude(pk=existing.pk).get()
    assert HistoryEntry.objects.get(person=created).changes["different_from"] == [
        None,
        [existing.pk],
    ]


def test_it_refuses_an_id_number_already_in_the_registry(
    client, officer_a, make_person, commune_a
) -> None:  # type: ignore[no-untyped-def]
    existing = make_person(commune_a, "Nguyễn Thị Lan")
    response = login(client, officer_a).post(
        reverse("people:person_create"),
        _form(
            personal_id=existing.personal_id,
            full_name="Nguyễn Thị Lan",
            date_of_birth="14/03/1988",
            confirm_different="on",
        ),
    )
    assert response.status_code == 200
    assert "personal_id" in response.context["form"].errors
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"personal_id": "12345"}, "personal_id"),
        ({"personal_id": pid(1988, "male")}, "personal_id"),  # the number says male
        ({"date_of_birth": "31/02/2020"}, "date_of_birth"),
        ({"date_of_birth": "01/01/2999"}, "date_of_birth"),
        ({"phone": "12345"}, "phone"),
        ({"full_name": ""}, "full_name"),
        ({"household_choice": "existing", "household": "NOPE"}, "household"),
        ({"reason": ""}, "reason"),
    ],
)
def test_it_says_what_is_wrong_with_bad_input(client, officer_a, values, field) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_a).post(reverse("people:person_create"), _form(**values))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Person.objects.count() == 0


def test_it_refuses_a_village_of_another_commune(officer_a, commune_b) -> None:  # type: ignore[no-untyped-def]
    other = Village.objects.create(commune=commune_b, name="Khóm 2", name_key="khom 2")
    with pytest.raises(services.ValidationError) as caught:
        services.person_create(
            actor=officer_a,
            reason="r",
            full_name="Lâm Văn Tài",
            date_of_birth=date(1990, 5, 6),
            sex="male",
            commune_id=31825,
            village_id=other.pk,
        )
    assert "village" in caught.value.message_dict


def test_it_refuses_another_communes_officer(client, officer_b) -> None:  # type: ignore[no-untyped-def]
    response = login(client, officer_b).post(reverse("people:person_create"), _form())
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert Person.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=officer_b,
            reason="r",
            full_name="Lâm Văn Tài",
            date_of_birth=date(1990, 5, 6),
            sex="male",
            commune_id=31825,
        )


def test_it_refuses_roles_that_may_not_write(client, helper_a, citizen) -> None:  # type: ignore[no-untyped-def]
    for user in (helper_a, citizen):
        response = login(client, user).get(reverse("people:person_create"))
        assert response.status_code == 403
