"""The benefits panel on the registry's person page, and the facts the new policies read."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from accounts.models import AuditEntry
from benefits import selectors, services
from conftest import login
from people.models import Household, Person, SocialFact


def facts_of(person: Any, day: date) -> dict[str, Any]:
    found = selectors.person_facts(selectors.policy_set().facts, person.pk, day)
    assert found is not None
    return found


def test_it_counts_the_children_a_parent_raises_on_the_day(
    commune_a: Any, make_person: Any
) -> None:
    household = Household.objects.create(code="HH-9", commune=commune_a)
    mother = make_person(
        commune_a,
        "Lâm Thị Hoa",
        household=household,
        marital_status="widowed",
        date_of_birth=date(1990, 1, 1),
    )
    make_person(commune_a, "Con Một", household=household, date_of_birth=date(2010, 11, 2))
    student = make_person(commune_a, "Con Hai", household=household, date_of_birth=date(2006, 5, 5))
    make_person(commune_a, "Em Bé", household=household, date_of_birth=date(2023, 11, 2))
    # The day before the 16th birthday the first child counts; on it, no longer.
    assert facts_of(mother, date(2026, 11, 1))["children_in_household"] == 2
    assert facts_of(mother, date(2026, 11, 2))["children_in_household"] == 1
    # The baby is under 36 months the day before its 3rd birthday.
    assert facts_of(mother, date(2026, 11, 1))["children_under_3_in_household"] == 1
    assert facts_of(mother, date(2026, 11, 2))["children_under_3_in_household"] == 0
    SocialFact.objects.create(
        person=student, kind="is_studying", value=True, valid_from=date(2020, 1, 1), source="t"
    )
    facts = facts_of(mother, date(2026, 11, 2))
    assert facts["children_in_household"] == 2
    assert facts["marital_status"] == "widowed"
    assert facts["receives_monthly_allowance"] is False


def test_it_reads_a_child_born_on_29_february(commune_a: Any, make_person: Any) -> None:
    household = Household.objects.create(code="HH-8", commune=commune_a)
    father = make_person(commune_a, "Kim Văn Ba", household=household, sex="male")
    make_person(commune_a, "Con Nhuận", household=household, date_of_birth=date(2012, 2, 29))
    # 16 on 1 March in a common year, as the policies' age rule says.
    assert facts_of(father, date(2028, 2, 28))["children_in_household"] == 1
    assert facts_of(father, date(2028, 2, 29))["children_in_household"] == 0
    assert facts_of(father, date(2027, 2, 28))["children_in_household"] == 1
    assert facts_of(father, date(2027, 3, 1))["children_in_household"] == 1


def test_it_leaves_unknown_what_the_registry_does_not_hold(
    commune_a: Any, make_person: Any
) -> None:
    alone = make_person(commune_a, "Võ Văn Tư")
    facts = facts_of(alone, date(2026, 11, 1))
    assert facts["children_in_household"] is None
    assert facts["marital_status"] is None
    assert facts["is_pregnant"] is None


def test_it_explains_every_policy_on_the_person_page(
    client: Any, grandmother: Any, officer_a: Any
) -> None:
    login(client, officer_a)
    response = client.get(reverse("people:person", args=[grandmother.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="benefits-heading"' in text
    assert "Trợ cấp hưu trí xã hội" in text
    # A missing fact says where to record it.
    assert reverse("people:person_facts", args=[grandmother.pk]) in text
    assert AuditEntry.objects.filter(
        object_type="benefits.explanation", object_id=str(grandmother.pk)
    ).exists()


def test_it_hides_the_panel_from_roles_that_do_not_decide(
    client: Any, grandmother: Any, health_worker_a: Any, helper_a: Any
) -> None:
    for user in (health_worker_a, helper_a):
        login(client, user)
        response = client.get(reverse("people:person", args=[grandmother.pk]))
        if response.status_code == 200:
            assert 'id="benefits-heading"' not in response.content.decode()


def test_it_counts_approved_cases_as_receiving_an_allowance(
    grandmother: Any, officer_a: Any, make_user: Any
) -> None:
    reviewer = make_user("reviewer.a", "commune_officer", (31825,))
    chairman = make_user("chairman.a", "commune_officer", (31825,))
    services.approver_set(user=chairman, grant=True)
    services.eligibility_run_create(day=date(2026, 11, 1))
    case = services.cases_propose_eligible(commune_code=31825, actor=officer_a)[0]
    services.case_review(case=case, actor=reviewer)
    services.case_approve(case=case, actor=chairman)
    assert facts_of(grandmother, date(2026, 12, 1))["receives_monthly_allowance"] is True
    run = services.eligibility_run_create(day=date(2026, 12, 1))
    assert run.summary["funeral_support"]["became_eligible"] == 1
    Person.objects.filter(pk=grandmother.pk).update(date_of_death=date(2026, 12, 10))
